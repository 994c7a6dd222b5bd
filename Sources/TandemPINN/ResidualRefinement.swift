/// Residual-based adaptive refinement (Lu, Meng, Mao & Karniadakis 2021, "DeepXDE",
/// SIAM Review 63(1), §2.8): the candidates where the residual is largest.
public enum ResidualRefinement {
    /// Indices of the `count` largest `|values|`, largest first.
    public static func largest(_ values: [Double], count: Int) -> [Int] {
        Array(values.indices.sorted { Swift.abs(values[$0]) > Swift.abs(values[$1]) }.prefix(count))
    }
}

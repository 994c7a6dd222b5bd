import TandemCore

/// How a weight tensor is filled at construction, always from an explicit seeded generator.
///
/// `fanIn` and `fanOut` are the numbers of inputs and outputs of one unit (for a convolution,
/// channels × kernel area).
public enum Initializer: Sendable, Equatable {
    /// `U(−a, a)`, `a = √(6 / (fanIn + fanOut))`. Glorot & Bengio 2010, PMLR 9:249.
    case glorotUniform
    /// `N(0, 2 / (fanIn + fanOut))`. Glorot & Bengio 2010.
    case glorotNormal
    /// `N(0, 2 / fanIn)`. He et al. 2015, arXiv:1502.01852.
    case heNormal
    /// `U(−a, a)`, `a = √(6 / fanIn)`. He et al. 2015.
    case heUniform
    /// `N(0, σ²)` with the given standard deviation.
    case normal(standardDeviation: Double)
    /// All zeros (biases).
    case zeros
    /// All ones (normalisation scales).
    case ones

    /// A tensor of `shape` drawn by this rule.
    public func make<S: TensorScalar>(shape: [Int], fanIn: Int, fanOut: Int, using generator: inout SeededGenerator) -> Tensor<S> {
        let fi = S(Swift.max(fanIn, 1)), fo = S(Swift.max(fanOut, 1))
        switch self {
        case .glorotUniform:
            let a = S.sqrt(6 / (fi + fo))
            return .randomUniform(shape: shape, lower: -a, upper: a, using: &generator)
        case .glorotNormal:
            return .randomNormal(shape: shape, standardDeviation: S.sqrt(2 / (fi + fo)), using: &generator)
        case .heNormal:
            return .randomNormal(shape: shape, standardDeviation: S.sqrt(2 / fi), using: &generator)
        case .heUniform:
            let a = S.sqrt(6 / fi)
            return .randomUniform(shape: shape, lower: -a, upper: a, using: &generator)
        case let .normal(std):
            return .randomNormal(shape: shape, standardDeviation: S(std), using: &generator)
        case .zeros:
            return .zeros(shape: shape)
        case .ones:
            return .ones(shape: shape)
        }
    }
}

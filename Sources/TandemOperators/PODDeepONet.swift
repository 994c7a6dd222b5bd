import TandemCore
import TandemNN

/// A POD-DeepONet (Lu, Meng, Cai, Mao, Goswami, Zhang & Karniadakis, "A comprehensive and fair
/// comparison of two neural operators (with practical extensions) based on FAIR data", CMAME 393,
/// 2022, 114778): the trunk is replaced by the leading proper orthogonal modes `φ_k` of the
/// training outputs, and the branch predicts their coefficients,
///
///     G(a)(y_j) = Σ_{k<p} b_k(a)·φ_k(y_j) + β.
///
/// Tandem fits the modes to the standardised training outputs (zero outside each geometry, so one
/// basis serves every geometry; the mean is already removed by the standardisation) with a thin
/// SVD (``basis(snapshots:functions:points:energy:maximum:)``), each mode scaled by `σ_k/√n` so
/// that the training outputs' coefficients have unit mean square on every mode (what a freshly
/// initialised branch predicts). The basis is data, not a parameter: it is saved beside the model
/// and never trained.
public struct PODDeepONet<Scalar: TensorScalar>: Module {
    /// Predicts the `p` coefficients.
    public var branch: Branch<Scalar>
    /// `β`, `[1]`.
    public var bias: Tensor<Scalar>
    /// The modes `φ_k` as columns, `[m, p]` (fixed).
    public let basis: Tensor<Scalar>

    /// A POD-DeepONet whose branch maps inputs to `basis.shape[1]` coefficients.
    public init(branch: Branch<Scalar>, basis: Tensor<Scalar>) {
        precondition(basis.rank == 2, "PODDeepONet: the basis is [points, modes]")
        self.branch = branch
        self.basis = basis
        bias = .zeros(shape: [1])
    }

    /// The number of modes `p`.
    public var modeCount: Int { basis.shape[1] }

    /// `[n, P]` predictions at the points `selection` (all when `nil`) of the basis's grid.
    public func callAsFunction(_ input: Tensor<Scalar>, selection: [Int]? = nil) -> Tensor<Scalar> {
        let modes = selection.map { basis.gathering($0, alongAxis: 0) } ?? basis
        return matmul(branch(input), modes, transposeB: true) + bias
    }

    /// `branch.…`, `bias` (the basis is not a parameter).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&branch, prefix: "branch", body)
        try body("bias", &bias)
    }

    /// The leading POD modes of `functions` snapshots of `points` values each (row-major,
    /// `[functions, points]`): the left singular vectors of the `points × functions` snapshot matrix
    /// (LAPACK `dgesdd`, ``SingularValues``), as many as reach the fraction `energy` of
    /// `Σ σ_k²` (at most `maximum`), mode `k` scaled by `σ_k/√functions`: the snapshots'
    /// coefficients in this basis then have unit mean square on every mode.
    /// - Returns: the basis `[points, p]` and the captured energy fraction of each count `1…p`.
    public static func basis(snapshots: [Float], functions: Int, points: Int, energy: Double, maximum: Int) throws -> (basis: Tensor<Scalar>, captured: [Double]) {
        precondition(snapshots.count == functions * points && functions >= 1 && maximum >= 1 && energy > 0 && energy <= 1)
        // Row-major [functions, points] is column-major [points, functions]: snapshots as columns.
        let available = Swift.min(maximum, points, functions)
        let (values, vectors) = try SingularValues.leftVectors(ofColumns: snapshots.map(Double.init), rows: points, columns: functions, count: available)
        let total = values.reduce(0) { $0 + $1 * $1 }
        var captured: [Double] = [], sum = 0.0
        for s in values.prefix(maximum) {
            sum += s * s
            captured.append(total > 0 ? sum / total : 1)
            if captured.last! >= energy { break }
        }
        let p = captured.count
        var columns = [Scalar](repeating: 0, count: points * p)
        for (k, vector) in vectors.prefix(p).enumerated() {
            let scale = values[k] / Double(functions).squareRoot()
            for j in 0..<points { columns[j * p + k] = Scalar(vector[j] * scale) }
        }
        return (Tensor(shape: [points, p], scalars: columns), captured)
    }
}

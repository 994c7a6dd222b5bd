import TandemCore
import TandemNN

/// The branch network of a ``DeepONet``: what encodes the input function.
public enum Branch<Scalar: TensorScalar>: Layer {
    /// Dense layers over a feature vector `[n, features]` (sampled functions, functional-form
    /// coefficients, geometry parameters).
    case dense(FeedForward<Scalar>)
    /// A CNN over fields on a grid `[n, C, H, W]`.
    case convolutional(ConvolutionalBranch<Scalar>)

    /// Maps a batch of inputs to `[n, latent · outputs]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case let .dense(network): return network(input)
        case let .convolutional(network): return network(input)
        }
    }

    /// The shape of one input (without the batch axis).
    public var inputShape: [Int] {
        switch self {
        case let .dense(network): return [network.widths[0]]
        case let .convolutional(network): return network.inputShape
        }
    }

    /// Visits the network's parameters (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        switch self {
        case var .dense(network):
            try network.visitParameters(body)
            self = .dense(network)
        case var .convolutional(network):
            try network.visitParameters(body)
            self = .convolutional(network)
        }
    }
}

/// A deep operator network (Lu, Jin, Pang, Zhang & Karniadakis, Nat. Mach. Intell. 3, 2021,
/// doi:10.1038/s42256-021-00302-5): `G(a)(y)_k = Σ_{j<p} b_{kj}(a)·t_{kj}(y) + β_k`, with the branch
/// `b` encoding the input function `a`, the trunk `t` the query point `y`, latent width `p` and
/// one bias `β_k` per output `k`.
///
/// Evaluation is Cartesian: `n` functions and `m` points give `[n, m, outputs]` (or `[n, m]` for
/// one output) through one GEMM per output, `B_k·T_kᵀ` with `B_k: [n, p]`, `T_k: [m, p]`.
///
/// With a *conditioned trunk* the trunk also sees the branch's input vector,
/// `G(a)(y) = Σ_j b_j(a)·t_j(y, a) + β`, so that its features can move with the input — e.g. the
/// cold trace of a hole whose position is a parameter, which the Cartesian form can only build from
/// features it saw at the training positions (linear reconstruction's limit for moving features:
/// Lanthaler, Molinaro, Hadorn & Mishra, "Nonlinear reconstruction for operator learning of PDEs
/// with discontinuities", ICLR 2023, whose shift-DeepONet conditions the trunk likewise). It costs
/// `n·m` trunk rows instead of `m`.
public struct DeepONet<Scalar: TensorScalar>: Module {
    /// Encodes the input functions.
    public var branch: Branch<Scalar>
    /// Encodes the query points; its last layer is activated, as in DeepXDE.
    public var trunk: FeedForward<Scalar>
    /// `β`, `[outputs]`.
    public var bias: Tensor<Scalar>
    /// The latent width `p`.
    public let latent: Int
    /// Output components per point.
    public let outputs: Int
    /// Whether the trunk sees `[y, a]` (a dense branch's input appended to each point).
    public let conditionedTrunk: Bool

    /// - Parameters:
    ///   - branch: must map to `latent · outputs` features.
    ///   - trunk: maps `[m, d]` points to `latent · outputs` features (`[m, d + f]` with a
    ///     conditioned trunk, `f` the dense branch's input width).
    ///   - conditionedTrunk: append each function's branch input to its points (one output, dense
    ///     branch only).
    public init(branch: Branch<Scalar>, trunk: FeedForward<Scalar>, latent: Int, outputs: Int = 1, conditionedTrunk: Bool = false) {
        precondition(trunk.widths.last == latent * outputs, "DeepONet: the trunk must end in latent × outputs = \(latent * outputs) features")
        if conditionedTrunk {
            guard case .dense = branch, outputs == 1 else { preconditionFailure("DeepONet: a conditioned trunk needs a dense branch and one output") }
        }
        self.branch = branch
        self.trunk = trunk
        self.latent = latent
        self.outputs = outputs
        self.conditionedTrunk = conditionedTrunk
        bias = .zeros(shape: [outputs])
    }

    /// The prediction for every pair of function and point.
    /// - Parameters:
    ///   - branchInput: `[n, …]`, the branch's input shape after the batch axis.
    ///   - points: `[m, d]`.
    /// - Returns: `[n, m]` for one output, `[n, m, outputs]` otherwise.
    public func callAsFunction(_ branchInput: Tensor<Scalar>, points: Tensor<Scalar>) -> Tensor<Scalar> {
        guard conditionedTrunk else { return combine(branch: branch(branchInput), trunk: trunk(points)) }
        let b = branch(branchInput)
        let (n, f, m, d) = (branchInput.shape[0], branchInput.shape[1], points.shape[0], points.shape[1])
        precondition(trunk.widths[0] == d + f, "DeepONet: a conditioned trunk takes \(trunk.widths[0]) inputs, got \(d) + \(f)")
        // Functions in chunks of about 2¹⁸ trunk rows, so that predicting on large grids stays
        // within memory; every step is recorded, so gradients reach the points and inputs too.
        let chunk = Swift.max(1, (1 << 18) / Swift.max(m, 1))
        let parts = stride(from: 0, to: n, by: chunk).map { start -> Tensor<Scalar> in
            let k = Swift.min(chunk, n - start)
            let inputs = branchInput.slice(alongAxis: 0, start..<(start + k)).reshaped(to: [k, 1, f]).broadcast(to: [k, m, f])
            let rows = concatenate([points.reshaped(to: [1, m, d]).broadcast(to: [k, m, d]), inputs], alongAxis: 2)
            let t = trunk(rows.reshaped(to: [k * m, d + f])).reshaped(to: [k, m, latent])
            return (t * b.slice(alongAxis: 0, start..<(start + k)).reshaped(to: [k, 1, latent])).sum(alongAxis: 2)
        }
        return (parts.count == 1 ? parts[0] : concatenate(parts, alongAxis: 0)) + bias
    }

    /// The dot product over the latent axis, from branch features `[n, p·o]` and trunk features
    /// `[m, p·o]` (computed once and reused when the points do not change).
    public func combine(branch b: Tensor<Scalar>, trunk t: Tensor<Scalar>) -> Tensor<Scalar> {
        if outputs == 1 { return matmul(b, t, transposeB: true) + bias }
        let parts = (0..<outputs).map { k -> Tensor<Scalar> in
            let range = k * latent..<(k + 1) * latent
            return matmul(b.slice(alongAxis: 1, range), t.slice(alongAxis: 1, range), transposeB: true)
        }
        return stack(parts, alongAxis: 2) + bias
    }

    /// Visits the parameters: `branch.…`, `trunk.…`, `bias`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&branch, prefix: "branch", body)
        try visit(&trunk, prefix: "trunk", body)
        try body("bias", &bias)
    }
}

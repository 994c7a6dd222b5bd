/// The vector–Jacobian product of one recorded operation.
///
/// Called with the cotangent `ḡ` of the operation's output, the output `y` itself (recorded,
/// so rules may use it), and which inputs need a cotangent; returns `ḡ·∂y/∂xᵢ` for each input
/// (or `nil` where not needed). Rules are written with tensor operations, so when the backward
/// pass is itself recorded (`createGraph`), they are differentiable again.
typealias Pullback<Scalar: TensorScalar> =
    @Sendable (_ cotangent: Tensor<Scalar>, _ output: Tensor<Scalar>, _ needed: [Bool]) -> [Tensor<Scalar>?]

/// One recorded operation (or a leaf) in a define-by-run computation graph.
///
/// The node keeps its output's scalars (shared with the output tensor, not copied), the nodes
/// of its inputs, and its pullback. Nodes are freed as soon as no tensor refers to them.
final class GraphNode<Scalar: TensorScalar>: @unchecked Sendable {
    let shape: [Int]
    let value: [Scalar]
    let inputs: [GraphNode<Scalar>?]
    let pullback: Pullback<Scalar>?
    /// The operation's name, for error messages and debugging.
    let operation: String

    init(leafWithShape shape: [Int], value: [Scalar]) {
        self.shape = shape
        self.value = value
        self.inputs = []
        self.pullback = nil
        self.operation = "leaf"
    }

    init(operation: String, shape: [Int], value: [Scalar], inputs: [GraphNode<Scalar>?], pullback: @escaping Pullback<Scalar>) {
        self.operation = operation
        self.shape = shape
        self.value = value
        self.inputs = inputs
        self.pullback = pullback
    }

    var isLeaf: Bool { pullback == nil }

    /// The node's output as a recorded tensor.
    var output: Tensor<Scalar> { Tensor(shape: shape, scalars: value, node: self) }
}

extension Tensor {
    /// Wraps a freshly computed value as the output of a recorded operation, when recording
    /// is on and some input is recorded; otherwise returns it as a plain value.
    @inline(__always)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func recorded(
        _ operation: String, shape: [Int], scalars: [Scalar], inputs: [Tensor],
        pullback: @escaping Pullback<Scalar>
    ) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }), GradientMode.isRecording else {
            return Tensor(shape: shape, scalars: scalars, node: nil)
        }
        let node = GraphNode(
            operation: operation, shape: shape, value: scalars, inputs: inputs.map(\.node), pullback: pullback)
        return Tensor(shape: shape, scalars: scalars, node: node)
    }
}

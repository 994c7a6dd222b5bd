import TandemCore
import TandemNN

/// The operator networks an operator problem can train, behind one interface: every kind maps a
/// batch of inputs `[n, …]` to the (standardised) solution at the query points, `[n, P]`.
///
/// Parameter names are the wrapped network's own (`branch.…` and `trunk.…` for a DeepONet,
/// `lift.…`, `blocks.t.…` and `projection.…` for a Fourier neural operator, `branch.…` and `bias`
/// for a POD-DeepONet), so checkpoints and
/// `[transfer] trainable` name them as the network does.
public enum NeuralOperator<Scalar: TensorScalar>: Module {
    /// A DeepONet (the paper's model, Cartesian over functions × points).
    case deepONet(DeepONet<Scalar>)
    /// A Fourier neural operator on the grid of a steady 2-D problem.
    case fourier(FourierNeuralOperator<Scalar>)
    /// A DeepONet whose trunk is the training outputs' leading POD modes.
    case pod(PODDeepONet<Scalar>)

    /// The wrapped DeepONet, or `nil` for another kind.
    public var deepONet: DeepONet<Scalar>? {
        if case let .deepONet(network) = self { return network }
        return nil
    }

    /// The wrapped Fourier neural operator, or `nil` for another kind.
    public var fourier: FourierNeuralOperator<Scalar>? {
        if case let .fourier(network) = self { return network }
        return nil
    }

    /// The wrapped POD-DeepONet, or `nil` for another kind.
    public var pod: PODDeepONet<Scalar>? {
        if case let .pod(network) = self { return network }
        return nil
    }

    /// The prediction of every function at the query points.
    /// - Parameters:
    ///   - input: `[n, …]`, the dataset's branch inputs (fields `[n, C, H, W]` for the FNO).
    ///   - points: `[P, d]`, the coordinates of the query points (a DeepONet's trunk reads them).
    ///   - selection: the indices of those points among the grid's, or `nil` for all of them, in
    ///     order (a grid operator computes the whole field and keeps these).
    /// - Returns: `[n, P]` (`[n, P, outputs]` for a DeepONet with several outputs).
    public func callAsFunction(_ input: Tensor<Scalar>, points: Tensor<Scalar>, selection: [Int]? = nil) -> Tensor<Scalar> {
        switch self {
        case let .deepONet(network): return network(input, points: points)
        case let .fourier(network):
            let field = network(input)
            guard let selection else { return field }
            return field.gathering(selection, alongAxis: 1)
        case let .pod(network): return network(input, selection: selection)
        }
    }

    /// Visits the wrapped network's parameters under its own names.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        switch self {
        case var .deepONet(network):
            try network.visitParameters(body)
            self = .deepONet(network)
        case var .fourier(network):
            try network.visitParameters(body)
            self = .fourier(network)
        case var .pod(network):
            try network.visitParameters(body)
            self = .pod(network)
        }
    }
}

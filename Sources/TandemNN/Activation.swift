import TandemCore

/// An elementwise nonlinearity, named as in problem files and on the command line.
public enum Activation: String, Codable, CaseIterable, Sendable {
    case identity, tanh, sigmoid, relu, leakyRelu = "leaky-relu", elu, selu, gelu, silu, softplus, sin

    /// Applies the nonlinearity to every scalar (see the free functions in TandemCore for the formulas).
    public func callAsFunction<S>(_ x: Tensor<S>) -> Tensor<S> {
        switch self {
        case .identity: return x
        case .tanh: return TandemCore.tanh(x)
        case .sigmoid: return TandemCore.sigmoid(x)
        case .relu: return TandemCore.relu(x)
        case .leakyRelu: return TandemCore.leakyRelu(x)
        case .elu: return TandemCore.elu(x)
        case .selu: return TandemCore.selu(x)
        case .gelu: return TandemCore.gelu(x)
        case .silu: return TandemCore.silu(x)
        case .softplus: return TandemCore.softplus(x)
        case .sin: return TandemCore.sin(x)
        }
    }
}

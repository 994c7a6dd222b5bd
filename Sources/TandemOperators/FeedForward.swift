import TandemCore
import TandemNN

/// Dense layers with an optional layer normalisation before each hidden activation:
/// `h ← σ(LN(h·W + b))` for hidden layers, `h·W + b` (then `outputActivation`) for the last.
///
/// The branch of the multi-task DeepONet for reaction families uses LayerNorm and leaky ReLU
/// (Kumar et al., Neural Networks 184, 2025, 107113, doi:10.1016/j.neunet.2024.107113).
public struct FeedForward<Scalar: TensorScalar>: Layer {
    /// The dense layers, input to output (linear; activations are applied here).
    public var layers: [Dense<Scalar>]
    /// One normalisation per hidden layer, or empty.
    public var norms: [LayerNorm<Scalar>]
    /// Between layers.
    public let activation: Activation
    /// After the last layer.
    public let outputActivation: Activation

    /// - Parameters:
    ///   - widths: input size, hidden widths, output size (at least two entries, all positive).
    ///   - layerNorm: normalise each hidden layer's pre-activation.
    public init(widths: [Int], activation: Activation, outputActivation: Activation = .identity, layerNorm: Bool = false,
                initializer: Initializer = .glorotNormal, using generator: inout SeededGenerator) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, "FeedForward: widths needs an input and an output size, all positive; got \(widths)")
        layers = (0..<widths.count - 1).map { i in
            Dense(inputSize: widths[i], outputSize: widths[i + 1], activation: .identity, initializer: initializer, using: &generator)
        }
        norms = layerNorm ? widths.dropFirst().dropLast().map { LayerNorm(features: $0) } : []
        self.activation = activation
        self.outputActivation = outputActivation
    }

    /// Input size, hidden widths and output size.
    public var widths: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }

    /// Applies the network to `[batch, widths[0]]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var h = input
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            if i == layers.count - 1 { return outputActivation(h) }
            if !norms.isEmpty { h = norms[i](h) }
            h = activation(h)
        }
        return h
    }

    /// Visits this layer's parameters by name: `layers.i.weight`, `norms.i.weight`, ….
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        for i in layers.indices { try visit(&layers[i], prefix: "layers.\(i)", body) }
        for i in norms.indices { try visit(&norms[i], prefix: "norms.\(i)", body) }
    }
}

import TandemCore

/// A multilayer perceptron: dense layers with one activation between them and a linear output.
///
/// `widths = [2, 128, 128, 1]` gives `2 → 128 → 128 → 1`; parameters are named
/// `layers.0.weight`, `layers.0.bias`, ….
public struct MLP<Scalar: TensorScalar>: Layer {
    /// The dense layers, input to output.
    public var layers: [Dense<Scalar>]

    /// - Parameters:
    ///   - widths: input size, hidden widths, output size (at least two entries).
    ///   - activation: applied after every layer but the last.
    ///   - outputActivation: applied after the last layer.
    public init(
        widths: [Int], activation: Activation = .tanh, outputActivation: Activation = .identity,
        initializer: Initializer = .glorotNormal, using generator: inout SeededGenerator
    ) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, "MLP: widths needs at least an input and an output size, all positive; got \(widths)")
        layers = (0..<(widths.count - 1)).map { i in
            Dense(
                inputSize: widths[i], outputSize: widths[i + 1],
                activation: i == widths.count - 2 ? outputActivation : activation,
                initializer: initializer, using: &generator)
        }
    }

    /// Input size, hidden widths and output size.
    public var widths: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }

    /// Applies the layer to a batch.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        layers.reduce(input) { $1($0) }
    }

    /// Visits this layer's parameters by name (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        for i in layers.indices { try visit(&layers[i], prefix: "layers.\(i)", body) }
    }
}

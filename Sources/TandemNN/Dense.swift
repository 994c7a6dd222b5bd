import TandemCore

/// A fully connected layer `y = σ(x·W + b)` with `W: [in, out]`, `b: [out]`.
public struct Dense<Scalar: TensorScalar>: Layer {
    /// `[inputSize, outputSize]`.
    public var weight: Tensor<Scalar>
    /// `[outputSize]`.
    public var bias: Tensor<Scalar>
    /// The nonlinearity applied after the affine map.
    public let activation: Activation

    /// A layer with weights drawn by `initializer` and zero biases.
    public init(
        inputSize: Int, outputSize: Int, activation: Activation = .identity,
        initializer: Initializer = .glorotUniform, using generator: inout SeededGenerator
    ) {
        weight = initializer.make(shape: [inputSize, outputSize], fanIn: inputSize, fanOut: outputSize, using: &generator)
        bias = .zeros(shape: [outputSize])
        self.activation = activation
    }

    /// A layer from given parameters.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, activation: Activation = .identity) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[1]], "Dense: weight [in, out] and bias [out] expected, got \(weight.shape) and \(bias.shape)")
        self.weight = weight
        self.bias = bias
        self.activation = activation
    }

    /// Features in.
    public var inputSize: Int { weight.shape[0] }
    /// Features out.
    public var outputSize: Int { weight.shape[1] }

    /// `σ(x·W + b)` for `x: [n, in]` (or `[in]`, treated as one row).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        if input.rank == 1 { return self(input.reshaped(to: [1, -1])).reshaped(to: [outputSize]) }
        return activation(linear(input, weight: weight, bias: bias))
    }

    /// Visits this layer's parameters by name (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("weight", &weight)
        try body("bias", &bias)
    }
}

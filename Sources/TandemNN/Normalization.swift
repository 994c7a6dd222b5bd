import TandemCore

/// Layer normalisation over the last axis: `y = γ ⊙ (x − μ)/√(σ² + ε) + β`, with `μ`, `σ²` the
/// mean and (biased) variance of each row. Ba, Kiros & Hinton 2016, arXiv:1607.06450.
public struct LayerNorm<Scalar: TensorScalar>: Layer {
    /// `γ`, `[features]`, initially ones.
    public var weight: Tensor<Scalar>
    /// `β`, `[features]`, initially zeros.
    public var bias: Tensor<Scalar>
    /// Added to the variance before the square root.
    public let epsilon: Scalar

    /// Layer normalisation over `features` with `γ = 1`, `β = 0`.
    public init(features: Int, epsilon: Scalar = 1e-5) {
        weight = .ones(shape: [features])
        bias = .zeros(shape: [features])
        self.epsilon = epsilon
    }

    /// Applies the layer to a batch.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let mean = input.mean(alongAxis: -1, keepingDimensions: true)
        let centred = input - mean
        let variance = (centred * centred).mean(alongAxis: -1, keepingDimensions: true)
        return centred / sqrt(variance + epsilon) * weight + bias
    }

    /// Visits this layer's parameters by name (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("weight", &weight)
        try body("bias", &bias)
    }
}

/// Batch normalisation per channel (axis 1) of `[N, C]` or `[N, C, H, W]` input.
/// Ioffe & Szegedy 2015, arXiv:1502.03167.
///
/// Running statistics are state, passed in and returned: nothing global decides between
/// training and inference, the caller does, with ``Mode``.
public struct BatchNorm<Scalar: TensorScalar>: Module {
    /// Running mean and variance, updated as `r ← (1 − m)·r + m·batch` in training mode.
    public struct State: Sendable {
        /// Running per-channel mean.
        public var runningMean: Tensor<Scalar>
        /// Running per-channel (unbiased) variance.
        public var runningVariance: Tensor<Scalar>
    }

    /// Whether to normalise by the batch's statistics (and update the state) or by the state.
    public enum Mode: Sendable { case training, inference }

    /// `γ`, `[features]`, initially ones.
    public var weight: Tensor<Scalar>
    /// Per-channel shift `β`, initially zeros.
    public var bias: Tensor<Scalar>
    /// Weight of the newest batch in the running statistics.
    public let momentum: Scalar
    /// Added to the variance before the square root.
    public let epsilon: Scalar

    /// Batch normalisation over `channels` with `γ = 1`, `β = 0`.
    public init(channels: Int, momentum: Scalar = 0.1, epsilon: Scalar = 1e-5) {
        weight = .ones(shape: [channels])
        bias = .zeros(shape: [channels])
        self.momentum = momentum
        self.epsilon = epsilon
    }

    /// The state a fresh layer starts from: mean 0, variance 1.
    public var initialState: State {
        State(runningMean: .zeros(shape: weight.shape), runningVariance: .ones(shape: weight.shape))
    }

    /// Normalises `input`; returns the output and the (possibly updated) state.
    public func callAsFunction(_ input: Tensor<Scalar>, state: State, mode: Mode) -> (Tensor<Scalar>, State) {
        let channels = weight.scalarCount
        guard input.rank >= 2, input.shape[1] == channels else {
            preconditionFailure("BatchNorm: expected [N, \(channels), …] input, got \(input.shape)")
        }
        var statShape = [Int](repeating: 1, count: input.rank)
        statShape[1] = channels
        let axes = [0] + Array(2..<input.rank)
        let scale = weight.reshaped(to: statShape), shift = bias.reshaped(to: statShape)
        switch mode {
        case .inference:
            let mean = state.runningMean.reshaped(to: statShape), variance = state.runningVariance.reshaped(to: statShape)
            return ((input - mean) / sqrt(variance + epsilon) * scale + shift, state)
        case .training:
            let mean = input.mean(alongAxes: axes, keepingDimensions: true)
            let centred = input - mean
            let variance = (centred * centred).mean(alongAxes: axes, keepingDimensions: true)
            let count = Scalar(input.scalarCount / channels)
            let unbiased = withoutGradient { variance.detached().reshaped(to: [channels]) * (count / Swift.max(count - 1, 1)) }
            let m = momentum
            let newState = withoutGradient {
                State(
                    runningMean: state.runningMean * (1 - m) + mean.detached().reshaped(to: [channels]) * m,
                    runningVariance: state.runningVariance * (1 - m) + unbiased * m)
            }
            return (centred / sqrt(variance + epsilon) * scale + shift, newState)
        }
    }

    /// Visits this layer's parameters by name (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("weight", &weight)
        try body("bias", &bias)
    }
}

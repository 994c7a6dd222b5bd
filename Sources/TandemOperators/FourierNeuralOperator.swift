import TandemCore
import TandemNN

/// A 1 × 1 convolution: the same affine map `y = W·x + b` at every grid point of `[B, C_in, H, W]`,
/// computed by ``TandemCore/Tensor/convolved(with:bias:window:)`` as one matrix product per batch
/// item, `[C_out, C_in]·[C_in, H·W]`, accumulated onto the bias, on the sample's own memory (the
/// batch split across cores).
public struct PointwiseLinear<Scalar: TensorScalar>: Layer {
    /// `W`, `[C_out, C_in]`.
    public var weight: Tensor<Scalar>
    /// `b`, `[C_out, 1]`.
    public var bias: Tensor<Scalar>

    /// Weights uniform in `±1/√C_in` (PyTorch's default for convolutions), bias zero.
    public init(inChannels: Int, outChannels: Int, using generator: inout SeededGenerator) {
        let bound = 1 / Scalar(inChannels).squareRoot()
        weight = .randomUniform(shape: [outChannels, inChannels], lower: -bound, upper: bound, using: &generator)
        bias = .zeros(shape: [outChannels, 1])
    }

    /// `[B, C_in, H, W] → [B, C_out, H, W]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { callAsFunction(input, adding: nil) }

    /// `W·x + b + r` for `r: [B, C_out, H, W]`, the sum formed in the same pass (see
    /// ``TandemCore/Tensor/convolved(with:bias:adding:window:)``).
    public func callAsFunction(_ input: Tensor<Scalar>, adding residual: Tensor<Scalar>?) -> Tensor<Scalar> {
        let (out, c) = (weight.shape[0], weight.shape[1])
        precondition(input.rank == 4 && input.shape[1] == c, "PointwiseLinear: expected \(c) channels, got \(input.shape)")
        return input.convolved(with: weight.reshaped(to: [out, c, 1, 1]), bias: bias.reshaped(to: [out]), adding: residual,
                               window: Window2D(kernel: (1, 1)))
    }

    /// `weight`, `bias`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("weight", &weight)
        try body("bias", &bias)
    }
}

/// The spectral convolution of a Fourier neural operator (Li, Kovachki, Azizzadenesheli, Liu,
/// Bhattacharya, Stuart & Anandkumar, "Fourier neural operator for parametric partial differential
/// equations", ICLR 2021):
///
///     (K v)(x) = F⁻¹( R · (F v) )(x),
///
/// with `F` the 2-D Fourier transform of each channel, truncated to the `2m₁ × m₂` lowest modes
/// (``Tensor/fourierModes(_:)``), `R[k, l] ∈ ℂ^{C_in × C_out}` one complex matrix per kept mode,
/// and `F⁻¹` the real inverse transform of the mixed modes (``Tensor/fourierSynthesis(height:width:)``
/// divided by `H·W`). The complex products are four real batched GEMMs over the modes,
/// `Re = XᵣRᵣ − XᵢRᵢ`, `Im = XᵣRᵢ + XᵢRᵣ`.
public struct SpectralConvolution2D<Scalar: TensorScalar>: Layer {
    /// `Re R`, `[2m₁·m₂, C_in, C_out]`.
    public var real: Tensor<Scalar>
    /// `Im R`, `[2m₁·m₂, C_in, C_out]`.
    public var imaginary: Tensor<Scalar>
    /// `m₁`: kept row frequencies on each side of zero.
    public let rowModes: Int
    /// `m₂`: kept column frequencies (non-negative).
    public let columnModes: Int

    /// Weights uniform in `[0, 1/(C_in·C_out))` for both parts, as Li et al.
    public init(inChannels: Int, outChannels: Int, modes: (rows: Int, columns: Int), using generator: inout SeededGenerator) {
        let scale = 1 / Scalar(inChannels * outChannels)
        let shape = [2 * modes.rows * modes.columns, inChannels, outChannels]
        real = .randomUniform(shape: shape, lower: 0, upper: scale, using: &generator)
        imaginary = .randomUniform(shape: shape, lower: 0, upper: scale, using: &generator)
        rowModes = modes.rows
        columnModes = modes.columns
    }

    /// `[B, C_in, H, W] → [B, C_out, H, W]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let (b, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (modes, out) = (real.shape[0], real.shape[2])
        precondition(c == real.shape[1], "SpectralConvolution2D: expected \(real.shape[1]) channels, got \(input.shape)")
        // [B, C, 2m₁, m₂, 2], with the inverse transform's 1/(H·W) applied here, on the few modes.
        let x = input.fourierModes((rowModes, columnModes)) * (1 / Scalar(h * w))
        // [modes, B, C] for the real and the imaginary parts.
        let xr = x.slice(alongAxis: 4, 0..<1).reshaped(to: [b, c, modes]).permuted([2, 0, 1])
        let xi = x.slice(alongAxis: 4, 1..<2).reshaped(to: [b, c, modes]).permuted([2, 0, 1])
        let yr = matmul(xr, real) - matmul(xi, imaginary)
        let yi = matmul(xr, imaginary) + matmul(xi, real)  // [modes, B, C_out]
        let y = stack([yr, yi], alongAxis: 3).permuted([1, 2, 0, 3]).reshaped(to: [b, out, 2 * rowModes, columnModes, 2])
        return y.fourierSynthesis(height: h, width: w)
    }

    /// `real`, `imaginary`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("real", &real)
        try body("imaginary", &imaginary)
    }
}

/// A two-dimensional Fourier neural operator (Li et al., ICLR 2021) for fields on a grid:
///
///     v₀ = P(a, x, y),   v_{t+1} = σ(K_t v_t + W_t v_t),   u = Q(v_T),
///
/// with the lifting `P` and the projection `Q` (two layers, `σ` between) applied pointwise, `K_t`
/// the ``SpectralConvolution2D`` and `W_t` a ``PointwiseLinear`` map; the last block has no
/// activation. The input channels are the problem's fields (`[standardised log K, mask]` for
/// Darcy on several geometries) and the grid coordinates `x, y ∈ [0, 1]`, appended here. The
/// domain is zero-padded by `padding` points at the high end of each axis before the blocks and
/// cropped after them, so that the periodic transforms do not wrap a non-periodic solution.
public struct FourierNeuralOperator<Scalar: TensorScalar>: Layer {
    /// `P`: input channels + 2 coordinates → width.
    public var lift: PointwiseLinear<Scalar>
    /// `K_t`.
    public var spectral: [SpectralConvolution2D<Scalar>]
    /// `W_t`.
    public var pointwise: [PointwiseLinear<Scalar>]
    /// `Q`: width → projection width → 1.
    public var projection: [PointwiseLinear<Scalar>]
    /// Zero padding added at the high end of each axis.
    public let padding: Int
    /// The input's `[channels, height, width]` (without the coordinates).
    public let inputShape: [Int]
    /// `σ`.
    public let activation: Activation
    /// Channels of the blocks.
    public var width: Int { lift.weight.shape[0] }

    /// - Parameters:
    ///   - inputShape: `[channels, height, width]` of one input field.
    ///   - width: channels of the Fourier blocks.
    ///   - modes: kept frequencies `(m₁, m₂)`; `2m₁ ≤ H + padding`, `m₂ ≤ (W + padding)/2`.
    ///   - blocks: number of Fourier blocks.
    ///   - projection: hidden width of `Q`.
    public init(inputShape: [Int], width: Int, modes: (rows: Int, columns: Int), blocks: Int, projection: Int, padding: Int,
                activation: Activation, using generator: inout SeededGenerator) {
        precondition(inputShape.count == 3 && blocks >= 1 && width >= 1 && projection >= 1 && padding >= 0, "FourierNeuralOperator: input [C, H, W], at least one block")
        precondition(2 * modes.rows <= inputShape[1] + padding && modes.columns <= (inputShape[2] + padding) / 2,
                     "FourierNeuralOperator: \(modes) modes do not fit a padded \(inputShape[1] + padding) × \(inputShape[2] + padding) grid")
        lift = PointwiseLinear(inChannels: inputShape[0] + 2, outChannels: width, using: &generator)
        spectral = (0..<blocks).map { _ in SpectralConvolution2D(inChannels: width, outChannels: width, modes: modes, using: &generator) }
        pointwise = (0..<blocks).map { _ in PointwiseLinear(inChannels: width, outChannels: width, using: &generator) }
        self.projection = [PointwiseLinear(inChannels: width, outChannels: projection, using: &generator),
                           PointwiseLinear(inChannels: projection, outChannels: 1, using: &generator)]
        self.padding = padding
        self.inputShape = inputShape
        self.activation = activation
    }

    /// The coordinate channels `[1, 2, H, W]`: `x = w/(W − 1)`, `y = h/(H − 1)`.
    static func coordinates(height: Int, width: Int) -> Tensor<Scalar> {
        var values = [Scalar](repeating: 0, count: 2 * height * width)
        for h in 0..<height {
            for w in 0..<width {
                values[h * width + w] = Scalar(w) / Scalar(Swift.max(width - 1, 1))
                values[height * width + h * width + w] = Scalar(h) / Scalar(Swift.max(height - 1, 1))
            }
        }
        return Tensor(shape: [1, 2, height, width], scalars: values)
    }

    /// Maps `[B, C, H, W]` input fields to the output field `[B, H·W]` (row-major, x fastest).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(Array(input.shape.dropFirst()) == inputShape, "FourierNeuralOperator: expected inputs \(inputShape), got \(input.shape)")
        let (b, h, w) = (input.shape[0], inputShape[1], inputShape[2])
        let grid = Self.coordinates(height: h, width: w).broadcast(to: [b, 2, h, w])
        var v = lift(concatenate([input, grid], alongAxis: 1))
        if padding > 0 { v = v.placed(into: [b, width, h + padding, w + padding], at: [0, 0, 0, 0]) }
        for t in spectral.indices {
            let next = pointwise[t](v, adding: spectral[t](v))
            v = t == spectral.count - 1 ? next : activation(next)
        }
        if padding > 0 { v = v.slice([0..<b, 0..<width, 0..<h, 0..<w]) }
        return projection[1](activation(projection[0](v))).reshaped(to: [b, h * w])
    }

    /// `lift.…`, `blocks.t.spectral.{real, imaginary}`, `blocks.t.pointwise.{weight, bias}`, `projection.{0, 1}.…`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&lift, prefix: "lift", body)
        for t in spectral.indices {
            try visit(&spectral[t], prefix: "blocks.\(t).spectral", body)
            try visit(&pointwise[t], prefix: "blocks.\(t).pointwise", body)
        }
        for i in projection.indices { try visit(&projection[i], prefix: "projection.\(i)", body) }
    }
}

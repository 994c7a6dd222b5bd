import TandemCore

/// A 2-D convolution over `[N, C, H, W]` batches (cross-correlation, as in every deep-learning
/// library), computed sample by sample as a cache-sized im2col followed by one GEMM
/// (``TandemCore/Tensor/convolved(with:bias:window:)``).
///
/// `y[n, o, i, j] = b[o] + Σ_{c,u,v} K[o, c, u, v] · x[n, c, i·s + u − p, j·s + v − p]`.
public struct Conv2D<Scalar: TensorScalar>: Layer {
    /// `[outChannels, inChannels, kernelHeight, kernelWidth]`.
    public var filter: Tensor<Scalar>
    /// `[outChannels]`.
    public var bias: Tensor<Scalar>
    /// Step between windows (rows, columns).
    public let stride: (Int, Int)
    /// Zero padding on each side (rows, columns).
    public let padding: (Int, Int)
    /// Applied to the output.
    public let activation: Activation

    /// A convolution with filters drawn by `initializer` and zero biases.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), activation: Activation = .identity,
        initializer: Initializer = .glorotUniform, using generator: inout SeededGenerator
    ) {
        let area = kernelSize.0 * kernelSize.1
        filter = initializer.make(
            shape: [outChannels, inChannels, kernelSize.0, kernelSize.1],
            fanIn: inChannels * area, fanOut: outChannels * area, using: &generator)
        bias = .zeros(shape: [outChannels])
        self.stride = stride
        self.padding = padding
        self.activation = activation
    }

    /// Padding that keeps `H × W` for odd kernels at stride 1 (`"same"`).
    public static func samePadding(kernelSize: (Int, Int)) -> (Int, Int) { (kernelSize.0 / 2, kernelSize.1 / 2) }

    /// Applies the layer to a batch.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let inChannels = filter.shape[1]
        guard input.rank == 4, input.shape[1] == inChannels else {
            preconditionFailure("Conv2D: expected input [N, \(inChannels), H, W], got \(input.shape)")
        }
        let window = Window2D(kernel: (filter.shape[2], filter.shape[3]), stride: stride, padding: padding)
        return activation(input.convolved(with: filter, bias: bias, window: window))
    }

    /// Visits this layer's parameters by name (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("filter", &filter)
        try body("bias", &bias)
    }
}

/// How a pooling window summarises its values.
public enum PoolingKind: String, Codable, CaseIterable, Sendable { case average, max }

/// Pooling over `[N, C, H, W]` windows of `size` with stride `stride` (default: `size`).
/// No parameters. Average pooling divides by the full window area.
public struct Pool2D<Scalar: TensorScalar>: Layer {
    /// Average or maximum.
    public let kind: PoolingKind
    /// Window size (rows, columns).
    public let size: (Int, Int)
    /// Step between windows (rows, columns).
    public let stride: (Int, Int)

    /// Pooling of `kind` over `size` windows; the stride defaults to the size.
    public init(_ kind: PoolingKind, size: (Int, Int), stride: (Int, Int)? = nil) {
        self.kind = kind
        self.size = size
        self.stride = stride ?? size
    }

    /// Applies the layer to a batch.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard input.rank == 4 else { preconditionFailure("Pool2D: expected [N, C, H, W] input, got \(input.shape)") }
        if kind == .average && size == stride { return input.averagePooled(size) }
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let window = Window2D(kernel: size, stride: stride)
        let (ho, wo) = window.outputSize(height: h, width: w)
        let windows = input.reshaped(to: [n * c, 1, h, w]).unfoldingWindows(window)
        let pooled = kind == .average ? windows.mean(alongAxis: 1) : windows.max(alongAxes: [1])
        return pooled.reshaped(to: [n, c, ho, wo])
    }

    /// Visits this layer's parameters by name (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {}
}

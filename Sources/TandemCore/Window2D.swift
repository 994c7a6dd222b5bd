/// Geometry of a 2-D sliding window over `[N, C, H, W]` input.
public struct Window2D: Equatable, Sendable {
    /// Window size `(kₕ, k_w)`.
    public var kernel: (height: Int, width: Int)
    /// Step between windows along each axis.
    public var stride: (height: Int, width: Int)
    /// Zeros added on each side along each axis.
    public var padding: (height: Int, width: Int)

    /// A window of `kernel` size moved by `stride` over input padded by `padding` zeros.
    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// `⌊(H + 2p − k) / s⌋ + 1` along each axis.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding.height - kernel.height) / stride.height + 1,
         (width + 2 * padding.width - kernel.width) / stride.width + 1)
    }

    /// Whether two windows have the same kernel, stride and padding.
    public static func == (a: Window2D, b: Window2D) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding
    }
}

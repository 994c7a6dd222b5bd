import TandemCore
import TandemNN

/// A CNN branch for fields on a grid: blocks of `k × k` convolution ("same" padding, activation)
/// and `2 × 2` average pooling, flattened, then a dense head.
///
/// The Darcy multi-geometry DeepONet of Kumar et al. (2025) uses four blocks with 16, 32, 64, 64
/// filters of 5 × 5 and a head 128 → 128 → p over the channels [standardised log K, mask].
public struct ConvolutionalBranch<Scalar: TensorScalar>: Layer {
    /// The convolutions, one per block.
    public var convolutions: [Conv2D<Scalar>]
    /// The dense head on the flattened features.
    public var head: FeedForward<Scalar>
    /// The input's `[channels, height, width]`.
    public let inputShape: [Int]
    let pooling: Pool2D<Scalar>

    /// - Parameters:
    ///   - inputShape: `[channels, height, width]` of one input.
    ///   - filters: output channels of each block.
    ///   - kernelSize: the convolutions' odd kernel size.
    ///   - head: hidden widths of the dense head; its output is `outputSize`.
    public init(inputShape: [Int], filters: [Int], kernelSize: Int, head hidden: [Int], outputSize: Int,
                activation: Activation, using generator: inout SeededGenerator) {
        precondition(inputShape.count == 3 && !filters.isEmpty && kernelSize % 2 == 1, "ConvolutionalBranch: inputShape [C, H, W], at least one block, odd kernel")
        var channels = inputShape[0], height = inputShape[1], width = inputShape[2]
        var convolutions: [Conv2D<Scalar>] = []
        for f in filters {
            convolutions.append(Conv2D(inChannels: channels, outChannels: f, kernelSize: (kernelSize, kernelSize),
                                       padding: Conv2D<Scalar>.samePadding(kernelSize: (kernelSize, kernelSize)),
                                       activation: activation, initializer: .heNormal, using: &generator))
            channels = f
            height /= 2
            width /= 2
        }
        precondition(height >= 1 && width >= 1, "ConvolutionalBranch: \(filters.count) poolings shrink \(inputShape) to nothing")
        self.convolutions = convolutions
        self.head = FeedForward(widths: [channels * height * width] + hidden + [outputSize], activation: activation,
                                initializer: .heNormal, using: &generator)
        self.inputShape = inputShape
        pooling = Pool2D(.average, size: (2, 2))
    }

    /// Maps `[batch, C, H, W]` to `[batch, outputSize]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var h = input
        for convolution in convolutions { h = pooling(convolution(h)) }
        return head(h.reshaped(to: [input.shape[0], -1]))
    }

    /// Visits this layer's parameters by name: `convolutions.i.filter`, `head.layers.j.weight`, ….
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        for i in convolutions.indices { try visit(&convolutions[i], prefix: "convolutions.\(i)", body) }
        try visit(&head, prefix: "head", body)
    }
}

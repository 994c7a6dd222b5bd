import Collections
import TandemCore
import TandemNN
import TandemTestSupport
import XCTest

final class LayerTests: XCTestCase {
    /// Direct definition of a padded, strided cross-correlation.
    func naiveConvolution(_ x: Tensor<Double>, _ k: Tensor<Double>, _ b: Tensor<Double>, stride: Int, padding: Int) -> [Double] {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (k.shape[0], k.shape[2], k.shape[3])
        let ho = (h + 2 * padding - kh) / stride + 1, wo = (w + 2 * padding - kw) / stride + 1
        var out: [Double] = []
        for b0 in 0..<n { for oc in 0..<o { for i in 0..<ho { for j in 0..<wo {
            var total = b.scalars[oc]
            for ch in 0..<c { for u in 0..<kh { for v in 0..<kw {
                let y = i * stride + u - padding, z = j * stride + v - padding
                if y >= 0 && y < h && z >= 0 && z < w {
                    total += k.scalars[((oc * c + ch) * kh + u) * kw + v] * x.scalars[((b0 * c + ch) * h + y) * w + z]
                }
            } } }
            out.append(total)
        } } } }
        return out
    }

    func testConv2DMatchesDefinition() {
        var g = SeededGenerator(seed: 1)
        // The last cases have padding wider than the image's edge windows reach (3 × 2 input).
        for (stride, padding, h, w) in [(1, 0, 9, 8), (1, 2, 9, 8), (2, 1, 9, 8), (1, 2, 3, 2), (2, 3, 3, 2)] {
            var conv = Conv2D<Double>(inChannels: 2, outChannels: 3, kernelSize: (5, 5), stride: (stride, stride), padding: (padding, padding), using: &g)
            conv.bias = Tensor([0.1, -0.2, 0.3])
            let x = Tensor<Double>.randomNormal(shape: [2, 2, h, w], using: &g)
            let y = conv(x)
            let expected = naiveConvolution(x, conv.filter, conv.bias, stride: stride, padding: padding)
            XCTAssertEqual(y.scalarCount, expected.count)
            for (a, e) in zip(y.scalars, expected) { XCTAssertEqual(a, e, accuracy: 1e-12) }
        }
    }

    /// Images large enough that each sample is unfolded in several bands of output rows (the
    /// last one shorter), and a batch with several samples per thread, whose column buffer keeps
    /// its padding zeros from one sample to the next: the convolution still equals its
    /// definition, and the transposed convolution and the filter gradient are its adjoints,
    /// `⟨conv(x, K), ȳ⟩ = ⟨x, convᵀ(ȳ, K)⟩ = ⟨K, filterGradient(x, ȳ)⟩`.
    func testBandedConvolutionAndItsAdjoints() {
        var g = SeededGenerator(seed: 5)
        for (stride, padding, side, batch) in [(1, 2, 150, 2), (2, 1, 301, 2), (1, 2, 20, 7), (2, 3, 21, 7), (1, 2, 3, 5), (1, 2, 2, 3)] {
            let window = Window2D(kernel: (5, 5), stride: (stride, stride), padding: (padding, padding))
            let x = Tensor<Double>.randomNormal(shape: [batch, 3, side, side], using: &g)
            let k = Tensor<Double>.randomNormal(shape: [4, 3, 5, 5], using: &g)
            let bias = Tensor<Double>([0.5, -1, 0, 2])
            let y = x.convolved(with: k, bias: bias, window: window)
            let expected = naiveConvolution(x, k, bias, stride: stride, padding: padding)
            XCTAssertEqual(y.scalarCount, expected.count)
            XCTAssertEqual(zip(y.scalars, expected).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-11)
            let ybar = Tensor<Double>.randomNormal(shape: y.shape, using: &g)
            let xbar = Tensor.convolutionInputGradient(ybar, filter: k, window: window, inputShape: x.shape)
            let kbar = Tensor.convolutionFilterGradient(input: x, ybar, window: window, filterShape: k.shape)
            let unbiased = x.convolved(with: k, window: window)
            func dot(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double { zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 } }
            let reference = dot(unbiased, ybar)
            XCTAssertEqual(dot(x, xbar), reference, accuracy: 1e-9 * abs(reference))
            XCTAssertEqual(dot(k, kbar), reference, accuracy: 1e-9 * abs(reference))
        }
    }

    /// A 1 × 1 window reads and writes the samples in place (no column buffer): the convolution
    /// still equals its definition, its two adjoints hold, and its derivatives match finite
    /// differences to second order.
    func testPointwiseConvolutionAndItsAdjoints() {
        var g = SeededGenerator(seed: 11)
        let window = Window2D(kernel: (1, 1))
        for (batch, side) in [(1, 4), (3, 9), (7, 5)] {
            let x = Tensor<Double>.randomNormal(shape: [batch, 3, side, side + 1], using: &g)
            let k = Tensor<Double>.randomNormal(shape: [4, 3, 1, 1], using: &g)
            let bias = Tensor<Double>([0.5, -1, 0, 2])
            let y = x.convolved(with: k, bias: bias, window: window)
            let expected = naiveConvolution(x, k, bias, stride: 1, padding: 0)
            XCTAssertEqual(zip(y.scalars, expected).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-12)
            let ybar = Tensor<Double>.randomNormal(shape: y.shape, using: &g)
            let xbar = Tensor.convolutionInputGradient(ybar, filter: k, window: window, inputShape: x.shape)
            let kbar = Tensor.convolutionFilterGradient(input: x, ybar, window: window, filterShape: k.shape)
            func dot(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double { zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 } }
            let reference = dot(x.convolved(with: k, window: window), ybar)
            XCTAssertEqual(dot(x, xbar), reference, accuracy: 1e-10 * abs(reference))
            XCTAssertEqual(dot(k, kbar), reference, accuracy: 1e-10 * abs(reference))
        }
        let x = Tensor<Double>.randomNormal(shape: [2, 3, 4, 3], using: &g)
        let k = Tensor<Double>.randomNormal(shape: [2, 3, 1, 1], using: &g)
        assertDerivativesMatchFiniteDifferences("pointwise conv2d", at: [x, k, Tensor<Double>([0.1, -0.3])]) { p in
            tanh(p[0].convolved(with: p[1], bias: p[2], window: window))
        }
        // Adding a tensor in the same pass: the sum, and derivatives with respect to all four inputs.
        let r = Tensor<Double>.randomNormal(shape: [2, 2, 4, 3], using: &g)
        let fused = x.convolved(with: k, bias: Tensor([0.1, -0.3]), adding: r, window: window)
        let separate = x.convolved(with: k, bias: Tensor([0.1, -0.3]), window: window) + r
        XCTAssertEqual(zip(fused.scalars, separate.scalars).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-14)
        assertDerivativesMatchFiniteDifferences("pointwise conv2d + r", at: [x, k, Tensor<Double>([0.1, -0.3]), r]) { p in
            tanh(p[0].convolved(with: p[1], bias: p[2], adding: p[3], window: window))
        }
        assertDerivativesMatchFiniteDifferences("conv2d 3×3 + r, no bias", at: [x, Tensor<Double>.randomNormal(shape: [2, 3, 3, 3], using: &g), r]) { p in
            tanh(p[0].convolved(with: p[1], adding: p[2], window: Window2D(kernel: (3, 3), padding: (1, 1))))
        }
    }

    func testConvolutionAndPoolingDerivatives() {
        var g = SeededGenerator(seed: 2)
        let conv = Conv2D<Double>(inChannels: 2, outChannels: 3, kernelSize: (3, 3), stride: (2, 1), padding: (1, 1), using: &g)
        let x = Tensor<Double>.randomNormal(shape: [2, 2, 6, 5], using: &g)
        assertDerivativesMatchFiniteDifferences("conv2d", at: [x, conv.filter, conv.bias]) { p in
            var c = conv
            c.filter = p[1]
            c.bias = p[2]
            return tanh(c(p[0]))
        }
        // The convolution's pullbacks are the transposed convolution and the filter gradient, whose
        // own pullbacks are the other two: check each directly, to second order.
        let window = Window2D(kernel: (3, 3), stride: (2, 1), padding: (1, 1))
        let y = x.convolved(with: conv.filter, window: window)
        let ybar = Tensor<Double>.randomNormal(shape: y.shape, using: &g)
        assertDerivativesMatchFiniteDifferences("transposed conv", at: [ybar, conv.filter]) { p in
            tanh(Tensor.convolutionInputGradient(p[0], filter: p[1], window: window, inputShape: x.shape))
        }
        assertDerivativesMatchFiniteDifferences("conv filter gradient", at: [x, ybar]) { p in
            tanh(Tensor.convolutionFilterGradient(input: p[0], p[1], window: window, filterShape: conv.filter.shape))
        }
        let pooled = Tensor<Double>.randomNormal(shape: [2, 2, 3, 2], using: &g)
        assertDerivativesMatchFiniteDifferences("average pool adjoint", at: [pooled]) { square($0[0].averagePoolingAdjoint((2, 2), into: [2, 2, 7, 5])) }
        assertDerivativesMatchFiniteDifferences("unfold", at: [x]) { square($0[0].unfoldingWindows(Window2D(kernel: (3, 2), stride: (1, 2), padding: (1, 0)))) }
        assertDerivativesMatchFiniteDifferences("average pool", at: [x]) { square(Pool2D<Double>(.average, size: (2, 2))($0[0])) }
        assertDerivativesMatchFiniteDifferences("max pool", at: [x], secondOrder: false) { Pool2D<Double>(.max, size: (2, 2))($0[0]) }
    }

    func testPoolingValues() {
        let x = Tensor<Double>(shape: [1, 1, 4, 4], scalars: (0..<16).map(Double.init))
        XCTAssertEqual(Pool2D<Double>(.average, size: (2, 2))(x).scalars, [2.5, 4.5, 10.5, 12.5])
        // A trailing row and column that fill no window are dropped, as in the strided window path.
        let odd = Tensor<Double>(shape: [1, 1, 5, 5], scalars: (0..<25).map(Double.init))
        XCTAssertEqual(Pool2D<Double>(.average, size: (2, 2))(odd).scalars, [3, 5, 13, 15])
        XCTAssertEqual(Pool2D<Double>(.average, size: (2, 2))(odd).scalars, Pool2D<Double>(.average, size: (2, 2), stride: (2, 2))(odd).scalars)
        // A window other than 2 × 2 takes the general loop: rows 0–2 and columns 0–1, then 2–3.
        XCTAssertEqual(Pool2D<Double>(.average, size: (3, 2))(odd).scalars, [5.5, 7.5])
        XCTAssertEqual(Pool2D<Double>(.max, size: (2, 2))(x).scalars, [5, 7, 13, 15])
        XCTAssertEqual(Pool2D<Double>(.max, size: (2, 2), stride: (1, 1))(x).shape, [1, 1, 3, 3])
    }

    func testLayerNorm() {
        var g = SeededGenerator(seed: 3)
        var norm = LayerNorm<Double>(features: 6)
        let x = Tensor<Double>.randomNormal(shape: [4, 6], mean: 3, standardDeviation: 2, using: &g)
        let y = norm(x)
        XCTAssertEqual(y.mean(alongAxis: 1).max().scalar, 0, accuracy: 1e-12)
        XCTAssertEqual((y * y).mean(alongAxis: 1).min().scalar, 1, accuracy: 1e-4)
        norm.weight = Tensor<Double>.randomNormal(shape: [6], using: &g)
        assertDerivativesMatchFiniteDifferences("layer norm", at: [x, norm.weight, norm.bias]) { p in
            var n = norm
            n.weight = p[1]
            n.bias = p[2]
            return n(p[0])
        }
    }

    func testBatchNormStateIsPassedAndReturned() {
        var g = SeededGenerator(seed: 4)
        let bn = BatchNorm<Double>(channels: 3, momentum: 0.5)
        let x = Tensor<Double>.randomNormal(shape: [8, 3, 2, 2], mean: 5, standardDeviation: 3, using: &g)
        let (y, state) = bn(x, state: bn.initialState, mode: .training)
        let perChannel = y.mean(alongAxes: [0, 2, 3])
        for v in perChannel.scalars { XCTAssertEqual(v, 0, accuracy: 1e-12) }
        let batchMean = x.mean(alongAxes: [0, 2, 3])
        for (r, m) in zip(state.runningMean.scalars, batchMean.scalars) { XCTAssertEqual(r, 0.5 * m, accuracy: 1e-12) }
        // Inference uses the state, not the batch: a single sample is normalised the same way twice.
        let one = x.slice(alongAxis: 0, 0..<1)
        let (a, unchanged) = bn(one, state: state, mode: .inference)
        XCTAssertEqual(unchanged.runningMean.scalars, state.runningMean.scalars)
        XCTAssertEqual(a.scalars, bn(one, state: state, mode: .inference).0.scalars)
        assertDerivativesMatchFiniteDifferences("batch norm (training)", at: [x.slice(alongAxis: 2, 0..<1)]) { p in
            bn(p[0], state: bn.initialState, mode: .training).0 * Tensor([1, 2, 3]).reshaped(to: [1, 3, 1, 1])
        }
    }

    func testDropoutIsSeededAndUnbiased() {
        let dropout = Dropout<Double>(rate: 0.25)
        let x = Tensor<Double>.ones(shape: [100_000])
        var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
        let a = dropout(x, using: &g1), b = dropout(x, using: &g2)
        XCTAssertEqual(a.scalars, b.scalars)
        let dropped = a.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / 100_000, 0.25, accuracy: 0.01)
        XCTAssertEqual(a.mean().scalar, 1, accuracy: 0.02)
    }

    func testEmbeddingGradientAccumulatesRepeatedRows() throws {
        var g = SeededGenerator(seed: 6)
        let embedding = Embedding<Double>(count: 4, dimension: 2, using: &g)
        let (_, grads) = try valueWithGradient(at: embedding) { e in e([1, 3, 1]).sum() }
        XCTAssertEqual(grads["table"]!.scalars, [0, 0, 2, 2, 0, 0, 1, 1])
    }

    func testNamedParametersAndFreezing() throws {
        var g = SeededGenerator(seed: 7)
        let mlp = MLP<Double>(widths: [2, 4, 4, 1], using: &g)
        XCTAssertEqual(Array(mlp.namedParameters.keys), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"])
        XCTAssertEqual(mlp.parameterCount, 2 * 4 + 4 + 4 * 4 + 4 + 4 + 1)
        let x = Tensor<Double>.randomNormal(shape: [5, 2], using: &g)
        let onlyLast = ParameterSelection.named(["layers.2"])
        let (_, grads) = try valueWithGradient(at: mlp, selecting: onlyLast) { m in square(m(x)).mean() }
        XCTAssertEqual(Array(grads.keys), ["layers.2.weight", "layers.2.bias"])
        XCTAssertEqual(Array(try valueWithGradient(at: mlp, selecting: onlyLast.inverted()) { m in m(x).sum() }.gradients.keys).count, 4)
        XCTAssertNoThrow(try ParameterSelection.validate(["layers.0", "layers.2.bias"], in: mlp))
        XCTAssertThrowsError(try ParameterSelection.validate(["branch.conv1"], in: mlp)) {
            XCTAssertTrue("\($0)".contains("unknown parameter \"branch.conv1\"; expected one of layers.0.weight"), "\($0)")
        }
        // An optimizer leaves frozen parameters untouched.
        var model = mlp
        var adam = Adam<Double>(learningRate: 0.1)
        adam.update(&model, along: grads)
        XCTAssertEqual(model.namedParameters["layers.0.weight"]!.scalars, mlp.namedParameters["layers.0.weight"]!.scalars)
        XCTAssertNotEqual(model.namedParameters["layers.2.weight"]!.scalars, mlp.namedParameters["layers.2.weight"]!.scalars)
    }

    func testInitializersHaveTheirVariance() {
        var g = SeededGenerator(seed: 8)
        let glorot: Tensor<Double> = Initializer.glorotNormal.make(shape: [200, 300], fanIn: 200, fanOut: 300, using: &g)
        XCTAssertEqual((glorot * glorot).mean().scalar, 2.0 / 500, accuracy: 2.0 / 500 * 0.03)
        let he: Tensor<Double> = Initializer.heUniform.make(shape: [200, 300], fanIn: 200, fanOut: 300, using: &g)
        XCTAssertEqual((he * he).mean().scalar, 2.0 / 200, accuracy: 2.0 / 200 * 0.03)
        XCTAssertLessThanOrEqual(he.max().scalar, (6.0 / 200).squareRoot())
        let uniform: Tensor<Double> = Initializer.glorotUniform.make(shape: [200, 300], fanIn: 200, fanOut: 300, using: &g)
        XCTAssertEqual((uniform * uniform).mean().scalar, 2.0 / 500, accuracy: 2.0 / 500 * 0.03)
    }

    func testMLPFitsASmoothFunction() throws {
        var g = SeededGenerator(seed: 10)
        var mlp = MLP<Double>(widths: [1, 32, 32, 1], activation: .tanh, using: &g)
        var adam = Adam<Double>(learningRate: 5e-3)
        let x = Tensor<Double>.linspace(from: -1, to: 1, count: 128).reshaped(to: [128, 1])
        let y = sin(x * 3)
        var first = 0.0, last = 0.0
        for step in 0..<1500 {
            let (loss, grads) = try valueWithGradient(at: mlp) { m in square(m(x) - y).mean() }
            if step == 0 { first = loss }
            last = loss
            adam.update(&mlp, along: grads)
        }
        XCTAssertLessThan(last, first / 1000, "loss \(first) → \(last)")
        let error = withoutGradient { (mlp(x) - y).norm().scalar / y.norm().scalar }
        XCTAssertLessThan(error, 0.02)
    }
}

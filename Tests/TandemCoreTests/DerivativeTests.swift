import TandemCore
import TandemTestSupport
import XCTest

/// Every differentiable operation, checked against central finite differences in Float64:
/// first order for all, second order for the smooth ones (reverse over reverse).
final class DerivativeTests: XCTestCase {
    let x = randomTensor([3, 4], seed: 1)
    let y = randomTensor([3, 4], seed: 2)
    let row = randomTensor([4], seed: 3)
    let positive = randomTensor([3, 4], seed: 4, lower: 0.5, upper: 2)
    /// Values kept away from the kinks of piecewise operations, on both sides of zero.
    let awayFromZero: Tensor<Double> = {
        let t = randomTensor([3, 4], seed: 5, lower: 0.2, upper: 1.5)
        return Tensor(shape: t.shape, scalars: t.scalars.enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element })
    }()

    func testArithmetic() {
        assertDerivativesMatchFiniteDifferences("add", at: [x, y]) { $0[0] + $0[1] }
        assertDerivativesMatchFiniteDifferences("subtract", at: [x, y]) { $0[0] - $0[1] }
        assertDerivativesMatchFiniteDifferences("multiply", at: [x, y]) { $0[0] * $0[1] }
        assertDerivativesMatchFiniteDifferences("divide", at: [x, positive]) { $0[0] / $0[1] }
        assertDerivativesMatchFiniteDifferences("negate", at: [x]) { -$0[0] }
        assertDerivativesMatchFiniteDifferences("scalar ops", at: [positive]) { (2 * $0[0] + 1) / 3 - 0.5 + 2 / $0[0] }
    }

    func testBroadcastingArithmetic() {
        assertDerivativesMatchFiniteDifferences("add row", at: [x, row]) { $0[0] + $0[1] }
        assertDerivativesMatchFiniteDifferences("multiply row", at: [x, row]) { $0[1] * $0[0] }
        assertDerivativesMatchFiniteDifferences("divide column", at: [x, positive.slice(alongAxis: 1, 0..<1)]) { $0[0] / $0[1] }
        assertDerivativesMatchFiniteDifferences("subtract scalar tensor", at: [x, Tensor(0.3)]) { $0[0] - $0[1] }
        assertDerivativesMatchFiniteDifferences("broadcast", at: [row]) { $0[0].broadcast(to: [2, 3, 4]) }
        assertDerivativesMatchFiniteDifferences("sum to shape", at: [x]) { $0[0].sum(toShape: [1, 4]) }
    }

    func testElementwiseFunctions() {
        assertDerivativesMatchFiniteDifferences("exp", at: [x]) { exp($0[0]) }
        assertDerivativesMatchFiniteDifferences("log", at: [positive]) { log($0[0]) }
        assertDerivativesMatchFiniteDifferences("log1p", at: [positive]) { log1p($0[0]) }
        assertDerivativesMatchFiniteDifferences("sin", at: [x]) { sin($0[0]) }
        assertDerivativesMatchFiniteDifferences("cos", at: [x]) { cos($0[0]) }
        assertDerivativesMatchFiniteDifferences("tanh", at: [x]) { tanh($0[0] * 2) }
        assertDerivativesMatchFiniteDifferences("sqrt", at: [positive]) { sqrt($0[0]) }
        assertDerivativesMatchFiniteDifferences("pow", at: [positive]) { pow($0[0], 2.5) }
        assertDerivativesMatchFiniteDifferences("pow negative", at: [positive]) { pow($0[0], -1.5) }
        assertDerivativesMatchFiniteDifferences("square", at: [x]) { square($0[0]) }
        assertDerivativesMatchFiniteDifferences("erf", at: [x]) { erf($0[0]) }
        assertDerivativesMatchFiniteDifferences("abs", at: [awayFromZero]) { abs($0[0]) }
    }

    func testActivations() {
        assertDerivativesMatchFiniteDifferences("sigmoid", at: [x]) { sigmoid($0[0] * 3) }
        assertDerivativesMatchFiniteDifferences("gelu", at: [x]) { gelu($0[0] * 2) }
        assertDerivativesMatchFiniteDifferences("gelu-tanh", at: [x]) { geluTanh($0[0] * 2) }
        assertDerivativesMatchFiniteDifferences("silu", at: [x]) { silu($0[0] * 2) }
        assertDerivativesMatchFiniteDifferences("softplus", at: [x]) { softplus($0[0] * 3) }
        assertDerivativesMatchFiniteDifferences("elu", at: [awayFromZero]) { elu($0[0], alpha: 0.7) }
        assertDerivativesMatchFiniteDifferences("selu", at: [awayFromZero]) { selu($0[0]) }
        // Piecewise linear: first order only (their second derivative is zero almost everywhere).
        assertDerivativesMatchFiniteDifferences("relu", at: [awayFromZero], secondOrder: false) { relu($0[0]) }
        assertDerivativesMatchFiniteDifferences("leakyRelu", at: [awayFromZero], secondOrder: false) { leakyRelu($0[0], slope: 0.1) }
        // ReLU's fused pullback is itself recorded: relu(x)² has second derivative 2 where x > 0,
        // which reaches the parameters only through the pullback's own pullback.
        assertDerivativesMatchFiniteDifferences("relu squared", at: [awayFromZero]) { square(relu($0[0])) }
    }

    func testReductions() {
        let cube = randomTensor([2, 3, 4], seed: 7)
        assertDerivativesMatchFiniteDifferences("sum all", at: [x]) { $0[0].sum() }
        assertDerivativesMatchFiniteDifferences("sum axis 0", at: [cube]) { $0[0].sum(alongAxis: 0) }
        assertDerivativesMatchFiniteDifferences("sum axes 0,2", at: [cube]) { $0[0].sum(alongAxes: [0, 2], keepingDimensions: true) }
        assertDerivativesMatchFiniteDifferences("mean axis -1", at: [cube]) { $0[0].mean(alongAxis: -1) }
        assertDerivativesMatchFiniteDifferences("mean", at: [x]) { ($0[0] * $0[0]).mean() }
        assertDerivativesMatchFiniteDifferences("norm", at: [x]) { $0[0].norm() }
        assertDerivativesMatchFiniteDifferences("norm axis 1", at: [x]) { $0[0].norm(alongAxes: [1]) }
        // max and min are piecewise; random data has no ties.
        assertDerivativesMatchFiniteDifferences("max axis 1", at: [cube], secondOrder: false) { $0[0].max(alongAxes: [1]) }
        assertDerivativesMatchFiniteDifferences("min all", at: [cube], secondOrder: false) { $0[0].min() }
        assertDerivativesMatchFiniteDifferences("max of square", at: [cube]) { ($0[0] * $0[0]).max(alongAxes: [2]) }
    }

    func testShapeOperations() {
        let cube = randomTensor([2, 3, 4], seed: 8)
        assertDerivativesMatchFiniteDifferences("reshape", at: [cube]) { $0[0].reshaped(to: [6, -1]) * $0[0].reshaped(to: [6, 4]) }
        assertDerivativesMatchFiniteDifferences("permute", at: [cube]) { $0[0].permuted([2, 0, 1]) * $0[0].permuted([2, 0, 1]) }
        assertDerivativesMatchFiniteDifferences("transpose", at: [x]) { $0[0].transposed() * $0[0].transposed() }
        assertDerivativesMatchFiniteDifferences("slice", at: [cube]) { square($0[0].slice([0..<2, 1..<3, 1..<4])) }
        assertDerivativesMatchFiniteDifferences("placed", at: [x]) { square($0[0]).placed(into: [5, 6], at: [1, 2]) }
        assertDerivativesMatchFiniteDifferences("concatenate", at: [x, y]) { square(concatenate([$0[0], $0[1]], alongAxis: 1)) }
        assertDerivativesMatchFiniteDifferences("stack", at: [x, y]) { stack([$0[0], $0[1] * $0[0]], alongAxis: 1) }
        assertDerivativesMatchFiniteDifferences("expand/squeeze", at: [x]) { square($0[0].expandingShape(at: 1)).squeezingShape() }
    }

    func testIndexing() {
        let nodes = randomTensor([5, 3], seed: 9)
        let edges = [0, 4, 4, 2, 1, 0, 3]
        assertDerivativesMatchFiniteDifferences("gather", at: [nodes]) { square($0[0].gathering(edges)) }
        assertDerivativesMatchFiniteDifferences("gather axis 1", at: [nodes]) { square($0[0].gathering([2, 0, 2], alongAxis: 1)) }
        let messages = randomTensor([7, 3], seed: 10)
        assertDerivativesMatchFiniteDifferences("scatterAdd", at: [messages]) { square($0[0].scatterAdding(edges, count: 5)) }
        let condition = x.mask { $0 > 0 }
        assertDerivativesMatchFiniteDifferences("select", at: [x, y]) { select(condition, square($0[0]), $0[1] * $0[0]) }
    }

    func testSoftmaxAndCrossEntropy() {
        assertDerivativesMatchFiniteDifferences("logSoftmax", at: [x]) { $0[0].logSoftmax(alongAxis: 1) }
        assertDerivativesMatchFiniteDifferences("softmax axis 0", at: [x]) { $0[0].softmax(alongAxis: 0) }
        assertDerivativesMatchFiniteDifferences("crossEntropy", at: [x]) { crossEntropy(logits: $0[0], labels: [3, 0, 2]) }
    }

    func testMatrixProducts() {
        let a = randomTensor([3, 4], seed: 11), b = randomTensor([4, 5], seed: 12)
        assertDerivativesMatchFiniteDifferences("matmul", at: [a, b]) { matmul($0[0], $0[1]) }
        assertDerivativesMatchFiniteDifferences("matmul Aᵀ", at: [a.transposed(), b]) { matmul($0[0], $0[1], transposeA: true) }
        assertDerivativesMatchFiniteDifferences("matmul Bᵀ", at: [a, b.transposed()]) { matmul($0[0], $0[1], transposeB: true) }
        assertDerivativesMatchFiniteDifferences("matmul AᵀBᵀ", at: [a.transposed(), b.transposed()]) {
            matmul($0[0], $0[1], transposeA: true, transposeB: true)
        }
        // Products of products give non-zero second derivatives through every rule.
        assertDerivativesMatchFiniteDifferences("matmul chain", at: [a, b]) { tanh(matmul(matmul($0[0], $0[1]), $0[1], transposeB: true)) }
        let ba = randomTensor([2, 3, 4], seed: 13), bb = randomTensor([2, 4, 5], seed: 14)
        assertDerivativesMatchFiniteDifferences("batched matmul", at: [ba, bb]) { tanh(matmul($0[0], $0[1])) }
        assertDerivativesMatchFiniteDifferences("batched matmul Aᵀ Bᵀ", at: [ba.permuted([0, 2, 1]), bb.permuted([0, 2, 1])]) {
            tanh(matmul($0[0], $0[1], transposeA: true, transposeB: true))
        }
        assertDerivativesMatchFiniteDifferences("batch × shared", at: [ba, b]) { tanh(matmul($0[0], $0[1])) }
        let w = randomTensor([4, 5], seed: 15), bias = randomTensor([5], seed: 16)
        assertDerivativesMatchFiniteDifferences("linear", at: [a, w, bias]) { tanh(linear($0[0], weight: $0[1], bias: $0[2])) }
    }

    /// `∂/∂θ` of `∂u/∂x`: the mixed derivative a PINN loss needs, for u = tanh(x·W + b)·v.
    func testMixedDerivativeOfInputGradient() throws {
        let input = randomTensor([6, 2], seed: 17)
        let weight = randomTensor([2, 8], seed: 18), bias = randomTensor([8], seed: 19), head = randomTensor([8, 1], seed: 20)
        assertDerivativesMatchFiniteDifferences("d/dθ of du/dx", at: [weight, bias, head]) { p in
            let xs = input.requiringGradient()
            let u = matmul(tanh(linear(xs, weight: p[0], bias: p[1])), p[2])
            let dudx = try! gradients(of: u.sum(), withRespectTo: [xs], createGraph: true)[0]
            return square(dudx)
        }
    }
}

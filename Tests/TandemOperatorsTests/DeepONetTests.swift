import TandemCore
import TandemNN
import TandemOperators
import TandemTestSupport
import XCTest

final class DeepONetTests: XCTestCase {
    func denseModel(outputs: Int = 1, layerNorm: Bool = false) -> DeepONet<Double> {
        var g = SeededGenerator(seed: 3)
        let branch = FeedForward<Double>(widths: [5, 8, 6 * outputs], activation: .tanh, layerNorm: layerNorm, using: &g)
        let trunk = FeedForward<Double>(widths: [2, 7, 6 * outputs], activation: .tanh, outputActivation: .tanh, using: &g)
        var model = DeepONet(branch: .dense(branch), trunk: trunk, latent: 6, outputs: outputs)
        model.bias = Tensor(shape: [outputs], scalars: (0..<outputs).map { 0.1 * Double($0 + 1) })
        return model
    }

    /// The Cartesian product equals evaluating each (function, point) pair on its own:
    /// `G(a_i)(y_j) = Σ_k b_k(a_i) t_k(y_j) + β`.
    func testCartesianProductMatchesPairwiseEvaluation() {
        for outputs in [1, 2] {
            let model = denseModel(outputs: outputs)
            let a = randomTensor([3, 5], seed: 1), y = randomTensor([4, 2], seed: 2)
            let all = model(a, points: y)
            XCTAssertEqual(all.shape, outputs == 1 ? [3, 4] : [3, 4, outputs])
            let b = model.branch(a).scalars, t = model.trunk(y).scalars, values = all.scalars
            let width = 6 * outputs
            for i in 0..<3 {
                for j in 0..<4 {
                    for k in 0..<outputs {
                        var expected = model.bias.scalars[k]
                        for l in 0..<6 { expected += b[i * width + k * 6 + l] * t[j * width + k * 6 + l] }
                        let got = values[(i * 4 + j) * outputs + k]
                        XCTAssertEqual(got, expected, accuracy: 1e-12)
                    }
                }
            }
        }
    }

    /// Gradients with respect to the inputs and every parameter against finite differences.
    func testGradientsMatchFiniteDifferences() {
        let a = randomTensor([3, 5], seed: 4), y = randomTensor([4, 2], seed: 5)
        let model = denseModel(outputs: 2, layerNorm: true)
        let names = Array(model.namedParameters.keys)
        let values = Array(model.namedParameters.values)
        assertDerivativesMatchFiniteDifferences("DeepONet dense branch", at: [a, y] + values, secondOrder: false) { x in
            var m = model
            try! m.loadParameters(Dictionary(uniqueKeysWithValues: zip(names, x.dropFirst(2))))
            return m(x[0], points: x[1])
        }
    }

    func conditionedModel() -> DeepONet<Double> {
        var g = SeededGenerator(seed: 8)
        let branch = FeedForward<Double>(widths: [3, 8, 6], activation: .tanh, using: &g)
        let trunk = FeedForward<Double>(widths: [2 + 3, 7, 6], activation: .tanh, outputActivation: .tanh, using: &g)
        var model = DeepONet(branch: .dense(branch), trunk: trunk, latent: 6, conditionedTrunk: true)
        model.bias = Tensor(shape: [1], scalars: [0.3])
        return model
    }

    /// A conditioned trunk: `G(a_i)(y_j) = Σ_k b_k(a_i) t_k([y_j, a_i]) + β`, also when the
    /// functions are split into chunks (many points).
    func testConditionedTrunkMatchesPairwiseEvaluation() {
        let model = conditionedModel()
        for (n, m) in [(3, 4), (5, 70_000)] {  // the second runs in two chunks of functions
            let a = randomTensor([n, 3], seed: 11), y = randomTensor([m, 2], seed: 12)
            let all = model(a, points: y)
            XCTAssertEqual(all.shape, [n, m])
            let b = model.branch(a).scalars
            for i in 0..<n {
                for j in [0, 1, m / 2, m - 1] {
                    let row = Array(y.scalars[j * 2..<(j + 1) * 2]) + Array(a.scalars[i * 3..<(i + 1) * 3])
                    let t = model.trunk(Tensor(shape: [1, 5], scalars: row)).scalars
                    let expected = 0.3 + (0..<6).reduce(0.0) { $0 + b[i * 6 + $1] * t[$1] }
                    XCTAssertEqual(all.scalars[i * m + j], expected, accuracy: 1e-12, "function \(i), point \(j)")
                }
            }
        }
    }

    /// Gradients of the conditioned DeepONet with respect to the inputs (through branch and trunk)
    /// and every parameter, against finite differences.
    func testConditionedTrunkGradientsMatchFiniteDifferences() {
        let a = randomTensor([3, 3], seed: 13), y = randomTensor([4, 2], seed: 14)
        let model = conditionedModel()
        let names = Array(model.namedParameters.keys), values = Array(model.namedParameters.values)
        assertDerivativesMatchFiniteDifferences("DeepONet conditioned trunk", at: [a, y] + values, secondOrder: true) { x in
            var m = model
            try! m.loadParameters(Dictionary(uniqueKeysWithValues: zip(names, x.dropFirst(2))))
            return m(x[0], points: x[1])
        }
    }

    func testConvolutionalBranchShapesAndGradients() {
        var g = SeededGenerator(seed: 9)
        let branch = ConvolutionalBranch<Double>(inputShape: [2, 8, 8], filters: [3, 4], kernelSize: 3, head: [5], outputSize: 4,
                                                 activation: .tanh, using: &g)
        let trunk = FeedForward<Double>(widths: [2, 6, 4], activation: .tanh, outputActivation: .tanh, using: &g)
        let model = DeepONet(branch: .convolutional(branch), trunk: trunk, latent: 4)
        XCTAssertEqual(model.branch.inputShape, [2, 8, 8])
        let fields = randomTensor([2, 2, 8, 8], seed: 6), y = randomTensor([5, 2], seed: 7)
        XCTAssertEqual(model(fields, points: y).shape, [2, 5])
        XCTAssertEqual(Array(model.namedParameters.keys.prefix(3)), ["branch.convolutions.0.filter", "branch.convolutions.0.bias", "branch.convolutions.1.filter"])
        let names = Array(model.namedParameters.keys), values = Array(model.namedParameters.values)
        assertDerivativesMatchFiniteDifferences("DeepONet CNN branch", at: [fields] + values, secondOrder: false, directions: 2) { x in
            var m = model
            try! m.loadParameters(Dictionary(uniqueKeysWithValues: zip(names, x.dropFirst())))
            return m(x[0], points: y)
        }
    }
}

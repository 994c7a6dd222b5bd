import Collections
import TandemCore
import TandemNN
import TandemTestSupport
import XCTest

final class DifferentiationTests: XCTestCase {
    /// Two tasks sharing a trunk: `L₁ = mean (f(x) − sin 3x)²` and `L₂ = mean f(x)⁴`.
    func losses(_ m: MLP<Double>, _ x: Tensor<Double>) -> [Tensor<Double>] {
        let y = m(x)
        let e = y - sin(x * 3)
        return [(e * e).mean(), (y * y * y * y).mean()]
    }

    /// One forward pass serves every task, and each task's gradient is the one it would have alone.
    func testTaskGradientsEqualEachTaskAlone() throws {
        var generator = SeededGenerator(seed: 11)
        let model = MLP<Double>(widths: [1, 8, 8, 1], activation: .tanh, using: &generator)
        let x = Tensor<Double>.randomUniform(shape: [20, 1], lower: -1, upper: 1, using: &generator)
        var forwardPasses = 0
        let (values, gradients) = try valueWithTaskGradients(at: model) { m in
            forwardPasses += 1
            return losses(m, x)
        }
        XCTAssertEqual(forwardPasses, 1)
        XCTAssertEqual(values.count, 2)
        XCTAssertEqual(gradients.count, 2)
        for k in 0..<2 {
            let (value, alone) = try valueWithGradient(at: model) { m in losses(m, x)[k] }
            XCTAssertEqual(values[k], value)
            XCTAssertEqual(Array(gradients[k].keys), Array(alone.keys))
            for (name, g) in alone {
                for (a, b) in zip(gradients[k][name]!.scalars, g.scalars) {
                    XCTAssertEqual(a, b, accuracy: 1e-14 * max(1, abs(b)), "task \(k), \(name)")
                }
            }
        }
        // And against central differences of task 2 along one weight.
        let name = "layers.1.weight"
        var plus = model, minus = model
        let h = 1e-6
        plus.visitParameters { n, p in if n == name { p = p + Tensor(shape: p.shape, scalars: [h] + [Double](repeating: 0, count: p.scalarCount - 1)) } }
        minus.visitParameters { n, p in if n == name { p = p - Tensor(shape: p.shape, scalars: [h] + [Double](repeating: 0, count: p.scalarCount - 1)) } }
        let fd = (losses(plus, x)[1].scalar - losses(minus, x)[1].scalar) / (2 * h)
        XCTAssertEqual(gradients[1][name]!.scalars[0], fd, accuracy: 1e-7 * max(1, abs(fd)))
    }

    func testTaskGradientsRespectTheSelection() throws {
        var generator = SeededGenerator(seed: 12)
        let model = MLP<Double>(widths: [1, 4, 1], activation: .tanh, using: &generator)
        let x = Tensor<Double>.randomUniform(shape: [5, 1], lower: -1, upper: 1, using: &generator)
        let (_, gradients) = try valueWithTaskGradients(at: model, selecting: .named(["layers.1"])) { m in losses(m, x) }
        XCTAssertEqual(Array(gradients[0].keys), ["layers.1.weight", "layers.1.bias"])
    }
}

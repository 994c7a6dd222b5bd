import TandemCore
import TandemTestSupport
import XCTest

final class GradientsTests: XCTestCase {
    func testGradientOfKnownFunction() throws {
        // f(x) = Σ x³ → ∇f = 3x², and the gradient of Σ ∇f = Σ 3x² is 6x.
        let x = Tensor<Double>([1, -2, 0.5]).requiringGradient()
        let f = (x * x * x).sum()
        let g = try gradient(of: f, withRespectTo: x, createGraph: true)
        XCTAssertEqual(g.scalars, [3, 12, 0.75])
        XCTAssertTrue(g.isRecorded)
        let h = try gradient(of: g.sum(), withRespectTo: x)
        XCTAssertEqual(h.scalars, [6, -12, 3])
        XCTAssertFalse(h.isRecorded)
    }

    func testThirdDerivative() throws {
        // d³/dx³ sin x = −cos x.
        let x = Tensor<Double>([0.3]).requiringGradient()
        let d1 = try gradient(of: sin(x).sum(), withRespectTo: x, createGraph: true)
        let d2 = try gradient(of: d1.sum(), withRespectTo: x, createGraph: true)
        let d3 = try gradient(of: d2.sum(), withRespectTo: x)
        XCTAssertEqual(d3.scalar, -Double.cos(0.3), accuracy: 1e-15)
    }

    func testReusedInputAccumulates() throws {
        let x = Tensor<Double>([2]).requiringGradient()
        let y = x * x + x * 3 + sin(x)
        XCTAssertEqual(try gradient(of: y.sum(), withRespectTo: x).scalar, 4 + 3 + Double.cos(2), accuracy: 1e-15)
    }

    func testUnrelatedInputGetsZeroAndUnrecordedInputIsAnError() throws {
        let x = Tensor<Double>([1, 2]).requiringGradient()
        let z = Tensor<Double>([5, 6]).requiringGradient()
        let g = try gradients(of: (x * x).sum(), withRespectTo: [x, z])
        XCTAssertEqual(g[1].scalars, [0, 0])
        XCTAssertThrowsError(try gradient(of: (x * x).sum(), withRespectTo: Tensor<Double>([1, 2]))) { error in
            XCTAssertTrue("\(error)".contains("not recorded"), "\(error)")
        }
        XCTAssertThrowsError(try gradients(of: x * x, withRespectTo: [x])) { error in
            XCTAssertTrue("\(error)".contains("give a seed"), "\(error)")
        }
        // A seed gives a vector–Jacobian product.
        let vjp = try gradients(of: x * x, withRespectTo: [x], seed: Tensor([1, 10]))[0]
        XCTAssertEqual(vjp.scalars, [2, 40])
    }

    func testNoGradientModeRecordsNothing() {
        let x = Tensor<Double>([1, 2]).requiringGradient()
        let y = withoutGradient { tanh(x * 2).sum() }
        XCTAssertFalse(y.isRecorded)
        XCTAssertFalse(GradientMode.isEnabled == false)
        withoutGradient {
            XCTAssertFalse(GradientMode.isEnabled)
            XCTAssertTrue(withGradient { (x * x).isRecorded })
        }
        XCTAssertTrue((x * x).isRecorded)
        XCTAssertFalse((x * x).detached().isRecorded)
    }

    func testFloatGradientsAgreeWithDouble() throws {
        let xd = randomTensor([4, 3], seed: 21)
        let xf = xd.converted(to: Float.self)
        let leaf = xf.requiringGradient()
        let gf = try gradient(of: tanh(matmul(leaf, xf, transposeB: true)).sum(), withRespectTo: leaf)
        let leafD = xd.requiringGradient()
        let gd = try gradient(of: tanh(matmul(leafD, xd, transposeB: true)).sum(), withRespectTo: leafD)
        for (a, b) in zip(gf.scalars, gd.scalars) { XCTAssertEqual(Double(a), b, accuracy: 1e-5) }
    }

    func testDeepChainDoesNotOverflowTheStack() throws {
        var y = Tensor<Double>([0.5]).requiringGradient()
        let x = y
        for _ in 0..<20_000 { y = y * 1.0001 }
        XCTAssertEqual(try gradient(of: y.sum(), withRespectTo: x).scalar, Double.pow(1.0001, 20_000), accuracy: 1e-6)
    }
}

import TandemCore
import TandemTestSupport
import XCTest

final class TensorTests: XCTestCase {
    func testCreationAndShapes() {
        let t = Tensor<Float>(rows: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(Tensor<Double>.linspace(from: 0, to: 1, count: 5).scalars, [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(Tensor<Double>.arange(to: 3).scalars, [0, 1, 2])
        XCTAssertEqual(Tensor<Float>.full(2, shape: [2, 2]).scalars, [2, 2, 2, 2])
        XCTAssertThrowsError(try Tensor<Double>(validatingShape: [2, 2], scalars: [1, 2, 3])) { error in
            XCTAssertEqual("\(error)", "shape [2, 2] holds 4 scalars, got 3")
        }
    }

    func testSeedReproducesRandomTensors() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let ta = Tensor<Double>.randomNormal(shape: [100], using: &a)
        let tb = Tensor<Double>.randomNormal(shape: [100], using: &b)
        let tc = Tensor<Double>.randomNormal(shape: [100], using: &c)
        XCTAssertEqual(ta.scalars, tb.scalars)
        XCTAssertNotEqual(ta.scalars, tc.scalars)
        // Moments of 100k standard normals: mean within 5σ/√n, variance within a few percent.
        var g = SeededGenerator(seed: 7)
        let big = Tensor<Double>.randomNormal(shape: [100_000], using: &g)
        XCTAssertEqual(big.mean().scalar, 0, accuracy: 5 / 316)
        XCTAssertEqual((big * big).mean().scalar, 1, accuracy: 0.03)
        let uniform = Tensor<Double>.randomUniform(shape: [100_000], lower: 2, upper: 4, using: &g)
        XCTAssertGreaterThanOrEqual(uniform.min().scalar, 2)
        XCTAssertLessThan(uniform.max().scalar, 4)
        XCTAssertEqual(uniform.mean().scalar, 3, accuracy: 0.01)
    }

    func testBroadcastingValues() {
        let m = Tensor<Double>(rows: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual((m + Tensor([10, 20, 30])).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((m * Tensor(shape: [2, 1], scalars: [1, -1])).scalars, [1, 2, 3, -4, -5, -6])
        let outer = Tensor<Double>(shape: [3, 1], scalars: [1, 2, 3]) * Tensor<Double>(shape: [1, 2], scalars: [10, 100])
        XCTAssertEqual(outer.shape, [3, 2])
        XCTAssertEqual(outer.scalars, [10, 100, 20, 200, 30, 300])
        XCTAssertEqual(m.sum(alongAxis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(m.sum(alongAxis: 1, keepingDimensions: true).shape, [2, 1])
        XCTAssertEqual(m.max(alongAxes: [1]).scalars, [3, 6])
        XCTAssertEqual(m.min().scalar, 1)
        XCTAssertEqual(m.mean(alongAxis: 1).scalars, [2, 5])
    }

    /// Each code path of the broadcast adjoint: leading axes, trailing axes, both around a kept middle
    /// block (`[1, 3, 1]`, the per-channel bias gradient), everything, and the general case.
    func testSumToShapeOnEveryPath() {
        let cube = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        func reference(_ shape: [Int]) -> [Double] {
            var out = [Double](repeating: 0, count: shape.reduce(1, *))
            let padded = [Int](repeating: 1, count: 3 - shape.count) + shape
            for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
                let o = ((padded[0] == 1 ? 0 : i) * padded[1] + (padded[1] == 1 ? 0 : j)) * padded[2] + (padded[2] == 1 ? 0 : k)
                out[o] += Double((i * 3 + j) * 4 + k)
            } } }
            return out
        }
        for shape in [[4], [3, 4], [1, 3, 4], [2, 3, 1], [2, 1, 1], [1, 1, 1], [], [1, 3, 1], [2, 1, 4], [3, 1]] {
            XCTAssertEqual(cube.sum(toShape: shape).scalars, reference(shape), "\(shape)")
            XCTAssertEqual(cube.sum(toShape: shape).shape, shape)
        }
    }

    /// Full sums go through eight interleaved partial sums: every length around a multiple of
    /// eight, and rows of a row-sum, give the exact sum of small integers.
    func testFullSumsAtEveryRemainder() {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 1003] {
            let x = Tensor<Float>(shape: [n], scalars: (0..<n).map { Float($0 % 13) })
            XCTAssertEqual(x.sum().scalar, Float((0..<n).reduce(0) { $0 + $1 % 13 }), "n = \(n)")
            let rows = Tensor<Double>(shape: [3, n], scalars: (0..<(3 * n)).map { Double($0) })
            let expected = (0..<3).map { r in Double((0..<n).reduce(0) { $0 + r * n + $1 }) }
            XCTAssertEqual(rows.sum(alongAxis: 1).scalars, expected, "n = \(n)")
        }
    }

    func testShapeOperationValues() {
        let m = Tensor<Double>(rows: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.transposed().scalars, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(m.slice(alongAxis: 1, 1..<3).scalars, [2, 3, 5, 6])
        XCTAssertEqual(concatenate([m, m], alongAxis: 1).shape, [2, 6])
        XCTAssertEqual(concatenate([m, m], alongAxis: 1).scalars, [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        XCTAssertEqual(stack([m, m]).shape, [2, 2, 3])
        XCTAssertEqual(m.gathering([1, 1, 0]).scalars, [4, 5, 6, 4, 5, 6, 1, 2, 3])
        XCTAssertEqual(Tensor<Double>([1, 2, 3, 4]).scatterAdding([0, 2, 0, 2], count: 3).scalars, [4, 0, 6])
        XCTAssertEqual(Tensor<Double>.oneHot([2, 0], depth: 3).scalars, [0, 0, 1, 1, 0, 0])
        let cube = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        let p = cube.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p.scalars[1], 4)  // p[0,0,1] = cube[0,1,0]
        XCTAssertEqual(p.scalars[6], 1)  // p[1,0,0] = cube[0,0,1]
        let sel = select(Tensor<Double>([1, 0, 1]), Tensor([1, 2, 3]), Tensor([-1, -2, -3]))
        XCTAssertEqual(sel.scalars, [1, -2, 3])
    }

    func testSoftmaxIsStableAndNormalised() {
        let logits = Tensor<Double>(rows: [[1000, 1001, 1002], [-5, 0, 5]])
        let p = logits.softmax(alongAxis: 1)
        XCTAssertTrue(p.isFinite)
        for row in 0..<2 { XCTAssertEqual(p.scalars[(row * 3)..<(row * 3 + 3)].reduce(0, +), 1, accuracy: 1e-12) }
        XCTAssertEqual(crossEntropy(logits: Tensor<Double>(rows: [[0, 0]]), labels: [1]).scalar, Double.log(2), accuracy: 1e-12)
    }

    func testNonFiniteValuesAreReportedWithTheirPosition() throws {
        let good = Tensor<Double>(rows: [[1, 2], [3, 4]])
        XCTAssertEqual(try good.checkedFinite("x").scalars, good.scalars)
        let bad = log(Tensor<Double>(rows: [[1, 2], [-3, 4]]))
        XCTAssertThrowsError(try bad.checkedFinite("log K")) { error in
            // log of a negative number is a NaN whose sign bit the C library chooses.
            XCTAssertTrue("\(error)".hasPrefix("non-finite value: log K has "), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("nan at [1, 0] (shape [2, 2])"), "\(error)")
        }
        XCTAssertThrowsError(try (Tensor<Float>([1]) / Tensor<Float>([0])).checkedFinite("ratio")) { error in
            XCTAssertTrue("\(error)".contains("inf at [0]"), "\(error)")
        }
    }

    func testActivationValues() {
        let v = Tensor<Double>([-2, -0.5, 0.5, 2])
        XCTAssertEqual(relu(v).scalars, [0, 0, 0.5, 2])
        XCTAssertEqual(leakyRelu(v, slope: 0.1).scalars, [-0.2, -0.05, 0.5, 2])
        XCTAssertEqual(softplus(Tensor<Double>([0])).scalar, Double.log(2), accuracy: 1e-15)
        XCTAssertEqual(softplus(Tensor<Double>([800])).scalar, 800)  // no overflow
        XCTAssertEqual(sigmoid(Tensor<Double>([-800])).scalar, 0)  // no NaN
        XCTAssertEqual(gelu(Tensor<Double>([1])).scalar, 0.8413447460685429, accuracy: 1e-12)
        XCTAssertEqual(silu(Tensor<Double>([1])).scalar, 1 / (1 + Double.exp(-1)), accuracy: 1e-15)
        XCTAssertEqual(elu(Tensor<Double>([-1])).scalar, Double.exp(-1) - 1, accuracy: 1e-15)
        XCTAssertEqual(selu(Tensor<Double>([1])).scalar, 1.0507009873554805, accuracy: 1e-15)
    }
}

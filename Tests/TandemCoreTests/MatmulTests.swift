import TandemCore
import TandemTestSupport
import XCTest

final class MatmulTests: XCTestCase {
    /// Plain triple loop, the reference for BLAS.
    func naive<S: TensorScalar>(_ a: [[S]], _ b: [[S]]) -> [S] {
        var out: [S] = []
        for i in a.indices {
            for j in b[0].indices {
                var total: S = 0
                for k in b.indices { total += a[i][k] * b[k][j] }
                out.append(total)
            }
        }
        return out
    }

    func check<S: TensorScalar>(_: S.Type, tolerance: S) {
        var g = SeededGenerator(seed: 3)
        let a = Tensor<S>.randomNormal(shape: [7, 5], using: &g), b = Tensor<S>.randomNormal(shape: [5, 6], using: &g)
        let rows: (Tensor<S>) -> [[S]] = { t in (0..<t.shape[0]).map { Array(t.scalars[($0 * t.shape[1])..<(($0 + 1) * t.shape[1])]) } }
        let expected = naive(rows(a), rows(b))
        let cases: [(String, Tensor<S>)] = [
            ("AB", matmul(a, b)),
            ("(Aᵀ)ᵀB", matmul(a.transposed(), b, transposeA: true)),
            ("A(Bᵀ)ᵀ", matmul(a, b.transposed(), transposeB: true)),
            ("both", matmul(a.transposed(), b.transposed(), transposeA: true, transposeB: true)),
        ]
        for (name, product) in cases {
            XCTAssertEqual(product.shape, [7, 6], name)
            for (p, e) in zip(product.scalars, expected) { XCTAssertEqual(p, e, accuracy: tolerance, "\(S.self) \(name)") }
        }
        let batched = matmul(stack([a, a * 2]), stack([b, b]))
        XCTAssertEqual(batched.shape, [2, 7, 6])
        for (p, e) in zip(batched.scalars[42...], expected) { XCTAssertEqual(p, 2 * e, accuracy: 2 * tolerance) }
        let bias = Tensor<S>.randomNormal(shape: [6], using: &g)
        let affine = linear(a, weight: b, bias: bias)
        for (i, v) in affine.scalars.enumerated() { XCTAssertEqual(v, expected[i] + bias.scalars[i % 6], accuracy: tolerance) }
    }

    func testAgreesWithNaiveProductInBothPrecisions() {
        check(Float.self, tolerance: 1e-4)
        check(Double.self, tolerance: 1e-12)
    }

    /// `linear` takes a direct loop for up to four inputs and a GEMM above: both agree with
    /// `x·W + b` done by `matmul`, at every inner size around the switch.
    func testLinearAgreesWithProductPlusBiasAroundTheDirectLoop() {
        var g = SeededGenerator(seed: 31)
        for k in [0, 1, 2, 3, 4, 5, 8] {
            let x = Tensor<Double>.randomNormal(shape: [9, k], using: &g), w = Tensor<Double>.randomNormal(shape: [k, 7], using: &g)
            let bias = Tensor<Double>.randomNormal(shape: [7], using: &g)
            let expected = matmul(x, w) + bias
            let affine = linear(x, weight: w, bias: bias)
            XCTAssertEqual(affine.shape, [9, 7])
            for (v, e) in zip(affine.scalars, expected.scalars) { XCTAssertEqual(v, e, accuracy: 1e-13, "k = \(k)") }
        }
    }

    func testEmptyInnerDimensionGivesZeros() {
        let p = matmul(Tensor<Double>.zeros(shape: [2, 0]), Tensor<Double>.zeros(shape: [0, 3]))
        XCTAssertEqual(p.scalars, [0, 0, 0, 0, 0, 0])
    }

    func testBLASReportsItsConfiguration() {
        XCTAssertTrue(BLASRuntime.configuration.contains("OpenBLAS"), BLASRuntime.configuration)
        XCTAssertGreaterThanOrEqual(BLASRuntime.threadCount, 1)
        XCTAssertEqual(BLASRuntime.preferredCoreType(cpuFlags: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "fma"]), "SkylakeX")
        XCTAssertNil(BLASRuntime.preferredCoreType(cpuFlags: ["avx2", "fma", "avx512f"]))
    }
}

import XCTest
import TandemCore

/// The libxsmm path of ``GEMMDispatch`` against OpenBLAS: every layout, odd sizes around the tile
/// and chunk edges, leading dimensions larger than the matrices, `β = 0` and `β = 1`, one and two
/// threads (both ways of splitting), both precisions.
final class GEMMDispatchTests: XCTestCase {
    /// `(m, n, k)`: single elements, tile edges (64 rows, 256 columns, 256-long chunks) ± 1, a
    /// long inner dimension with few tiles (split along k on two threads), a wide product, and
    /// one-tile products that two threads split into smaller tiles.
    let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (3, 5, 7), (17, 1, 9), (1, 19, 4), (63, 65, 255), (64, 256, 256), (65, 257, 257),
        (130, 33, 600), (31, 29, 4000), (8, 300, 5), (200, 40, 40), (60, 250, 200), (64, 128, 128),
    ]

    func testSmallMatrixKernelsAgreeWithBLAS() {
        check(Float.self, tolerance: 1e-6)
        check(Double.self, tolerance: 4e-15)
    }

    private func check<S: TensorScalar>(_: S.Type, tolerance: Double) {
        var g = SeededGenerator(seed: 11)
        let saved = BLASRuntime.threadCount
        defer { BLASRuntime.threadCount = saved }
        for threads in [1, 2] {
            BLASRuntime.threadCount = threads
            XCTAssertEqual(GEMMDispatch.threadCount, threads)
            for (m, n, k) in shapes {
                for transposeA in [false, true] {
                    for transposeB in [false, true] {
                        for accumulate in [false, true] {
                            // Stored shapes with padding: leading dimensions 3 more than needed.
                            let (ar, ac) = transposeA ? (k, m) : (m, k)
                            let (br, bc) = transposeB ? (n, k) : (k, n)
                            let (lda, ldb, ldc) = (ac + 3, bc + 3, n + 3)
                            let a = (0..<(ar * lda)).map { _ in S(Double.random(in: -1...1, using: &g)) }
                            let b = (0..<(br * ldb)).map { _ in S(Double.random(in: -1...1, using: &g)) }
                            let c0 = (0..<(m * ldc)).map { _ in S(Double.random(in: -1...1, using: &g)) }
                            var expected = c0, actual = c0
                            let beta: S = accumulate ? 1 : 0
                            for (backend, target) in [(GEMMBackend.blas, 0), (.smallMatrix, 1)] {
                                var out = target == 0 ? expected : actual
                                out.withUnsafeMutableBufferPointer { pc in
                                    S.gemm(on: backend, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                           alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                                }
                                if target == 0 { expected = out } else { actual = out }
                            }
                            var worst = 0.0
                            for i in 0..<m {
                                for j in 0..<n {
                                    worst = max(worst, abs(Double(actual[i * ldc + j] - expected[i * ldc + j])))
                                }
                                // The padding between rows is never written.
                                for j in n..<ldc { XCTAssertEqual(actual[i * ldc + j], c0[i * ldc + j]) }
                            }
                            XCTAssertLessThanOrEqual(
                                worst, tolerance * Double(k).squareRoot() * 4,
                                "\(S.dtypeName) m \(m) n \(n) k \(k) Aᵀ \(transposeA) Bᵀ \(transposeB) β \(beta) threads \(threads)")
                        }
                    }
                }
            }
        }
    }

    /// `matmul` and its pullback under each policy agree: the dispatch is invisible to callers.
    func testMatmulAndLinearUseTheDispatch() {
        var g = SeededGenerator(seed: 4)
        let x = Tensor<Double>.randomNormal(shape: [300, 40], using: &g)
        let w = Tensor<Double>.randomNormal(shape: [40, 24], using: &g)
        let c = matmul(x, w)
        var expected = [Double](repeating: 0, count: 300 * 24)
        expected.withUnsafeMutableBufferPointer { pc in
            Double.blasGEMM(transposeA: false, transposeB: false, m: 300, n: 24, k: 40, alpha: 1, a: x.scalars, lda: 40,
                            b: w.scalars, ldb: 24, beta: 0, c: pc.baseAddress!, ldc: 24)
        }
        for (p, q) in zip(c.scalars, expected) { XCTAssertEqual(p, q, accuracy: 1e-12) }
    }

    /// The automatic rule on the shapes of `docs/benchmarks.md`.
    func testAutomaticRuleSendsSkinnyProductsToLibxsmm() {
        func backend(_ m: Int, _ n: Int, _ k: Int, a: Bool = false, b: Bool = false, beta: Double = 0) -> GEMMBackend {
            GEMMDispatch.backend(policy: .automatic, thresholds: .init(), threads: 2, transposeA: a, transposeB: b,
                                 m: m, n: n, k: k, alpha: 1, beta: beta)
        }
        XCTAssertEqual(backend(16384, 64, 64), .smallMatrix)            // a PINN layer
        XCTAssertEqual(backend(64, 64, 16384, a: true), .smallMatrix)   // its weight gradient
        XCTAssertEqual(backend(16384, 64, 64, b: true), .smallMatrix)   // its input gradient (Wᵀ copied)
        XCTAssertEqual(backend(1024, 128, 128, b: true), .blas)          // too few rows to pay for the copy
        XCTAssertEqual(backend(64, 128, 128), .blas)                     // too small to split: OpenBLAS's threads
        XCTAssertEqual(GEMMDispatch.backend(policy: .automatic, thresholds: .init(), threads: 1, transposeA: false, transposeB: false,
                                            m: 64, n: 128, k: 128, alpha: 1, beta: 0), .smallMatrix)  // … unless on one core
        XCTAssertEqual(backend(8192, 128, 128, beta: 1), .smallMatrix)
        XCTAssertEqual(backend(2048, 2048, 2048), .blas)
        XCTAssertEqual(backend(512, 512, 512), .blas)
        XCTAssertEqual(backend(64, 10000, 1600), .blas)                 // a deep convolution's inner length
        XCTAssertEqual(backend(16, 9216, 50), .blas)                    // a wide band of a convolution
        XCTAssertEqual(backend(400, 1936, 32, a: true), .smallMatrix)   // its input gradient
        XCTAssertEqual(backend(32, 400, 1936, b: true), .blas)          // its filter gradient (Xᵀ too large to copy)
        XCTAssertEqual(backend(2048, 2048, 2048, a: true), .blas)
        XCTAssertEqual(GEMMDispatch.backend(policy: .automatic, thresholds: .init(), threads: 2, transposeA: false, transposeB: false,
                                            m: 64, n: 64, k: 64, alpha: 2, beta: 0), .blas)
        XCTAssertEqual(GEMMDispatch.backend(policy: .blas, thresholds: .init(), threads: 2, transposeA: false, transposeB: false,
                                            m: 64, n: 64, k: 64, alpha: 1, beta: 0), .blas)
        XCTAssertEqual(GEMMDispatch.backend(policy: .xsmm, thresholds: .init(), threads: 2, transposeA: false, transposeB: false,
                                            m: 4096, n: 4096, k: 4096, alpha: 1, beta: 0), .smallMatrix)
    }

    /// libxsmm's initialisation sets `OMP_PROC_BIND=TRUE`; Tandem takes it back out, so that the
    /// processes it starts (and the libraries it loads) see the user's environment.
    func testLibxsmmLeavesTheEnvironmentAlone() throws {
        let initial = try String(contentsOfFile: "/proc/self/environ", encoding: .utf8).split(separator: "\0")
        try XCTSkipIf(initial.contains { $0.hasPrefix("OMP_PROC_BIND=") }, "OMP_PROC_BIND is set in the test's environment")
        var c = [Float](repeating: 0, count: 64)
        let a = [Float](repeating: 1, count: 64)
        c.withUnsafeMutableBufferPointer { pc in
            Float.gemm(on: .smallMatrix, transposeA: false, transposeB: false, m: 8, n: 8, k: 8,
                       alpha: 1, a: a, lda: 8, b: a, ldb: 8, beta: 0, c: pc.baseAddress!, ldc: 8)
        }
        XCTAssertEqual(c[0], 8)
        XCTAssertNil(getenv("OMP_PROC_BIND"))
        XCTAssertTrue(GEMMDispatch.smallMatrixLibrary.hasPrefix("libxsmm 1."), GEMMDispatch.smallMatrixLibrary)
    }

    func testPolicyNames() throws {
        XCTAssertEqual(try GEMMDispatch.policy(named: nil), .automatic)
        XCTAssertEqual(try GEMMDispatch.policy(named: "BLAS"), .blas)
        XCTAssertEqual(try GEMMDispatch.policy(named: "xsmm"), .xsmm)
        XCTAssertThrowsError(try GEMMDispatch.policy(named: "mkl")) { error in
            XCTAssertEqual("\(error)", "TANDEM_GEMM: mkl is not valid; expected one of auto, blas, xsmm")
        }
        var expected = GEMMDispatch.Thresholds()
        (expected.tileRows, expected.parallelWork) = (32, 1 << 23)
        XCTAssertEqual(try GEMMDispatch.Thresholds(overrides: "tileRows=32, parallelWork=8388608"), expected)
        for bad in ["tileRows=0", "tileRow=32", "tileRows", "tileRows=x"] {
            XCTAssertThrowsError(try GEMMDispatch.Thresholds(overrides: bad), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("TANDEM_GEMM_THRESHOLDS: \(bad) is not valid; expected name=positive integer, names innerChunk"), "\(error)")
            }
        }
        XCTAssertNoThrow(try GEMMDispatch.validate(environment: ["TANDEM_GEMM": "xsmm", "TANDEM_GEMM_THRESHOLDS": "smallSide=128"]))
        XCTAssertThrowsError(try GEMMDispatch.validate(environment: ["TANDEM_GEMM_THRESHOLDS": "smallSide=-1"]))
    }
}

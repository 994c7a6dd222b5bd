import Foundation
import TandemCore
import XCTest

/// The vectorised `tanh` against glibc's, in units in the last place, over a dense sweep that
/// covers the series branch, the range-reduced branch, the switch between them and saturation.
final class VectorMathTests: XCTestCase {
    func ulpError<S: TensorScalar>(_ computed: S, _ exact: Double) -> Double {
        let e = S(exact)
        if computed == e { return 0 }
        return Swift.abs(Double(computed) - exact) / Double(e == 0 ? S.leastNonzeroMagnitude : e.ulp)
    }

    func sweep<S: TensorScalar>(_: S.Type) -> [S] {
        var values: [S] = [0, -0.0, S.leastNormalMagnitude, 1e-30, -1e-20, 30, -30, 1e4, -1e4]
        for i in -40_000...40_000 { values.append(S(Double(i) * 2.5e-4)) }  // [−10, 10]
        for i in -2000...2000 { values.append(S(Double(i) * 1e-6)) }  // near 0
        for i in 0..<1000 { values.append(S(0.17328679513998632 + Double(i - 500) * 1e-9)) }  // branch switch
        return values
    }

    func check<S: TensorScalar>(_: S.Type, maxULP: Double) {
        let x = sweep(S.self)
        let y = tanh(Tensor<S>(x))
        var worst = 0.0, worstAt = S(0)
        for (xi, yi) in zip(x, y.scalars) {
            let err = ulpError(yi, Foundation.tanh(Double(xi)))
            if err > worst { (worst, worstAt) = (err, xi) }
        }
        XCTAssertLessThanOrEqual(worst, maxULP, "\(S.self): worst \(worst) ulp at x = \(worstAt)")
        XCTAssertTrue(tanh(Tensor<S>([.nan])).scalars[0].isNaN, "NaN must propagate")
    }

    func testTanhAccuracyDouble() { check(Double.self, maxULP: 4) }
    func testTanhAccuracyFloat() { check(Float.self, maxULP: 4) }
}

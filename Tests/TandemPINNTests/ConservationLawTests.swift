import TandemExpressions
import TandemPINN
import XCTest

/// The residual of `[u_t] − ∇·(k∇u) − s − [R(u)]`, checked against the formula written out.
final class ConservationLawTests: XCTestCase {
    func testExpressionCoefficientGetsItsSymbolicGradient() throws {
        // −((1 + x·y)(u_xx + u_yy) + y·u_x + x·u_y) − sin(x).
        let k = try Expression(parsing: "1 + x*y", variables: ["x", "y"])
        let s = try Expression(parsing: "sin(x)", variables: ["x"])
        let r = try ConservationLaw(space: ["x", "y"], transient: false, coefficient: .expression(k), source: s).residual()
        let at: [String: Double] = ["x": 0.5, "y": 0.25, "u_x": 2, "u_y": 3, "u_xx": 5, "u_yy": 7]
        XCTAssertEqual(r.evaluate(at), -((1 + 0.125) * 12 + 0.25 * 2 + 0.5 * 3) - Foundation.sin(0.5), accuracy: 1e-12)
        XCTAssertFalse(r.variables.contains("u_t"))
    }

    func testFieldCoefficientTransientWithReaction() throws {
        // u_t − (D·u_xx + D_x·u_x) − 0 − u(1 − u).
        let reaction = try Expression(parsing: "u*(1 - u)", variables: ["u"])
        let r = try ConservationLaw(space: ["x"], transient: true, coefficient: .field(symbol: "D"), source: .number(0), reaction: reaction).residual()
        XCTAssertEqual(r.variables, ["u", "u_t", "u_x", "u_xx", "D", "D_x"])
        let at: [String: Double] = ["u": 0.3, "u_t": 0.2, "u_x": -1, "u_xx": -1.5, "D": 0.05, "D_x": 0.4]
        XCTAssertEqual(r.evaluate(at), 0.2 - (0.05 * -1.5 + 0.4 * -1) - 0.3 * 0.7, accuracy: 1e-15)
    }

    func testCoefficientWithoutAGradientIsAnError() throws {
        let k = try Expression(parsing: "max(x, 0.5)", variables: ["x"])
        XCTAssertThrowsError(try ConservationLaw(space: ["x"], transient: false, coefficient: .expression(k), source: .number(1)).residual()) { error in
            XCTAssertTrue(error is ExpressionError, "\(error)")
        }
    }

    func testDerivativeNamesFollowTheAxes() {
        XCTAssertEqual(DerivativeNames.name([]), "u")
        XCTAssertEqual(DerivativeNames.name(["x", "t"]), "u_xt")
        XCTAssertEqual(DerivativeNames.all(axes: ["x", "t"]), ["u", "u_x", "u_t", "u_xx", "u_xt", "u_tx", "u_tt"])
    }
}

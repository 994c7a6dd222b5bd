import Foundation
import TandemExpressions
import XCTest

/// Polynomial form of expressions (reaction terms): exact expansion, refusals, and work that stays
/// linear in the expression's size.
final class PolynomialTests: XCTestCase {
    /// The three Fisher–KPP families of the multi-task benchmark as polynomial coefficients in u.
    func testReactionFamiliesAsPolynomials() throws {
        let variables: Set<String> = ["u", "a", "beta"]
        let fisher = try Expression(parsing: "a*u*(1-u)", variables: variables).polynomialCoefficients(in: "u", bindings: ["a": 0.5])
        XCTAssertEqual(fisher, [0, 0.5, -0.5])
        let cubic = try Expression(parsing: "a*(u-u^3)", variables: variables).polynomialCoefficients(in: "u", bindings: ["a": 2])
        XCTAssertEqual(cubic, [0, 2, 0, -2])
        let (a, b) = (0.7, 1.5)
        let exponential = try Expression(parsing: "a*exp(-beta)*u*(1-u)*(1+beta*u+beta^2*u^2/2)", variables: variables)
            .polynomialCoefficients(in: "u", bindings: ["a": a, "beta": b])
        let s = a * exp(-b)
        let expected = [0, s, s * (b - 1), s * (b * b / 2 - b), -s * b * b / 2]
        XCTAssertEqual(exponential.count, 5)
        for (c, e) in zip(exponential, expected) { XCTAssertEqual(c, e, accuracy: 1e-12) }
        XCTAssertThrowsError(try Expression(parsing: "exp(u)", variables: variables).polynomialCoefficients(in: "u", bindings: [:])) {
            XCTAssertTrue("\($0)".contains("not a polynomial in u"), "\($0)")
        }
    }

    /// Expansion agrees with evaluation of the same expression at many points.
    func testExpansionAgreesWithEvaluation() throws {
        let variables: Set<String> = ["u", "a"]
        for text in ["(1+u)^8", "a*(u - 2)^3*(u + 1) - u/4", "pow(2*u - 1, 4) + sin(a)*u", "-(u*a - 1)^2 + exp(a)", "u^9 - u^9 + u"] {
            let e = try Expression(parsing: text, variables: variables)
            let c = try e.polynomialCoefficients(in: "u", bindings: ["a": 0.3])
            for u in stride(from: -2.0, through: 2.0, by: 0.25) {
                let exact = e.evaluate(["u": u, "a": 0.3])
                let fitted = c.reversed().reduce(0) { $0 * u + $1 }
                XCTAssertEqual(fitted, exact, accuracy: 1e-10 * max(1, abs(exact)), "\(text) at u = \(u)")
            }
        }
        XCTAssertEqual(try Expression(parsing: "u^9 - u^9 + u", variables: variables).polynomialCoefficients(in: "u", bindings: [:]), [0, 1])
    }

    /// What is not a polynomial is refused with the part that is not, and refusing takes no time
    /// however the expression repeats itself (12 or 20 factors, five nested exponentials).
    func testRefusalsAreImmediate() throws {
        let variables: Set<String> = ["u"]
        let cases: [(String, String)] = [
            (Array(repeating: "u", count: 12).joined(separator: "*"), "degree"),
            (Array(repeating: "u", count: 20).joined(separator: "*"), "degree"),
            (Array(repeating: "(1+u)", count: 200).joined(separator: "*"), "degree"),
            ("exp(exp(exp(exp(exp(u)))))", "exp of an argument that depends on u"),
            ("u/(1+u)", "division by"),
            ("u^0.5", "not a whole power"),
            ("2^u", "exponent"),
            ("abs(u)", "abs of an argument"),
        ]
        let start = Date()
        for (text, reason) in cases {
            XCTAssertThrowsError(try Expression(parsing: text, variables: variables).polynomialCoefficients(in: "u", bindings: [:])) {
                XCTAssertTrue("\($0)".contains(reason), "\(text): \($0)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "refusals must not expand derivatives")
    }

    /// A long expression is never echoed whole: the message keeps the part around the column.
    func testLongExpressionsAreCutInMessages() {
        let text = String(repeating: "u + ", count: 3000) + "?"
        XCTAssertThrowsError(try Expression(parsing: text, variables: ["u"])) {
            let message = "\($0)"
            XCTAssertLessThan(message.count, 700, message)
            XCTAssertTrue(message.contains("…"), message)
        }
        let long = String(repeating: "u + ", count: 2000) + "u ?"
        XCTAssertThrowsError(try Expression(parsing: long, variables: ["u"])) {
            let message = "\($0)"
            XCTAssertLessThan(message.count, 700, message)
            XCTAssertTrue(message.contains("?"), "the cut keeps the column's neighbourhood: \(message)")
        }
    }
}

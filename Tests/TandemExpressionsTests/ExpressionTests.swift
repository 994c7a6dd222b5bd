import Foundation
import TandemExpressions
import XCTest

final class ExpressionTests: XCTestCase {
    func value(_ text: String, _ bindings: [String: Double] = [:]) throws -> Double {
        try Expression(parsing: text, variables: Set(bindings.keys)).evaluate(bindings)
    }

    func testArithmeticAndPrecedence() throws {
        XCTAssertEqual(try value("1 + 2 * 3"), 7)
        XCTAssertEqual(try value("(1 + 2) * 3"), 9)
        XCTAssertEqual(try value("-2^2"), -4)
        XCTAssertEqual(try value("2^3^2"), 512)
        XCTAssertEqual(try value("2^-1"), 0.5)
        XCTAssertEqual(try value("8 / 4 / 2"), 1)
        XCTAssertEqual(try value("10 - 4 - 3"), 3)
        XCTAssertEqual(try value("1.5e-3 * 2E3"), 3)
        XCTAssertEqual(try value("a*u*(1-u)", ["a": 2, "u": 0.25]), 0.375)
        XCTAssertEqual(try value("sin(pi*x)*exp(-t)", ["x": 0.5, "t": 0]), 1, accuracy: 1e-15)
        XCTAssertEqual(try value("max(x, 2) + min(x, 2) + pow(x, 2) + abs(-x)", ["x": 3]), 3 + 2 + 9 + 3)
        XCTAssertEqual(try value("e"), M_E)
        XCTAssertEqual(try value("sqrt(4) + log(e) + tanh(0) + cosh(0) + sinh(0) + tan(0) + cos(0)"), 2 + 1 + 0 + 1 + 0 + 0 + 1)
    }

    func testErrorsGiveTheColumnAndWhatWasExpected() {
        func message(_ text: String, _ variables: Set<String> = ["x", "u"]) -> String {
            do {
                _ = try Expression(parsing: text, variables: variables)
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message("a*u"), "\"a*u\", column 1: unknown name \"a\"; expected one of u, x, pi, e")
        XCTAssertEqual(message("sinn(x)"), "\"sinn(x)\", column 1: unknown function \"sinn\"; expected one of sin, cos, tan, exp, log, sqrt, abs, tanh, sinh, cosh, min, max, pow")
        XCTAssertEqual(message("(x + 1"), "\"(x + 1\", column 7: expected \")\" to match \"(\" at column 1")
        XCTAssertEqual(message("x + * 2"), "\"x + * 2\", column 5: unexpected \"*\"; expected a number, a name or \"(\"")
        XCTAssertEqual(message("x 2"), "\"x 2\", column 3: unexpected number 2.0; expected an operator or the end")
        XCTAssertEqual(message("pow(x)"), "\"pow(x)\", column 1: pow takes 2 arguments, got 1")
        XCTAssertEqual(message("x $ 2"), "\"x $ 2\", column 3: unexpected character \"$\"")
        XCTAssertEqual(message(""), "\"\", column 1: unexpected end of expression; expected a number, a name or \"(\"")
        XCTAssertTrue(message(String(repeating: "(", count: 500) + "x" + String(repeating: ")", count: 500)).contains("nested more than 200 levels"))
        XCTAssertTrue(message(String(repeating: "-", count: 500) + "x").contains("nested more than 200 levels"))
    }

    func testArrayEvaluationMatchesScalar() throws {
        let e = try Expression(parsing: "sin(pi*x)*cos(pi*y) + k", variables: ["x", "y", "k"])
        let xs = [0.1, 0.2, 0.3], ys = [0.5, 0.25, 0]
        let values = e.evaluate(["x": xs, "y": ys, "k": [2]], count: 3)
        for i in 0..<3 { XCTAssertEqual(values[i], e.evaluate(["x": xs[i], "y": ys[i], "k": 2])) }
        XCTAssertEqual(e.variables, ["x", "y", "k"])
    }

    /// Symbolic derivatives against central differences.
    func testDerivativesMatchFiniteDifferences() throws {
        let cases = ["a*u*(1-u)", "a*(u - u^3)", "exp(-u^2)/(1+u)", "sin(u)*cos(2*u) + tan(u/3)", "sqrt(1+u^2) + log(2+u)",
                     "tanh(u) + sinh(u) - cosh(u)", "u^u", "pow(u, 3) + abs(u)", "2^u", "-u/(u^2+1)"]
        for text in cases {
            let e = try Expression(parsing: text, variables: ["u", "a"])
            let d = try e.derivative(with: "u")
            for u in [0.3, 0.8, 1.7] {
                let h = 1e-6
                let fd = (e.evaluate(["u": u + h, "a": 1.3]) - e.evaluate(["u": u - h, "a": 1.3])) / (2 * h)
                XCTAssertEqual(d.evaluate(["u": u, "a": 1.3]), fd, accuracy: 1e-7 * max(1, abs(fd)), "\(text) → \(d) at u = \(u)")
            }
        }
        XCTAssertThrowsError(try Expression(parsing: "max(u, 0)", variables: ["u"]).derivative(with: "u")) {
            XCTAssertTrue("\($0)".contains("max is not differentiable in u"), "\($0)")
        }
        XCTAssertEqual(try Expression(parsing: "max(a, 0) * u", variables: ["u", "a"]).derivative(with: "u").evaluate(["a": 2, "u": 5]), 2)
    }
}

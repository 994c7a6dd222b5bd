import TandemCore
import TandemExpressions
import TandemPINN
import TandemTestSupport
import Foundation
import XCTest

/// Expressions evaluated on tensors agree with the interpreter, fold constants, and differentiate.
final class TensorExpressionTests: XCTestCase {
    func testTensorExpressionsMatchTheInterpreterAndDifferentiate() throws {
        let text = "sinh(x)*cosh(y) + max(x, y)^2 - min(x, 0.35)/(1 + y^2) + pow(1 + x*x, 1.5) + tan(0.5*y) + abs(x - y) - 2^x"
        let e = try Expression(parsing: text, variables: ["x", "y"])
        let xs = (0..<7).map { -0.9 + 0.3 * Double($0) }, ys = (0..<7).map { 0.8 - 0.25 * Double($0) }
        let expected = e.evaluate(["x": xs, "y": ys], count: 7)
        let value = TensorExpression.tensor(TensorExpression.evaluate(e, ["x": .tensor(Tensor(shape: [7, 1], scalars: xs)), "y": .tensor(Tensor(shape: [7, 1], scalars: ys))]), rows: 7)
        for (a, b) in zip(value.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        // Constant subexpressions fold to numbers.
        guard case let .constant(c) = TensorExpression.evaluate(try Expression(parsing: "2*pi + exp(1)", variables: []), [:]) else {
            return XCTFail("a constant expression should fold")
        }
        XCTAssertEqual(c, 2 * Double.pi + M_E, accuracy: 1e-14)
        // u^3 stays exact for negative u (a product, not exp(3 log u)).
        let cube = TensorExpression.tensor(TensorExpression.evaluate(try Expression(parsing: "u^3", variables: ["u"]), ["u": .tensor(Tensor(shape: [1, 1], scalars: [-2]))]), rows: 1)
        XCTAssertEqual(cube.scalars, [-8])
        assertDerivativesMatchFiniteDifferences("tensor expression", at: [Tensor(shape: [7, 1], scalars: xs), Tensor(shape: [7, 1], scalars: ys.map { $0 + 0.01 })]) { p in
            TensorExpression.tensor(TensorExpression.evaluate(e, ["x": .tensor(p[0]), "y": .tensor(p[1])]), rows: 7)
        }
    }
}

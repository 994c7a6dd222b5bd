import Foundation

extension Expression {
    /// The coefficients `[c₀, c₁, …, c_d]` of this expression as a polynomial in `variable`,
    /// `Σ c_k·variableᵏ`, with the other variables bound to numbers.
    ///
    /// Computed as Taylor coefficients at 0 (`c_k = f⁽ᵏ⁾(0)/k!`, from symbolic derivatives), then
    /// checked at several points: an expression that is not a polynomial of degree ≤ `maximumDegree`
    /// is an error, never a truncated series. Trailing zero coefficients are dropped.
    /// - Throws: ``ExpressionError`` when the expression is not such a polynomial.
    public func polynomialCoefficients(in variable: String, bindings: [String: Double], maximumDegree: Int = 8) throws -> [Double] {
        var coefficients: [Double] = []
        var term = self
        var factorial = 1.0
        for k in 0...maximumDegree {
            if k > 0 { factorial *= Double(k) }
            var point = bindings
            point[variable] = 0
            coefficients.append(term.evaluate(point) / factorial)
            term = try term.derivative(with: variable)
        }
        while coefficients.count > 1, coefficients.last == 0 { coefficients.removeLast() }
        for u in [-1.7, -0.6, 0.35, 0.9, 1.3, 2.1] {
            var point = bindings
            point[variable] = u
            let exact = evaluate(point)
            let fitted = coefficients.reversed().reduce(0) { $0 * u + $1 }
            guard Swift.abs(exact - fitted) <= 1e-9 * Swift.max(1, Swift.abs(exact)) else {
                throw ExpressionError(
                    expression: description, column: 1,
                    message: "not a polynomial in \(variable) of degree at most \(maximumDegree) (at \(variable) = \(u): \(exact) vs \(fitted))")
            }
        }
        return coefficients
    }
}

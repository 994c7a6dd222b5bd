import Foundation

extension Expression {
    /// The coefficients `[c₀, c₁, …, c_d]` of this expression as a polynomial in `variable`,
    /// `Σ c_k·variableᵏ`, with the other variables bound to numbers.
    ///
    /// Expanded directly from the syntax tree with polynomial arithmetic (sums, products, division
    /// by a constant, non-negative integer powers; a function of a constant argument is a constant),
    /// so the work is linear in the expression's size times `maximumDegree²`, however the
    /// expression repeats itself. An expression that is not a polynomial of degree ≤ `maximumDegree`
    /// is an error, never a truncated series. Trailing zero coefficients are dropped.
    /// - Throws: ``ExpressionError`` naming the part that is not a polynomial in `variable`, or a
    ///   variable that is not bound.
    public func polynomialCoefficients(in variable: String, bindings: [String: Double], maximumDegree: Int = 8) throws -> [Double] {
        // Intermediate terms may cancel (u^9 - u^9): allow a margin before refusing.
        let working = Swift.max(4 * maximumDegree, 16)
        let coefficients = try expanded(in: variable, bindings: bindings, limit: working, stated: maximumDegree, whole: self)
        guard coefficients.count - 1 <= maximumDegree else {
            throw ExpressionError(
                expression: description, column: 1,
                message: "not a polynomial in \(variable) of degree at most \(maximumDegree) (its degree is \(coefficients.count - 1))")
        }
        return coefficients
    }

    /// This expression's coefficients in `variable`, trimmed, of degree at most `limit`.
    private func expanded(in variable: String, bindings: [String: Double], limit: Int, stated: Int, whole: Expression) throws -> [Double] {
        func refuse(_ reason: String) -> ExpressionError {
            ExpressionError(expression: whole.description, column: 1,
                            message: "not a polynomial in \(variable) of degree at most \(stated): \(reason)")
        }
        func sub(_ e: Expression) throws -> [Double] { try e.expanded(in: variable, bindings: bindings, limit: limit, stated: stated, whole: whole) }
        switch self {
        case let .number(v):
            return [v]
        case let .variable(name):
            if name == variable { return [0, 1] }
            guard let value = bindings[name] else {
                throw ExpressionError(expression: whole.description, column: 1, message: "\(name) has no value here")
            }
            return [value]
        case let .negate(e):
            return try sub(e).map { -$0 }
        case let .binary(op, a, b):
            let p = try sub(a), q = try sub(b)
            switch op {
            case .add: return Self.trimmed(Self.sum(p, q, sign: 1))
            case .subtract: return Self.trimmed(Self.sum(p, q, sign: -1))
            case .multiply:
                let product = Self.trimmed(Self.product(p, q))
                guard product.count - 1 <= limit else { throw refuse("\(self.abbreviated) has degree \(product.count - 1)") }
                return product
            case .divide:
                guard q.count == 1 else { throw refuse("division by \(b.abbreviated), which depends on \(variable)") }
                return p.map { $0 / q[0] }
            case .power:
                return try power(p, q, base: a, exponent: b, limit: limit, refuse: refuse)
            }
        case let .call(f, arguments):
            let expanded = try arguments.map(sub)
            if f == .pow { return try power(expanded[0], expanded[1], base: arguments[0], exponent: arguments[1], limit: limit, refuse: refuse) }
            guard expanded.allSatisfy({ $0.count == 1 }) else {
                throw refuse("\(self.abbreviated) is \(f.rawValue) of an argument that depends on \(variable)")
            }
            return [Self.apply(f, expanded.map { $0[0] })]
        }
    }

    private func power(_ p: [Double], _ q: [Double], base: Expression, exponent: Expression, limit: Int,
                       refuse: (String) -> ExpressionError) throws -> [Double] {
        guard q.count == 1 else { throw refuse("the exponent \(exponent.abbreviated) depends on the variable") }
        if p.count == 1 { return [Self.apply(.power, p[0], q[0])] }
        let n = q[0]
        guard n >= 0, n == n.rounded() else {
            throw refuse("\(base.abbreviated) is raised to \(n), not a whole power")
        }
        guard Double(p.count - 1) * n <= Double(limit) else {
            throw refuse("\(base.abbreviated)^\(n) has degree \(Double(p.count - 1) * n)")
        }
        var result: [Double] = [1]
        for _ in 0..<Int(n) { result = Self.product(result, p) }
        return Self.trimmed(result)
    }

    private static func sum(_ p: [Double], _ q: [Double], sign: Double) -> [Double] {
        (0..<Swift.max(p.count, q.count)).map { k in (k < p.count ? p[k] : 0) + sign * (k < q.count ? q[k] : 0) }
    }

    private static func product(_ p: [Double], _ q: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: p.count + q.count - 1)
        for (i, a) in p.enumerated() where a != 0 {
            for (j, b) in q.enumerated() { r[i + j] += a * b }
        }
        return r
    }

    private static func trimmed(_ c: [Double]) -> [Double] {
        var c = c
        while c.count > 1, c.last == 0 { c.removeLast() }
        return c
    }

    /// The expression's text, cut to at most 60 characters for messages.
    var abbreviated: String { ExpressionError.abbreviate(description, limit: 60) }
}

/// Symbolic differentiation, used for Newton Jacobians (`R′(u)` of a reaction term) and for
/// polynomial coefficients of reaction families.
extension Expression {
    /// `∂self/∂variable`, simplified where a term is trivially zero or one.
    ///
    /// - Throws: ``ExpressionError`` for `min` and `max` of expressions that depend on `variable`.
    public func derivative(with variable: String) throws -> Expression {
        if !variables.contains(variable) { return .number(0) }
        switch self {
        case .number: return .number(0)
        case let .variable(name): return .number(name == variable ? 1 : 0)
        case let .negate(e): return .negate(try e.derivative(with: variable)).simplified
        case let .binary(op, a, b):
            let da = try a.derivative(with: variable), db = try b.derivative(with: variable)
            switch op {
            case .add: return .binary(.add, da, db).simplified
            case .subtract: return .binary(.subtract, da, db).simplified
            case .multiply: return .binary(.add, .binary(.multiply, da, b).simplified, .binary(.multiply, a, db).simplified).simplified
            case .divide:
                // (a/b)′ = a′/b − a·b′/b²
                return .binary(.subtract, .binary(.divide, da, b).simplified,
                               .binary(.divide, .binary(.multiply, a, db).simplified, .binary(.power, b, .number(2))).simplified).simplified
            case .power:
                if !b.variables.contains(variable) {
                    // (aⁿ)′ = n·aⁿ⁻¹·a′
                    return .binary(.multiply, .binary(.multiply, b, .binary(.power, a, .binary(.subtract, b, .number(1)).simplified).simplified).simplified, da).simplified
                }
                // (aᵇ)′ = aᵇ·(b′·log a + b·a′/a)
                return .binary(.multiply, self, .binary(.add, .binary(.multiply, db, .call(.log, [a])).simplified,
                                                        .binary(.divide, .binary(.multiply, b, da).simplified, a).simplified).simplified).simplified
            }
        case let .call(f, args):
            let x = args[0], dx = try x.derivative(with: variable)
            let outer: Expression
            switch f {
            case .sin: outer = .call(.cos, [x])
            case .cos: outer = .negate(.call(.sin, [x]))
            case .tan: outer = .binary(.add, .number(1), .binary(.power, .call(.tan, [x]), .number(2)))
            case .exp: outer = self
            case .log: outer = .binary(.divide, .number(1), x)
            case .sqrt: outer = .binary(.divide, .number(0.5), self)
            case .abs: outer = .binary(.divide, x, self)
            case .tanh: outer = .binary(.subtract, .number(1), .binary(.power, self, .number(2)))
            case .sinh: outer = .call(.cosh, [x])
            case .cosh: outer = .call(.sinh, [x])
            case .pow: return try Expression.binary(.power, args[0], args[1]).derivative(with: variable)
            case .min, .max:
                // Piecewise, and the language has no conditional to express which side is taken.
                throw ExpressionError(expression: description, column: 1, message: "\(f.rawValue) is not differentiable in \(variable); use a smooth expression")
            }
            return .binary(.multiply, outer, dx).simplified
        }
    }

    /// Removes `+0`, `·1`, `·0`, `^1` and folds constant subtrees.
    public var simplified: Expression {
        switch self {
        case let .negate(.number(v)): return .number(-v)
        case let .negate(.negate(e)): return e
        case let .binary(op, .number(a), .number(b)): return .number(Expression.apply(op, a, b))
        case let .binary(.add, .number(0), e), let .binary(.add, e, .number(0)), let .binary(.subtract, e, .number(0)):
            return e
        case let .binary(.subtract, .number(0), e): return .negate(e).simplified
        case .binary(.multiply, .number(0), _), .binary(.multiply, _, .number(0)): return .number(0)
        case .binary(.divide, .number(0), _): return .number(0)
        case let .binary(.multiply, .number(1), e), let .binary(.multiply, e, .number(1)), let .binary(.divide, e, .number(1)):
            return e
        case let .binary(.power, e, .number(1)): return e
        case .binary(.power, _, .number(0)): return .number(1)
        default: return self
        }
    }

    /// ``simplified`` applied bottom-up to every subexpression (constant subtrees folded anywhere).
    public var fullySimplified: Expression {
        switch self {
        case .number, .variable: return self
        case let .negate(e): return Expression.negate(e.fullySimplified).simplified
        case let .binary(op, a, b): return Expression.binary(op, a.fullySimplified, b.fullySimplified).simplified
        case let .call(f, args): return Expression.call(f, args.map(\.fullySimplified)).simplified
        }
    }
}

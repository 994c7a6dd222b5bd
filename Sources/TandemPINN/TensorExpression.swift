import TandemExpressions
import TandemCore

/// Evaluates an expression (``TandemExpressions/Expression``) on tensors, so that residuals and
/// conditions written in the file become differentiable losses.
///
/// Variables are bound to `[n, 1]` tensors (coordinates, `u` and its derivatives), to numbers
/// (parameters) or to one-element tensors (learned coefficients, broadcast). Constant subtrees are
/// folded; integer powers are repeated products, so `u^3` is exact for negative `u`.
public enum TensorExpression {
    /// A bound value: a number or a tensor.
    public enum Value {
        case constant(Double)
        case tensor(Tensor<Double>)
    }

    /// The expression's value for `bindings`; a constant expression gives a constant.
    /// - Precondition: every variable of the expression is bound (parsing against the same
    ///   names guarantees it).
    public static func evaluate(_ e: TandemExpressions.Expression, _ bindings: [String: Value]) -> Value {
        switch e {
        case let .number(v): return .constant(v)
        case let .variable(name):
            guard let value = bindings[name] else { preconditionFailure("TensorExpression: \(name) is not bound") }
            return value
        case let .negate(a): return negate(evaluate(a, bindings))
        case let .binary(op, a, b):
            let (x, y) = (evaluate(a, bindings), evaluate(b, bindings))
            switch op {
            case .add: return add(x, y)
            case .subtract: return add(x, negate(y))
            case .multiply: return multiply(x, y)
            case .divide: return divide(x, y)
            case .power: return power(x, y)
            }
        case let .call(f, arguments):
            return call(f, arguments.map { evaluate($0, bindings) })
        }
    }

    /// As a tensor of `count` rows (constants broadcast to `[count, 1]`).
    public static func tensor(_ value: Value, rows count: Int) -> Tensor<Double> {
        switch value {
        case let .constant(c): return .full(c, shape: [count, 1])
        case let .tensor(t): return t
        }
    }

    static func negate(_ x: Value) -> Value {
        switch x {
        case let .constant(c): return .constant(-c)
        case let .tensor(t): return .tensor(-t)
        }
    }

    static func add(_ x: Value, _ y: Value) -> Value {
        switch (x, y) {
        case let (.constant(a), .constant(b)): return .constant(a + b)
        case let (.constant(a), .tensor(t)), let (.tensor(t), .constant(a)): return a == 0 ? .tensor(t) : .tensor(t + a)
        case let (.tensor(a), .tensor(b)): return .tensor(a + b)
        }
    }

    static func multiply(_ x: Value, _ y: Value) -> Value {
        switch (x, y) {
        case let (.constant(a), .constant(b)): return .constant(a * b)
        case let (.constant(a), .tensor(t)), let (.tensor(t), .constant(a)): return a == 1 ? .tensor(t) : .tensor(t * a)
        case let (.tensor(a), .tensor(b)): return .tensor(a * b)
        }
    }

    static func divide(_ x: Value, _ y: Value) -> Value {
        switch (x, y) {
        case let (.constant(a), .constant(b)): return .constant(a / b)
        case let (.tensor(t), .constant(b)): return .tensor(t / b)
        case let (.constant(a), .tensor(t)): return .tensor(a / t)
        case let (.tensor(a), .tensor(b)): return .tensor(a / b)
        }
    }

    static func power(_ x: Value, _ y: Value) -> Value {
        switch (x, y) {
        case let (.constant(a), .constant(b)): return .constant(constantPower(a, b))
        case let (.tensor(t), .constant(b)):
            if b == b.rounded(), Swift.abs(b) <= 16 {
                let k = Int(Swift.abs(b))
                if k == 0 { return .constant(1) }
                var result = t
                for _ in 1..<k { result = result * t }
                return .tensor(b < 0 ? 1 / result : result)
            }
            return .tensor(pow(t, b))
        default:
            // a^b = exp(b·log a), for a > 0.
            return call(.exp, [multiply(y, call(.log, [x]))])
        }
    }

    static func call(_ f: TandemExpressions.Expression.Function, _ values: [Value]) -> Value {
        let constants = values.compactMap { value -> Double? in if case let .constant(c) = value { return c } else { return nil } }
        if constants.count == values.count {
            return .constant(TandemExpressions.Expression.call(f, constants.map { .number($0) }).evaluate([:]))
        }
        let x = values[0]
        guard case let .tensor(t) = x else {
            // One constant argument with a tensor second argument (min, max, pow).
            return binaryCall(f, x, values[1])
        }
        switch f {
        case .sin: return .tensor(sin(t))
        case .cos: return .tensor(cos(t))
        case .tan: return .tensor(sin(t) / cos(t))
        case .exp: return .tensor(exp(t))
        case .log: return .tensor(log(t))
        case .sqrt: return .tensor(sqrt(t))
        case .abs: return .tensor(abs(t))
        case .tanh: return .tensor(tanh(t))
        case .sinh: return .tensor((exp(t) - exp(-t)) * 0.5)
        case .cosh: return .tensor((exp(t) + exp(-t)) * 0.5)
        case .min, .max, .pow: return binaryCall(f, x, values[1])
        }
    }

    /// `min`, `max` (as `(a + b ∓ |a − b|)/2`) and `pow`.
    static func binaryCall(_ f: TandemExpressions.Expression.Function, _ x: Value, _ y: Value) -> Value {
        switch f {
        case .pow: return power(x, y)
        case .min, .max:
            let difference = call(.abs, [add(x, negate(y))])
            let sum = add(x, y)
            return multiply(f == .max ? add(sum, difference) : add(sum, negate(difference)), .constant(0.5))
        default: preconditionFailure("TensorExpression: \(f.rawValue) takes one argument")
        }
    }
}

/// `a^b` as the expression language computes it (one source of truth for constant values).
@inline(__always)
func constantPower(_ a: Double, _ b: Double) -> Double {
    TandemExpressions.Expression.binary(.power, .number(a), .number(b)).evaluate([:])
}

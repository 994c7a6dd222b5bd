import Foundation

/// An expression of the problem-file language, parsed once into a syntax tree.
///
/// The language is small and pure: numbers, `+ - * / ^` (`^` binds tightest and associates to
/// the right; `-x^2` is `−(x²)`), parentheses, variables, the constants `pi` and `e`, and the
/// functions `sin cos tan exp log sqrt abs tanh sinh cosh min max pow`. There are no loops,
/// assignments or calls outside that list, so evaluating an expression always terminates.
public indirect enum Expression: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case variable(String)
    case negate(Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(Function, [Expression])

    /// The binary operators, by precedence: `+ -`, then `* /`, then `^`.
    public enum BinaryOperator: String, Sendable, CaseIterable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
    }

    /// The built-in functions and their arities.
    public enum Function: String, Sendable, CaseIterable {
        case sin, cos, tan, exp, log, sqrt, abs, tanh, sinh, cosh, min, max, pow
        /// The number of arguments the function takes.
        public var arity: Int {
            switch self {
            case .min, .max, .pow: return 2
            default: return 1
            }
        }
    }

    /// Parses `text`.
    /// - Parameter variables: the names the expression may use (besides `pi` and `e`).
    /// - Throws: ``ExpressionError`` with the column and what was expected.
    public init(parsing text: String, variables: Set<String>) throws {
        var parser = ExpressionParser(text: text, variables: variables)
        self = try parser.parseAll()
    }

    /// The variables the expression uses.
    public var variables: Set<String> {
        switch self {
        case .number: return []
        case let .variable(name): return [name]
        case let .negate(e): return e.variables
        case let .binary(_, a, b): return a.variables.union(b.variables)
        case let .call(_, args): return args.reduce(into: Set<String>()) { $0.formUnion($1.variables) }
        }
    }

    /// The value with each variable bound to a number.
    /// - Precondition: every variable is bound (parsing against the allowed names guarantees it
    ///   when the same names are bound).
    public func evaluate(_ bindings: [String: Double]) -> Double {
        switch self {
        case let .number(v): return v
        case let .variable(name):
            guard let value = bindings[name] else { preconditionFailure("expression variable \(name) is not bound") }
            return value
        case let .negate(e): return -e.evaluate(bindings)
        case let .binary(op, a, b): return Self.apply(op, a.evaluate(bindings), b.evaluate(bindings))
        case let .call(f, args): return Self.apply(f, args.map { $0.evaluate(bindings) })
        }
    }

    /// The value at many points at once: each variable bound to an array of `count` values
    /// (or a single value, broadcast).
    public func evaluate(_ bindings: [String: [Double]], count: Int) -> [Double] {
        switch self {
        case let .number(v): return [Double](repeating: v, count: count)
        case let .variable(name):
            guard let values = bindings[name] else { preconditionFailure("expression variable \(name) is not bound") }
            return values.count == 1 ? [Double](repeating: values[0], count: count) : values
        case let .negate(e): return e.evaluate(bindings, count: count).map { -$0 }
        case let .binary(op, a, b):
            let x = a.evaluate(bindings, count: count), y = b.evaluate(bindings, count: count)
            return (0..<count).map { Self.apply(op, x[$0], y[$0]) }
        case let .call(f, args):
            let values = args.map { $0.evaluate(bindings, count: count) }
            return (0..<count).map { i in Self.apply(f, values.map { $0[i] }) }
        }
    }

    static func apply(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Double {
        switch op {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .power: return Foundation.pow(a, b)
        }
    }

    static func apply(_ f: Function, _ x: [Double]) -> Double {
        switch f {
        case .sin: return Foundation.sin(x[0])
        case .cos: return Foundation.cos(x[0])
        case .tan: return Foundation.tan(x[0])
        case .exp: return Foundation.exp(x[0])
        case .log: return Foundation.log(x[0])
        case .sqrt: return x[0].squareRoot()
        case .abs: return Swift.abs(x[0])
        case .tanh: return Foundation.tanh(x[0])
        case .sinh: return Foundation.sinh(x[0])
        case .cosh: return Foundation.cosh(x[0])
        case .min: return Swift.min(x[0], x[1])
        case .max: return Swift.max(x[0], x[1])
        case .pow: return Foundation.pow(x[0], x[1])
        }
    }

    /// The expression written back in the language (fully parenthesised where needed).
    public var description: String {
        switch self {
        case let .number(v): return v == v.rounded() && Swift.abs(v) < 1e15 ? String(Int(v)) : "\(v)"
        case let .variable(name): return name
        case let .negate(e): return "-\(e.parenthesised)"
        case let .binary(op, a, b): return "\(a.parenthesised) \(op.rawValue) \(b.parenthesised)"
        case let .call(f, args): return "\(f.rawValue)(\(args.map(\.description).joined(separator: ", ")))"
        }
    }

    private var parenthesised: String {
        switch self {
        case .number(let v) where v >= 0: return description
        case .variable, .call: return description
        default: return "(\(description))"
        }
    }
}

/// A syntax or name error in an expression, with its 1-based column.
public struct ExpressionError: Error, Equatable, CustomStringConvertible {
    /// The expression's text.
    public let expression: String
    /// 1-based column of the problem.
    public let column: Int
    /// What is wrong and what was expected.
    public let message: String

    /// `"text", column N: message`; a text longer than 120 characters is cut to the 120 around
    /// the column (`…` marks the cuts), so a huge expression is never echoed whole.
    public var description: String {
        "\"\(Self.abbreviate(expression, limit: 120, around: column))\", column \(column): \(Self.abbreviate(message, limit: 400))"
    }

    /// `text` if it has at most `limit` characters, else the `limit` characters nearest the 1-based
    /// `column` with `…` where text was cut.
    public static func abbreviate(_ text: String, limit: Int, around column: Int = 1) -> String {
        guard text.count > limit else { return text }
        let characters = Array(text)
        let start = Swift.max(0, Swift.min(column - 1 - limit / 2, characters.count - limit))
        let end = Swift.min(characters.count, start + limit)
        return (start > 0 ? "…" : "") + String(characters[start..<end]) + (end < characters.count ? "…" : "")
    }
}

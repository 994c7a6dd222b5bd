/// A recursive-descent parser for ``Expression`` with a nesting limit, so no input can exhaust
/// the stack.
struct ExpressionParser {
    enum Token: Equatable {
        case number(Double), identifier(String), symbol(Character), end
    }

    let text: String
    let variables: Set<String>
    private var tokens: [(token: Token, column: Int)] = []
    private var position = 0
    private var depth = 0
    static let maximumDepth = 200
    static let maximumLength = 10_000

    init(text: String, variables: Set<String>) {
        self.text = text
        self.variables = variables
    }

    mutating func parseAll() throws -> Expression {
        guard text.count <= Self.maximumLength else { throw error(1, "expression is longer than \(Self.maximumLength) characters") }
        tokens = try tokenize()
        let expression = try parseSum()
        guard case .end = tokens[position].token else {
            throw error(tokens[position].column, "unexpected \(describe(tokens[position].token)); expected an operator or the end")
        }
        return expression
    }

    func error(_ column: Int, _ message: String) -> ExpressionError {
        ExpressionError(expression: text, column: column, message: message)
    }

    func describe(_ token: Token) -> String {
        switch token {
        case let .number(v): return "number \(v)"
        case let .identifier(name): return "\"\(name)\""
        case let .symbol(c): return "\"\(c)\""
        case .end: return "end of expression"
        }
    }

    func tokenize() throws -> [(token: Token, column: Int)] {
        var result: [(Token, Int)] = []
        let characters = Array(text)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            let column = i + 1
            if c.isWhitespace {
                i += 1
            } else if c.isNumber || (c == "." && i + 1 < characters.count && characters[i + 1].isNumber) {
                var j = i
                while j < characters.count, characters[j].isNumber || characters[j] == "." { j += 1 }
                if j < characters.count, characters[j] == "e" || characters[j] == "E" {
                    var k = j + 1
                    if k < characters.count, characters[k] == "+" || characters[k] == "-" { k += 1 }
                    if k < characters.count, characters[k].isNumber {
                        while k < characters.count, characters[k].isNumber { k += 1 }
                        j = k
                    }
                }
                guard let value = Double(String(characters[i..<j])) else {
                    throw error(column, "malformed number \"\(String(characters[i..<j]))\"")
                }
                result.append((.number(value), column))
                i = j
            } else if c.isLetter || c == "_" {
                var j = i
                while j < characters.count, characters[j].isLetter || characters[j].isNumber || characters[j] == "_" { j += 1 }
                result.append((.identifier(String(characters[i..<j])), column))
                i = j
            } else if "+-*/^(),".contains(c) {
                result.append((.symbol(c), column))
                i += 1
            } else {
                throw error(column, "unexpected character \"\(c)\"")
            }
        }
        result.append((.end, characters.count + 1))
        return result
    }

    mutating func next() -> (token: Token, column: Int) {
        defer { position += 1 }
        return tokens[position]
    }

    func peek(_ symbol: Character) -> Bool { tokens[position].token == .symbol(symbol) }

    mutating func nested<R>(_ column: Int, _ body: (inout ExpressionParser) throws -> R) throws -> R {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw error(column, "expression is nested more than \(Self.maximumDepth) levels deep") }
        return try body(&self)
    }

    mutating func parseSum() throws -> Expression {
        var left = try parseProduct()
        while peek("+") || peek("-") {
            let op: Expression.BinaryOperator = next().token == .symbol("+") ? .add : .subtract
            left = .binary(op, left, try parseProduct())
        }
        return left
    }

    mutating func parseProduct() throws -> Expression {
        var left = try parseUnary()
        while peek("*") || peek("/") {
            let op: Expression.BinaryOperator = next().token == .symbol("*") ? .multiply : .divide
            left = .binary(op, left, try parseUnary())
        }
        return left
    }

    mutating func parseUnary() throws -> Expression {
        if peek("-") {
            let column = next().column
            return try nested(column) { .negate(try $0.parseUnary()) }
        }
        if peek("+") {
            _ = next()
            return try parseUnary()
        }
        return try parsePower()
    }

    mutating func parsePower() throws -> Expression {
        let base = try parsePrimary()
        if peek("^") {
            let column = next().column
            return try nested(column) { .binary(.power, base, try $0.parseUnary()) }
        }
        return base
    }

    mutating func parsePrimary() throws -> Expression {
        let (token, column) = next()
        switch token {
        case let .number(value):
            return .number(value)
        case let .identifier(name):
            if peek("(") {
                guard let function = Expression.Function(rawValue: name) else {
                    throw error(column, "unknown function \"\(name)\"; expected one of \(Expression.Function.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                _ = next()
                var arguments: [Expression] = []
                if !peek(")") {
                    repeat {
                        arguments.append(try nested(column) { try $0.parseSum() })
                    } while peek(",") && next().token == .symbol(",")
                }
                guard peek(")") else { throw error(tokens[position].column, "expected \")\" to close \(name)(") }
                _ = next()
                guard arguments.count == function.arity else {
                    throw error(column, "\(name) takes \(function.arity) argument\(function.arity == 1 ? "" : "s"), got \(arguments.count)")
                }
                return .call(function, arguments)
            }
            if name == "pi" { return .number(Double.pi) }
            if name == "e" { return .number(M_E) }
            guard variables.contains(name) else {
                let known = (variables.sorted() + ["pi", "e"]).joined(separator: ", ")
                throw error(column, "unknown name \"\(name)\"; expected one of \(known)")
            }
            return .variable(name)
        case .symbol("("):
            let inner = try nested(column) { try $0.parseSum() }
            guard peek(")") else { throw error(tokens[position].column, "expected \")\" to match \"(\" at column \(column)") }
            _ = next()
            return inner
        default:
            throw error(column, "unexpected \(describe(token)); expected a number, a name or \"(\"")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

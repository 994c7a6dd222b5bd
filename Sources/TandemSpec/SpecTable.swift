import TandemExpressions
import TOMLKit

/// Where errors are reported: the file name and its key locator.
struct SpecContext {
    let file: String
    let locator: SourceLocator

    func error(_ path: String, _ message: String) -> ProblemFileError {
        ProblemFileError(file: file, line: locator.line(of: path), keyPath: path, message: message)
    }
}

/// A TOML table being read: typed accessors that name the key path in their errors, and a
/// record of the keys read so that ``finish()`` can reject unknown ones.
final class SpecTable {
    let table: TOMLTable
    let path: String
    let context: SpecContext
    private var used = Set<String>()
    /// Names that numeric values may use as expression strings (a geometry family's parameters
    /// and a repeated part's index `i`); empty where only plain numbers are allowed.
    var bindings: [String: Double] = [:]

    init(_ table: TOMLTable, path: String, context: SpecContext) {
        self.table = table
        self.path = path
        self.context = context
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { table[key] != nil }

    private func value(_ key: String) -> TOMLValueConvertible? {
        used.insert(key)
        return table[key]
    }

    func error(_ key: String, _ message: String) -> ProblemFileError { context.error(keyPath(key), message) }

    func missing(_ key: String, _ expected: String) -> ProblemFileError { error(key, "missing; expected \(expected)") }

    func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw error(key, "expected a string, got \(describe(v))") }
        return s
    }

    func requiredString(_ key: String, _ expected: String) throws -> String {
        guard let s = try string(key) else { throw missing(key, expected) }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw error(key, "expected true or false, got \(describe(v))") }
        return b
    }

    func double(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        return try number(v, at: keyPath(key))
    }

    /// A number; where ``bindings`` are set, also a string expression of them, evaluated.
    private func number(_ v: TOMLValueConvertible, at path: String) throws -> Double {
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        if let text = v.string, !bindings.isEmpty {
            let value: Double
            do {
                value = try Expression(parsing: text, variables: Set(bindings.keys)).evaluate(bindings)
            } catch let e as ExpressionError {
                throw context.error(path, "in expression \"\(ExpressionError.abbreviate(text, limit: 120, around: e.column))\" at column \(e.column): \(e.message)")
            }
            guard value.isFinite else { throw context.error(path, "expression \"\(ExpressionError.abbreviate(text, limit: 120))\" evaluates to \(value) for \(describe(bindings))") }
            return value
        }
        let expected = bindings.isEmpty ? "a number" : "a number or an expression of \(bindings.keys.sorted().joined(separator: ", "))"
        throw context.error(path, "expected \(expected), got \(describe(v))")
    }

    private func describe(_ bindings: [String: Double]) -> String {
        bindings.keys.sorted().map { "\($0) = \(bindings[$0]!)" }.joined(separator: ", ")
    }

    func requiredDouble(_ key: String, _ expected: String) throws -> Double {
        guard let d = try double(key) else { throw missing(key, expected) }
        return d
    }

    func int(_ key: String) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.int else { throw error(key, "expected an integer, got \(describe(v))") }
        return i
    }

    func doubles(_ key: String, count: ClosedRange<Int>? = nil) throws -> [Double]? {
        guard let v = value(key) else { return nil }
        guard let array = v.array else { throw error(key, "expected an array of numbers, got \(describe(v))") }
        var result: [Double] = []
        for (i, element) in array.enumerated() {
            result.append(try number(element, at: "\(keyPath(key))[\(i)]"))
        }
        if let count, !count.contains(result.count) {
            let expected = count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
            throw error(key, "expected \(expected) numbers, got \(result.count)")
        }
        return result
    }

    func ints(_ key: String) throws -> [Int]? {
        guard let v = value(key) else { return nil }
        guard let array = v.array else { throw error(key, "expected an array of integers, got \(describe(v))") }
        return try array.enumerated().map { i, element in
            guard let n = element.int else { throw context.error("\(keyPath(key))[\(i)]", "expected an integer, got \(describe(element))") }
            return n
        }
    }

    /// An array of strings.
    func strings(_ key: String) throws -> [String]? {
        guard let v = value(key) else { return nil }
        guard let array = v.array else { throw error(key, "expected an array of strings, got \(describe(v))") }
        return try array.enumerated().map { i, element in
            guard let s = element.string else { throw context.error("\(keyPath(key))[\(i)]", "expected a string, got \(describe(element))") }
            return s
        }
    }

    /// An array of `[x, y]` number pairs.
    func pairs(_ key: String) throws -> [[Double]]? {
        guard let v = value(key) else { return nil }
        guard let array = v.array else { throw error(key, "expected an array of [x, y] pairs, got \(describe(v))") }
        return try array.enumerated().map { i, element in
            guard let pair = element.array, pair.count == 2,
                  let x = pair[0].double ?? pair[0].int.map(Double.init), let y = pair[1].double ?? pair[1].int.map(Double.init)
            else { throw context.error("\(keyPath(key))[\(i)]", "expected an [x, y] pair of numbers") }
            return [x, y]
        }
    }

    /// A closed set of choices, spelled as in the enum's raw values.
    func choice<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type, noun: String = "kind") throws -> E? where E.RawValue == String {
        guard let s = try string(key) else { return nil }
        guard let e = E(rawValue: s) else {
            throw error(key, "unknown \(noun) \"\(s)\"; expected one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return e
    }

    /// The keys whose values are tables, in sorted order.
    var tableKeys: [String] { table.keys.filter { table[$0]?.table != nil }.sorted() }

    func table(_ key: String) throws -> SpecTable? {
        guard let v = value(key) else { return nil }
        guard let t = v.table else { throw error(key, "expected a table, got \(describe(v))") }
        let child = SpecTable(t, path: keyPath(key), context: context)
        child.bindings = bindings
        return child
    }

    func tables(_ key: String) throws -> [SpecTable] {
        guard let v = value(key) else { return [] }
        guard let array = v.array else { throw error(key, "expected an array of tables ([[\(key)]]), got \(describe(v))") }
        return try array.enumerated().map { i, element in
            guard let t = element.table else { throw context.error("\(keyPath(key))[\(i)]", "expected a table, got \(describe(element))") }
            let child = SpecTable(t, path: "\(keyPath(key))[\(i)]", context: context)
            child.bindings = bindings
            return child
        }
    }

    /// An expression string, parsed against the allowed variable names.
    func expression(_ key: String, variables: Set<String>) throws -> Expression? {
        guard let text = try string(key) else { return nil }
        do {
            return try Expression(parsing: text, variables: variables)
        } catch let e as ExpressionError {
            throw error(key, "in expression \"\(ExpressionError.abbreviate(text, limit: 120, around: e.column))\" at column \(e.column): \(e.message)")
        }
    }

    /// Rejects keys that were never read.
    func finish() throws {
        let unknown = table.keys.filter { !used.contains($0) }.sorted()
        if let first = unknown.first {
            let known = used.sorted().joined(separator: ", ")
            throw context.error(keyPath(first), "unknown key; expected one of \(known.isEmpty ? "(none)" : known)")
        }
    }

    private func describe(_ v: TOMLValueConvertible) -> String {
        switch v.type {
        case .string: return "the string \"\(v.string ?? "")\""
        case .int: return "the integer \(v.int ?? 0)"
        case .double: return "the number \(v.double ?? 0)"
        case .bool: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        default: return "a date or time"
        }
    }
}

extension Optional where Wrapped == SpecTable {
    /// The integer at `key`, or `fallback` when the table or the key is absent.
    /// - Throws: ``ProblemFileError`` at the key for a value below `minimum`.
    func integer(_ key: String, _ fallback: Int, minimum: Int = 1) throws -> Int {
        let v = try self?.int(key) ?? fallback
        guard v >= minimum else { throw self!.error(key, "expected an integer ≥ \(minimum), got \(v)") }
        return v
    }

    /// The positive finite number at `key`, or `fallback` when the table or the key is absent.
    /// - Throws: ``ProblemFileError`` at the key for a value that is not positive and finite.
    func positiveNumber(_ key: String, _ fallback: Double) throws -> Double {
        let v = try self?.double(key) ?? fallback
        guard v > 0, v.isFinite else { throw self!.error(key, "expected a positive number, got \(v)") }
        return v
    }
}

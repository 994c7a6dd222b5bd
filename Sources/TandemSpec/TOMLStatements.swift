/// The statements of TOML text — table headers and `key = value` lines — with the line each
/// starts on, found by a scan that knows strings (basic, literal, multi-line), comments and values
/// that span lines, so a `[` or `=` inside a value is never taken for a statement.
///
/// It serves two purposes: locating key paths for error messages (``SourceLocator``), and
/// refusing, before TOMLKit's parser runs, the malformed forms that parser asserts on instead of
/// reporting: a table header with nothing after its bracket (`[`, `[[`, `[ # …`), and a closing
/// bracket of the wrong kind inside a value (`a = [}`, found by the fuzzer).
struct TOMLStatements {
    /// One statement and its 1-based line.
    enum Statement: Equatable {
        /// `[a.b]` (`array` false) or `[[a.b]]` (true), by key components.
        case table([String], array: Bool, line: Int)
        /// `a.b = …` by key components, relative to the enclosing table.
        case keyValue([String], line: Int)
    }

    /// The statements in order.
    private(set) var statements: [Statement] = []
    /// The first malformed form the bundled parser would assert on, with its line and what is wrong.
    private(set) var refusal: (line: Int, message: String)?

    init(text: String) {
        var scanner = Scanner(scalars: Array(text.unicodeScalars))
        while let c = scanner.current {
            switch c {
            case " ", "\t", "\r": scanner.advance()
            case "\n": scanner.newline()
            case "#": scanner.skipToLineEnd()
            case "[":
                let line = scanner.line
                scanner.advance()
                let array = scanner.current == "["
                if array { scanner.advance() }
                scanner.skipBlanks()
                // TOMLKit reports an end of file or a `]` here itself; anything else must start a key.
                if let next = scanner.current, next != "]", !Scanner.startsKey(next) {
                    refusal = refusal ?? (line, "a table header needs a key after its bracket, as in [geometry] or [[reaction]]")
                } else {
                    statements.append(.table(scanner.key(until: "]"), array: array, line: line))
                }
                scanner.skipToLineEnd()
            default:
                let line = scanner.line
                let key = scanner.key(until: "=")
                if scanner.current == "=" {
                    scanner.advance()
                    statements.append(.keyValue(key, line: line))
                    if let mismatch = scanner.skipValue() { refusal = refusal ?? mismatch }
                } else {
                    scanner.skipToLineEnd()
                }
            }
        }
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1

        var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        func peek(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
        mutating func advance() { index += 1 }
        mutating func newline() { index += 1; line += 1 }
        mutating func skipBlanks() { while current == " " || current == "\t" { advance() } }
        mutating func skipToLineEnd() { while let c = current, c != "\n" { advance() } }

        /// A bare-key character or a quote, as TOML 1.0 allows at the start of a key.
        static func startsKey(_ c: Unicode.Scalar) -> Bool {
            switch c {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-", "\"", "'": return true
            default: return false
            }
        }

        /// A dotted key up to `stop` or the line's end, by trimmed components, quotes removed.
        mutating func key(until stop: Unicode.Scalar) -> [String] {
            var components: [String] = [], component = ""
            while let c = current, c != stop, c != "\n" {
                if c == "\"" || c == "'" {
                    component += string()
                } else if c == "." {
                    components.append(Self.trimmed(component))
                    component = ""
                    advance()
                } else {
                    component.unicodeScalars.append(c)
                    advance()
                }
            }
            components.append(Self.trimmed(component))
            return components
        }

        /// Skips a value, through brackets and braces that span lines, to the end of its line;
        /// returns the first closing bracket that does not match the innermost open one.
        mutating func skipValue() -> (line: Int, message: String)? {
            var open: [Unicode.Scalar] = []
            var mismatch: (line: Int, message: String)?
            while let c = current {
                switch c {
                case "\"", "'": _ = string()
                case "#": skipToLineEnd()
                case "[", "{": open.append(c); advance()
                case "]", "}":
                    if let innermost = open.last, (innermost == "[") != (c == "]") {
                        mismatch = mismatch ?? (line, "\"\(c)\" closes a \(innermost == "[" ? "array" : "inline table") opened with \"\(innermost)\"")
                    }
                    if !open.isEmpty { open.removeLast() }
                    advance()
                case "\n":
                    if open.isEmpty { return mismatch }
                    newline()
                default: advance()
                }
            }
            return mismatch
        }

        /// Reads a string starting at its opening quote; an unterminated one-line string ends at the line's end.
        mutating func string() -> String {
            guard let quote = current else { return "" }
            var content = ""
            let basic = quote == "\""
            if peek(1) == quote, peek(2) == quote {
                index += 3
                while let c = current {
                    if c == quote, peek(1) == quote, peek(2) == quote {
                        index += 3
                        while current == quote { advance() }
                        return content
                    }
                    if basic, c == "\\" { advance() }
                    if current == "\n" { line += 1 }
                    if let d = current { content.unicodeScalars.append(d); advance() }
                }
                return content
            }
            advance()
            while let c = current, c != "\n" {
                advance()
                if c == quote { return content }
                if basic, c == "\\", let d = current, d != "\n" {
                    content.unicodeScalars.append(d)
                    advance()
                } else {
                    content.unicodeScalars.append(c)
                }
            }
            return content
        }

        static func trimmed(_ s: String) -> String {
            String(s.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
        }
    }
}

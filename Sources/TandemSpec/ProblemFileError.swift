/// A problem-file error a user can act on: `darcy.toml:14: geometry[2].shape: unknown kind
/// "circel"; expected one of rectangle, disk, …`.
public struct ProblemFileError: Error, Equatable, CustomStringConvertible {
    /// The file's name.
    public let file: String
    /// 1-based line, when the key could be located.
    public let line: Int?
    /// The key path (`geometry[2].shape`), empty for the file as a whole.
    public let keyPath: String
    /// What is wrong and what was expected.
    public let message: String

    /// `file:line: key.path: message`.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}

/// Finds the line of a key path in TOML text: table headers (`[a.b]`, `[[geometry]]`, counted
/// per array, and `[geometry.family]` as a table of the array's last element) and `key = value`
/// statements, dotted keys included (`a.b = 1` locates `a` and `a.b`). Keys inside inline tables
/// resolve to their parent's line.
struct SourceLocator {
    private var lines: [String: Int] = [:]

    init(text: String) {
        self.init(statements: TOMLStatements(text: text).statements)
    }

    init(statements: [TOMLStatements.Statement]) {
        var prefix = ""
        var arrayCounts: [String: Int] = [:]
        func note(_ path: String, _ line: Int) { lines[path] = lines[path] ?? line }
        for statement in statements {
            switch statement {
            case let .table(components, array, line):
                // Each component names the last element of an array declared before it.
                var raw = ""
                prefix = ""
                for (k, component) in components.enumerated() {
                    raw = raw.isEmpty ? component : "\(raw).\(component)"
                    prefix = prefix.isEmpty ? component : "\(prefix).\(component)"
                    if array, k == components.count - 1 {
                        let index = arrayCounts[raw, default: 0]
                        arrayCounts[raw] = index + 1
                        prefix += "[\(index)]"
                    } else if let count = arrayCounts[raw] {
                        prefix += "[\(count - 1)]"
                    }
                }
                note(prefix, line)
            case let .keyValue(components, line):
                var path = prefix
                for component in components where !component.isEmpty {
                    path = path.isEmpty ? component : "\(path).\(component)"
                    note(path, line)
                }
            }
        }
    }

    /// The line of `path`, or of its nearest located ancestor.
    func line(of path: String) -> Int? {
        var candidate = path
        while !candidate.isEmpty {
            if let line = lines[candidate] { return line }
            if let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) {
                candidate = String(candidate[..<cut])
            } else {
                return nil
            }
        }
        return nil
    }
}

import Foundation

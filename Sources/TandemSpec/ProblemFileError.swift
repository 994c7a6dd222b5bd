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
/// per array, and `[geometry.family]` as a table of the array's last element) and `key = value` lines. Keys inside inline tables resolve to their parent's line.
struct SourceLocator {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var prefix = ""
        var arrayCounts: [String: Int] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[[") , let end = line.range(of: "]]") {
                let name = String(line[line.index(line.startIndex, offsetBy: 2)..<end.lowerBound]).trimmingCharacters(in: .whitespaces)
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                prefix = "\(name)[\(index)]"
                lines[prefix] = lines[prefix] ?? number + 1
            } else if line.hasPrefix("["), let end = line.firstIndex(of: "]") {
                // `[geometry.family]` after `[[geometry]]` belongs to the array's last element.
                let header = String(line[line.index(after: line.startIndex)..<end]).trimmingCharacters(in: .whitespaces)
                var raw = ""
                prefix = ""
                for component in header.split(separator: ".").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    raw = raw.isEmpty ? component : "\(raw).\(component)"
                    prefix = prefix.isEmpty ? component : "\(prefix).\(component)"
                    if let count = arrayCounts[raw] { prefix += "[\(count - 1)]" }
                }
                lines[prefix] = lines[prefix] ?? number + 1
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<equals].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
                guard !key.isEmpty else { continue }
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                lines[path] = lines[path] ?? number + 1
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

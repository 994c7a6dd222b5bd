import Foundation
import TandemExpressions

/// What every problem file has, whatever it declares: its name and description, a default seed,
/// the text it was read from, and where it came from (for messages and relative paths).
public struct ProblemHeader: Sendable {
    /// The problem's name (`name`, else the file name without its extension).
    public var name: String
    /// One-line description (`description`).
    public var summary: String
    /// `seed`: the default of every seed the payload declares (reference samples, training);
    /// `nil` when the file gives none (each payload then has its own default, 0).
    public var seed: UInt64?
    /// The file's text, kept for provenance.
    public var text: String
    /// The file's name, for messages.
    public var file: String
    /// The directory of the file it was read from (relative paths in the file are relative to
    /// it); `nil` for a problem decoded from text.
    public var directory: String?
    let locator: SourceLocator

    /// An error about `keyPath` in this file, located at its line.
    public func error(at keyPath: String, _ message: String) -> ProblemFileError {
        ProblemFileError(file: file, line: locator.line(of: keyPath), keyPath: keyPath, message: message)
    }

    /// Why `name` cannot name a run directory (empty, over 100 characters, a `/`, `\\` or control
    /// character, or a leading `.` as in `..`), or `nil` when it can.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.count > 100 { return "has \(name.count) characters; at most 100 are allowed" }
        if name.hasPrefix(".") { return "\"\(ExpressionError.abbreviate(name, limit: 60))\" starts with \".\"" }
        if let bad = name.unicodeScalars.first(where: { $0 == "/" || $0 == "\\" || $0.properties.generalCategory == .control }) {
            return "\"\(ExpressionError.abbreviate(name, limit: 60))\" contains \(bad.escaped(asASCII: true)); use letters, digits, -, _ and ."
        }
        return nil
    }

    /// Decodes the header keys of `root`.
    init(_ root: SpecTable, text: String, file: String) throws {
        self.text = text
        self.file = file
        self.locator = root.context.locator
        self.name = try root.string("name") ?? (file as NSString).deletingPathExtension
        // The name becomes a directory (`runs/<name>`): it must stay one path component.
        if let problem = Self.nameProblem(name) {
            throw root.has("name") ? root.error("name", "\(problem); the name becomes the run directory runs/<name>")
                : ProblemFileError(file: file, line: nil, keyPath: "", message: "the file name gives the problem name \"\(name)\", which \(problem); add a name = \"…\" line")
        }
        self.summary = try root.string("description") ?? ""
        if let seed = try root.int("seed") {
            guard seed >= 0 else { throw root.error("seed", "expected a non-negative integer, got \(seed)") }
            self.seed = UInt64(seed)
        }
    }
}

import Foundation

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

    /// Decodes the header keys of `root`.
    init(_ root: SpecTable, text: String, file: String) throws {
        self.text = text
        self.file = file
        self.locator = root.context.locator
        self.name = try root.string("name") ?? (file as NSString).deletingPathExtension
        self.summary = try root.string("description") ?? ""
        if let seed = try root.int("seed") {
            guard seed >= 0 else { throw root.error("seed", "expected a non-negative integer, got \(seed)") }
            self.seed = UInt64(seed)
        }
    }
}

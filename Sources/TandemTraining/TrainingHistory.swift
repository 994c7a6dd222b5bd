import Foundation

/// The training history, a CSV file with one header row and one row per logged step
/// (`loss.csv`), appended as training goes; on resumption the rows logged after the checkpoint
/// are dropped, since they will be logged again.
public struct TrainingHistory: Sendable {
    /// The file.
    public let path: String
    /// Its column names.
    public let header: [String]
    /// The column holding the phase name (`adam`, `lbfgs`), if the file has one: L-BFGS rows are
    /// kept on resumption only when the L-BFGS phase is finished.
    public let phaseColumn: Int?

    /// A history at `path` with these columns.
    public init(path: String, header: [String]) {
        self.path = path
        self.header = header
        phaseColumn = header.firstIndex(of: "phase")
    }

    /// Starts the file with its header (a fresh run, or a file that is missing).
    public func start() throws {
        try (header.joined(separator: ",") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Appends one row.
    public func append(_ row: [String]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((row.joined(separator: ",") + "\n").utf8))
    }

    /// Keeps the header and the rows up to `step`; L-BFGS rows when `refined`, else those of the
    /// `refinementIterations` done before an interruption (logged at `step + iteration`).
    public func truncate(after step: Int, refined: Bool, refinementIterations: Int = 0) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard let s = Int(fields.first ?? "") else { return true }
            if let phaseColumn, fields.count > phaseColumn, fields[phaseColumn] == "lbfgs" { return refined || s <= step + refinementIterations }
            return s <= step
        }
        try (kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}

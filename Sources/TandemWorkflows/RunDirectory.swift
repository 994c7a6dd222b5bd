import Foundation
import TandemSpec
import TandemTraining

/// A run directory cannot be used as asked.
public enum RunDirectoryError: Error, Equatable, CustomStringConvertible {
    /// The directory already holds a trained run and `--resume` was not given.
    case occupied(directory: String)
    /// The directory holds a run of another problem file.
    case anotherProblem(directory: String, problemFile: String)
    /// The directory holds no trained run (no `problem.toml` and checkpoint).
    case notARun(directory: String)
    /// The directory holds a run of another kind than the command needs.
    case wrongKind(directory: String, holds: String, expected: String)

    /// The message, with what to do.
    public var description: String {
        switch self {
        case let .occupied(directory):
            return "\(directory) already holds a trained run; pass --resume to continue it or choose another --out"
        case let .anotherProblem(directory, problemFile):
            return "\(directory) was trained from a different problem file than \(problemFile); choose another --out"
        case let .notARun(directory):
            return "\(directory) is not a trained run (it needs problem.toml and checkpoint.safetensors from `tandem train`)"
        case let .wrongKind(directory, holds, expected):
            return "\(directory) holds a \(holds) run; this needs a \(expected) run"
        }
    }
}

/// The files every run directory holds, whatever the model family: `problem.toml` (the file the
/// run was trained from), `profile` (its name), `checkpoint.safetensors` and `loss.csv`, and a
/// coefficient read from a file as `coefficient.nc`.
public struct RunDirectory: Sendable {
    /// The directory.
    public let path: String

    /// The directory at `path` (nothing is created).
    public init(_ path: String) { self.path = path }

    /// A file in the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Whether the directory holds a checkpoint: its own, or one in a subfolder holding one model
    /// of several (a cross-validated run's `fold-K/`, an atoms run's `model-NAME/`).
    public var hasCheckpoint: Bool {
        let manager = FileManager.default
        if manager.fileExists(atPath: file("checkpoint.safetensors")) { return true }
        let folders = (try? manager.contentsOfDirectory(atPath: path)) ?? []
        return folders.contains { ($0.hasPrefix("fold-") || $0.hasPrefix("model-")) && manager.fileExists(atPath: file("\($0)/checkpoint.safetensors")) }
    }

    /// The metadata keys a checkpoint must share with the run to be resumed.
    public static let identity: [(key: String, meaning: String)] = [("tandem.problem", "problem file"), ("tandem.model", "model")]

    /// Metadata stored in checkpoints: what the model belongs to.
    public static func metadata(header: ProblemHeader, model: String, profile: String) -> [String: String] {
        ["tandem.problem": header.text, "tandem.model": model, "tandem.profile": profile, "tandem.version": TandemVersion.string]
    }

    /// Creates the directory and records the problem and profile, and copies in the files the run
    /// needs (`carrying`: a name in the run for each source path); refuses to overwrite a trained
    /// run unless resuming it, and refuses to resume a run of another problem.
    /// - Throws: ``RunDirectoryError/occupied(directory:)``, ``RunDirectoryError/anotherProblem(directory:problemFile:)``;
    ///   file-system errors.
    public static func prepare(_ path: String, header: ProblemHeader, problemPath: String, profile: String, resume: Bool,
                               carrying files: [String: String] = [:]) throws -> RunDirectory {
        let run = RunDirectory(path)
        let saved = run.file("problem.toml")
        // Under mpirun rank 0 has prepared the directory; the other ranks only read it.
        guard RunFiles.writable else { return run }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if let existing = try? String(contentsOfFile: saved, encoding: .utf8), run.hasCheckpoint {
            guard resume else { throw RunDirectoryError.occupied(directory: path) }
            guard existing == header.text else { throw RunDirectoryError.anotherProblem(directory: path, problemFile: problemPath) }
        }
        try header.text.write(toFile: saved, atomically: true, encoding: .utf8)
        try profile.write(toFile: run.file("profile"), atomically: true, encoding: .utf8)
        for (name, source) in files.sorted(by: { $0.key < $1.key }) { try run.copy(source, as: name) }
        return run
    }

    /// Copies `source` into the directory as `name`, unless it is that file already.
    func copy(_ source: String, as name: String) throws {
        let target = file(name)
        guard URL(fileURLWithPath: source).standardizedFileURL != URL(fileURLWithPath: target).standardizedFileURL else { return }
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: source, toPath: target)
    }

    /// A trained run's problem and profile name.
    /// - Throws: ``RunDirectoryError/notARun(directory:)``; ``ProblemFileError`` for its problem file.
    public func trained() throws -> (problem: Problem, profile: String) {
        guard FileManager.default.fileExists(atPath: file("problem.toml")), hasCheckpoint else { throw RunDirectoryError.notARun(directory: path) }
        let profile = (try? String(contentsOfFile: file("profile"), encoding: .utf8)) ?? "quick"
        return (try Problem(contentsOf: file("problem.toml")), profile)
    }
}

extension Trainer {
    /// What `--resume` found in `directory`, said before training: no checkpoint yet (training
    /// starts at step 0), a checkpoint to continue from, or a run that is already complete.
    func resumeNote(resume: Bool, directory: String) -> String? {
        guard resume else { return nil }
        guard RunDirectory(directory).hasCheckpoint else { return "no checkpoint in \(directory) yet: training starts at step 0" }
        if isComplete {
            return "the run in \(directory) is already complete (step \(step) of \(plan.steps)\(refined ? ", L-BFGS done" : "")): nothing to train; next: tandem compare \(directory)"
        }
        return "resuming at step \(step)" + (refinementIterationsDone > 0 ? ", L-BFGS after \(refinementIterationsDone) of \(plan.refinementIterations) iterations" : "")
    }
}

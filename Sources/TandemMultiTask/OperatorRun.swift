import Foundation
import TandemCore
import TandemIO
import TandemNN
import TandemOperators
import TandemSpec

/// A training run's directory: `problem.toml` (the file it was trained from), `reference.nc`
/// (the solver's data) with `reference.json` (its timing), `scaling.safetensors` (output
/// standardisation), `checkpoint.safetensors` and `loss.csv`; `tandem compare` adds
/// `metrics.json`, `report.md`, `predictions.nc` and `figures/`.
public struct OperatorRun {
    /// The run directory.
    public let directory: String
    /// The problem, resolved.
    public let resolved: ResolvedProblem
    /// The training profile's settings.
    public let training: Problem.Training
    /// The profile's name.
    public let profile: String

    /// A file in the run directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Sets up (or, for `resume` and `compare`, reopens) a run of `problemPath` in `directory`.
    /// - Throws: ``ProblemFileError`` for the file or an unknown profile; ``OperatorTrainingError``
    ///   when the directory holds a run of another problem, or a checkpoint without `resume`.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        let problem = try Problem(contentsOf: problemPath)
        guard let training = problem.trainingProfiles[profile] else {
            throw problem.error(at: "training", "no profile \"\(profile)\"; the file has \(problem.trainingProfiles.keys.sorted().joined(separator: ", "))")
        }
        self.directory = directory
        self.resolved = try ResolvedProblem(problem)
        self.training = training
        self.profile = profile
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let saved = path("problem.toml")
        if let existing = try? String(contentsOfFile: saved, encoding: .utf8), FileManager.default.fileExists(atPath: path("checkpoint.safetensors")) {
            guard resume else {
                throw OperatorTrainingError.incompatibleCheckpoint("\(directory) already holds a trained run; pass --resume to continue it or choose another --out")
            }
            guard existing == problem.text else {
                throw OperatorTrainingError.incompatibleCheckpoint("\(directory) was trained from a different problem file than \(problemPath); choose another --out")
            }
        }
        try problem.text.write(toFile: saved, atomically: true, encoding: .utf8)
        try profile.write(toFile: path("profile"), atomically: true, encoding: .utf8)
    }

    /// Reopens a trained run for comparison or prediction.
    public init(directory: String) throws {
        let profile = (try? String(contentsOfFile: directory + "/profile", encoding: .utf8)) ?? "quick"
        let problemPath = directory + "/problem.toml"
        guard FileManager.default.fileExists(atPath: problemPath), FileManager.default.fileExists(atPath: directory + "/checkpoint.safetensors") else {
            throw OperatorTrainingError.incompatibleCheckpoint("\(directory) is not a trained run (it needs problem.toml and checkpoint.safetensors from `tandem train`)")
        }
        let problem = try Problem(contentsOf: problemPath)
        self.directory = directory
        self.resolved = try ResolvedProblem(problem)
        self.training = problem.trainingProfiles[profile] ?? problem.trainingProfiles["paper"]!
        self.profile = profile
    }

    /// Solver seconds per function (one sample on one geometry), from `reference.json`.
    public var solverSecondsPerFunction: Double? {
        guard let data = FileManager.default.contents(atPath: path("reference.json")),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = json["seconds"] as? Double, let samples = json["samples"] as? Int, samples > 0 else { return nil }
        return seconds / Double(samples * resolved.problem.geometries.count)
    }

    /// Whether `reference.nc` already holds data for this problem with at least `training.samples` samples.
    public var hasReusableReference: Bool {
        guard let reader = try? FieldFileReader(path: path("reference.nc")),
              (try? reader.attribute("tandem_problem")) == resolved.problem.text,
              let u = try? reader.variable("u") else { return false }
        return u.shape.first.map { $0 >= training.samples } ?? false
    }

    /// Generates `reference.nc` with the solver (`training.samples` samples, the file's seed).
    public func generateReference(progress: ReferenceDataset.Progress? = nil, shouldStop: (@Sendable () -> Bool)? = nil) throws -> ReferenceDataset.Report {
        let report = try ReferenceDataset(resolved).generate(path: path("reference.nc"), samples: training.samples, seed: resolved.problem.reference.seed,
                                                               progress: progress, shouldStop: shouldStop)
        let json: [String: Any] = ["samples": report.samples, "seconds": report.seconds, "maximum_residual": report.maximumResidual, "interrupted": report.interrupted]
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path("reference.json")))
        return report
    }

    /// The reference data arranged for the model.
    public func dataset() throws -> OperatorDataset {
        try OperatorDataset(path: path("reference.nc"), resolved: resolved, model: resolved.problem.model, training: training)
    }

    /// Metadata stored in checkpoints: what the model belongs to.
    public func metadata(model: DeepONet<Float>) -> [String: String] {
        ["tandem.problem": resolved.problem.text, "tandem.model": OperatorModel.describe(model), "tandem.profile": profile,
         "tandem.version": TandemVersion.string]
    }

    /// A trainer, resumed from the checkpoint when `resume` and one exists.
    public func trainer(dataset: OperatorDataset, resume: Bool) throws -> OperatorTrainer {
        let scalingPath = path("scaling.safetensors")
        let checkpointExists = FileManager.default.fileExists(atPath: path("checkpoint.safetensors"))
        let scaling: OutputScaling
        if resume && checkpointExists {
            scaling = try OutputScaling.read(from: scalingPath)
            guard scaling.mean.count == dataset.pointCount else {
                throw OperatorTrainingError.incompatibleCheckpoint("\(scalingPath) has \(scaling.mean.count) points, the data \(dataset.pointCount)")
            }
        } else {
            scaling = OutputScaling(dataset: dataset)
            try scaling.write(to: scalingPath)
        }
        let model = try OperatorModel.make(resolved.problem.model, dataset: dataset, problem: resolved.problem, seed: training.seed)
        let trainer = OperatorTrainer(model: model, dataset: dataset, scaling: scaling, training: training, directory: directory,
                                      metadata: metadata(model: model))
        if resume && checkpointExists { try trainer.resume() }
        return trainer
    }

    /// The trained model and its output scaling.
    /// - Throws: ``OperatorTrainingError/incompatibleCheckpoint(_:)`` when the checkpoint does not
    ///   fit the model the problem file declares (naming both).
    public func trainedModel(dataset: OperatorDataset) throws -> (model: DeepONet<Float>, scaling: OutputScaling, step: Int) {
        var model = try OperatorModel.make(resolved.problem.model, dataset: dataset, problem: resolved.problem, seed: training.seed)
        let checkpoint = try Checkpoint<Float>.read(from: path("checkpoint.safetensors"))
        guard checkpoint.metadata["tandem.model"] == OperatorModel.describe(model) else {
            throw OperatorTrainingError.incompatibleCheckpoint("the checkpoint holds \(checkpoint.metadata["tandem.model"] ?? "an unknown model"); the problem file declares \(OperatorModel.describe(model))")
        }
        try model.loadParameters(Dictionary(uniqueKeysWithValues: checkpoint.parameters.map { ($0.key, $0.value) }))
        return (model, try OutputScaling.read(from: path("scaling.safetensors")), Int(checkpoint.metadata["tandem.training_step"] ?? "") ?? 0)
    }
}

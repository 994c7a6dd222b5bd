import Foundation
import TandemCore
import TandemIO
import TandemMultiTask
import TandemNN
import TandemOperators
import TandemSpec
import TandemTraining

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
    public let training: PDEProblem.Training
    /// The profile's name.
    public let profile: String
    /// What the run trains.
    public enum Kind: Sendable, Equatable {
        /// The problem's `[model]` on its `[training]` data.
        case training
        /// `[transfer]`: the model of the run in `source`, fine-tuned on the new geometry with
        /// only `[transfer] trainable` free; with `fromScratch`, the same network from a random
        /// initialisation, every parameter free (the baseline transfer is measured against).
        case transfer(source: String, fromScratch: Bool)
    }
    /// What the run trains.
    public let kind: Kind

    /// A file in the run directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Sets up (or, for `resume` and `compare`, reopens) a run of `problemPath` in `directory`.
    /// - Throws: ``ProblemFileError`` for the file or an unknown profile; ``RunDirectoryError``
    ///   when the directory holds a run of another problem, or a checkpoint without `resume`.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        let problem = try Problem(contentsOf: problemPath).pdeProblem(for: "a DeepONet")
        let training = try problem.profile(profile, of: problem.trainingProfiles, at: "training")
        self.directory = directory
        self.resolved = try ResolvedProblem(problem)
        self.training = training
        self.profile = profile
        self.kind = .training
        _ = try RunDirectory.prepare(directory, header: problem.header, problemPath: problemPath, profile: profile, resume: resume,
                                     carrying: problem.runFiles)
    }

    /// A transfer run in `directory` from the trained run in `source` (see ``Kind/transfer(source:fromScratch:)``).
    /// - Throws: ``ProblemFileError`` when the problem file has no `[transfer]` (or not the
    ///   profile); ``RunDirectoryError`` as for training.
    public init(transferFrom source: String, directory: String, profile: String, fromScratch: Bool, resume: Bool) throws {
        let sourceRun = try OperatorRun(directory: source)
        let problem = sourceRun.resolved.problem
        guard !problem.transferProfiles.isEmpty else {
            throw problem.error(at: "transfer", "missing; transfer needs a [transfer] table naming the new geometry and the trainable parameters")
        }
        let transfer = try problem.profile(profile, of: problem.transferProfiles, at: "transfer")
        self.directory = directory
        self.resolved = sourceRun.resolved
        self.training = transfer.training
        self.profile = profile
        self.kind = .transfer(source: source, fromScratch: fromScratch)
        _ = try RunDirectory.prepare(directory, header: problem.header, problemPath: sourceRun.path("problem.toml"), profile: profile, resume: resume,
                                     carrying: problem.runFiles)
        let record = ["source": source, "mode": fromScratch ? "scratch" : "fine-tune"]
        try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path("transfer.json")))
        // The source's standardisation (the network was trained with it) and, when it has enough
        // samples, its reference data.
        if !(resume && FileManager.default.fileExists(atPath: path("checkpoint.safetensors"))) {
            try? FileManager.default.removeItem(atPath: path("scaling.safetensors"))
            try FileManager.default.copyItem(atPath: sourceRun.path("scaling.safetensors"), toPath: path("scaling.safetensors"))
            try? FileManager.default.removeItem(atPath: path(Self.podFile))
            if FileManager.default.fileExists(atPath: sourceRun.path(Self.podFile)) {
                try FileManager.default.copyItem(atPath: sourceRun.path(Self.podFile), toPath: path(Self.podFile))
            }
        }
        if !hasReusableReference, sourceRun.referenceSamples >= transfer.training.samplesNeeded {
            try? FileManager.default.removeItem(atPath: path("reference.nc"))
            try? FileManager.default.removeItem(atPath: path("reference.json"))
            let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
            try FileManager.default.createSymbolicLink(atPath: path("reference.nc"), withDestinationPath: absolute + "/reference.nc")
            try FileManager.default.copyItem(atPath: sourceRun.path("reference.json"), toPath: path("reference.json"))
        }
    }

    /// Reopens a trained run for comparison or prediction.
    /// - Throws: ``RunDirectoryError`` when `directory` holds no trained operator run.
    public init(directory: String) throws {
        let (file, profile) = try RunDirectory(directory).trained()
        guard OperatorExperiment.kinds.contains(file.modelKind) else {
            throw RunDirectoryError.wrongKind(directory: directory, holds: file.modelKind.rawValue, expected: "neural operator (DeepONet, POD-DeepONet or FNO)")
        }
        let problem = try file.pdeProblem(for: "a DeepONet")
        self.directory = directory
        self.resolved = try ResolvedProblem(problem)
        self.profile = profile
        if let data = FileManager.default.contents(atPath: directory + "/transfer.json"),
           let record = try JSONSerialization.jsonObject(with: data) as? [String: String], let source = record["source"] {
            guard let transfer = problem.transferProfiles[profile] ?? problem.transferProfiles["paper"] else {
                throw problem.error(at: "transfer", "missing, but \(directory) is a transfer run")
            }
            self.kind = .transfer(source: source, fromScratch: record["mode"] == "scratch")
            self.training = transfer.training
        } else {
            self.kind = .training
            guard let training = problem.trainingProfiles[profile] ?? problem.trainingProfiles["paper"] else {
                throw problem.error(at: "model", "\(directory) holds no operator run (no [training] profile \"\(profile)\" for a DeepONet)")
            }
            self.training = training
        }
    }

    /// Samples in `reference.nc` when it holds data for this problem, else 0.
    public var referenceSamples: Int {
        guard let reader = try? FieldFileReader(path: path("reference.nc")),
              (try? reader.attribute("tandem_problem")) == resolved.problem.text,
              let u = try? reader.shape(of: "u") else { return 0 }
        return u.shape.first ?? 0
    }

    /// Solver seconds per function (one sample on one geometry), from `reference.json`.
    public var solverSecondsPerFunction: Double? {
        guard let data = FileManager.default.contents(atPath: path("reference.json")),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = json["seconds"] as? Double, let samples = json["samples"] as? Int, samples > 0 else { return nil }
        return seconds / Double(samples * resolved.problem.geometries.count)
    }

    /// Whether `reference.nc` already holds data for this problem with the samples training needs.
    public var hasReusableReference: Bool { referenceSamples >= training.samplesNeeded }

    /// Generates `reference.nc` with the solver (the samples training needs, the file's seed).
    public func generateReference(progress: ReferenceDataset.Progress? = nil, shouldStop: (@Sendable () -> Bool)? = nil) throws -> ReferenceDataset.Report {
        try? FileManager.default.removeItem(atPath: path("reference.nc"))  // possibly a link to another run's data
        let report = try ReferenceDataset(resolved).generate(path: path("reference.nc"), samples: training.samplesNeeded, seed: resolved.problem.reference.seed,
                                                               progress: progress, shouldStop: shouldStop)
        let json: [String: Any] = ["samples": report.samples, "seconds": report.seconds, "maximum_residual": report.maximumResidual, "interrupted": report.interrupted]
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path("reference.json")))
        return report
    }

    /// The reference data arranged for the model. With `savedStandardisation` (comparison,
    /// prediction, resumption, transfer) the branch inputs are standardised as the model was
    /// trained, from `scaling.safetensors`; otherwise from this run's training functions.
    public func dataset(savedStandardisation: Bool = false) throws -> OperatorDataset {
        var statistics: [Double]?
        if savedStandardisation || kind != .training {
            statistics = try OutputScaling.read(from: path("scaling.safetensors")).branchStatistics
        }
        return try OperatorDataset(path: path("reference.nc"), resolved: resolved, model: resolved.problem.model, training: training,
                                   branchStatistics: statistics)
    }

    /// Metadata stored in checkpoints: what the model belongs to.
    public func metadata(model: NeuralOperator<Float>) -> [String: String] {
        RunDirectory.metadata(header: resolved.problem.header, model: OperatorModel.describe(model), profile: profile)
    }

    /// A trainer, resumed from the checkpoint when `resume` and one exists.
    public func trainer(dataset: OperatorDataset, resume: Bool) throws -> OperatorTrainer {
        let scalingPath = path("scaling.safetensors")
        let resuming = resume && FileManager.default.fileExists(atPath: path("checkpoint.safetensors"))
        let scaling: OutputScaling
        if resuming || kind != .training {
            scaling = try OutputScaling.read(from: scalingPath)
            guard scaling.mean.count == dataset.pointCount else {
                throw TrainingError.incompatibleCheckpoint("\(scalingPath) has \(scaling.mean.count) points, the data \(dataset.pointCount)")
            }
        } else {
            scaling = OutputScaling(dataset: dataset, perPoint: resolved.problem.model.outputScaling == .point)
            if RunFiles.writable { try scaling.write(to: scalingPath) }
        }
        let basis = try podBasis(dataset: dataset, scaling: scaling, fit: !(resuming || kind != .training))
        var model = try OperatorModel.make(resolved.problem.model, dataset: dataset, problem: resolved.problem, seed: training.seed, basis: basis)
        var selection = ParameterSelection.all
        if case let .transfer(source, fromScratch) = kind, !fromScratch {
            model = try OperatorRun(directory: source).trainedModel(dataset: dataset).model
            let trainable = resolved.problem.transferProfiles[profile]!.trainable
            let names = Array(model.namedParameters.keys)
            if let unknown = trainable.first(where: { name in !names.contains { $0 == name || $0.hasPrefix(name + ".") } }) {
                let layers = names.map { $0.split(separator: ".").dropLast().joined(separator: ".") }
                    .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                throw resolved.problem.error(at: "transfer.trainable", "unknown parameter \"\(unknown)\"; expected parameter names or these layers: \(layers.map { $0.isEmpty ? "bias" : $0 }.joined(separator: ", "))")
            }
            selection = .named(trainable)
        }
        let objective = OperatorObjective(dataset: dataset, scaling: scaling, settings: training.objectiveSettings, selection: selection)
        if case let .transfer(_, fromScratch) = kind, !fromScratch, let strength = resolved.problem.transferProfiles[profile]?.anchorStrength, strength > 0 {
            guard training.multitask == nil else {
                throw resolved.problem.error(at: "transfer.l2sp", "the L2-SP penalty is added to the pooled loss; it does not combine with [transfer.multitask]")
            }
            objective.anchor(to: Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.key, $0.value) }), strength: Float(strength))
        }
        if training.augment == .symmetries {
            do { try objective.augmentBySymmetries() } catch TrainingError.unsupported(let reason) {
                throw resolved.problem.error(at: kind == .training ? "training.augment" : "transfer.augment", reason)
            }
        }
        var plan = training.plan
        if let spec = training.multitask {
            let empty = objective.taskNames.indices.filter { t in !dataset.train.contains { dataset.tasks[$0] == t } }
            let table = kind == .training ? "training.multitask" : "transfer.multitask"
            guard empty.isEmpty else {
                throw resolved.problem.error(at: table, "every task needs training functions; \(empty.map { objective.taskNames[$0] }.joined(separator: ", ")) has none under this split")
            }
            plan.multitask = try spec.settings(taskNames: objective.taskNames, declaredWeights: nil, logEvery: plan.logEvery, header: resolved.problem.header, keyPath: table)
        }
        let trainer = OperatorTrainer(model: model, objective: objective, plan: plan, directory: directory,
                                      metadata: metadata(model: model), identity: RunDirectory.identity)
        if let world = try RunFiles.distributed() { try trainer.distribute(over: world) }
        if resuming { try trainer.resume() }
        return trainer
    }

    /// Parameters the trainer may change, as `(trainable, total)` counts.
    public func trainableCounts(_ trainer: OperatorTrainer) -> (trainable: Int, total: Int) {
        var trainable = 0, total = 0
        for (name, tensor) in trainer.model.namedParameters {
            total += tensor.scalarCount
            if trainer.objective.selection.contains(name) { trainable += tensor.scalarCount }
        }
        return (trainable, total)
    }

    /// The trained model and its output scaling.
    /// - Throws: ``TrainingError/incompatibleCheckpoint(_:)`` when the checkpoint does not
    ///   fit the model the problem file declares (naming both).
    public func trainedModel(dataset: OperatorDataset) throws -> (model: NeuralOperator<Float>, scaling: OutputScaling, step: Int) {
        var model = try OperatorModel.make(resolved.problem.model, dataset: dataset, problem: resolved.problem, seed: training.seed,
                                           basis: try podBasis(dataset: dataset, scaling: nil, fit: false))
        let checkpoint = try Checkpoint<Float>.read(from: path("checkpoint.safetensors"))
        guard checkpoint.metadata["tandem.model"] == OperatorModel.describe(model) else {
            throw TrainingError.incompatibleCheckpoint("the checkpoint holds \(checkpoint.metadata["tandem.model"] ?? "an unknown model"); the problem file declares \(OperatorModel.describe(model))")
        }
        try model.loadParameters(Dictionary(uniqueKeysWithValues: checkpoint.parameters.map { ($0.key, $0.value) }))
        return (model, try OutputScaling.read(from: path("scaling.safetensors")), Int(checkpoint.metadata["tandem.training_step"] ?? "") ?? 0)
    }

    /// The POD basis file of a POD-DeepONet run.
    static let podFile = "pod.safetensors"

    /// The POD modes of a POD-DeepONet (`nil` for other models): with `fit`, the leading modes of
    /// the standardised training outputs (zero outside each geometry), written to
    /// `pod.safetensors` with the energy fraction each mode count captures (`scaling` is the output
    /// standardisation, required to fit); otherwise read from it.
    /// - Throws: ``CheckpointError`` when the file is missing or does not fit the data.
    public func podBasis(dataset: OperatorDataset, scaling: OutputScaling?, fit: Bool) throws -> Tensor<Float>? {
        guard let pod = resolved.problem.model.pod else { return nil }
        let file = path(Self.podFile), m = dataset.pointCount
        if fit, let scaling {
            let standardised = scaling.standardise(dataset.targets)
            var snapshots = [Float]()
            snapshots.reserveCapacity(dataset.train.count * m)
            for f in dataset.train {
                for j in 0..<m { snapshots.append(standardised[f * m + j] * dataset.masks[f * m + j]) }
            }
            let (basis, captured) = try PODDeepONet<Float>.basis(snapshots: snapshots, functions: dataset.train.count, points: m,
                                                                 energy: pod.energy, maximum: pod.maximumModes)
            if RunFiles.writable {
                let data = try SafeTensors.encode([("basis", .init(basis)), ("captured_energy", .init(Tensor<Double>(shape: [captured.count], scalars: captured)))],
                                                  metadata: ["tandem.format": "tandem-pod-basis-1"])
                try data.write(to: URL(fileURLWithPath: file), options: .atomic)
            }
            return basis
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CheckpointError.io(path: file, reason: "cannot read the POD basis (missing or unreadable)")
        }
        let (entries, _) = try SafeTensors.decode(data)
        guard let entry = entries["basis"] else { throw CheckpointError.incompatible(path: file, reason: "expected a tensor named basis") }
        let basis = try entry.tensor(as: Float.self, name: "basis")
        guard basis.rank == 2, basis.shape[0] == m else {
            throw CheckpointError.incompatible(path: file, reason: "the basis is \(basis.shape); the data has \(m) points")
        }
        return basis
    }
}

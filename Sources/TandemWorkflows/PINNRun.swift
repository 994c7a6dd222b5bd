import Foundation
import TandemCore
import TandemIO
import TandemMultiTask
import TandemNN
import TandemPINN
import TandemSpec
import TandemTraining

/// A PINN run's directory: `problem.toml`, `profile`, `checkpoint.safetensors`, `loss.csv` and
/// `training.json` (from `tandem train`); `tandem compare` adds `reference.nc` (the solver's
/// solution), `reference.json`, `metrics.json`, `report.md` and `figures/`.
public struct PINNRun {
    /// The run directory.
    public let directory: String
    /// The problem with its geometry.
    public let resolved: ResolvedProblem
    /// The profile's name and settings.
    public let profile: String
    /// The profile's settings.
    public let training: PDEProblem.PINNTraining

    /// A file in the run directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Sets up (or, with `resume`, reopens) a run of the PINN problem at `problemPath`.
    /// - Throws: ``ProblemFileError`` for the file or an unknown profile; ``RunDirectoryError``
    ///   when the directory holds another run.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        let problem = try Problem(contentsOf: problemPath).pdeProblem(for: "a PINN")
        guard problem.modelKind == .pinn else { throw problem.error(at: "model.kind", "is not \"pinn\"") }
        let training = try problem.profile(profile, of: problem.pinnTrainingProfiles, at: "training")
        self.directory = directory
        self.resolved = try ResolvedProblem(problem)
        self.profile = profile
        self.training = training
        let run = try RunDirectory.prepare(directory, header: problem.header, problemPath: problemPath, profile: profile, resume: resume,
                                     carrying: problem.runFiles)
        // The observations travel with the run (the problem file names them relative to itself).
        if let inverse = problem.inverse {
            let source = Self.observationsPath(inverse.observations, problemFile: problemPath)
            _ = try PINNProblem.observations(path: source, resolved: resolved)
            if RunFiles.writable { try run.copy(source, as: "observations.nc") }
        }
    }

    /// Reopens a trained run.
    /// - Throws: ``RunDirectoryError`` when `directory` holds no trained PINN run.
    public init(directory: String) throws {
        let (file, profile) = try RunDirectory(directory).trained()
        guard file.modelKind == .pinn else { throw RunDirectoryError.wrongKind(directory: directory, holds: file.modelKind.rawValue, expected: "PINN") }
        let problem = try file.pdeProblem(for: "a PINN")
        self.directory = directory
        self.resolved = try ResolvedProblem(problem)
        self.profile = profile
        guard let training = problem.pinnTrainingProfiles[profile] else {
            throw problem.error(at: "training", "no profile \"\(profile)\" for the run in \(directory)")
        }
        self.training = training
    }

    /// The observations file named in a problem file, relative to that file unless absolute.
    public static func observationsPath(_ path: String, problemFile: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: problemFile).deletingLastPathComponent().appendingPathComponent(path).path
    }

    /// The network `[model]` declares, initialised from the training seed, with the unknowns of
    /// `[inverse]` at their starting values.
    public func makeModel() -> PhysicsInformedNetwork<Double> {
        let spec = resolved.problem.pinnModel!
        var generator = SeededGenerator(seed: training.seed)
        let inputs = resolved.problem.pinnAxes.count
        let features = spec.fourierFeatures == 0 ? nil
            : FourierFeatures<Double>(inputs: inputs, count: spec.fourierFeatures, scale: spec.fourierScale, using: &generator)
        let network = MLP<Double>(widths: [features?.outputSize ?? inputs] + spec.layers + [1], activation: spec.activation.activation,
                                  initializer: .glorotNormal, using: &generator)
        return PhysicsInformedNetwork(network: network, features: features, coefficients: resolved.problem.inverse?.unknowns ?? [:])
    }

    /// `"MLP 2→64→64→1 tanh"`, with the learned coefficients: `"…; learning D, rho"`.
    public static func describe(_ model: PhysicsInformedNetwork<Double>) -> String {
        (model.features.map { "\($0.frequencies.shape[1]) Fourier features → " } ?? "")
            + "MLP " + model.network.widths.map(String.init).joined(separator: "→") + " " + model.network.layers[0].activation.rawValue
            + (model.coefficientNames.isEmpty ? "" : "; learning " + model.coefficientNames.joined(separator: ", "))
    }

    /// The observations of an inverse problem (copied into the run), else `nil`.
    public func observations() throws -> PINNProblem.Observations? {
        guard resolved.problem.inverse != nil else { return nil }
        return try PINNProblem.observations(path: path("observations.nc"), resolved: resolved)
    }

    /// A trainer, resumed from the checkpoint when `resume` and one exists.
    public func trainer(resume: Bool) throws -> PINNTrainer {
        let model = makeModel()
        let setup = try PINNProblem(resolved, training: training)
        let objective = try PINNObjective(setup: setup, coefficientNames: model.coefficientNames, observations: try observations())
        let trainer = PINNTrainer(model: model, objective: objective,
                                  plan: PINNObjective.plan(setup, coefficientNames: model.coefficientNames, multitask: try multitask(objective)),
                                  directory: directory, metadata: RunDirectory.metadata(header: resolved.problem.header, model: Self.describe(model), profile: profile),
                                  identity: RunDirectory.identity)
        if let world = try RunFiles.distributed() { try trainer.distribute(over: world) }
        if resume && RunDirectory(directory).hasCheckpoint { try trainer.resume() }
        return trainer
    }

    /// The strategy for the loss terms: `[training.multitask]`, or the profile's `weighting`
    /// (fixed weights, or learning-rate annealing every `anneal_every` steps).
    func multitask(_ objective: PINNObjective) throws -> MultiTaskSettings {
        let t = training
        let logEvery = Swift.max(1, t.steps / 200)
        if let spec = t.multitask {
            return try spec.settings(taskNames: objective.taskNames, declaredWeights: objective.declaredWeights, logEvery: logEvery, header: resolved.problem.header)
        }
        let strategy: any MultiTaskStrategy = t.weighting == .annealing
            ? LearningRateAnnealing(alpha: t.annealAlpha, every: t.annealEvery, initialWeights: objective.declaredWeights)
            : FixedWeighting(weights: objective.declaredWeights)
        return MultiTaskSettings(strategy: strategy, diagnosticsEvery: MultiTaskSpec.defaultDiagnosticsEvery(logEvery: logEvery))
    }

    /// Records what training did (`training.json`).
    public func record(_ report: PINNTrainer.Report, trainer: PINNTrainer) throws {
        guard RunFiles.writable else { return }
        var json: [String: Any] = ["adam_steps": report.step, "seconds": report.seconds, "loss": report.loss,
                                   "terms": Dictionary(uniqueKeysWithValues: zip(trainer.objective.taskNames, report.tasks)),
                                   "collocation_points": trainer.objective.collocationCount]
        if let previous = FileManager.default.contents(atPath: path("training.json")),
           let old = try? JSONSerialization.jsonObject(with: previous) as? [String: Any], let seconds = old["seconds"] as? Double, trainer.step > 0 {
            json["seconds"] = seconds + report.seconds  // resumed: training time over all invocations
        }
        if let l = report.refinement {
            json["lbfgs"] = ["reason": l.reason.rawValue, "iterations": l.iterations, "evaluations": l.evaluations,
                             "initial_loss": l.initialLoss, "final_loss": l.finalLoss, "gradient_norm": l.gradientNorm]
        }
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path("training.json")))
    }

    /// The trained network and the Adam step its checkpoint holds.
    /// - Throws: ``TrainingError/incompatibleCheckpoint(_:)`` when the checkpoint holds another network.
    public func trainedModel() throws -> (model: PhysicsInformedNetwork<Double>, step: Int, lbfgs: String?) {
        var model = makeModel()
        let checkpoint = try Checkpoint<Double>.read(from: path("checkpoint.safetensors"))
        guard checkpoint.metadata["tandem.model"] == Self.describe(model) else {
            throw TrainingError.incompatibleCheckpoint("the checkpoint holds \(checkpoint.metadata["tandem.model"] ?? "an unknown model"); the problem file declares \(Self.describe(model))")
        }
        try model.loadParameters(Dictionary(uniqueKeysWithValues: checkpoint.parameters.map { ($0.key, $0.value) }))
        return (model, Int(checkpoint.metadata["tandem.training_step"] ?? "") ?? 0, checkpoint.metadata["tandem.lbfgs"])
    }
}

/// A trained PINN against the reference solver's solution on the solver's grid (every point
/// inside the geometry, every output time).
public struct PINNComparison: Sendable {
    /// `‖u_PINN − u_ref‖₂ / ‖u_ref‖₂` over all grid points inside the geometry and all output times.
    public let relativeL2: Double
    /// Per output time (transient problems; one entry for steady ones).
    public let relativeL2PerTime: [Double]
    /// `max |u_PINN − u_ref|`.
    public let maxAbsoluteError: Double
    /// Output times (empty for steady problems).
    public let times: [Double]
    /// Predictions and reference values, `[times][grid points]` flattened (zero outside the geometry).
    public let prediction: [Double], reference: [Double]
    /// The geometry's grid mask.
    public let mask: [Bool]
    /// Seconds to evaluate the network on all these points, and the solver's seconds for the solution.
    public let inferenceSeconds: Double, solverSeconds: Double?

    /// A learned coefficient of an inverse problem against its true value (the file's parameter).
    public struct Coefficient: Sendable, Codable {
        /// Its name.
        public let name: String
        /// The value training started from, the learned value and the truth.
        public let initial: Double, learned: Double, truth: Double
        /// `|learned − truth| / |truth|`.
        public var relativeError: Double { Swift.abs(learned - truth) / Swift.max(Swift.abs(truth), 1e-300) }
    }
    /// The learned coefficients (inverse problems).
    public let coefficients: [Coefficient]

    /// Solves the reference (or reuses `reference.nc`) and evaluates `model` on its grid.
    /// - Throws: solver, NetCDF and problem-file errors.
    public init(run: PINNRun, model: PhysicsInformedNetwork<Double>, progress: ReferenceDataset.Progress? = nil) throws {
        let problem = run.resolved.problem
        let reference = run.path("reference.nc")
        let reader = try? FieldFileReader(path: reference)
        if reader.flatMap({ try? $0.attribute("tandem_problem") }) != problem.text {
            try? FileManager.default.removeItem(atPath: reference)
            let report = try ReferenceDataset(run.resolved).generate(path: reference, samples: 1, seed: problem.reference.seed, progress: progress)
            let json: [String: Any] = ["samples": report.samples, "seconds": report.seconds, "maximum_residual": report.maximumResidual]
            try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: run.path("reference.json")))
        }
        let file = try FieldFileReader(path: reference)
        let grid = run.resolved.grid
        let n = grid.pointCount
        let timeCount = problem.time?.times.count ?? 1
        let u = try file.values("u", expectedShape: [1, 1] + (problem.time == nil ? [] : [timeCount]) + grid.pointsPerAxis.reversed())
        let mask = run.resolved.masks[0]
        times = problem.time?.times ?? []
        var inputs: [Double] = [], rows: [Int] = []
        for ti in 0..<timeCount {
            for p in 0..<n where mask[p] {
                inputs += grid.point(p) + (times.isEmpty ? [] : [times[ti]])
                rows.append(ti * n + p)
            }
        }
        let d = problem.pinnAxes.count
        let setup = try PINNProblem(run.resolved, training: run.training)
        let start = Date()
        var values: [Double] = []
        withoutGradient {
            for chunk in stride(from: 0, to: rows.count, by: 16384) {
                let count = Swift.min(16384, rows.count - chunk)
                values += setup.solution(of: model, at: setup.points(Array(inputs[chunk * d..<(chunk + count) * d]))).scalars
            }
        }
        inferenceSeconds = Date().timeIntervalSince(start)
        var prediction = [Double](repeating: 0, count: timeCount * n), truth = prediction
        for (k, row) in rows.enumerated() {
            prediction[row] = values[k]
            truth[row] = u[row]
        }
        func relative(_ range: Range<Int>) -> Double {
            var e = 0.0, r = 0.0
            for i in range { e += (prediction[i] - truth[i]) * (prediction[i] - truth[i]); r += truth[i] * truth[i] }
            return (e / Swift.max(r, 1e-300)).squareRoot()
        }
        relativeL2 = relative(0..<timeCount * n)
        relativeL2PerTime = (0..<timeCount).map { relative($0 * n..<($0 + 1) * n) }
        maxAbsoluteError = zip(prediction, truth).map { Swift.abs($0 - $1) }.max() ?? 0
        self.prediction = prediction
        self.reference = truth
        let learned = model.coefficientValues
        coefficients = model.coefficientNames.map { name in
            Coefficient(name: name, initial: problem.inverse?.unknowns[name] ?? .nan, learned: learned[name]!,
                        truth: problem.parameters.first { $0.name == name }!.range.lowerBound)
        }
        self.mask = mask
        if let data = FileManager.default.contents(atPath: run.path("reference.json")),
           let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let seconds = json["seconds"] as? Double {
            solverSeconds = seconds
        } else {
            solverSeconds = nil
        }
    }
}

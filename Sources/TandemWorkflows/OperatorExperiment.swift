import Foundation
import TandemSpec
import TandemTraining

/// The multi-task DeepONet: reference data from the solver (solved, or reused when the run
/// already holds it), training on the one trainer, comparison and prediction; and transfer to
/// the `[transfer]` geometry.
public struct OperatorExperiment: Experiment {
    /// `[model]` without a kind, or `kind = "deeponet"`.
    public static var kind: Problem.ModelKind { .deeponet }
    /// The operator networks trained on reference data: DeepONet, POD-DeepONet and Fourier neural operator.
    public static var kinds: [Problem.ModelKind] { [.deeponet, .podDeepONet, .fno] }
    /// The run.
    public let run: OperatorRun

    /// The problem's summary (geometries on the grid, inputs, the DeepONet, its profiles and transfer).
    public static func describe(_ problem: Problem, problemFile: String) throws -> [String] {
        [try ResolvedProblem(try problem.pdeProblem(for: "a DeepONet")).summary()]
    }

    /// A new or resumed training run.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        run = try OperatorRun(problemPath: problemPath, directory: directory, profile: profile, resume: resume)
        self.resume = resume
    }

    /// A transfer run in `directory` from the trained run in `source` (see ``OperatorRun/Kind/transfer(source:fromScratch:)``).
    public init(transferFrom source: String, directory: String, profile: String, fromScratch: Bool, resume: Bool) throws {
        run = try OperatorRun(transferFrom: source, directory: directory, profile: profile, fromScratch: fromScratch, resume: resume)
        self.resume = resume
    }

    /// A trained run.
    public init(trainedRun directory: String) throws {
        run = try OperatorRun(directory: directory)
        resume = false
    }

    let resume: Bool

    /// Reference data: solved into `reference.nc`, or reused when the run holds enough samples.
    public func prepareData(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        let say = events.message
        if run.hasReusableReference {
            say("reference data: reusing \(run.path("reference.nc"))")
        } else {
            say("reference data: solving \(run.training.samplesNeeded) samples × \(run.resolved.problem.geometries.count) geometries")
            let report = try run.generateReference(progress: events.samples, shouldStop: events.shouldStop)
            if report.interrupted { return .interrupted("interrupted while solving; nothing was trained") }
            say("  wrote \(report.path): \(report.samples) samples in \(String(format: "%.1f", report.seconds)) s, largest residual ‖b − Au‖/‖b‖ \(String(format: "%.1e", report.maximumResidual))")
            say("  variables: \(report.variables.joined(separator: ", "))")
        }
        return .finished
    }

    /// Training with progress and a summary.
    public func train(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        let say = events.message
        let resuming = resume && RunDirectory(run.directory).hasCheckpoint
        let dataset = try run.dataset(savedStandardisation: resuming)
        let trainer = try run.trainer(dataset: dataset, resume: resume)
        say("model: \(OperatorModel.describe(trainer.model))")
        if case let .transfer(source, fromScratch) = run.kind {
            let (trainable, total) = run.trainableCounts(trainer)
            say(fromScratch ? "transfer baseline: a fresh network, all \(total) parameters trained"
                : "transfer from \(source): \(trainable) of \(total) parameters trained (\(run.resolved.problem.transferProfiles[run.profile]!.trainable.joined(separator: ", "))), the rest frozen")
        }
        let training = run.training
        say("data: \(dataset.functions.count) functions (\(dataset.train.count) train, \(dataset.test.count) test) × \(dataset.pointCount) points; profile \(run.profile): \(training.steps) steps, batch \(training.batch)\(training.points.map { ", \($0) points" } ?? ""), \(training.optimizer.rawValue), loss \(training.loss.rawValue)")
        if !trainer.objective.symmetries.isEmpty {
            say("augmentation: " + zip(dataset.taskNames, trainer.objective.symmetries).map { name, maps in
                "\(name) under \(maps.count) grid symmetr\(maps.count == 1 ? "y" : "ies") (\(maps.map(\.symmetry.description).joined(separator: ", ")))"
            }.joined(separator: "; "))
        }
        if let note = trainer.resumeNote(resume: resume, directory: run.directory) { say(note) }
        if resume && trainer.isComplete { return .finished }
        let report = try trainer.run(progress: { p in
            let tasks = zip(dataset.taskNames, p.tasks).map { String(format: "%@ %.2e", $0, $1) }.joined(separator: "  ")
            let eta = Double(p.steps - p.step) / max(p.rate, 1e-9)
            events.progress(.init(fraction: Double(p.step) / Double(max(p.steps, 1)),
                                  text: String(format: "step %d/%d  loss %.3e  [%@]  %.1f steps/s  ETA %.0f s", p.step, p.steps, p.loss, tasks, p.rate, eta),
                                  isFinal: p.step == p.steps))
        }, shouldStop: events.shouldStop)
        if report.interrupted {
            return .interrupted("interrupted: checkpoint at step \(report.step) in \(run.path("checkpoint.safetensors")); continue with --resume")
        }
        say(String(format: "trained %d steps in %.1f s; final loss %.3e (%@)", report.step, report.seconds, report.loss, training.loss == .mse ? "standardised MSE" : "mean per-sample relative L2"))
        say("run: \(run.directory) (checkpoint.safetensors, loss.csv); next: tandem compare \(run.directory)")
        return .finished
    }

    /// Errors per task and geometry against the solver, timing, figures, predictions.nc.
    public func compare(_ events: ExperimentEvents) throws -> [String] {
        let dataset = try run.dataset(savedStandardisation: true)
        let (model, scaling, step) = try run.trainedModel(dataset: dataset)
        let comparison = OperatorComparison(model: model, scaling: scaling, dataset: dataset, solverSecondsPerFunction: run.solverSecondsPerFunction)
        let report = OperatorReport(run: run, dataset: dataset, comparison: comparison, modelDescription: OperatorModel.describe(model), step: step)
        let written = try report.write()
        return ["\(run.resolved.problem.name), profile \(run.profile), checkpoint at step \(step): \(dataset.test.count) test functions",
                report.table(), report.timing(),
                "wrote \(written.files.count) files in \(run.directory): \(written.files.prefix(3).joined(separator: ", ")), figures/ (\(written.files.count - 3) PNG)"]
    }

    /// The operator on the functions of a file in `tandem solve`'s layout.
    public func predict(input: String, output: String) throws -> [String] {
        let prediction = try OperatorPrediction(run: run, input: input, output: output)
        var lines = ["wrote \(output): \(prediction.dataset.test.count) functions × \(prediction.dataset.pointCount) points, \(String(format: "%.3g", 1000 * prediction.secondsPerFunction)) ms per function"]
        if let comparison = prediction.comparison, let overall = comparison.metrics.last {
            lines.append(String(format: "against the solution in the input: global relative L2 %.2f%%, mean per-sample %.2f%%, worst %.2f%%",
                                100 * overall.globalRelativeL2, 100 * overall.meanRelativeL2, 100 * overall.worstRelativeL2))
        }
        return lines
    }
}

import Foundation
import TandemSpec
import TandemTraining

/// A physics-informed network on the problem's residual: Adam then L-BFGS on the one trainer,
/// compared with the reference solver's solution of the same problem.
public struct PINNExperiment: Experiment {
    /// `[model] kind = "pinn"`.
    public static var kind: Problem.ModelKind { .pinn }
    /// The run.
    public let run: PINNRun
    let resume: Bool

    /// Checks what the spec alone cannot (a distance function for hard conditions) and says
    /// where an inverse problem's observations are.
    public static func describe(_ problem: Problem, problemFile: String) throws -> [String] {
        let resolved = try ResolvedProblem(try problem.pdeProblem(for: "a PINN"))
        let summary = resolved.summary()
        if let training = resolved.problem.pinnTrainingProfiles["paper"] { _ = try PINNProblem(resolved, training: training) }
        guard let inverse = resolved.problem.inverse else { return [summary] }
        let path = PINNRun.observationsPath(inverse.observations, problemFile: problemFile)
        guard FileManager.default.fileExists(atPath: path) else {
            return [summary, "Inverse problem: learning \(inverse.names.joined(separator: ", ")); \(path) does not exist yet: make it with `tandem observe \(problemFile)`"]
        }
        let observations = try PINNProblem.observations(path: path, resolved: resolved)
        return [summary, "Inverse problem: learning \(inverse.names.map { "\($0) (from \(inverse.unknowns[$0]!))" }.joined(separator: ", ")) from \(observations.values.shape[0]) observations in \(path), data weight \(inverse.dataWeight)"]
    }

    /// A new or resumed run.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        run = try PINNRun(problemPath: problemPath, directory: directory, profile: profile, resume: resume)
        self.resume = resume
    }

    /// A trained run.
    public init(trainedRun directory: String) throws {
        run = try PINNRun(directory: directory)
        resume = false
    }

    /// Nothing: a PINN trains on its residual; the solver runs in ``compare(_:)``.
    public func prepareData(_ events: ExperimentEvents) throws -> ExperimentOutcome { .finished }

    /// Adam, then L-BFGS, with progress and a summary; records `training.json`.
    public func train(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        let say = events.message
        let trainer = try run.trainer(resume: resume)
        let t = run.training, problem = run.resolved.problem
        say("model: \(PINNRun.describe(trainer.model)) on (\(problem.pinnAxes.joined(separator: ", ")))")
        say("residual: \(try problem.pinnResidual()) = 0 (jets: \(trainer.objective.setup.jetNames.joined(separator: ", ")))")
        say("points: \(t.collocation) collocation (\(t.sampling.rawValue)\(t.resampleEvery > 0 ? ", resampled every \(t.resampleEvery) steps" : "")\(t.refineEvery > 0 ? ", +\(t.refineAdd) by residual every \(t.refineEvery) steps" : "")), \(t.boundaryPoints) boundary\(problem.time == nil ? "" : ", \(t.initialPoints) initial")")
        say("profile \(run.profile): \(t.steps) Adam steps (learning rate \(t.learningRate)), weights \(t.weighting.rawValue) \(trainer.objective.taskNames.joined(separator: "/")), then \(t.lbfgsIterations) L-BFGS iterations")
        if let note = trainer.resumeNote(resume: resume, directory: run.directory) { say(note) }
        if resume && trainer.isComplete { return .finished }
        let names = trainer.objective.taskNames
        let report = try trainer.run(progress: { p in
            let terms = zip(names, p.tasks).map { String(format: "%@ %.2e", $0, $1) }.joined(separator: "  ")
            let eta = Double(p.steps - p.step) / max(p.rate, 1e-9)
            events.progress(.init(fraction: Double(p.step) / Double(max(p.steps, 1)),
                                  text: String(format: "%@ %d/%d  loss %.3e  [%@]  %.1f/s  ETA %.0f s", p.phase, p.step, p.steps, p.loss, terms, p.rate, eta),
                                  isFinal: p.step == p.steps))
        }, shouldStop: events.shouldStop)
        if report.interrupted {
            return .interrupted("interrupted: checkpoint at step \(report.step) in \(run.path("checkpoint.safetensors")); continue with --resume")
        }
        try run.record(report, trainer: trainer)
        let terms = zip(names, report.tasks).map { String(format: "%@ %.3e", $0, $1) }.joined(separator: ", ")
        say(String(format: "trained %d Adam steps in %.1f s; final loss %.3e (%@)", report.step, report.seconds, report.loss, terms))
        if let l = report.refinement { say("  \(l)") }
        say("run: \(run.directory) (checkpoint.safetensors, loss.csv, training.json); next: tandem compare \(run.directory)")
        return .finished
    }

    /// The PINN against the solver's solution on the solver's grid.
    public func compare(_ events: ExperimentEvents) throws -> [String] {
        let (model, step, _) = try run.trainedModel()
        let comparison = try PINNComparison(run: run, model: model, progress: events.samples)
        let report = PINNReport(run: run, comparison: comparison, modelDescription: PINNRun.describe(model), step: step)
        let written = try report.write()
        return ["\(run.resolved.problem.name), profile \(run.profile): PINN \(PINNRun.describe(model)) against the reference solver",
                report.table(), "wrote \(written.count) files in \(run.directory): \(written.joined(separator: ", "))"]
    }

    /// The network at the points of a NetCDF file (u optional).
    public func predict(input: String, output: String) throws -> [String] {
        let prediction = try PINNPrediction(run: run, input: input, output: output)
        var lines = ["wrote \(output): the PINN at \(prediction.count) points in \(String(format: "%.3g", 1000 * prediction.seconds)) ms"]
        if let error = prediction.relativeL2 { lines.append(String(format: "against u in the input: relative L2 %.2f%%", 100 * error)) }
        return lines
    }
}

import Collections
import Foundation
import TandemCore
import TandemNN

/// The one training loop of every model family: first-order optimizer phases, then optionally
/// L-BFGS; a divergence guard that keeps the last good checkpoint; atomic checkpoints with the
/// objective's own state; exact resumption; a CSV history; progress callbacks; and a seam between
/// "gradients computed" and "optimizer updates" (``transformGradients``) where task weighting and
/// an all-reduce plug in.
///
/// A run interrupted by `shouldStop` writes a checkpoint and can be resumed with ``resume()``;
/// the resumed run gives the same parameters as an uninterrupted one, because every step's data
/// comes from the step index (``TrainingObjective``).
public final class Trainer<Objective: TrainingObjective> {
    /// The model's scalar type.
    public typealias Scalar = Objective.Model.Scalar
    /// Gradients by parameter name, in the model's order.
    public typealias Gradients = OrderedDictionary<String, Tensor<Scalar>>

    /// The model being trained.
    public private(set) var model: Objective.Model
    /// The family's loss, tasks, history and state.
    public let objective: Objective
    /// Phases, step counts and checkpoint cadence.
    public private(set) var plan: TrainingPlan<Scalar>
    /// The first-order steps done (0 before training).
    public private(set) var step = 0
    /// Whether the L-BFGS phase has run.
    public private(set) var refined = false
    /// L-BFGS iterations done before an interruption (resumed runs do the rest).
    public private(set) var refinementIterationsDone = 0
    /// The step of the last checkpoint written or restored.
    public private(set) var lastCheckpoint: Int?
    /// Where checkpoints go (written atomically).
    public let checkpointPath: String
    /// The history file.
    public let history: TrainingHistory
    /// Stored in every checkpoint (problem text, model description, …).
    public let metadata: [String: String]
    /// Metadata keys a checkpoint must agree on to be resumed, each with what it names in messages
    /// (`("tandem.problem", "problem file")`).
    public let identity: [(key: String, meaning: String)]
    /// Called with each step's gradients before the optimizer sees them, and the step: the place
    /// for task weighting, gradient surgery and an all-reduce across processes. The default does
    /// nothing.
    public var transformGradients: ((inout Gradients, Int) throws -> Void)?

    /// Progress after a step or an L-BFGS iteration.
    public struct Progress: Sendable {
        /// The phase: an optimizer's name, or `lbfgs`.
        public let phase: String
        /// Steps (or L-BFGS iterations) done and planned in this phase's part of the run.
        public let step: Int, steps: Int
        /// The loss and per-task values shown (smoothed when the objective asks); `.nan` for a task
        /// not seen yet, and no tasks in L-BFGS.
        public let loss: Scalar, tasks: [Scalar]
        /// Seconds since this invocation started, and steps (iterations) per second.
        public let seconds: Double, rate: Double
    }

    /// What a call to ``run(progress:shouldStop:)`` did.
    public struct Report: Sendable {
        /// First-order steps reached.
        public let step: Int
        /// Whether `shouldStop` ended it early (a checkpoint was written).
        public let interrupted: Bool
        /// Seconds of this invocation.
        public let seconds: Double
        /// The final loss and per-task values shown (after L-BFGS: its full-batch loss).
        public let loss: Scalar, tasks: [Scalar]
        /// The L-BFGS phase's report, when it ran in this invocation.
        public let refinement: LBFGS.Report?
    }

    /// - Parameters:
    ///   - directory: where `checkpoint.safetensors` and `loss.csv` go.
    ///   - metadata: stored in every checkpoint; `identity` names the keys a resumed checkpoint
    ///     must match.
    public init(model: Objective.Model, objective: Objective, plan: TrainingPlan<Scalar>, directory: String,
                metadata: [String: String], identity: [(key: String, meaning: String)] = []) {
        self.model = model
        self.objective = objective
        self.plan = plan
        checkpointPath = directory + "/checkpoint.safetensors"
        history = TrainingHistory(path: directory + "/loss.csv", header: objective.historyHeader)
        self.metadata = metadata
        self.identity = identity
    }

    /// Whether every planned step and the L-BFGS phase (if any) are done: ``run(progress:shouldStop:)``
    /// would have nothing to do.
    public var isComplete: Bool { step >= plan.steps && (plan.refinementIterations == 0 || refined) }

    /// The phase making the update of the current step.
    var phaseIndex: Int { plan.phaseIndex(at: step) }

    /// Restores model, optimizer, step and the objective's state from the run's checkpoint, and
    /// drops history rows logged after it.
    /// - Throws: ``TrainingError/incompatibleCheckpoint(_:)`` naming both sides when the
    ///   checkpoint belongs to another run; checkpoint read errors.
    public func resume() throws {
        let checkpoint = try Checkpoint<Scalar>.read(from: checkpointPath)
        for (key, meaning) in identity where checkpoint.metadata[key] != metadata[key] {
            throw TrainingError.incompatibleCheckpoint(
                "\(checkpointPath) was written for a different \(meaning): it has \(Self.headline(checkpoint.metadata[key])), this run has \(Self.headline(metadata[key]))")
        }
        guard let trainingStep = Int(checkpoint.metadata["tandem.training_step"] ?? "") else {
            throw TrainingError.incompatibleCheckpoint("\(checkpointPath) lacks tandem.training_step")
        }
        step = trainingStep
        // The checkpoint holds the state of the optimizer that made its last update.
        let index = phaseIndex
        guard checkpoint.optimizerName == plan.phases[index].name else {
            throw TrainingError.incompatibleCheckpoint(
                "\(checkpointPath) holds \(checkpoint.optimizerName) state at step \(step), where this run uses \(plan.phases[index].name)")
        }
        try Self.restore(checkpoint, into: &model, optimizer: &plan.phases[index].optimizer)
        refined = checkpoint.metadata["tandem.lbfgs"] != nil
        refinementIterationsDone = Int(checkpoint.metadata["tandem.lbfgs_iterations"] ?? "") ?? 0
        try objective.restore(checkpointState: checkpoint.metadata)
        lastCheckpoint = step
        try history.truncate(after: step, refined: refined, refinementIterations: refinementIterationsDone)
    }

    static func restore<O: Optimizer>(_ checkpoint: Checkpoint<Scalar>, into model: inout Objective.Model, optimizer: inout O) throws
    where O.Scalar == Scalar {
        try checkpoint.restore(into: &model, optimizer: &optimizer)
    }

    /// The first line of a long metadata value that tells it apart (`name = …`, `DeepONet …`).
    static func headline(_ text: String?) -> String {
        guard let text else { return "nothing" }
        let first = text.split(separator: "\n").first { $0.hasPrefix("name") || $0.hasPrefix("DeepONet") } ?? text.split(separator: "\n").first ?? ""
        return "\"\(first)\""
    }

    /// Trains until the planned steps and the L-BFGS phase are done, or until `shouldStop`
    /// returns true (then checkpoints).
    /// - Throws: ``TrainingError/diverged(step:loss:checkpointStep:advice:)`` (the checkpoint on
    ///   disk is the last good one); the objective's errors; checkpoint and history write errors.
    public func run(progress: ((Progress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> Report {
        let start = Date()
        let firstStep = step
        let smooth = objective.smoothsLoss
        var shown: Scalar?
        var shownTasks = [Scalar?](repeating: nil, count: objective.taskNames.count)
        if !FileManager.default.fileExists(atPath: history.path) || step == 0 { try history.start() }
        func report(interrupted: Bool, refinement: LBFGS.Report? = nil) -> Report {
            Report(step: step, interrupted: interrupted, seconds: Date().timeIntervalSince(start), loss: shown ?? .nan,
                   tasks: shownTasks.map { $0 ?? .nan }, refinement: refinement)
        }
        while step < plan.steps {
            if shouldStop?() == true {
                try checkpoint()
                return report(interrupted: true)
            }
            try objective.prepare(step: step, model: model)
            var tasks: [Scalar?] = []
            var (value, gradients) = try valueWithGradient(at: model, selecting: objective.selection) { m -> Tensor<Scalar> in
                let value = try objective.loss(of: m, step: step)
                tasks = value.tasks
                return value.total
            }
            guard value.isFinite, globalNorm(gradients).isFinite else { throw diverged(loss: value) }
            try transformGradients?(&gradients, step)
            let index = phaseIndex
            plan.phases[index].optimizer.update(&model, along: gradients)
            step += 1
            if smooth {
                shown = shown.map { 0.95 * $0 + 0.05 * value } ?? value
                for t in shownTasks.indices {
                    guard t < tasks.count, let loss = tasks[t] else { continue }
                    shownTasks[t] = shownTasks[t].map { 0.95 * $0 + 0.05 * loss } ?? loss
                }
            } else {
                shown = value
                shownTasks = tasks
            }
            let seconds = Date().timeIntervalSince(start)
            let checkpointDue = step % plan.checkpointEvery == 0 || step == plan.steps
            if checkpointDue || step % plan.logEvery == 0 {
                var evaluation: Scalar?
                if checkpointDue {
                    evaluation = try withoutGradient { try objective.evaluation(of: model) }
                    if let evaluation, !evaluation.isFinite { throw diverged(loss: evaluation) }
                    try checkpoint()
                }
                let record = TrainingRecord(phase: plan.phases[index].name, step: step, loss: shown!, tasks: shownTasks, evaluation: evaluation,
                                            learningRate: plan.phases[index].optimizer.schedule.rate(at: step - 1), seconds: seconds)
                try history.append(objective.historyRow(record, model: model))
            }
            progress?(Progress(phase: plan.phases[index].name, step: step, steps: plan.steps, loss: shown!, tasks: shownTasks.map { $0 ?? .nan },
                               seconds: seconds, rate: Double(step - firstStep) / Swift.max(seconds, 1e-9)))
        }
        guard plan.refinementIterations > 0 && !refined else { return report(interrupted: false) }
        if shouldStop?() == true { return report(interrupted: true) }
        try objective.prepareRefinement(afterSteps: step, model: model)
        let refinement = try refine(start: start, progress: progress, shouldStop: shouldStop)
        if refinement.reason == .interrupted { return report(interrupted: true, refinement: refinement) }
        let final = try withoutGradient { try objective.fullBatchLoss(of: model) }
        shown = final.total.scalar
        shownTasks = final.tasks
        return report(interrupted: false, refinement: refinement)
    }

    /// L-BFGS on the objective's full-batch loss; a non-finite loss ends it with the last finite
    /// parameters (``LBFGS/StopReason/nonFinite``), never with NaNs. Writes a checkpoint marked
    /// `tandem.lbfgs` (its stopping reason).
    ///
    /// Interrupted (`shouldStop`, asked after every iteration), it checkpoints the last iterate
    /// with `tandem.lbfgs_iterations` (the iterations done); a resumed run continues L-BFGS from
    /// there with the iterations left (its curvature pairs start afresh).
    func refine(start: Date, progress: ((Progress) -> Void)?, shouldStop: (() -> Bool)? = nil) throws -> LBFGS.Report {
        let done = refinementIterationsDone
        let iterations = Swift.max(plan.refinementIterations - done, 0)
        var solver = LBFGS()
        solver.maxIterations = iterations
        solver.maxEvaluations = 2 * iterations + 25
        let logEvery = Swift.max(1, iterations / 100)
        var logError: Error?
        let phaseStart = Date()
        // L-BFGS works on a copy: the progress callback must not touch the model being minimised.
        var minimised = model
        var evaluated = model
        let report = try solver.minimize(&minimised, selecting: objective.selection, progress: { [self] iteration, value in
            let seconds = Date().timeIntervalSince(start)
            if iteration % logEvery == 0 || iteration == iterations {
                let record = TrainingRecord<Scalar>(phase: "lbfgs", step: step + done + iteration, loss: Scalar(value), tasks: [], evaluation: nil,
                                                    learningRate: 0, seconds: seconds)
                do { try history.append(objective.historyRow(record, model: evaluated)) } catch { logError = error }
            }
            progress?(Progress(phase: "lbfgs", step: iteration, steps: iterations, loss: Scalar(value), tasks: [],
                               seconds: seconds, rate: Double(iteration) / Swift.max(Date().timeIntervalSince(phaseStart), 1e-9)))
        }, shouldStop: shouldStop) { [self] m in
            evaluated = m
            return try objective.fullBatchLoss(of: m).total
        }
        model = minimised
        if let logError { throw logError }
        if report.reason == .interrupted {
            refinementIterationsDone = done + report.iterations
            try checkpoint(extra: ["tandem.lbfgs_iterations": String(refinementIterationsDone)])
            return report
        }
        refined = true
        try checkpoint(extra: ["tandem.lbfgs": report.reason.rawValue])
        return report
    }

    func diverged(loss: Scalar) -> TrainingError {
        .diverged(step: step, loss: Double(loss), checkpointStep: lastCheckpoint, advice: objective.divergenceAdvice)
    }

    /// Writes the checkpoint atomically: model, the state of the optimizer that makes the next
    /// update (the one ``resume()`` restores), the step, the objective's state.
    func checkpoint(extra: [String: String] = [:]) throws {
        var meta = metadata.merging(objective.checkpointState()) { $1 }.merging(extra) { $1 }
        meta["tandem.training_step"] = String(step)
        try Self.write(model: model, optimizer: plan.phases[phaseIndex].optimizer, metadata: meta, to: checkpointPath)
        lastCheckpoint = step
    }

    static func write<O: Optimizer>(model: Objective.Model, optimizer: O, metadata: [String: String], to path: String) throws where O.Scalar == Scalar {
        try Checkpoint(model: model, optimizer: optimizer, metadata: metadata).write(to: path)
    }
}

import Collections
import Foundation
import TandemCore
import TandemDistributed
import TandemMultiTask
import TandemNN

/// The one training loop of every model family: first-order optimizer phases, then optionally
/// L-BFGS; a divergence guard that keeps the last good checkpoint; atomic checkpoints with the
/// objective's own state; exact resumption; a CSV history; progress callbacks; multi-task
/// strategies (``TrainingPlan/multitask``) and data parallelism over MPI ranks
/// (``distribute(over:)``) between "gradients computed" and "optimizer updates", and a hook there
/// for further transforms (``transformGradients``).
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
    /// Called with each step's gradients (already combined by the strategy and summed over the
    /// ranks) before the optimizer sees them, and the step. The default does nothing.
    public var transformGradients: ((inout Gradients, Int) throws -> Void)?
    /// The multi-task strategy's state (``TrainingPlan/multitask``), saved in every checkpoint.
    public private(set) var strategyState: StrategyState?
    /// The last step's task combination (weights), under a strategy.
    public private(set) var combination: TaskCombination?
    /// The last per-task gradient summary computed (norms, cosines), under a strategy.
    public private(set) var diagnostics: TaskGradientSummary?
    /// The processes training together (``distribute(over:)``); one by default.
    public private(set) var communicator = Communicator.single

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
        let tasks = objective.taskNames
        history = TrainingHistory(path: directory + "/loss.csv", header: objective.historyHeader + (plan.multitask == nil ? [] : Self.multitaskHeader(tasks)))
        self.metadata = metadata
        self.identity = identity
        strategyState = plan.multitask?.strategy.initialState(taskCount: tasks.count)
    }

    /// The history columns a strategy adds: `weight_<task>` (the shared direction's coefficients
    /// `βₖ`), `grad_norm_<task>` and `cos_<a>_<b>` for each pair (when the row's step computed
    /// the task gradients).
    static func multitaskHeader(_ tasks: [String]) -> [String] {
        tasks.map { "weight_\($0)" } + tasks.map { "grad_norm_\($0)" }
            + tasks.indices.flatMap { i in tasks.indices.filter { $0 > i }.map { "cos_\(tasks[i])_\(tasks[$0])" } }
    }

    /// The cells of ``multitaskHeader(_:)`` for the current weights and, when `fresh`, the
    /// diagnostics of the step just taken.
    func multitaskCells(fresh: Bool) -> [String] {
        guard plan.multitask != nil else { return [] }
        let k = objective.taskNames.count
        let weights = combination?.shared.map { "\($0)" } ?? [String](repeating: "", count: k)
        guard fresh, let d = diagnostics else {
            return weights + [String](repeating: "", count: k + k * (k - 1) / 2)
        }
        return weights + (0..<k).map { "\(d.norm($0))" } + (0..<k).flatMap { i in (0..<k).filter { $0 > i }.map { "\(d.cosine(i, $0))" } }
    }

    /// Trains data-parallel over `communicator`'s ranks: the objective computes this rank's share
    /// of every global batch (``TrainingObjective/shard(_:)``), the losses and gradients are summed
    /// over the ranks (in-place `MPI_Allreduce` of one flat buffer) before a strategy or the
    /// optimizer sees them, so every rank makes the same update; rank 0 alone writes checkpoints
    /// and the history and reports progress, and at every checkpoint the ranks compare a checksum
    /// of their parameters. A stop request on any rank stops all.
    /// - Throws: ``TrainingError/unsupported(_:)`` when the objective cannot be split.
    public func distribute(over communicator: Communicator) throws {
        try objective.shard(DataShard(rank: communicator.rank, size: communicator.size))
        self.communicator = communicator
    }

    /// Whether this process writes files and reports (rank 0, or the only process).
    var writes: Bool { communicator.isRoot }

    /// Sums the values and the gradients over the ranks in one all-reduce (nothing without MPI).
    func allReduce(_ values: inout [Scalar], _ gradients: inout Gradients) throws {
        guard communicator.isDistributed else { return }
        var buffer = values
        for tensor in gradients.values { buffer += tensor.scalars }
        try communicator.sum(&buffer)
        values = Array(buffer[..<values.count])
        var offset = values.count
        for (name, tensor) in gradients {
            let count = tensor.scalarCount
            gradients[name] = Tensor(shape: tensor.shape, scalars: Array(buffer[offset..<(offset + count)]))
            offset += count
        }
    }

    /// Sums per-task values over the ranks (nothing without MPI).
    func allReduce(_ values: inout [Scalar]) throws {
        guard communicator.isDistributed else { return }
        try communicator.sum(&values)
    }

    /// Sums each task's gradients and the task values over the ranks.
    func allReduce(_ values: inout [Scalar], taskGradients: inout [Gradients]) throws {
        guard communicator.isDistributed else { return }
        var flat = Gradients()
        for (k, g) in taskGradients.enumerated() { for (name, t) in g { flat["\(k)\u{1}\(name)"] = t } }
        try allReduce(&values, &flat)
        for k in taskGradients.indices { for name in taskGradients[k].keys { taskGradients[k][name] = flat["\(k)\u{1}\(name)"]! } }
    }

    /// Whether `shouldStop` holds on any rank.
    func stopRequested(_ shouldStop: (() -> Bool)?) throws -> Bool {
        try communicator.any(shouldStop?() == true)
    }

    /// Whether parameter `name` is shared by every task.
    func isShared(_ name: String) -> Bool { objective.task(ofParameter: name) == nil }

    /// The loss, per-task values and gradients of `step`: the objective's own loss, or under a
    /// strategy its per-task losses combined (one forward pass; one backward pass per task when the
    /// strategy or the diagnostics need the task gradients, else one for `Σ wₖ Lₖ`). Returns whether
    /// the task gradients were computed.
    func gradients(at step: Int) throws -> (value: Scalar, tasks: [Scalar?], gradients: Gradients, diagnosed: Bool) {
        guard let multitask = plan.multitask, var state = strategyState else {
            var tasks: [Scalar?] = []
            var (value, gradients) = try valueWithGradient(at: model, selecting: objective.selection) { m -> Tensor<Scalar> in
                let value = try objective.loss(of: m, step: step)
                tasks = value.tasks
                return value.total
            }
            if communicator.isDistributed {
                // A task the global batch lacks is nil on every rank; a rank without it adds 0.
                var values = [value] + tasks.map { $0 ?? 0 }
                try allReduce(&values, &gradients)
                value = values[0]
                tasks = zip(tasks, values.dropFirst()).map { $0 == nil ? nil : $1 }
            }
            return (value, tasks, gradients, false)
        }
        let strategy = multitask.strategy
        let needs = strategy.needsGradients(atStep: step)
        let every = multitask.diagnosticsEvery ?? plan.logEvery
        let diagnose = needs || (every > 0 && (step + 1) % every == 0)
        var value: Scalar, tasks: [Scalar], gradients: Gradients, chosen: TaskCombination
        if diagnose {
            var (values, taskGradients) = try valueWithTaskGradients(at: model, selecting: objective.selection) { m in
                try objective.taskLosses(of: m, step: step)
            }
            try allReduce(&values, taskGradients: &taskGradients)
            let summary = TaskGradients.summary(taskGradients, isShared: isShared)
            diagnostics = summary
            chosen = strategy.combine(losses: values.map { Double($0) }, gradients: needs ? summary : nil, step: step, state: &state)
            if needs {
                gradients = TaskGradients.combine(taskGradients, chosen, isShared: isShared)
            } else {
                // Diagnostics only: the update is the one an undiagnosed step makes (one backward
                // pass of Σ wₖLₖ), so the history's cadence never changes the trajectory.
                let weights = chosen.specific
                (_, gradients) = try valueWithGradient(at: model, selecting: objective.selection) { m -> Tensor<Scalar> in
                    zip(try objective.taskLosses(of: m, step: step), weights).map { $0 * Scalar($1) }.reduce(Tensor<Scalar>.zeros(shape: []), +)
                }
                var none: [Scalar] = []
                try allReduce(&none, &gradients)
                if let bound = chosen.sharedMaxNorm { TaskGradients.clipShared(&gradients, maxNorm: bound, isShared: isShared) }
            }
            tasks = values
        } else {
            var losses: [Scalar] = []
            var picked: TaskCombination?
            (_, gradients) = try valueWithGradient(at: model, selecting: objective.selection) { m -> Tensor<Scalar> in
                let terms = try objective.taskLosses(of: m, step: step)
                losses = terms.map(\.scalar)
                // The strategy weighs the global losses: every rank must choose the same weights.
                try allReduce(&losses)
                let c = strategy.combine(losses: losses.map { Double($0) }, gradients: nil, step: step, state: &state)
                picked = c
                return zip(terms, c.specific).map { $0 * Scalar($1) }.reduce(Tensor<Scalar>.zeros(shape: []), +)
            }
            chosen = picked!
            var none: [Scalar] = []
            try allReduce(&none, &gradients)
            if let bound = chosen.sharedMaxNorm { TaskGradients.clipShared(&gradients, maxNorm: bound, isShared: isShared) }
            tasks = losses
        }
        value = zip(tasks, chosen.specific).reduce(0) { $0 + $1.0 * Scalar($1.1) }
        strategyState = state
        combination = chosen
        return (value, tasks, gradients, diagnose)
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
        try restoreStrategy(checkpoint.metadata)
        lastCheckpoint = step
        if writes { try history.truncate(after: step, refined: refined, refinementIterations: refinementIterationsDone) }
    }

    /// Restores the strategy's state and last weights; a checkpoint of another strategy (or of none)
    /// is refused.
    func restoreStrategy(_ saved: [String: String]) throws {
        let mine = plan.multitask?.strategy.summary
        guard saved["tandem.multitask"] == mine else {
            throw TrainingError.incompatibleCheckpoint(
                "\(checkpointPath) was trained with multi-task strategy \(saved["tandem.multitask"].map { "\"\($0)\"" } ?? "none"), this run has \(mine.map { "\"\($0)\"" } ?? "none")")
        }
        guard let template = strategyState else { return }
        guard let state = StrategyState.decoded(saved, like: template) else {
            throw TrainingError.incompatibleCheckpoint("\(checkpointPath) lacks a readable state of strategy \(mine!) for \(objective.taskNames.count) tasks")
        }
        strategyState = state
        if let text = saved["tandem.multitask_weights"] {
            let values = text.split(separator: ",").compactMap { Double($0) }
            let k = objective.taskNames.count
            if values.count == 2 * k { combination = TaskCombination(shared: Array(values[..<k]), specific: Array(values[k...])) }
        }
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
        if writes, !FileManager.default.fileExists(atPath: history.path) || step == 0 { try history.start() }
        // Only rank 0 reports progress.
        let progress = writes ? progress : nil
        func report(interrupted: Bool, refinement: LBFGS.Report? = nil) -> Report {
            Report(step: step, interrupted: interrupted, seconds: Date().timeIntervalSince(start), loss: shown ?? .nan,
                   tasks: shownTasks.map { $0 ?? .nan }, refinement: refinement)
        }
        while step < plan.steps {
            if try stopRequested(shouldStop) {
                try checkpoint()
                return report(interrupted: true)
            }
            try objective.prepare(step: step, model: model)
            var (value, tasks, gradients, diagnosed) = try gradients(at: step)
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
                if writes { try history.append(objective.historyRow(record, model: model) + multitaskCells(fresh: diagnosed)) }
            }
            progress?(Progress(phase: plan.phases[index].name, step: step, steps: plan.steps, loss: shown!, tasks: shownTasks.map { $0 ?? .nan },
                               seconds: seconds, rate: Double(step - firstStep) / Swift.max(seconds, 1e-9)))
        }
        guard plan.refinementIterations > 0 && !refined else { return report(interrupted: false) }
        if try stopRequested(shouldStop) { return report(interrupted: true) }
        try objective.prepareRefinement(afterSteps: step, model: model)
        // Every rank runs L-BFGS on the whole full-batch loss (the same numbers on each); a stop
        // request on any rank ends it on all.
        let agreedStop: (() -> Bool)? = shouldStop == nil && !communicator.isDistributed ? nil : { [self] in (try? stopRequested(shouldStop)) ?? true }
        let refinement = try refine(start: start, progress: progress, shouldStop: agreedStop)
        if refinement.reason == .interrupted { return report(interrupted: true, refinement: refinement) }
        let final = try withoutGradient { try fullBatchLoss(of: model) }
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
                if writes {
                    do { try history.append(objective.historyRow(record, model: evaluated) + multitaskCells(fresh: false)) } catch { logError = error }
                }
            }
            progress?(Progress(phase: "lbfgs", step: iteration, steps: iterations, loss: Scalar(value), tasks: [],
                               seconds: seconds, rate: Double(iteration) / Swift.max(Date().timeIntervalSince(phaseStart), 1e-9)))
        }, shouldStop: shouldStop) { [self] m in
            evaluated = m
            return try fullBatchLoss(of: m).total
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

    /// The full-batch loss L-BFGS minimises: the objective's, or under a strategy `Σ wₖ Lₖ` with
    /// the last step's weights (1 before any step).
    func fullBatchLoss(of m: Objective.Model) throws -> ObjectiveValue<Scalar> {
        guard plan.multitask != nil else { return try objective.fullBatchLoss(of: m) }
        let terms = try objective.fullBatchTaskLosses(of: m)
        let weights = combination?.specific ?? [Double](repeating: 1, count: terms.count)
        let total = zip(terms, weights).map { $0 * Scalar($1) }.reduce(Tensor<Scalar>.zeros(shape: []), +)
        return ObjectiveValue(total: total, tasks: terms.map(\.scalar))
    }

    func diverged(loss: Scalar) -> TrainingError {
        .diverged(step: step, loss: Double(loss), checkpointStep: lastCheckpoint, advice: objective.divergenceAdvice)
    }

    /// Writes the checkpoint atomically: model, the state of the optimizer that makes the next
    /// update (the one ``resume()`` restores), the step, the objective's state.
    func checkpoint(extra: [String: String] = [:]) throws {
        var meta = metadata.merging(objective.checkpointState()) { $1 }.merging(extra) { $1 }
        meta["tandem.training_step"] = String(step)
        if let multitask = plan.multitask, let strategyState {
            meta["tandem.multitask"] = multitask.strategy.summary
            meta.merge(strategyState.encoded()) { $1 }
            if let combination { meta["tandem.multitask_weights"] = (combination.shared + combination.specific).map { "\($0)" }.joined(separator: ",") }
        }
        if communicator.isDistributed {
            meta["tandem.mpi_ranks"] = String(communicator.size)
            try checkRanksAgree()
        }
        if writes { try Self.write(model: model, optimizer: plan.phases[phaseIndex].optimizer, metadata: meta, to: checkpointPath) }
        lastCheckpoint = step
    }

    /// FNV-1a (64 bit) over the parameters' bit patterns, in the model's order.
    var parameterChecksum: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (_, tensor) in model.namedParameters {
            for scalar in tensor.scalars {
                var bits = UInt64(truncatingIfNeeded: Double(scalar).bitPattern)
                for _ in 0..<8 {
                    hash = (hash ^ (bits & 0xff)) &* 0x100_0000_01b3
                    bits >>= 8
                }
            }
        }
        return hash
    }

    /// Compares the ranks' parameter checksums with rank 0's.
    /// - Throws: ``TrainingError/ranksDisagree(step:detail:)`` on every rank when any differs.
    func checkRanksAgree() throws {
        let mine = parameterChecksum
        // Two 32-bit halves, exact in a Double.
        var root = [Double(mine >> 32), Double(mine & 0xffff_ffff)]
        try communicator.broadcast(&root, from: 0)
        let rootChecksum = UInt64(root[0]) << 32 | UInt64(root[1])
        if try communicator.any(rootChecksum != mine) {
            throw TrainingError.ranksDisagree(step: step, detail: "parameter checksum on rank 0 \(String(rootChecksum, radix: 16)), on rank \(communicator.rank) \(String(mine, radix: 16))")
        }
    }

    static func write<O: Optimizer>(model: Objective.Model, optimizer: O, metadata: [String: String], to path: String) throws where O.Scalar == Scalar {
        try Checkpoint(model: model, optimizer: optimizer, metadata: metadata).write(to: path)
    }
}

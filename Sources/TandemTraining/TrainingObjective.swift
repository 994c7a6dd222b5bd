import TandemCore
import TandemNN

/// The loss of one step: the scalar that is differentiated, and the value of each task (loss term,
/// reaction family, geometry) that rides along for logs and progress.
public struct ObjectiveValue<Scalar: TensorScalar> {
    /// The recorded scalar loss.
    public var total: Tensor<Scalar>
    /// One value per ``TrainingObjective/taskNames`` entry; `nil` where the step did not see the
    /// task (a batch without functions of that family).
    public var tasks: [Scalar?]

    /// A step's loss and its per-task values.
    public init(total: Tensor<Scalar>, tasks: [Scalar?]) {
        self.total = total
        self.tasks = tasks
    }
}

/// One row of the training history, as ``Trainer`` hands it to ``TrainingObjective/historyRow(_:)``.
public struct TrainingRecord<Scalar: TensorScalar>: Sendable {
    /// The phase that produced the row: an optimizer's name (`adam`, `lion`) or `lbfgs`.
    public let phase: String
    /// The step (first-order phases) or `steps + iteration` (L-BFGS).
    public let step: Int
    /// The loss shown: the step's own, or its exponential average when the objective asks for
    /// smoothing (``TrainingObjective/smoothsLoss``).
    public let loss: Scalar
    /// Per-task values, smoothed like `loss`; empty in L-BFGS rows.
    public let tasks: [Scalar?]
    /// The held-out loss when this step wrote a checkpoint and the objective has one.
    public let evaluation: Scalar?
    /// The learning rate of the update that led here (0 for L-BFGS).
    public let learningRate: Double
    /// Seconds since this invocation started.
    public let seconds: Double
}

/// What a model family brings to the one training loop (``Trainer``): its loss per step, its
/// tasks, its history columns and any state beyond the model and the optimizer.
///
/// The trainer owns the loop, the optimizer phases, the divergence guard, checkpoints and exact
/// resumption; an objective only answers questions about one step. Everything an objective
/// draws at random must come from the step index (a generator seeded by `(seed, step)`), so that
/// a resumed run repeats an uninterrupted one bit for bit.
public protocol TrainingObjective: AnyObject {
    /// The model trained.
    associatedtype Model: Module

    /// The tasks whose values ``ObjectiveValue/tasks`` reports, in order.
    var taskNames: [String] { get }
    /// The parameters training may change; the rest stay frozen (transfer learning).
    var selection: ParameterSelection { get }
    /// Whether progress and history show exponential averages (factor 0.95) of the step losses
    /// rather than the losses themselves (minibatch objectives whose step loss is noisy).
    var smoothsLoss: Bool { get }
    /// Column names of the history file (`loss.csv`).
    var historyHeader: [String] { get }
    /// Advice appended to a divergence message (`"lower training.learning_rate"`).
    var divergenceAdvice: String { get }

    /// Called before the first-order update of `step`: resample points, refine, adapt weights.
    func prepare(step: Int, model: Model) throws
    /// Called once before a second-order phase starts (also when a resumed run starts there).
    func prepareRefinement(afterSteps steps: Int, model: Model) throws
    /// The loss of `step`, recorded for differentiation.
    func loss(of model: Model, step: Int) throws -> ObjectiveValue<Model.Scalar>
    /// The deterministic full-batch loss a second-order phase (L-BFGS) minimises.
    func fullBatchLoss(of model: Model) throws -> ObjectiveValue<Model.Scalar>
    /// The unweighted loss of each task at `step`, recorded, in ``taskNames`` order: what a
    /// multi-task strategy (``TrainingPlan/multitask``) weights or combines. Every task must be
    /// present in every step's batch.
    func taskLosses(of model: Model, step: Int) throws -> [Tensor<Model.Scalar>]
    /// The unweighted full-batch loss of each task, which L-BFGS minimises under a strategy as
    /// `Σ wₖ Lₖ` with the strategy's last weights.
    func fullBatchTaskLosses(of model: Model) throws -> [Tensor<Model.Scalar>]
    /// The task a parameter serves alone (a task's head), or `nil` for a shared parameter: gradient
    /// surgery acts on the shared ones.
    func task(ofParameter name: String) -> Int?
    /// A held-out loss evaluated (without recording) whenever a checkpoint is written; `nil` for none.
    func evaluation(of model: Model) throws -> Model.Scalar?
    /// One row of the history for `record`, matching ``historyHeader``.
    func historyRow(_ record: TrainingRecord<Model.Scalar>, model: Model) -> [String]
    /// State beyond model and optimizer, saved in every checkpoint's metadata.
    func checkpointState() -> [String: String]
    /// Restores what ``checkpointState()`` saved.
    func restore(checkpointState: [String: String]) throws
    /// Makes ``loss(of:step:)`` and ``taskLosses(of:step:)`` compute this process's share of each
    /// global batch, normalised by the global batch (``DataShard``), for data-parallel training;
    /// full-batch losses and the evaluation stay whole.
    /// - Throws: ``TrainingError/unsupported(_:)`` for a family that cannot be split.
    func shard(_ shard: DataShard) throws
}

extension TrainingObjective {
    /// Every parameter trains.
    public var selection: ParameterSelection { .all }
    /// Step losses as they are.
    public var smoothsLoss: Bool { false }
    /// No advice.
    public var divergenceAdvice: String { "" }
    /// No per-task losses: the objective trains only with its own scalar loss.
    public func taskLosses(of model: Model, step: Int) throws -> [Tensor<Model.Scalar>] {
        throw TrainingError.unsupported("this model family has no per-task losses for [training.multitask]")
    }
    /// No per-task losses.
    public func fullBatchTaskLosses(of model: Model) throws -> [Tensor<Model.Scalar>] {
        throw TrainingError.unsupported("this model family has no per-task losses for [training.multitask]")
    }
    /// Every parameter is shared.
    public func task(ofParameter name: String) -> Int? { nil }
    /// No preparation.
    public func prepare(step: Int, model: Model) throws {}
    /// No preparation.
    public func prepareRefinement(afterSteps steps: Int, model: Model) throws {}
    /// No held-out loss.
    public func evaluation(of model: Model) throws -> Model.Scalar? { nil }
    /// No state of its own.
    public func checkpointState() -> [String: String] { [:] }
    /// No state of its own.
    public func restore(checkpointState: [String: String]) throws {}
    /// Only the whole batch.
    public func shard(_ shard: DataShard) throws {
        guard shard.isWhole else { throw TrainingError.unsupported("this model family does not train data-parallel (under mpirun) yet; run it in one process") }
    }
}

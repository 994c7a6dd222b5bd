import TandemCore
import TandemMultiTask
import TandemNN

/// A first-order optimizer used from step `start` until the next phase starts (or training ends):
/// `[adam from 0]`, or Adam then Lion `[adam from 0, lion from 5000]`.
public struct OptimizerPhase<Scalar: TensorScalar>: Sendable {
    /// The step at which this phase takes over.
    public let start: Int
    /// The optimizer and its state.
    public var optimizer: any Optimizer<Scalar>

    /// A phase running `optimizer` from `start`.
    public init(start: Int, optimizer: any Optimizer<Scalar>) {
        self.start = start
        self.optimizer = optimizer
    }

    /// The optimizer's name (`adam`, `lion`, …), as checkpoints and logs record it.
    public var name: String { type(of: optimizer).name }
}

/// How a run is trained: first-order phases for `steps` steps, then optionally L-BFGS on the
/// full-batch loss (Adam then L-BFGS, as PINNs are usually trained).
public struct TrainingPlan<Scalar: TensorScalar>: Sendable {
    /// Optimizer steps over all first-order phases.
    public var steps: Int
    /// The first-order phases, the first starting at step 0, starts increasing.
    public var phases: [OptimizerPhase<Scalar>]
    /// L-BFGS iterations after the first-order steps (0: none).
    public var refinementIterations: Int
    /// Steps between checkpoints (one is also written after the last step).
    public var checkpointEvery: Int
    /// Steps between history rows (also at every checkpoint and the last step); by default about
    /// 200 rows a run.
    public var logEvery: Int
    /// How the objective's per-task losses become one update (loss weighting or gradient surgery),
    /// or `nil` for the objective's own scalar loss.
    public var multitask: MultiTaskSettings?

    /// A plan; `phases` must start at 0 with increasing starts.
    public init(steps: Int, phases: [OptimizerPhase<Scalar>], refinementIterations: Int = 0, checkpointEvery: Int, logEvery: Int? = nil,
                multitask: MultiTaskSettings? = nil) {
        precondition(phases.first?.start == 0 && zip(phases, phases.dropFirst()).allSatisfy { $0.start < $1.start },
                     "TrainingPlan: phases must start at step 0, in increasing order")
        self.steps = steps
        self.phases = phases
        self.refinementIterations = refinementIterations
        self.checkpointEvery = Swift.max(1, checkpointEvery)
        self.logEvery = logEvery ?? Swift.max(1, steps / 200)
        self.multitask = multitask
    }

    /// The index of the phase that makes the update of `step`.
    public func phaseIndex(at step: Int) -> Int {
        phases.lastIndex { $0.start <= step } ?? 0
    }
}

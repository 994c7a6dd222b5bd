import Collections
import TandemCore

/// Lion, the sign-momentum optimizer (Chen et al. 2023, "Symbolic discovery of optimization
/// algorithms", arXiv:2302.06675).
///
/// `c = β₁m + (1−β₁)g`, `θ ← θ − η(sign(c) + λθ)`, `m ← β₂m + (1−β₂)g`. Its steps have unit
/// size per coordinate, so it wants a learning rate 3–10× smaller than Adam's.
public struct Lion<Scalar: TensorScalar>: Optimizer {
    /// `"lion"`.
    public static var name: String { "lion" }
    /// The learning rate by step.
    public var schedule: LearningRateSchedule
    /// Interpolation and momentum decay rates, and the weight decay `λ`.
    public let beta1: Scalar, beta2: Scalar, weightDecay: Scalar
    /// Updates made so far.
    public private(set) var step = 0
    private var state = ElementwiseUpdate<Scalar>()
    /// The momentum `m.<name>`.
    public var slots: [String: Tensor<Scalar>] { state.slots }

    /// Lion with the given schedule (defaults as in the paper).
    public init(schedule: LearningRateSchedule, beta1: Scalar = 0.9, beta2: Scalar = 0.99, weightDecay: Scalar = 0) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.weightDecay = weightDecay
    }

    /// One Lion step for the parameters named in `gradients`.
    public mutating func update<M: Module>(_ model: inout M, along gradients: OrderedDictionary<String, Tensor<Scalar>>) where M.Scalar == Scalar {
        step += 1
        let lr = Scalar(schedule.rate(at: step - 1))
        let (b1, b2, wd) = (beta1, beta2, weightDecay)
        state.apply(to: &model, gradients: gradients, slotNames: ["m"]) { p, g, s in
            OptimizerKernels.lion(p, g, m: s[0], lr: lr, b1: b1, b2: b2, wd: wd)
        }
    }

    /// Restores the step and momentum from a checkpoint.
    public mutating func restore(step: Int, slots: [String: Tensor<Scalar>]) throws {
        state.slots = try ElementwiseUpdate.validated(slots, slotNames: ["m"], optimizer: Self.name)
        self.step = step
    }
}

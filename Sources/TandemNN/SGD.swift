import Collections
import TandemCore

/// Stochastic gradient descent with (optionally Nesterov) momentum.
///
/// `b ← μb + g`; `θ ← θ − η·b`, or with Nesterov `θ ← θ − η(g + μb)` (Sutskever et al. 2013,
/// PMLR 28(3):1139). With `μ = 0` this is plain gradient descent.
public struct SGD<Scalar: TensorScalar>: Optimizer {
    /// `"sgd"`.
    public static var name: String { "sgd" }
    /// The learning rate by step.
    public var schedule: LearningRateSchedule
    /// Momentum `μ` (0 for plain gradient descent).
    public let momentum: Scalar
    /// Whether to use Nesterov's look-ahead form.
    public let nesterov: Bool
    /// Updates made so far.
    public private(set) var step = 0
    private var state = ElementwiseUpdate<Scalar>()
    /// The velocity `momentum.<name>`.
    public var slots: [String: Tensor<Scalar>] { state.slots }

    /// SGD with the given schedule and momentum.
    public init(schedule: LearningRateSchedule, momentum: Scalar = 0, nesterov: Bool = false) {
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// One SGD step for the parameters named in `gradients`.
    public mutating func update<M: Module>(_ model: inout M, along gradients: OrderedDictionary<String, Tensor<Scalar>>) where M.Scalar == Scalar {
        step += 1
        let lr = Scalar(schedule.rate(at: step - 1))
        let (mu, nesterov) = (momentum, nesterov)
        state.apply(to: &model, gradients: gradients, slotNames: ["momentum"]) { p, g, s in
            OptimizerKernels.sgd(p, g, b: s[0], lr: lr, mu: mu, nesterov: nesterov)
        }
    }

    /// Restores the step and velocity from a checkpoint.
    public mutating func restore(step: Int, slots: [String: Tensor<Scalar>]) throws {
        state.slots = try ElementwiseUpdate.validated(slots, slotNames: ["momentum"], optimizer: Self.name)
        self.step = step
    }
}

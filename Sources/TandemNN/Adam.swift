import Collections
import TandemCore

/// Adam and AdamW (Kingma & Ba 2015, arXiv:1412.6980; Loshchilov & Hutter 2019, arXiv:1711.05101).
///
/// With `g` the gradient at step `t` (1-based):
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − η·m̂/(√v̂ + ε)` with
/// `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`. Weight decay `λ` is either added to the gradient
/// (`.coupled`, classic L2) or applied to the weights directly, `θ ← θ − ηλθ` (`.decoupled`, AdamW).
public struct Adam<Scalar: TensorScalar>: Optimizer {
    /// How weight decay enters the update.
    public enum WeightDecay: String, Sendable, Codable { case coupled, decoupled }

    /// `"adam"`.
    public static var name: String { "adam" }
    /// The learning rate by step.
    public var schedule: LearningRateSchedule
    /// Decay rates of the first and second moments, and the denominator's `ε`.
    public let beta1: Scalar, beta2: Scalar, epsilon: Scalar
    /// Weight decay `λ` (0 for none).
    public let weightDecay: Scalar
    /// Whether `λ` is coupled (L2) or decoupled (AdamW).
    public let decayMode: WeightDecay
    /// Updates made so far.
    public private(set) var step = 0
    /// Learning-rate multipliers by parameter name (e.g. for the unknown coefficients of an
    /// inverse problem, which need larger steps than the network's weights); 1 for the others.
    /// A configuration, not state: it is not saved in checkpoints.
    public var rateMultipliers: [String: Scalar] = [:]
    private var state = ElementwiseUpdate<Scalar>()
    /// The moment estimates `m.<name>` and `v.<name>`.
    public var slots: [String: Tensor<Scalar>] { state.slots }

    /// Adam with the given schedule and hyperparameters (defaults as in the paper).
    public init(
        schedule: LearningRateSchedule, beta1: Scalar = 0.9, beta2: Scalar = 0.999, epsilon: Scalar = 1e-8,
        weightDecay: Scalar = 0, decayMode: WeightDecay = .coupled
    ) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decayMode = decayMode
    }

    /// Adam with a constant learning rate.
    public init(learningRate: Double) { self.init(schedule: .constant(learningRate)) }

    /// AdamW: Adam with decoupled weight decay.
    public static func adamW(schedule: LearningRateSchedule, weightDecay: Scalar = 1e-2) -> Adam {
        Adam(schedule: schedule, weightDecay: weightDecay, decayMode: .decoupled)
    }

    /// One Adam step for the parameters named in `gradients`.
    public mutating func update<M: Module>(_ model: inout M, along gradients: OrderedDictionary<String, Tensor<Scalar>>) where M.Scalar == Scalar {
        step += 1
        let rate = Scalar(schedule.rate(at: step - 1))
        let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
        let correction1 = 1 - Scalar.pow(b1, step), correction2 = 1 - Scalar.pow(b2, step)
        let decoupled = decayMode == .decoupled
        let groups: [(Scalar, OrderedDictionary<String, Tensor<Scalar>>)]
        if rateMultipliers.isEmpty {
            groups = [(1, gradients)]
        } else {
            var byMultiplier: [Scalar: OrderedDictionary<String, Tensor<Scalar>>] = [:]
            for (name, g) in gradients { byMultiplier[rateMultipliers[name] ?? 1, default: [:]][name] = g }
            groups = byMultiplier.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        for (multiplier, group) in groups {
            let lr = rate * multiplier
            state.apply(to: &model, gradients: group, slotNames: ["m", "v"]) { p, g, s in
                let (m, v) = (s[0], s[1])
                // Decay is folded in by two constants (1 and 0 without decay, which change
                // nothing), so that the loop has no branch and vectorises:
                // `θ ← (1 − η·λ)·θ` decoupled, `g ← g + λ·θ` coupled.
                let shrink = decoupled ? 1 - lr * wd : 1, coupled = decoupled ? 0 : wd
                OptimizerKernels.adam(p, g, m: m, v: v, lr: lr, b1: b1, b2: b2, eps: eps, correction1: correction1, correction2: correction2,
                                      shrink: shrink, coupled: coupled)
            }
        }
    }

    /// Restores the step and moment estimates from a checkpoint.
    public mutating func restore(step: Int, slots: [String: Tensor<Scalar>]) throws {
        let slots = try ElementwiseUpdate.validated(slots, slotNames: ["m", "v"], optimizer: Self.name)
        // The second moment is a running mean of squares: a negative entry is damage, not state.
        for (key, tensor) in slots where key.hasPrefix("v.") {
            if let bad = tensor.scalars.firstIndex(where: { $0 < 0 }) {
                throw ParameterError.invalid(name: key, reason: "Adam's second moment is \(tensor.scalars[bad]) at element \(bad); it is never negative")
            }
        }
        state.slots = slots
        self.step = step
    }
}

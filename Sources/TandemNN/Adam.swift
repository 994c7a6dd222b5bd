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

    public static var name: String { "adam" }
    public var schedule: LearningRateSchedule
    public let beta1: Scalar, beta2: Scalar, epsilon: Scalar
    public let weightDecay: Scalar
    public let decayMode: WeightDecay
    public private(set) var step = 0
    private var state = ElementwiseUpdate<Scalar>()
    public var slots: [String: Tensor<Scalar>] { state.slots }

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

    public mutating func update<M: Module>(_ model: inout M, along gradients: OrderedDictionary<String, Tensor<Scalar>>) where M.Scalar == Scalar {
        step += 1
        let lr = Scalar(schedule.rate(at: step - 1))
        let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
        let correction1 = 1 - Scalar.pow(b1, step), correction2 = 1 - Scalar.pow(b2, step)
        let decoupled = decayMode == .decoupled
        state.apply(to: &model, gradients: gradients, slotNames: ["m", "v"]) { p, g, s in
            let (m, v) = (s[0], s[1])
            for i in 0..<p.count {
                var gi = g[i]
                if wd != 0 {
                    if decoupled { p[i] -= lr * wd * p[i] } else { gi += wd * p[i] }
                }
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                p[i] -= lr * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + eps)
            }
        }
    }

    public mutating func restore(step: Int, slots: [String: Tensor<Scalar>]) throws {
        state.slots = try ElementwiseUpdate.validated(slots, slotNames: ["m", "v"], optimizer: Self.name)
        self.step = step
    }
}

import RealModule

/// GradNorm (Chen, Badrinarayanan, Lee & Rabinovich 2018, "GradNorm: gradient normalization for
/// adaptive loss balancing in deep multitask networks", ICML, arXiv:1711.02257), on the gradients
/// of all shared parameters (as LibMTL without representation gradients).
///
/// Weights `wₖ = K·softmax(s)ₖ` (so `Σ wₖ = K`); with `Gₖ = wₖ‖gₖ‖`, `Ḡ = mean Gₖ`, the inverse
/// training rates `rₖ = L̃ₖ / mean L̃`, `L̃ₖ = Lₖ / Lₖ(0)` (the losses of the first step), the logits
/// `s` take one Adam step on `L_grad = Σₖ |Gₖ − Ḡ rₖ^α|` with the targets `Ḡ rₖ^α` held constant:
/// `∂L_grad/∂wₖ = sign(Gₖ − Ḡ rₖ^α)·‖gₖ‖`, `∂wₖ/∂sⱼ = K pₖ(δₖⱼ − pⱼ)`. The update of a step uses
/// the weights before its own Adam step.
public struct GradNorm: MultiTaskStrategy {
    /// The restoring force `α` toward a common training rate.
    public let alpha: Double
    /// Adam's learning rate for the logits `s`.
    public let learningRate: Double

    /// GradNorm with asymmetry `alpha` (1.5 in the paper and LibMTL) and the logits' learning rate.
    public init(alpha: Double = 1.5, learningRate: Double = 1e-3) {
        self.alpha = alpha
        self.learningRate = learningRate
    }
    /// `gradnorm`.
    public var name: String { "gradnorm" }
    /// `gradnorm (α 1.5, learning rate 0.001)`.
    public var summary: String { "gradnorm (α \(alpha), learning rate \(learningRate))" }

    /// Logits 0 (weights 1), their Adam moments, and no initial losses yet.
    public func initialState(taskCount: Int) -> StrategyState {
        var state = StrategyState(["logits": [Double](repeating: 0, count: taskCount), "initial_losses": []])
        StrategyAdam(learningRate: learningRate).initialise(&state, key: "logits", count: taskCount)
        return state
    }
    /// Every step.
    public func needsGradients(atStep step: Int) -> Bool { true }

    /// The gradient of `L_grad` with respect to the logits.
    public func logitGradient(logits: [Double], losses: [Double], initialLosses: [Double], norms: [Double]) -> [Double] {
        let k = Double(logits.count)
        let p = softmax(logits)
        let w = p.map { k * $0 }
        let g = zip(w, norms).map { $0 * $1 }
        let mean = g.reduce(0, +) / k
        let relative = zip(losses, initialLosses).map { $1 > 0 ? $0 / $1 : 1 }
        let meanRelative = relative.reduce(0, +) / k
        let target = relative.map { mean * Double.pow(meanRelative > 0 ? $0 / meanRelative : 1, alpha) }
        let byWeight = g.indices.map { i -> Double in
            let d = g[i] - target[i]
            return (d > 0 ? 1 : d < 0 ? -1 : 0) * norms[i]
        }
        return p.indices.map { j in p.indices.reduce(0) { $0 + byWeight[$1] * k * p[$1] * (($1 == j ? 1 : 0) - p[j]) } }
    }

    /// `wₖ = K softmax(s)ₖ`, then one Adam step on `s` along `∂L_grad/∂s`.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        guard let gradients else { preconditionFailure("GradNorm needs the task gradients at every step") }
        if state["initial_losses"].isEmpty { state["initial_losses"] = losses }
        let logits = state["logits"]
        let k = Double(logits.count)
        let weights = softmax(logits).map { k * $0 }
        let norms = (0..<gradients.taskCount).map(gradients.norm)
        let gradient = logitGradient(logits: logits, losses: losses, initialLosses: state["initial_losses"], norms: norms)
        StrategyAdam(learningRate: learningRate).step(&state, key: "logits", gradient: gradient)
        return TaskCombination(weights: weights)
    }
}

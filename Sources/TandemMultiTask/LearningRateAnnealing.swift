/// Learning-rate annealing (Wang, Teng & Perdikaris 2021, "Understanding and mitigating gradient
/// flow pathologies in physics-informed neural networks", SIAM J. Sci. Comput. 43(5),
/// arXiv:2001.04536, Algorithm 1). Task 0 (a PINN's residual) is the reference; every `every`
/// steps, for each other task `k`,
/// `λ̂ₖ = λ₀ · max_θ |∇θ L₀| / mean_θ |∇θ Lₖ|` and `λₖ ← (1 − α)λₖ + α λ̂ₖ`,
/// from the unweighted terms' gradients over all trained parameters. A task whose gradient
/// vanishes keeps its weight.
public struct LearningRateAnnealing: MultiTaskStrategy {
    /// The moving-average factor `α` in (0, 1].
    public let alpha: Double
    /// Steps between updates.
    public let every: Int
    /// The weights before the first update (a PINN's `[training.weights]`).
    public let initialWeights: [Double]

    /// Annealing from `initialWeights` with factor `alpha` every `every` steps.
    public init(alpha: Double = 0.1, every: Int = 100, initialWeights: [Double]) {
        self.alpha = alpha
        self.every = every
        self.initialWeights = initialWeights
    }
    /// `annealing`.
    public var name: String { "annealing" }
    /// `annealing (α 0.1 every 100 steps, from weights 1, 1)`.
    public var summary: String {
        "annealing (α \(alpha) every \(every) steps, from weights \(initialWeights.map { "\($0)" }.joined(separator: ", ")))"
    }

    /// The weights.
    public func initialState(taskCount: Int) -> StrategyState {
        precondition(initialWeights.count == taskCount, "LearningRateAnnealing: \(initialWeights.count) weights for \(taskCount) tasks")
        return StrategyState(["weights": initialWeights])
    }
    /// Every `every` steps.
    public func needsGradients(atStep step: Int) -> Bool { every > 0 && step % every == 0 }

    /// One annealing update of `weights` from the gradients' statistics.
    public func update(_ weights: [Double], maxAbs: [Double], meanAbs: [Double]) -> [Double] {
        var weights = weights
        guard let peak = maxAbs.first, peak > 0 else { return weights }
        for k in weights.indices.dropFirst() {
            let mean = meanAbs[k]
            guard mean > 0, mean.isFinite else { continue }
            weights[k] = (1 - alpha) * weights[k] + alpha * (weights[0] * peak / mean)
        }
        return weights
    }

    /// The weights, updated first when the step has gradients.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        if let gradients { state["weights"] = update(state["weights"], maxAbs: gradients.maxAbs, meanAbs: gradients.meanAbs) }
        return TaskCombination(weights: state["weights"])
    }
}

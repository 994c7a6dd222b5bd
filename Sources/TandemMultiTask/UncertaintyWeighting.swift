import RealModule

/// Homoscedastic uncertainty weighting (Kendall, Gal & Cipolla 2018, "Multi-task learning using
/// uncertainty to weigh losses for scene geometry and semantics", CVPR, arXiv:1705.07115):
/// the loss `Σₖ Lₖ / (2σₖ²) + log σₖ` with learned `sₖ = log σₖ²`, i.e. weights
/// `wₖ = 1 / (2 e^{sₖ})` and `∂/∂sₖ = −Lₖ / (2 e^{sₖ}) + 1/2`, which is zero at `e^{sₖ} = Lₖ`.
///
/// The log-variances start at `initialLogVariance` (−0.5, as LibMTL) and take one Adam step per
/// training step with their own learning rate; the weights of a step are those before its update.
public struct UncertaintyWeighting: MultiTaskStrategy {
    /// Adam's learning rate for `sₖ`.
    public let learningRate: Double
    /// `sₖ` at step 0.
    public let initialLogVariance: Double

    /// Uncertainty weighting with `sₖ` learned at `learningRate` from `initialLogVariance`.
    public init(learningRate: Double = 1e-3, initialLogVariance: Double = -0.5) {
        self.learningRate = learningRate
        self.initialLogVariance = initialLogVariance
    }
    /// `uncertainty`.
    public var name: String { "uncertainty" }
    /// `uncertainty (learning rate 0.001, log σ² from -0.5)`.
    public var summary: String { "uncertainty (learning rate \(learningRate), log σ² from \(initialLogVariance))" }

    /// `log_variance` and its Adam moments.
    public func initialState(taskCount: Int) -> StrategyState {
        var state = StrategyState(["log_variance": [Double](repeating: initialLogVariance, count: taskCount)])
        StrategyAdam(learningRate: learningRate).initialise(&state, key: "log_variance", count: taskCount)
        return state
    }
    /// Never: the weights depend on the losses only.
    public func needsGradients(atStep step: Int) -> Bool { false }

    /// The gradient of `Σₖ Lₖ/(2e^{sₖ}) + sₖ/2` with respect to `s`.
    public static func logVarianceGradient(losses: [Double], logVariance s: [Double]) -> [Double] {
        zip(losses, s).map { -$0 / (2 * Double.exp($1)) + 0.5 }
    }

    /// `wₖ = 1/(2e^{sₖ})`, then one Adam step on `s`.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        let s = state["log_variance"]
        let weights = s.map { 1 / (2 * Double.exp($0)) }
        StrategyAdam(learningRate: learningRate).step(&state, key: "log_variance", gradient: Self.logVarianceGradient(losses: losses, logVariance: s))
        return TaskCombination(weights: weights)
    }
}

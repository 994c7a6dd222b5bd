/// Equal weighting: the loss `Σₖ Lₖ` (LibMTL's `EW`), every task weight 1.
public struct EqualWeighting: MultiTaskStrategy {
    /// Equal weighting.
    public init() {}
    /// `equal`.
    public var name: String { "equal" }
    /// `equal`.
    public var summary: String { "equal" }
    /// No state.
    public func initialState(taskCount: Int) -> StrategyState { StrategyState() }
    /// Never.
    public func needsGradients(atStep step: Int) -> Bool { false }
    /// `wₖ = 1`.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        TaskCombination(weights: [Double](repeating: 1, count: losses.count))
    }
}

/// Fixed weights: the loss `Σₖ λₖ Lₖ` with declared `λₖ` (a PINN's `[training.weights]`).
public struct FixedWeighting: MultiTaskStrategy {
    /// `λₖ`, one per task.
    public let weights: [Double]
    /// Weights `λₖ`, one per task, each positive.
    public init(weights: [Double]) { self.weights = weights }
    /// `fixed`.
    public var name: String { "fixed" }
    /// `fixed (weights 1, 10)`.
    public var summary: String { "fixed (weights \(weights.map { "\($0)" }.joined(separator: ", ")))" }
    /// No state.
    public func initialState(taskCount: Int) -> StrategyState { StrategyState() }
    /// Never.
    public func needsGradients(atStep step: Int) -> Bool { false }
    /// `wₖ = λₖ`.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        precondition(weights.count == losses.count, "FixedWeighting: \(weights.count) weights for \(losses.count) tasks")
        return TaskCombination(weights: weights)
    }
}

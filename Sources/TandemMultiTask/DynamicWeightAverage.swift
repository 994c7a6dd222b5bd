import RealModule

/// Dynamic weight average (Liu, Johns & Davison 2019, "End-to-end multi-task learning with
/// attention", CVPR, arXiv:1803.10704): `wₖ = K·softmax(rₖ / T)` with `rₖ = L̄ₖ(e−1) / L̄ₖ(e−2)`, the
/// ratio of each task's mean loss over the last two completed windows of `window` steps (the paper's
/// epochs); weights 1 until two windows are complete.
public struct DynamicWeightAverage: MultiTaskStrategy {
    /// The softmax temperature `T`.
    public let temperature: Double
    /// Steps per window (the paper's epoch).
    public let window: Int

    /// DWA with temperature `T` (2 in the paper) over windows of `window` steps.
    public init(temperature: Double = 2, window: Int = 100) {
        self.temperature = temperature
        self.window = window
    }
    /// `dwa`.
    public var name: String { "dwa" }
    /// `dwa (T 2, window 100 steps)`.
    public var summary: String { "dwa (T \(temperature), window \(window) steps)" }

    /// The current window's sums and count; the means of the last two windows (empty until complete).
    public func initialState(taskCount: Int) -> StrategyState {
        StrategyState(["sums": [Double](repeating: 0, count: taskCount), "count": [0], "last": [], "before_last": []])
    }
    /// Never.
    public func needsGradients(atStep step: Int) -> Bool { false }

    /// The weights from the last two windows; then the losses join the current window.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        let last = state["last"], before = state["before_last"]
        var weights = [Double](repeating: 1, count: losses.count)
        if last.count == losses.count, before.count == losses.count {
            let ratios = zip(last, before).map { $1 > 0 ? $0 / $1 : 1 }
            weights = softmax(ratios.map { $0 / temperature }).map { Double(losses.count) * $0 }
        }
        var sums = state["sums"]
        for k in losses.indices { sums[k] += losses[k] }
        let count = state["count"][0] + 1
        if Int(count) >= window {
            state["before_last"] = last
            state["last"] = sums.map { $0 / count }
            state["sums"] = [Double](repeating: 0, count: losses.count)
            state["count"] = [0]
        } else {
            state["sums"] = sums
            state["count"] = [count]
        }
        return TaskCombination(weights: weights)
    }
}

import TandemCore

/// Random loss weighting (Lin, Ye, Xu, Shi & Zhang 2022, "Reasonable effectiveness of random
/// weighting: a litmus test for multi-task learning", TMLR, arXiv:2111.10603): each step draws
/// `zₖ ~ N(0, 1)` and weights `wₖ = softmax(z)ₖ` (LibMTL's default normal distribution). The draw
/// of step `t` comes from a generator seeded by `(seed, t)`, so resumed runs repeat it.
public struct RandomLossWeighting: MultiTaskStrategy {
    /// The seed of the weights' stream.
    public let seed: UInt64

    /// Random weights drawn from `seed`.
    public init(seed: UInt64 = 0) { self.seed = seed }
    /// `random`.
    public var name: String { "random" }
    /// `random (seed 0)`.
    public var summary: String { "random (seed \(seed))" }
    /// No state.
    public func initialState(taskCount: Int) -> StrategyState { StrategyState() }
    /// Never.
    public func needsGradients(atStep step: Int) -> Bool { false }

    /// The weights of `step`.
    public func weights(step: Int, taskCount: Int) -> [Double] {
        var generator = SeededGenerator(seed: seed &+ 0xA076_1D64_78BD_642F &* UInt64(step + 1))
        return softmax((0..<taskCount).map { _ in generator.nextStandardNormal() })
    }

    /// `softmax(z)` for this step's draw.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        TaskCombination(weights: weights(step: step, taskCount: losses.count))
    }
}

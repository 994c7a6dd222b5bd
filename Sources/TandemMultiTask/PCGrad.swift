import TandemCore

/// Projecting conflicting gradients (Yu, Kumar, Gupta, Levine, Hausman & Finn 2020, "Gradient
/// surgery for multi-task learning", NeurIPS, arXiv:2001.06782, Algorithm 1) on the shared
/// parameters: for each task `i`, `gᵢᴾᶜ ← gᵢ`, then for each `j` in a random order,
/// if `gᵢᴾᶜ·gⱼ < 0`, `gᵢᴾᶜ ← gᵢᴾᶜ − (gᵢᴾᶜ·gⱼ / ‖gⱼ‖²) gⱼ`; the direction is `Σᵢ gᵢᴾᶜ`.
/// Task-specific parameters take the plain sum `Σₖ gₖ` (as LibMTL).
///
/// Each `gᵢᴾᶜ = Σₘ Cᵢₘ gₘ` stays a combination of the task gradients, so the projections need only
/// the Gram matrix: `gᵢᴾᶜ·gⱼ = Σₘ Cᵢₘ Gₘⱼ`, and `βₘ = Σᵢ Cᵢₘ`. The orders of step `t` are drawn
/// from `(seed, t)`.
public struct PCGrad: MultiTaskStrategy {
    /// The seed of the projection orders.
    public let seed: UInt64

    /// PCGrad with projection orders drawn from `seed`.
    public init(seed: UInt64 = 0) { self.seed = seed }
    /// `pcgrad`.
    public var name: String { "pcgrad" }
    /// `pcgrad (seed 0)`.
    public var summary: String { "pcgrad (seed \(seed))" }
    /// No state.
    public func initialState(taskCount: Int) -> StrategyState { StrategyState() }
    /// Every step.
    public func needsGradients(atStep step: Int) -> Bool { true }

    /// For each task, the order in which the other tasks' gradients are visited at `step`
    /// (a uniform random permutation of all tasks; `j = i` never projects since `gᵢ·gᵢ ≥ 0`).
    public func orders(step: Int, taskCount: Int) -> [[Int]] {
        var generator = SeededGenerator(seed: seed &+ 0xE703_7ED1_A0B4_28DB &* UInt64(step + 1))
        return (0..<taskCount).map { _ in
            var order = Array(0..<taskCount)
            for i in stride(from: taskCount - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            return order
        }
    }

    /// `β` for the Gram matrix `gram` and the visiting `orders`.
    public static func coefficients(gram: [[Double]], orders: [[Int]]) -> [Double] {
        let k = gram.count
        var beta = [Double](repeating: 0, count: k)
        for i in 0..<k {
            var c = [Double](repeating: 0, count: k)
            c[i] = 1
            for j in orders[i] {
                let projection = (0..<k).reduce(0) { $0 + c[$1] * gram[$1][j] }
                if projection < 0, gram[j][j] > 0 { c[j] -= projection / gram[j][j] }
            }
            for m in 0..<k { beta[m] += c[m] }
        }
        return beta
    }

    /// The projected sum's coefficients; task-specific weights 1.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        guard let gradients else { preconditionFailure("PCGrad needs the task gradients at every step") }
        let k = gradients.taskCount
        return TaskCombination(shared: Self.coefficients(gram: gradients.gram, orders: orders(step: step, taskCount: k)),
                               specific: [Double](repeating: 1, count: k))
    }
}

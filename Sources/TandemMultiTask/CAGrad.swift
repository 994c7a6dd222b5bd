/// Conflict-averse gradient descent (Liu, Liu, Jin, Stone & Liu 2021, "Conflict-averse gradient
/// descent for multi-task learning", NeurIPS, arXiv:2110.14048) on the shared parameters: with the
/// average gradient `g₀ = mean gₖ` and `φ = c²‖g₀‖²`, the dual weights
/// `w = argmin_{w∈Δ} g_wᵀg₀ + √φ ‖g_w‖` (`g_w = Σ wₖ gₖ`) give the direction
/// `d = g₀ + (√φ / ‖g_w‖) g_w`, divided by `1 + c²` (`rescale = 1`, the paper's code and LibMTL's
/// default), by `1 + c` (`rescale = 2`) or kept (`rescale = 0`). Task-specific parameters take `Σₖ gₖ`
/// (as LibMTL). `‖g_w‖` is computed as `√(‖g_w‖² + 10⁻⁸)` for smoothness at zero.
public struct CAGrad: MultiTaskStrategy {
    /// The conflict-aversion radius `c ∈ [0, 1)`.
    public let c: Double
    /// 0, 1 or 2 (see above).
    public let rescale: Int

    /// CAGrad with radius `c` (0.5 in LibMTL's examples) and `rescale` (1).
    public init(c: Double = 0.5, rescale: Int = 1) {
        self.c = c
        self.rescale = rescale
    }
    /// `cagrad`.
    public var name: String { "cagrad" }
    /// `cagrad (c 0.5, rescale 1)`.
    public var summary: String { "cagrad (c \(c), rescale \(rescale))" }
    /// No state.
    public func initialState(taskCount: Int) -> StrategyState { StrategyState() }
    /// Every step.
    public func needsGradients(atStep step: Int) -> Bool { true }

    /// The dual weights `w` for the Gram matrix.
    public func dualWeights(gram: [[Double]]) -> [Double] {
        let k = gram.count
        let b = [Double](repeating: 1 / Double(k), count: k)
        let gb = Simplex.product(gram, b)
        let radius = c * Swift.max(Simplex.dot(b, gb), 0).squareRoot()
        return Simplex.minimise(count: k, value: { w in
            Simplex.dot(w, gb) + radius * (Simplex.dot(w, Simplex.product(gram, w)) + 1e-8).squareRoot()
        }, gradient: { w in
            let gw = Simplex.product(gram, w)
            let norm = (Simplex.dot(w, gw) + 1e-8).squareRoot()
            return zip(gb, gw).map { $0 + radius * $1 / norm }
        })
    }

    /// `βₖ = (1/K + λ wₖ) / scale` with `λ = √φ / ‖g_w‖`; task-specific weights 1.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        guard let gradients else { preconditionFailure("CAGrad needs the task gradients at every step") }
        let k = gradients.taskCount
        let gram = gradients.gram
        let w = dualWeights(gram: gram)
        let b = [Double](repeating: 1 / Double(k), count: k)
        let radius = c * Swift.max(Simplex.dot(b, Simplex.product(gram, b)), 0).squareRoot()
        let lambda = radius / (Simplex.dot(w, Simplex.product(gram, w)) + 1e-8).squareRoot()
        let scale = rescale == 1 ? 1 + c * c : rescale == 2 ? 1 + c : 1
        return TaskCombination(shared: zip(b, w).map { ($0 + lambda * $1) / scale }, specific: [Double](repeating: 1, count: k))
    }
}

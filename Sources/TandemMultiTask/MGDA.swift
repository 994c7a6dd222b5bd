/// The multiple-gradient descent algorithm for multi-task learning (Sener & Koltun 2018,
/// "Multi-task learning as multi-objective optimization", NeurIPS, arXiv:1810.04650): the shared
/// parameters move along the minimum-norm point of the convex hull of the (normalised) task
/// gradients, `Σₖ αₖ ĝₖ` with `α = argmin_{α∈Δ} ‖Σ αₖ ĝₖ‖²`, a common descent direction of every
/// task (zero at a Pareto-stationary point). Task-specific parameters take `Σₖ gₖ` (as LibMTL).
///
/// This is MGDA on the shared parameters' gradients; the paper's MGDA-UB applies the same
/// solver to the gradients with respect to the shared representation, an upper bound that
/// needs one backward pass through the shared layers.
public struct MGDA: MultiTaskStrategy {
    /// How gradients are normalised before the min-norm problem (`ĝₖ = gₖ / nₖ`).
    public enum Normalization: String, Sendable, CaseIterable {
        /// `nₖ = 1`.
        case none
        /// `nₖ = ‖gₖ‖`.
        case l2
        /// `nₖ = Lₖ`.
        case loss
        /// `nₖ = Lₖ ‖gₖ‖`.
        case lossPlus = "loss+"
    }
    /// The normalisation.
    public let normalization: Normalization

    /// MGDA with `normalization` (`none`, as LibMTL's default).
    public init(normalization: Normalization = .none) { self.normalization = normalization }
    /// `mgda`.
    public var name: String { "mgda" }
    /// `mgda (normalisation none)`.
    public var summary: String { "mgda (normalisation \(normalization.rawValue))" }
    /// No state.
    public func initialState(taskCount: Int) -> StrategyState { StrategyState() }
    /// Every step.
    public func needsGradients(atStep step: Int) -> Bool { true }

    /// `nₖ`.
    func normalizers(losses: [Double], gradients: TaskGradientSummary) -> [Double] {
        losses.indices.map { k in
            let n: Double
            switch normalization {
            case .none: n = 1
            case .l2: n = gradients.norm(k)
            case .loss: n = losses[k]
            case .lossPlus: n = losses[k] * gradients.norm(k)
            }
            return n > 0 && n.isFinite ? n : 1
        }
    }

    /// `βₖ = αₖ / nₖ` for the min-norm `α` of the normalised Gram matrix; task-specific weights 1.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        guard let gradients else { preconditionFailure("MGDA needs the task gradients at every step") }
        let n = normalizers(losses: losses, gradients: gradients)
        let scaled = gradients.gram.indices.map { i in gradients.gram[i].indices.map { gradients.gram[i][$0] / (n[i] * n[$0]) } }
        let alpha = Simplex.minimumNormPoint(gram: scaled)
        return TaskCombination(shared: zip(alpha, n).map { $0 / $1 }, specific: [Double](repeating: 1, count: losses.count))
    }
}

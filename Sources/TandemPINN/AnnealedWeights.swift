/// Loss weights adapted by learning-rate annealing (Wang, Teng & Perdikaris 2021, "Understanding
/// and mitigating gradient flow pathologies in physics-informed neural networks", SIAM J. Sci.
/// Comput. 43(5), arXiv:2001.04536, Algorithm 1).
///
/// The residual term keeps weight 1 relative to the others: for each other term `k`,
/// `λ̂ₖ = max_θ |∇θ L_r| / mean_θ |∇θ L_k|` and `λₖ ← (1 − α)·λₖ + α·λ̂ₖ`.
public struct AnnealedWeights: Sendable {
    /// Current weights, residual first.
    public private(set) var weights: [Double]
    /// The moving-average factor `α`.
    public let alpha: Double

    /// Starts from `initial` weights.
    public init(initial: [Double], alpha: Double) {
        weights = initial
        self.alpha = alpha
    }

    /// One annealing update from the parameter gradients of each unweighted term (residual first),
    /// flattened. Terms whose gradient vanishes keep their weight.
    public mutating func update(gradients: [[Double]]) {
        guard let residual = gradients.first, let peak = residual.map({ Swift.abs($0) }).max(), peak > 0 else { return }
        for k in 1..<gradients.count {
            let mean = gradients[k].reduce(0) { $0 + Swift.abs($1) } / Double(Swift.max(gradients[k].count, 1))
            guard mean > 0, mean.isFinite else { continue }
            weights[k] = (1 - alpha) * weights[k] + alpha * (weights[0] * peak / mean)
        }
    }

    /// Restores saved weights.
    public mutating func restore(_ saved: [Double]) {
        precondition(saved.count == weights.count, "AnnealedWeights.restore: \(saved.count) weights for \(weights.count) terms")
        weights = saved
    }
}

import TandemCore
import TandemGeometry

/// The domain a PINN samples: a solid, and for transient problems the time interval `[0, T]`
/// appended as the last input axis.
public struct SpaceTimeDomain: Sendable {
    /// The spatial geometry.
    public let shape: Shape
    /// `T` of a transient problem, `nil` for a steady one.
    public let timeEnd: Double?

    /// The domain `shape × [0, timeEnd]` (or `shape` alone).
    public init(shape: Shape, timeEnd: Double?) {
        self.shape = shape
        self.timeEnd = timeEnd
    }

    /// Input axes of the network: the spatial dimension, plus one for time.
    public var inputDimension: Int { shape.dimension + (timeEnd == nil ? 0 : 1) }

    /// `count` residual points inside the domain, `[count, inputDimension]` row-major: spatial
    /// points spread by `sampling`, times stratified over `[0, T]` (uniform for `.uniform`).
    public func interiorPoints(count: Int, sampling: Shape.Sampling, using generator: inout SeededGenerator) throws -> [Double] {
        let space = try shape.interiorPoints(count: count, sampling: sampling, using: &generator)
        return withTimes(space, sampling: sampling, using: &generator)
    }

    /// `count` points on the spatial boundary at times spread over `[0, T]`.
    public func boundaryPoints(count: Int, using generator: inout SeededGenerator) throws -> [Double] {
        let space = try shape.boundaryPoints(count: count, using: &generator)
        return withTimes(space, sampling: .latinHypercube, using: &generator)
    }

    /// `count` points inside the geometry at `t = 0` (transient problems).
    public func initialPoints(count: Int, sampling: Shape.Sampling, using generator: inout SeededGenerator) throws -> [Double] {
        let space = try shape.interiorPoints(count: count, sampling: sampling, using: &generator)
        return space.flatMap { $0 + [0] }
    }

    /// Appends a time to every spatial point: one per stratum of `[0, T]` in shuffled order, or
    /// independent uniform times.
    func withTimes(_ space: [[Double]], sampling: Shape.Sampling, using generator: inout SeededGenerator) -> [Double] {
        guard let end = timeEnd else { return space.flatMap { $0 } }
        let n = space.count
        let strata = (0..<n).shuffled(using: &generator)
        return space.enumerated().flatMap { i, p in
            let u = sampling == .uniform ? generator.nextUnitDouble() : (Double(strata[i]) + generator.nextUnitDouble()) / Double(n)
            return p + [u * end]
        }
    }
}

/// Residual-based adaptive refinement (Lu, Meng, Mao & Karniadakis 2021, "DeepXDE",
/// SIAM Review 63(1), §2.8): the candidates where the residual is largest.
public enum ResidualRefinement {
    /// Indices of the `count` largest `|values|`, largest first.
    public static func largest(_ values: [Double], count: Int) -> [Int] {
        Array(values.indices.sorted { Swift.abs(values[$0]) > Swift.abs(values[$1]) }.prefix(count))
    }
}

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

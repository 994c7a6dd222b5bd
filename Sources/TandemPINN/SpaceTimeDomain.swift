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

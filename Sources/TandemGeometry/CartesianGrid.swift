/// A uniform grid of points over an axis-aligned box in 1, 2 or 3 dimensions, boundary points
/// included; point `(i₀, i₁, …)` sits at `lower[d] + i_d·h_d` with `h_d = (upper[d] − lower[d]) / (n_d − 1)`.
///
/// Flat indices run with the **first** axis fastest (`x` fastest), matching NetCDF's `(…, y, x)`
/// dimension order when written out.
public struct CartesianGrid: Sendable, Equatable {
    /// Points along each axis, at least 3.
    public let pointsPerAxis: [Int]
    /// The box's lower corner.
    public let lower: [Double]
    /// The box's upper corner.
    public let upper: [Double]

    /// - Throws: ``GeometryError/invalidGrid(_:)`` for a dimension outside 1…3, fewer than 3 points
    ///   along an axis, or an empty box.
    public init(pointsPerAxis: [Int], lower: [Double], upper: [Double]) throws {
        guard (1...3).contains(pointsPerAxis.count), lower.count == pointsPerAxis.count, upper.count == pointsPerAxis.count else {
            throw GeometryError.invalidGrid("need 1 to 3 axes with matching bounds, got points \(pointsPerAxis), lower \(lower), upper \(upper)")
        }
        guard pointsPerAxis.allSatisfy({ $0 >= 3 }) else { throw GeometryError.invalidGrid("need at least 3 points per axis, got \(pointsPerAxis)") }
        guard zip(lower, upper).allSatisfy({ $0 < $1 && $0.isFinite && $1.isFinite }) else {
            throw GeometryError.invalidGrid("lower bounds \(lower) must be below upper bounds \(upper)")
        }
        self.pointsPerAxis = pointsPerAxis
        self.lower = lower
        self.upper = upper
    }

    /// The number of axes (1, 2 or 3).
    public var dimension: Int { pointsPerAxis.count }
    /// The number of grid points, boundary included.
    public var pointCount: Int { pointsPerAxis.reduce(1, *) }
    /// `h_d` along each axis.
    public var spacing: [Double] { (0..<dimension).map { (upper[$0] - lower[$0]) / Double(pointsPerAxis[$0] - 1) } }

    /// The stride of each axis in flat indices (first axis fastest).
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: dimension)
        for d in 1..<max(dimension, 1) { result[d] = result[d - 1] * pointsPerAxis[d - 1] }
        return result
    }

    /// The per-axis index of a flat index.
    public func multiIndex(_ flat: Int) -> [Int] {
        var rest = flat
        return pointsPerAxis.map { n in
            defer { rest /= n }
            return rest % n
        }
    }

    /// The coordinates of a flat index.
    public func point(_ flat: Int) -> [Double] {
        let index = multiIndex(flat), h = spacing
        return (0..<dimension).map { lower[$0] + Double(index[$0]) * h[$0] }
    }

    /// The coordinates of an axis's points.
    public func coordinates(axis: Int) -> [Double] {
        let h = spacing[axis]
        return (0..<pointsPerAxis[axis]).map { lower[axis] + Double($0) * h }
    }

    /// Whether the point lies on the box's boundary.
    public func isOnBoxBoundary(_ flat: Int) -> Bool {
        zip(multiIndex(flat), pointsPerAxis).contains { $0 == 0 || $0 == $1 - 1 }
    }

    /// Evaluates `f` at every point.
    public func sample(_ f: ([Double]) -> Double) -> [Double] {
        (0..<pointCount).map { f(point($0)) }
    }
}

/// A geometry or grid that cannot be built, with the reason.
public enum GeometryError: Error, Equatable, CustomStringConvertible {
    case invalidGrid(String)
    case invalidShape(String)

    /// The error message.
    public var description: String {
        switch self {
        case let .invalidGrid(reason): return "invalid grid: \(reason)"
        case let .invalidShape(reason): return "invalid shape: \(reason)"
        }
    }
}

import Foundation

/// A solid in 1, 2 or 3 dimensions, built from primitives by booleans and transforms
/// (constructive solid geometry), described by its signed distance: negative inside.
///
/// Signed distances are exact for the primitives (interval, rectangle, box, disk, sphere,
/// polygon, capped cylinder) and under translation, rotation and uniform scaling. For an ellipse
/// and for booleans the value is a bound: its sign is exact (so inside tests and masks are
/// exact) and its magnitude never exceeds the true distance.
public indirect enum Shape: Sendable, Equatable {
    case interval(lower: Double, upper: Double)
    case rectangle(lower: [Double], upper: [Double])
    case disk(center: [Double], radius: Double)
    case ellipse(center: [Double], semiAxes: [Double])
    /// A simple polygon, vertices in order (either orientation); triangles included.
    case polygon([[Double]])
    case box(lower: [Double], upper: [Double])
    case sphere(center: [Double], radius: Double)
    /// A cylinder along `z`: base centre, radius, height.
    case cylinder(base: [Double], radius: Double, height: Double)
    case union(Shape, Shape)
    case intersection(Shape, Shape)
    case difference(Shape, Shape)
    case translated(Shape, by: [Double])
    /// Rotated by `angle` radians about the origin (2-D), counter-clockwise.
    case rotated(Shape, angle: Double)
    case scaled(Shape, by: Double)

    /// The number of coordinates a point needs.
    public var dimension: Int {
        switch self {
        case .interval: return 1
        case .rectangle, .disk, .ellipse, .polygon: return 2
        case .box, .sphere, .cylinder: return 3
        case let .union(a, _), let .intersection(a, _), let .difference(a, _): return a.dimension
        case let .translated(s, _), let .rotated(s, _), let .scaled(s, _): return s.dimension
        }
    }

    /// Checks sizes and parameters (positive radii, ordered bounds, matching dimensions).
    /// - Throws: ``GeometryError/invalidShape(_:)`` naming the problem.
    public func validate() throws {
        func need(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw GeometryError.invalidShape(message()) }
        }
        switch self {
        case let .interval(l, u): try need(l < u, "interval lower \(l) must be below upper \(u)")
        case let .rectangle(l, u), let .box(l, u):
            let n = self.dimension
            try need(l.count == n && u.count == n, "\(n)-D bounds need \(n) coordinates each, got \(l) and \(u)")
            try need(zip(l, u).allSatisfy { $0 < $1 }, "lower corner \(l) must be below upper corner \(u)")
        case let .disk(c, r), let .sphere(c, r):
            try need(c.count == dimension, "centre needs \(dimension) coordinates, got \(c)")
            try need(r > 0, "radius must be positive, got \(r)")
        case let .ellipse(c, a):
            try need(c.count == 2 && a.count == 2, "ellipse needs a 2-D centre and two semi-axes")
            try need(a.allSatisfy { $0 > 0 }, "semi-axes must be positive, got \(a)")
        case let .polygon(vertices):
            try need(vertices.count >= 3, "a polygon needs at least 3 vertices, got \(vertices.count)")
            try need(vertices.allSatisfy { $0.count == 2 }, "polygon vertices need 2 coordinates each")
            try need(Swift.abs(Self.signedArea(vertices)) > 0, "polygon has zero area")
        case let .cylinder(b, r, h):
            try need(b.count == 3, "cylinder base needs 3 coordinates, got \(b)")
            try need(r > 0 && h > 0, "cylinder radius and height must be positive")
        case let .union(a, b), let .intersection(a, b), let .difference(a, b):
            try a.validate()
            try b.validate()
            try need(a.dimension == b.dimension, "cannot combine a \(a.dimension)-D and a \(b.dimension)-D shape")
        case let .translated(s, v):
            try s.validate()
            try need(v.count == s.dimension, "translation needs \(s.dimension) components, got \(v)")
        case let .rotated(s, _):
            try s.validate()
            try need(s.dimension == 2, "rotation is defined for 2-D shapes")
        case let .scaled(s, f):
            try s.validate()
            try need(f > 0, "scale factor must be positive, got \(f)")
        }
    }

    /// The signed distance from `p` to the boundary: negative inside, positive outside.
    public func signedDistance(_ p: [Double]) -> Double {
        switch self {
        case let .interval(l, u):
            return Swift.max(l - p[0], p[0] - u)
        case let .rectangle(l, u), let .box(l, u):
            return Self.boxDistance(p, l, u)
        case let .disk(c, r), let .sphere(c, r):
            return Self.norm(zip(p, c).map(-)) - r
        case let .ellipse(c, a):
            // Distance in the coordinates where the ellipse is the unit disk, scaled by the
            // smaller semi-axis: a lower bound with the exact sign.
            let q = [(p[0] - c[0]) / a[0], (p[1] - c[1]) / a[1]]
            return (Self.norm(q) - 1) * Swift.min(a[0], a[1])
        case let .polygon(vertices):
            return Self.polygonDistance(p, vertices)
        case let .cylinder(b, r, h):
            let radial = Self.norm([p[0] - b[0], p[1] - b[1]]) - r
            let axial = Swift.abs(p[2] - (b[2] + h / 2)) - h / 2
            let outside = Self.norm([Swift.max(radial, 0), Swift.max(axial, 0)])
            return outside + Swift.min(Swift.max(radial, axial), 0)
        case let .union(a, b):
            return Swift.min(a.signedDistance(p), b.signedDistance(p))
        case let .intersection(a, b):
            return Swift.max(a.signedDistance(p), b.signedDistance(p))
        case let .difference(a, b):
            return Swift.max(a.signedDistance(p), -b.signedDistance(p))
        case let .translated(s, v):
            return s.signedDistance(zip(p, v).map(-))
        case let .rotated(s, angle):
            let (c, sn) = (cos(-angle), sin(-angle))
            return s.signedDistance([c * p[0] - sn * p[1], sn * p[0] + c * p[1]])
        case let .scaled(s, f):
            return f * s.signedDistance(p.map { $0 / f })
        }
    }

    /// Whether `p` lies inside or on the boundary.
    public func contains(_ p: [Double]) -> Bool { signedDistance(p) <= 0 }

    /// An axis-aligned box containing the shape: `(lower, upper)`.
    public var boundingBox: (lower: [Double], upper: [Double]) {
        switch self {
        case let .interval(l, u): return ([l], [u])
        case let .rectangle(l, u), let .box(l, u): return (l, u)
        case let .disk(c, r), let .sphere(c, r): return (c.map { $0 - r }, c.map { $0 + r })
        case let .ellipse(c, a): return ([c[0] - a[0], c[1] - a[1]], [c[0] + a[0], c[1] + a[1]])
        case let .polygon(v): return ([v.map { $0[0] }.min()!, v.map { $0[1] }.min()!], [v.map { $0[0] }.max()!, v.map { $0[1] }.max()!])
        case let .cylinder(b, r, h): return ([b[0] - r, b[1] - r, b[2]], [b[0] + r, b[1] + r, b[2] + h])
        case let .union(a, b):
            let (x, y) = (a.boundingBox, b.boundingBox)
            return (zip(x.lower, y.lower).map { Swift.min($0, $1) }, zip(x.upper, y.upper).map { Swift.max($0, $1) })
        case let .intersection(a, b):
            let (x, y) = (a.boundingBox, b.boundingBox)
            return (zip(x.lower, y.lower).map { Swift.max($0, $1) }, zip(x.upper, y.upper).map { Swift.min($0, $1) })
        case let .difference(a, _): return a.boundingBox
        case let .translated(s, v):
            let box = s.boundingBox
            return (zip(box.lower, v).map(+), zip(box.upper, v).map(+))
        case let .rotated(s, angle):
            let box = s.boundingBox
            let corners = [[box.lower[0], box.lower[1]], [box.upper[0], box.lower[1]], [box.lower[0], box.upper[1]], [box.upper[0], box.upper[1]]]
            let turned = corners.map { [cos(angle) * $0[0] - sin(angle) * $0[1], sin(angle) * $0[0] + cos(angle) * $0[1]] }
            return ([turned.map { $0[0] }.min()!, turned.map { $0[1] }.min()!], [turned.map { $0[0] }.max()!, turned.map { $0[1] }.max()!])
        case let .scaled(s, f):
            let box = s.boundingBox
            return (box.lower.map { $0 * f }, box.upper.map { $0 * f })
        }
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    static func boxDistance(_ p: [Double], _ l: [Double], _ u: [Double]) -> Double {
        let q = (0..<p.count).map { Swift.max(l[$0] - p[$0], p[$0] - u[$0]) }
        return norm(q.map { Swift.max($0, 0) }) + Swift.min(q.max()!, 0)
    }

    static func signedArea(_ v: [[Double]]) -> Double {
        (0..<v.count).reduce(0) { total, i in
            let (a, b) = (v[i], v[(i + 1) % v.count])
            return total + a[0] * b[1] - b[0] * a[1]
        } / 2
    }

    /// Exact distance to the polygon's edges, negative inside (even–odd rule).
    static func polygonDistance(_ p: [Double], _ v: [[Double]]) -> Double {
        var best = Double.infinity
        var inside = false
        let (px, py) = (p[0], p[1])
        // Squared distances in the loop (one square root at the end), no arrays built per edge.
        for i in 0..<v.count {
            let (ax, ay) = (v[i][0], v[i][1])
            let next = i + 1 == v.count ? 0 : i + 1
            let (bx, by) = (v[next][0], v[next][1])
            let (ex, ey) = (bx - ax, by - ay), (wx, wy) = (px - ax, py - ay)
            let t = Swift.max(0, Swift.min(1, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
            let (dx, dy) = (wx - t * ex, wy - t * ey)
            best = Swift.min(best, dx * dx + dy * dy)
            if (ay > py) != (by > py), px < ax + (py - ay) / (by - ay) * ex { inside.toggle() }
        }
        best = best.squareRoot()
        return inside ? -best : best
    }
}

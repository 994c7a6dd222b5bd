import Foundation
import TandemCore

extension Shape {
    /// A smooth approximate distance `φ` to the boundary — positive inside, zero on the boundary,
    /// negative outside, `|∇φ| = 1` on smooth parts of the boundary — written with differentiable
    /// tensor operations of the coordinates `x` (one `[n, 1]` column per axis), or `nil` when the
    /// shape has no such form here (non-convex polygons).
    ///
    /// Built by R-functions (Rvachev; see Sukumar & Srivastava 2022, "Exact imposition of boundary
    /// conditions with distance functions in physics-informed deep neural networks", Comput.
    /// Methods Appl. Mech. Engrg. 389, 114333): slabs `(x − a)(b − x)/(b − a)`, disks
    /// `(r² − |x − c|²)/(2r)`, half-planes of convex polygons, and for booleans
    /// `φ₁ ∧ φ₂ = φ₁ + φ₂ − √(φ₁² + φ₂²)` (intersection), `φ₁ ∨ φ₂ = φ₁ + φ₂ + √(φ₁² + φ₂²)`
    /// (union), `φ₁ ∧ −φ₂` (difference). A PINN's output transform `u = g + φ·N` then satisfies a
    /// Dirichlet condition `u = g` exactly.
    public func smoothDistance<S: TensorScalar>(_ x: [Tensor<S>]) -> Tensor<S>? {
        // ε keeps √(a² + b²) differentiable where both vanish (corners); it moves the zero set by ~ε.
        let epsilon = S(1e-12)
        func and(_ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> { a + b - TandemCore.sqrt(a * a + b * b + epsilon) }
        func or(_ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> { a + b + TandemCore.sqrt(a * a + b * b + epsilon) }
        func slab(_ v: Tensor<S>, _ l: Double, _ u: Double) -> Tensor<S> { (v - S(l)) * (S(u) - v) / S(u - l) }
        switch self {
        case let .interval(l, u): return slab(x[0], l, u)
        case let .rectangle(l, u), let .box(l, u):
            return (1..<l.count).reduce(slab(x[0], l[0], u[0])) { and($0, slab(x[$1], l[$1], u[$1])) }
        case let .disk(c, r), let .sphere(c, r):
            let squared = c.indices.map { (x[$0] - S(c[$0])) * (x[$0] - S(c[$0])) }.reduce(Tensor<S>.zeros(shape: x[0].shape), +)
            return (S(r * r) - squared) / S(2 * r)
        case let .ellipse(c, a):
            let q = (0..<2).map { (x[$0] - S(c[$0])) / S(a[$0]) }
            return (1 - q[0] * q[0] - q[1] * q[1]) * S(Swift.min(a[0], a[1]) / 2)
        case let .polygon(vertices):
            let area = Self.signedArea(vertices)
            var result: Tensor<S>?
            for i in vertices.indices {
                let (p, q) = (vertices[i], vertices[(i + 1) % vertices.count])
                let length = ((q[0] - p[0]) * (q[0] - p[0]) + (q[1] - p[1]) * (q[1] - p[1])).squareRoot()
                // Inward normal for the polygon's orientation.
                let sign = area > 0 ? 1.0 : -1.0
                let (nx, ny) = (-(q[1] - p[1]) * sign / length, (q[0] - p[0]) * sign / length)
                // Convex only: every other vertex must lie inside this edge's half-plane.
                for v in vertices where nx * (v[0] - p[0]) + ny * (v[1] - p[1]) < -1e-12 * length { return nil }
                let half = (x[0] - S(p[0])) * S(nx) + (x[1] - S(p[1])) * S(ny)
                result = result.map { and($0, half) } ?? half
            }
            return result
        case let .cylinder(b, r, h):
            let radial = (S(r * r) - (x[0] - S(b[0])) * (x[0] - S(b[0])) - (x[1] - S(b[1])) * (x[1] - S(b[1]))) / S(2 * r)
            return and(radial, slab(x[2], b[2], b[2] + h))
        case let .union(a, b):
            guard let pa = a.smoothDistance(x), let pb = b.smoothDistance(x) else { return nil }
            return or(pa, pb)
        case let .intersection(a, b):
            guard let pa = a.smoothDistance(x), let pb = b.smoothDistance(x) else { return nil }
            return and(pa, pb)
        case let .difference(a, b):
            guard let pa = a.smoothDistance(x), let pb = b.smoothDistance(x) else { return nil }
            return and(pa, -pb)
        case let .translated(s, v):
            return s.smoothDistance(x.indices.map { x[$0] - S(v[$0]) })
        case let .rotated(s, angle):
            let (c, sn) = (S(Foundation.cos(-angle)), S(Foundation.sin(-angle)))
            return s.smoothDistance([x[0] * c - x[1] * sn, x[0] * sn + x[1] * c])
        case let .scaled(s, f):
            return s.smoothDistance(x.map { $0 / S(f) }).map { $0 * S(f) }
        }
    }

    /// Whether ``smoothDistance(_:)`` has a form for this shape.
    public var hasSmoothDistance: Bool {
        smoothDistance((0..<dimension).map { _ in Tensor<Double>.zeros(shape: [1, 1]) }) != nil
    }
}

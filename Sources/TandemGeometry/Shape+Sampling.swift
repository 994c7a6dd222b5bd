import Foundation
import TandemCore

extension Shape {
    /// The shape rasterised on a grid: `true` at grid points inside or on the boundary.
    /// The solvers use exactly this mask as their active set, and the networks see it too.
    public func mask(on grid: CartesianGrid) -> [Bool] {
        levelSet(on: grid).map { $0 <= 0 }
    }

    /// The signed distance at every grid point (negative inside): the level set the solvers use to
    /// place curved boundaries between grid points; `mask(on:)` is where it is `≤ 0`.
    ///
    /// Boolean combinations make `φ = 0` at points that are not on the solid's boundary: with
    /// `φ = max(a, −b)` the points where the outer boundary and a cut-out's edge coincide (an
    /// L-shape written as a square minus a square has a whole edge of them), and with
    /// `φ = min(a, b)` the seam where two parts of a union touch. A grid point with
    /// `|φ| ≤ 10⁻⁹·h` is classified by probing `φ` at `p + ε·e` (`ε = 10⁻⁵·h`, `e` the `3^d − 1`
    /// directions to the neighbouring cube corners and faces): if no probe lies clearly inside
    /// (`φ < −10⁻³·ε`), `p` is not in the closure of the interior and gets `φ = +10⁻⁹·h`
    /// (outside); if no probe lies clearly outside, `p` is interior and gets `φ = −h`; otherwise it
    /// is a boundary point and keeps `φ` (`h` the smallest grid spacing).
    public func levelSet(on grid: CartesianGrid) -> [Double] {
        let h = grid.spacing.min()!
        let tolerance = 1e-9 * h, probe = 1e-5 * h, clear = 1e-3 * probe
        let directions = Self.probeDirections(dimension: grid.dimension)
        return (0..<grid.pointCount).map { i in
            let p = grid.point(i)
            let phi = signedDistance(p)
            guard Swift.abs(phi) <= tolerance else { return phi }
            var inside = false, outside = false
            for e in directions {
                let value = signedDistance(zip(p, e).map { $0 + probe * $1 })
                if value < -clear { inside = true }
                if value > clear { outside = true }
                if inside && outside { return phi }
            }
            if !inside { return tolerance }
            if !outside { return -h }
            return phi
        }
    }

    /// The offsets `e ∈ {−1, 0, 1}^d \ {0}`, each scaled to unit length.
    static func probeDirections(dimension d: Int) -> [[Double]] {
        var result: [[Double]] = []
        for code in 0..<Int(pow(3, Double(d))) {
            var rest = code
            let e = (0..<d).map { _ -> Double in
                defer { rest /= 3 }
                return Double(rest % 3 - 1)
            }
            let length = norm(e)
            if length > 0 { result.append(e.map { $0 / length }) }
        }
        return result
    }

    /// The area (2-D), volume (3-D) or length (1-D): exact for the primitives and their
    /// translations, rotations and scalings (a polygon by the shoelace formula, in time linear
    /// in its vertices), else — for Boolean combinations — estimated by quasi-Monte Carlo with
    /// `samples` Halton points in the bounding box (relative error about `1/samples` for smooth
    /// boundaries).
    public func measure(samples: Int = 200_000) -> Double {
        if let exact = exactMeasure { return exact }
        let box = boundingBox
        let extent = zip(box.lower, box.upper).map { $1 - $0 }
        guard extent.allSatisfy({ $0 > 0 }) else { return 0 }
        var hits = 0
        for i in 1...samples {
            let u = Halton.point(i, dimension: dimension)
            if contains((0..<dimension).map { box.lower[$0] + u[$0] * extent[$0] }) { hits += 1 }
        }
        return Double(hits) / Double(samples) * extent.reduce(1, *)
    }

    /// The measure in closed form, or `nil` for Boolean combinations.
    var exactMeasure: Double? {
        switch self {
        case let .interval(l, u): return u - l
        case let .rectangle(l, u), let .box(l, u): return zip(l, u).reduce(1) { $0 * ($1.1 - $1.0) }
        case let .disk(_, r): return Double.pi * r * r
        case let .ellipse(_, a): return Double.pi * a[0] * a[1]
        case let .polygon(v): return Swift.abs(Self.signedArea(v))
        case let .sphere(_, r): return 4 * Double.pi * r * r * r / 3
        case let .cylinder(_, r, h): return Double.pi * r * r * h
        case .union, .intersection, .difference: return nil
        case let .translated(s, _), let .rotated(s, _): return s.exactMeasure
        case let .scaled(s, f): return s.exactMeasure.map { $0 * Foundation.pow(f, Double(s.dimension)) }
        }
    }

    /// How interior points are spread.
    public enum Sampling: String, Codable, CaseIterable, Sendable {
        /// Independent uniform points from a seeded generator.
        case uniform
        /// The Halton low-discrepancy sequence (bases 2, 3, 5), scrambled by a seeded shift.
        case halton
        /// Latin hypercube: one point in each of `n` slabs along every axis, seeded.
        case latinHypercube = "latin-hypercube"
        /// The Sobol sequence (Joe & Kuo direction numbers), scrambled by a seeded digital shift.
        case sobol
    }

    /// `count` points inside the shape, `[count][dimension]`, by rejection from the bounding box.
    /// - Throws: ``GeometryError/invalidShape(_:)`` when the shape covers almost none of its box.
    public func interiorPoints(count: Int, sampling: Sampling, using generator: inout SeededGenerator) throws -> [[Double]] {
        let box = boundingBox
        let extent = zip(box.lower, box.upper).map { $1 - $0 }
        let d = dimension
        var points: [[Double]] = []
        var attempts = 0
        var batch = count
        while points.count < count {
            let unit: [[Double]]
            switch sampling {
            case .uniform:
                unit = (0..<batch).map { _ in (0..<d).map { _ in generator.nextUnitDouble() } }
            case .halton:
                let shift = (0..<d).map { _ in generator.nextUnitDouble() }
                unit = (1...batch).map { i in Halton.point(attempts + i, dimension: d).enumerated().map { ($1 + shift[$0]).truncatingRemainder(dividingBy: 1) } }
            case .sobol:
                let shift = (0..<d).map { _ in UInt32(truncatingIfNeeded: generator.next()) }
                unit = (0..<batch).map { i in Sobol.point(attempts + i, dimension: d, shift: shift) }
            case .latinHypercube:
                let strata = (0..<d).map { _ in (0..<batch).shuffled(using: &generator) }
                unit = (0..<batch).map { i in (0..<d).map { (Double(strata[$0][i]) + generator.nextUnitDouble()) / Double(batch) } }
            }
            attempts += batch
            for u in unit where points.count < count {
                let p = (0..<d).map { box.lower[$0] + u[$0] * extent[$0] }
                if contains(p) { points.append(p) }
            }
            guard attempts < 1000 * Swift.max(count, 100) else {
                throw GeometryError.invalidShape("fewer than 0.1% of sampled points fall inside the shape; is it empty?")
            }
            batch = Swift.max(count - points.count, 16) * 2
        }
        return points
    }

    /// `count` points on the boundary: points of a thin band around it, projected onto the zero
    /// level set along the numerical gradient of the signed distance (a few Newton steps).
    public func boundaryPoints(count: Int, using generator: inout SeededGenerator) throws -> [[Double]] {
        let box = boundingBox
        let size = zip(box.lower, box.upper).map { $1 - $0 }.max()!
        let grown = (box.lower.map { $0 - 0.05 * size }, box.upper.map { $0 + 0.05 * size })
        let band = 0.05 * size
        var points: [[Double]] = []
        var attempts = 0
        while points.count < count {
            attempts += 1
            guard attempts < 2000 * Swift.max(count, 100) else { throw GeometryError.invalidShape("could not find boundary points") }
            var p = (0..<dimension).map { grown.0[$0] + generator.nextUnitDouble() * (grown.1[$0] - grown.0[$0]) }
            guard Swift.abs(signedDistance(p)) < band else { continue }
            for _ in 0..<20 {
                let f = signedDistance(p)
                if Swift.abs(f) < 1e-10 * size { break }
                let h = 1e-7 * size
                let g = (0..<dimension).map { d -> Double in
                    var a = p, b = p
                    a[d] += h
                    b[d] -= h
                    return (signedDistance(a) - signedDistance(b)) / (2 * h)
                }
                let g2 = g.reduce(0) { $0 + $1 * $1 }
                guard g2 > 1e-12 else { break }
                p = (0..<dimension).map { p[$0] - f * g[$0] / g2 }
            }
            if Swift.abs(signedDistance(p)) < 1e-8 * size { points.append(p) }
        }
        return points
    }
}

/// The Halton sequence: coordinate `d` of point `i` is the radical inverse of `i` in the
/// `d`-th prime base (Halton 1960, doi:10.1007/BF01386213).
enum Halton {
    static let primes = [2, 3, 5, 7, 11, 13]

    static func point(_ index: Int, dimension: Int) -> [Double] {
        (0..<dimension).map { radicalInverse(index, base: primes[$0]) }
    }

    static func radicalInverse(_ index: Int, base: Int) -> Double {
        var result = 0.0, fraction = 1.0 / Double(base), i = index
        while i > 0 {
            result += Double(i % base) * fraction
            i /= base
            fraction /= Double(base)
        }
        return result
    }
}

/// The Sobol sequence in base 2 (Sobol' 1967; direction numbers of Joe & Kuo 2008,
/// "Constructing Sobol sequences with better two-dimensional projections", SIAM J. Sci. Comput.
/// 30(5), the first rows of their `new-joe-kuo-6.21201` table): coordinate `d` of point `i` is
/// the XOR of the direction numbers `v_{d,k}` over the bits `k` set in `i`, optionally XORed with
/// a digital shift (which keeps every `(t, m, s)`-net property). The first `2^m` points of
/// dimension 2 put exactly one point in every elementary box of area `2^{-m}`.
enum Sobol {
    /// `(s, a, m₁ … m_s)` for dimensions 2…8 (dimension 1 is the van der Corput sequence).
    static let parameters: [(s: Int, a: UInt32, m: [UInt32])] = [
        (1, 0, [1]), (2, 1, [1, 3]), (3, 1, [1, 3, 1]), (3, 2, [1, 1, 1]),
        (4, 1, [1, 1, 3, 3]), (4, 4, [1, 3, 5, 13]), (5, 2, [1, 1, 5, 5, 17]),
    ]
    /// Bits of each coordinate.
    static let bits = 32
    /// The supported dimensions.
    static let maximumDimension = parameters.count + 1

    /// Direction numbers `v_{d,k} · 2³²`, `k = 1…32`, for each dimension.
    static let directions: [[UInt32]] = {
        var all = [(0..<bits).map { UInt32(1) << (31 - $0) }]
        for (s, a, m0) in parameters {
            var m = m0.map { UInt64($0) }
            while m.count < bits {
                let k = m.count  // computing m_{k+1} (0-based index k)
                var next = m[k - s] ^ (m[k - s] << UInt64(s))
                for j in 1..<s where (a >> UInt32(s - 1 - j)) & 1 == 1 { next ^= m[k - j] << UInt64(j) }
                m.append(next)
            }
            all.append((0..<bits).map { UInt32(truncatingIfNeeded: m[$0] << UInt64(31 - $0)) })
        }
        return all
    }()

    /// Point `index` (from 0) of the `dimension`-dimensional sequence, digitally shifted by `shift`.
    static func point(_ index: Int, dimension: Int, shift: [UInt32]? = nil) -> [Double] {
        precondition(dimension <= maximumDimension && index >= 0 && index < 1 << bits, "Sobol: dimension ≤ \(maximumDimension) and index < 2³² expected")
        return (0..<dimension).map { d in
            var x = shift?[d] ?? 0, i = index, k = 0
            while i > 0 {
                if i & 1 == 1 { x ^= directions[d][k] }
                i >>= 1
                k += 1
            }
            return (Double(x) + 0.5) / 4_294_967_296.0
        }
    }
}

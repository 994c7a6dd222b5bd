import Foundation
import TandemCore
import TandemGeometry

/// A zero-mean Gaussian random field on a grid by truncated Karhunen–Loève expansion,
/// `a(x) = Σ_{k<m} √λ_k ξ_k φ_k(x)` with `ξ_k ~ N(0, 1)` from a seeded generator.
///
/// The eigenpairs are those of the covariance matrix `C_ij = c(|x_i − x_j|)` on the grid itself
/// when it has at most `maximumDirectPoints` points, otherwise on a coarser grid over the same
/// box whose eigenvectors are interpolated multilinearly onto the fine grid (Nyström-style). With
/// all terms kept on the direct path the field has exactly the covariance `C`.
/// Reference: Ghanem & Spanos, *Stochastic Finite Elements*, Springer 1991, ch. 2.
public struct GaussianRandomField: Sendable {
    /// The covariance function `c(r)` of distance `r`.
    public enum Covariance: String, Codable, CaseIterable, Sendable {
        /// `σ²·exp(−r²/(2ℓ²))`.
        case squaredExponential = "squared-exponential"
        /// `σ²·(1 − 3r/(2ℓ) + r³/(2ℓ³))` for `r < ℓ`, 0 beyond (compact support).
        case spherical

        /// `c(r)` for correlation length `ℓ` and variance `σ²`.
        public func callAsFunction(_ r: Double, length: Double, variance: Double) -> Double {
            switch self {
            case .squaredExponential: return variance * exp(-r * r / (2 * length * length))
            case .spherical:
                let s = r / length
                return s < 1 ? variance * (1 - 1.5 * s + 0.5 * s * s * s) : 0
            }
        }
    }

    /// The grid the field is sampled on.
    public let grid: CartesianGrid
    /// The covariance function.
    public let covariance: Covariance
    /// Correlation length `ℓ`.
    public let lengthScale: Double
    /// Pointwise variance `σ²`.
    public let variance: Double
    /// `√λ_k φ_k` on the fine grid, one row per term: `[terms, points]`.
    let scaledModes: Tensor<Double>
    /// The kept eigenvalues, largest first.
    public let eigenvalues: [Double]
    /// The fraction of the total variance the kept terms carry, `Σ_{k<m} λ_k / tr C`.
    public let capturedVariance: Double

    /// Largest grid whose covariance matrix is eigendecomposed directly.
    public static let maximumDirectPoints = 1600

    /// - Throws: ``PDEError/invalidInput(_:)`` for a non-positive length, variance or term count.
    public init(grid: CartesianGrid, covariance: Covariance, lengthScale: Double, variance: Double, terms: Int) throws {
        guard lengthScale > 0, variance > 0, terms >= 1 else {
            throw PDEError.invalidInput("random field needs length > 0, variance > 0 and terms ≥ 1; got \(lengthScale), \(variance), \(terms)")
        }
        self.grid = grid
        self.covariance = covariance
        self.lengthScale = lengthScale
        self.variance = variance
        // The grid the eigenproblem is solved on.
        var base = grid
        if grid.pointCount > Self.maximumDirectPoints {
            let perAxis = Int(pow(Double(Self.maximumDirectPoints), 1 / Double(grid.dimension)))
            base = try CartesianGrid(pointsPerAxis: grid.pointsPerAxis.map { Swift.min($0, perAxis) }, lower: grid.lower, upper: grid.upper)
        }
        let n = base.pointCount
        let m = Swift.min(terms, n)
        let points = (0..<n).map(base.point)
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let r = zip(points[i], points[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                let v = covariance(r, length: lengthScale, variance: variance)
                c[i * n + j] = v
                c[j * n + i] = v
            }
        }
        let (values, vectors) = try SymmetricEigen.largest(m, of: c, size: n)
        let kept = values.map { Swift.max($0, 0) }
        eigenvalues = kept
        capturedVariance = kept.reduce(0, +) / (variance * Double(n))
        let coarse = base
        let modes = zip(kept, vectors).map { lambda, v in
            let mode = v.map { $0 * lambda.squareRoot() }
            return coarse == grid ? mode : Self.interpolate(mode, from: coarse, to: grid)
        }
        scaledModes = Tensor(shape: [modes.count, grid.pointCount], scalars: modes.flatMap { $0 })
    }

    /// The number of expansion terms.
    public var terms: Int { scaledModes.shape[0] }

    /// One realisation on the grid, from `terms` standard normals drawn from `generator`.
    public func sample(using generator: inout SeededGenerator) -> [Double] {
        let xi = (0..<terms).map { _ in generator.nextStandardNormal() }
        return realization(coefficients: xi)
    }

    /// The realisation for given KL coefficients `ξ`.
    public func realization(coefficients xi: [Double]) -> [Double] {
        precondition(xi.count == terms, "realization: \(xi.count) coefficients for \(terms) terms")
        // One BLAS product: [1, terms] · [terms, points].
        return withoutGradient { matmul(Tensor(shape: [1, terms], scalars: xi), scaledModes).scalars }
    }

    /// Multilinear interpolation of values on `coarse` to the points of `fine` (same box).
    static func interpolate(_ values: [Double], from coarse: CartesianGrid, to fine: CartesianGrid) -> [Double] {
        let h = coarse.spacing, strides = coarse.strides
        return (0..<fine.pointCount).map { p in
            let x = fine.point(p)
            var cell: [Int] = [], weight: [Double] = []
            for d in 0..<coarse.dimension {
                let s = (x[d] - coarse.lower[d]) / h[d]
                let i = Swift.min(Swift.max(Int(s.rounded(.down)), 0), coarse.pointsPerAxis[d] - 2)
                cell.append(i)
                weight.append(s - Double(i))
            }
            var total = 0.0
            for corner in 0..<(1 << coarse.dimension) {
                var index = 0, w = 1.0
                for d in 0..<coarse.dimension {
                    let upper = (corner >> d) & 1 == 1
                    index += (cell[d] + (upper ? 1 : 0)) * strides[d]
                    w *= upper ? weight[d] : 1 - weight[d]
                }
                total += w * values[index]
            }
            return total
        }
    }
}

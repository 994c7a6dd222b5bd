import TandemGeometry
import TandemSparse

/// Finite differences for `−∇·(K∇u) = f` on the active points of a masked Cartesian grid, with
/// `u = g` (Dirichlet) on the domain's boundary points, solved by CHOLMOD.
///
/// Discretisation (second order for smooth `K` and `u` on boxes): at an interior point `p` and
/// along each axis `d`,
/// `−(1/h_d²)·[k_{p+½}(u_{p+1} − u_p) − k_{p−½}(u_p − u_{p−1})]`,
/// with face coefficients the harmonic means `k_{p±½} = 2K_pK_{p±1}/(K_p + K_{p±1})` (exact for
/// piecewise-constant layers, second order for smooth `K`). The matrix is symmetric positive
/// definite; boundary values move to the right-hand side.
///
/// Boundary points are the box's boundary and every active point with an inactive neighbour
/// (stair-stepped boundary: first order in the boundary position on curved domains).
/// The sparsity pattern depends only on the grid and mask, so it is analysed once
/// (``CholeskyPattern``) and reused for every permeability field.
public final class DarcySolver: Sendable {
    /// The grid the problem is discretised on.
    public let grid: CartesianGrid
    /// Active grid points (the domain); `nil` means the whole box.
    public let mask: [Bool]?
    /// For each grid point, its unknown number, or `nil` for boundary and inactive points.
    public let unknownIndex: [Int?]
    /// The grid point of each unknown.
    public let unknownPoints: [Int]
    let pattern: CholeskyPattern
    let patternMatrix: SparseMatrix
    /// For each stencil neighbour in assembly order (unknown, axis, −/+), its storage slot in
    /// the matrix, or −1 when the neighbour is a boundary point; and each row's diagonal slot.
    /// With them a new coefficient field is assembled in one pass, without sorting.
    let neighbourSlots: [Int]
    let diagonalSlots: [Int]

    /// Sets up the numbering and analyses the sparsity pattern.
    /// - Throws: ``PDEError`` for a mask of the wrong size or a domain without interior points.
    public init(grid: CartesianGrid, mask: [Bool]? = nil) throws {
        if let mask, mask.count != grid.pointCount {
            throw PDEError.invalidInput("mask has \(mask.count) points, the grid has \(grid.pointCount)")
        }
        self.grid = grid
        self.mask = mask
        let strides = grid.strides
        var index = [Int?](repeating: nil, count: grid.pointCount)
        var points: [Int] = []
        for p in 0..<grid.pointCount where (mask?[p] ?? true) && !grid.isOnBoxBoundary(p) {
            let allNeighboursActive = (0..<grid.dimension).allSatisfy { d in
                (mask?[p - strides[d]] ?? true) && (mask?[p + strides[d]] ?? true)
            }
            if allNeighboursActive {
                index[p] = points.count
                points.append(p)
            }
        }
        guard !points.isEmpty else { throw PDEError.noUnknowns("the domain has no interior grid points on this grid") }
        unknownIndex = index
        unknownPoints = points
        let ones = [Double](repeating: 1, count: grid.pointCount)
        let matrix = try Self.assemble(grid: grid, index: index, points: points, permeability: ones, name: "Darcy operator").matrix
        patternMatrix = matrix
        pattern = try CholeskyPattern(analyzing: matrix)
        func slot(row: Int, column: Int) -> Int {
            var lo = matrix.columnPointers[column], hi = matrix.columnPointers[column + 1]
            while lo < hi {
                let mid = (lo + hi) / 2
                if matrix.rowIndices[mid] < row { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        var neighbours: [Int] = []
        neighbours.reserveCapacity(points.count * 2 * grid.dimension)
        for (row, p) in points.enumerated() {
            for d in 0..<grid.dimension {
                for q in [p - strides[d], p + strides[d]] {
                    neighbours.append(index[q].map { slot(row: row, column: $0) } ?? -1)
                }
            }
        }
        neighbourSlots = neighbours
        diagonalSlots = (0..<points.count).map { slot(row: $0, column: $0) }
    }

    /// The operator's values for `permeability` in the analysed pattern's storage order, and the
    /// boundary coupling `Σ k_f·g_q / h²` of each unknown (zero when `boundary` is `nil`).
    /// With `includeValues: false` only the coupling is computed (values come back empty), for
    /// callers that reuse an operator already assembled (time stepping).
    func assembleValues(permeability: [Double], boundary: [Double]?, includeValues: Bool = true) -> (values: [Double], coupling: [Double]) {
        let strides = grid.strides, h = grid.spacing
        let inverseSquares = h.map { 1 / ($0 * $0) }
        var values = [Double](repeating: 0, count: includeValues ? patternMatrix.nonzeroCount : 0)
        var coupling = [Double](repeating: 0, count: unknownPoints.count)
        var e = 0
        permeability.withUnsafeBufferPointer { k in
            for (row, p) in unknownPoints.enumerated() {
                var diagonal = 0.0
                let kp = k[p]
                for d in 0..<grid.dimension {
                    for q in [p - strides[d], p + strides[d]] {
                        let kq = k[q]
                        let face = 2 * kp * kq / (kp + kq) * inverseSquares[d]
                        diagonal += face
                        let slot = neighbourSlots[e]
                        e += 1
                        if slot >= 0 {
                            if includeValues { values[slot] = -face }
                        } else if let boundary {
                            coupling[row] += face * boundary[q]
                        }
                    }
                }
                if includeValues { values[diagonalSlots[row]] = diagonal }
            }
        }
        return (values, coupling)
    }

    /// The solution on every grid point: `g` on boundary points, NaN outside the domain.
    public struct Solution: Sendable {
        /// `u` at every grid point: solved values inside, `g` on boundary points, NaN outside.
        public let values: [Double]
        /// `‖b − Au‖ / ‖b‖` of the linear solve.
        public let relativeResidual: Double
        /// The number of interior unknowns solved for.
        public let unknownCount: Int
    }

    /// Solves for one permeability field, source and boundary values (all given per grid point;
    /// only the values at active points are used).
    /// - Throws: ``PDEError/invalidInput(_:)`` for wrong sizes, non-finite values or a
    ///   permeability that is not positive; a ``SparseSolverError`` from CHOLMOD.
    public func solve(permeability: [Double], source: [Double], boundary: [Double]) throws -> Solution {
        for (name, field) in [("permeability", permeability), ("source", source), ("boundary", boundary)] {
            guard field.count == grid.pointCount else {
                throw PDEError.invalidInput("\(name) has \(field.count) values, the grid has \(grid.pointCount)")
            }
        }
        for p in 0..<grid.pointCount where mask?[p] ?? true {
            guard permeability[p] > 0, permeability[p].isFinite else {
                throw PDEError.invalidInput("permeability must be positive and finite, got \(permeability[p]) at \(grid.point(p))")
            }
            guard source[p].isFinite, boundary[p].isFinite else {
                throw PDEError.invalidInput("source and boundary values must be finite at \(grid.point(p))")
            }
        }
        let (operatorValues, boundaryRHS) = assembleValues(permeability: permeability, boundary: boundary)
        var matrix = patternMatrix.withValues(operatorValues)
        matrix.name = "Darcy operator (\(grid.pointsPerAxis.map(String.init).joined(separator: "×")) grid)"
        let rhs = unknownPoints.enumerated().map { source[$0.element] + boundaryRHS[$0.offset] }
        let x = try pattern.factorize(matrix).solve(rhs)
        var values = [Double](repeating: .nan, count: grid.pointCount)
        for p in 0..<grid.pointCount where mask?[p] ?? true { values[p] = boundary[p] }
        for (k, p) in unknownPoints.enumerated() { values[p] = x[k] }
        return Solution(values: values, relativeResidual: relativeResidual(matrix, solution: x, rightHandSide: rhs), unknownCount: x.count)
    }

    static func assemble(
        grid: CartesianGrid, index: [Int?], points: [Int], permeability: [Double], boundary: [Double]? = nil, name: String
    ) throws -> (matrix: SparseMatrix, boundaryRHS: [Double]) {
        let strides = grid.strides, h = grid.spacing
        var triplets: [(row: Int, column: Int, value: Double)] = []
        triplets.reserveCapacity(points.count * (1 + 2 * grid.dimension))
        var rhs = [Double](repeating: 0, count: points.count)
        for (row, p) in points.enumerated() {
            var diagonal = 0.0
            for d in 0..<grid.dimension {
                for q in [p - strides[d], p + strides[d]] {
                    let kp = permeability[p], kq = permeability[q]
                    let face = 2 * kp * kq / (kp + kq) / (h[d] * h[d])
                    diagonal += face
                    if let column = index[q] {
                        triplets.append((row, column, -face))
                    } else if let boundary {
                        rhs[row] += face * boundary[q]
                    }
                }
            }
            triplets.append((row, row, diagonal))
        }
        return (try SparseMatrix(rows: points.count, columns: points.count, triplets: triplets, name: name), rhs)
    }
}

import TandemGeometry
import TandemSparse

/// Finite volumes for `−∇·(K∇u) = f` on a masked Cartesian grid, solved by CHOLMOD.
///
/// **Interior.** At a grid point `p`, along each axis `d`,
/// `−(1/h_d²)·[k_{p+½}(u_{p+1} − u_p) − k_{p−½}(u_p − u_{p−1})]`,
/// with face coefficients the harmonic means `k_{p±½} = 2K_pK_{p±1}/(K_p + K_{p±1})` (exact for
/// piecewise-constant layers, second order for smooth `K`).
///
/// **Box faces.** Each face of the grid's box carries a ``FaceCondition``. Points on a Dirichlet
/// face hold `g`. A point on a Neumann or Robin face owns a half cell (a quarter at an edge, an
/// eighth at a corner): with `w_d = ½` along the face's axis and `W = Π w_d`, its row is the
/// balance `Σ_d W/(w_d h_d²)·k·(u_p − u_q) = W·f + Σ_faces W/(w_d h_d)·(g − α u_p)`, second
/// order, and the matrix stays symmetric because `W/w_d` is the same at both ends of a face.
///
/// **Curved boundaries.** With a level set `φ` (negative inside, zero on the boundary), an active
/// point `p` whose neighbour `q` is outside gets the boundary crossing `x_Γ = x_p + θh` with
/// `θ = φ_p/(φ_p − φ_q)`, and the flux `k·(u_p − g(x_Γ))/(θh)`: the symmetric discretisation of
/// Gibou, Fedkiw, Cheng & Kang (J. Comput. Phys. 176, 2002), second order in the solution.
/// Points within `θ < 10⁻⁶` of the boundary hold `g`, and so does every point off the box faces
/// with `φ > −10⁻⁶·h` (``boundaryTolerance(on:)``: on the boundary within round-off), whatever
/// its neighbours: a re-entrant corner on the grid has all its axis neighbours on the boundary,
/// none outside. Without a level set the boundary is stair-stepped: active points with an inactive neighbour hold `g` (first order in the
/// boundary's position).
///
/// The sparsity pattern depends only on the grid, mask and conditions, so it is analysed once
/// (``CholeskyPattern``) and reused for every coefficient field.
public final class DarcySolver: Sendable {
    /// The grid the problem is discretised on.
    public let grid: CartesianGrid
    /// Active grid points (the domain); `nil` means the whole box.
    public let mask: [Bool]?
    /// The condition on each box face, `2·d + side`.
    public let faces: [FaceCondition]
    /// For each grid point, its unknown number, or `nil` for Dirichlet and inactive points.
    public let unknownIndex: [Int?]
    /// The grid point of each unknown.
    public let unknownPoints: [Int]
    /// The points where Dirichlet data `g` are needed, in the order of ``BoundaryValues/dirichlet``.
    public let dirichletNodes: [BoundaryNode]
    /// The points on Neumann and Robin faces, in the order of ``BoundaryValues/flux`` (a point on
    /// two such faces appears once per face).
    public let fluxNodes: [BoundaryNode]
    /// The control-volume fraction `W` of each unknown (1 inside, ½ on a face, …): the row scaling,
    /// and the mass of each unknown in time stepping.
    public let weights: [Double]
    let pattern: CholeskyPattern
    /// The factorisation that runs: "CHOLMOD simplicial LLᵀ" or "CHOLMOD supernodal LLᵀ",
    /// chosen at analysis from CHOLMOD's flop estimate (``CholeskyPattern/Method``).
    public var factorization: String { pattern.method.description }
    let patternMatrix: SparseMatrix
    /// The stencil: row `r`'s entries are `entryStart[r]..<entryStart[r+1]`, each a `kind`, a
    /// target (matrix slot, Dirichlet node or flux node), the neighbouring grid point (for `K`),
    /// a geometric factor and `θ` (or `α` for flux entries).
    let entryStart: [Int]
    let entryKind: [EntryKind]
    let entryTarget: [Int]
    let entryNeighbour: [Int]
    let entryFactor: [Double]
    let entryTheta: [Double]
    let diagonalSlots: [Int]
    /// Each Dirichlet node's grid point, or −1.
    let dirichletGridPoints: [Int]

    enum EntryKind: UInt8, Sendable {
        case unknown, gridDirichlet, interface, flux
    }

    /// Points closer than this fraction of a grid step to the boundary hold the boundary value.
    static let minimumTheta = 1e-6

    /// `10⁻⁶·min h`: a point with `φ > −boundaryTolerance` lies on the boundary (and holds `g`).
    public static func boundaryTolerance(on grid: CartesianGrid) -> Double { minimumTheta * grid.spacing.min()! }

    /// Sets up the numbering and the stencil, and analyses the sparsity pattern.
    /// - Parameters:
    ///   - mask: active points; defaults to `levelSet ≤ 0`, or the whole box.
    ///   - levelSet: `φ` at every grid point, negative inside; enables second-order curved boundaries.
    ///   - faces: one condition per box face (`2·dimension`); all Dirichlet by default.
    /// - Throws: ``PDEError`` for inputs of the wrong size, a mask that disagrees with the level
    ///   set, a Robin `α ≤ 0`, or a domain without unknowns.
    public init(grid: CartesianGrid, mask: [Bool]? = nil, levelSet: [Double]? = nil, faces: [FaceCondition]? = nil) throws {
        let n = grid.pointCount, dimension = grid.dimension
        if let mask, mask.count != n { throw PDEError.invalidInput("mask has \(mask.count) points, the grid has \(n)") }
        if let levelSet {
            guard levelSet.count == n, levelSet.allSatisfy(\.isFinite) else {
                throw PDEError.invalidInput("the level set needs a finite value at each of the \(n) grid points")
            }
            if let mask, let p = (0..<n).first(where: { mask[$0] != (levelSet[$0] <= 0) }) {
                throw PDEError.invalidInput("the mask and the level set disagree at \(grid.point(p))")
            }
        }
        let faces = faces ?? Array(repeating: .dirichlet, count: 2 * dimension)
        guard faces.count == 2 * dimension else {
            throw PDEError.invalidInput("expected \(2 * dimension) face conditions, got \(faces.count)")
        }
        for (f, c) in faces.enumerated() {
            if case let .robin(alpha) = c, !(alpha > 0 && alpha.isFinite) {
                throw PDEError.invalidInput("Robin coefficient α must be positive on face \(Self.faceName(f)), got \(alpha)")
            }
        }
        let active = mask ?? levelSet.map { $0.map { $0 <= 0 } }
        self.grid = grid
        self.mask = active
        self.faces = faces
        let strides = grid.strides, h = grid.spacing, counts = grid.pointsPerAxis
        func isActive(_ p: Int) -> Bool { active?[p] ?? true }
        let onBoundary = Self.boundaryTolerance(on: grid)
        func theta(_ p: Int, _ q: Int) -> Double {
            let a = levelSet![p], b = levelSet![q]
            return a / (a - b)
        }
        // One multi-index buffer, advanced point by point (first axis fastest): the loops below
        // visit up to 10⁷ points and allocate nothing per point.
        var multi = [Int](repeating: 0, count: dimension)
        func advance() {
            for d in 0..<dimension {
                multi[d] += 1
                if multi[d] < counts[d] { return }
                multi[d] = 0
            }
        }

        // Classify active points: Dirichlet (holds g) or unknown.
        var dirichlet: [BoundaryNode] = []
        var gridNode = [Int](repeating: -1, count: n)
        var index = [Int?](repeating: nil, count: n)
        var points: [Int] = []
        for p in 0..<n {
            defer { advance() }
            guard isActive(p) else { continue }
            // The first Dirichlet box face p lies on (faces in the order x-min, x-max, y-min, …).
            var fixedFace: Int?? = nil
            var onAnyFace = false
            for d in 0..<dimension where fixedFace == nil {
                let face = multi[d] == 0 ? 2 * d : multi[d] == counts[d] - 1 ? 2 * d + 1 : -1
                guard face >= 0 else { continue }
                onAnyFace = true
                if faces[face] == .dirichlet { fixedFace = .some(face) }
            }
            if fixedFace == nil, !onAnyFace, let levelSet, levelSet[p] > -onBoundary {
                fixedFace = .some(nil)  // on the boundary itself, whatever its neighbours (a re-entrant corner)
            }
            if fixedFace == nil {
                for d in 0..<dimension {
                    if multi[d] > 0, !isActive(p - strides[d]), levelSet == nil || theta(p, p - strides[d]) < Self.minimumTheta { fixedFace = .some(nil) }
                    if multi[d] < counts[d] - 1, !isActive(p + strides[d]), levelSet == nil || theta(p, p + strides[d]) < Self.minimumTheta { fixedFace = .some(nil) }
                }
            }
            if let face = fixedFace {
                gridNode[p] = dirichlet.count
                dirichlet.append(BoundaryNode(point: grid.point(p), face: face, gridPoint: p))
            } else {
                index[p] = points.count
                points.append(p)
            }
        }
        guard !points.isEmpty else { throw PDEError.noUnknowns("the domain has no interior grid points on this grid") }

        // The stencil of each unknown, and the operator's pattern in CSC form. The pattern is
        // symmetric, so column `c` holds `c` and its unknown axis neighbours; unknowns are
        // numbered in grid order, so sorting a column's ≤ 2d + 1 rows is a short insertion sort.
        var flux: [BoundaryNode] = []
        var weights: [Double] = []
        weights.reserveCapacity(points.count)
        let entries = points.count * 2 * dimension
        var start = [0], kinds: [EntryKind] = [], targets: [Int] = [], neighbours: [Int] = []
        var factors: [Double] = [], thetas: [Double] = []
        start.reserveCapacity(points.count + 1)
        kinds.reserveCapacity(entries); targets.reserveCapacity(entries); neighbours.reserveCapacity(entries)
        factors.reserveCapacity(entries); thetas.reserveCapacity(entries)
        var columnPointers = [0], rowIndices: [Int] = []
        columnPointers.reserveCapacity(points.count + 1)
        rowIndices.reserveCapacity(points.count * (2 * dimension + 1))
        var half = [Double](repeating: 1, count: dimension)
        for (row, p) in points.enumerated() {
            var rest = p
            for d in 0..<dimension {
                multi[d] = rest % counts[d]
                rest /= counts[d]
                half[d] = multi[d] == 0 || multi[d] == counts[d] - 1 ? 0.5 : 1.0
            }
            var w = 1.0
            for d in 0..<dimension { w *= half[d] }
            weights.append(w)
            let columnStart = rowIndices.count
            rowIndices.append(row)
            for d in 0..<dimension {
                for side in 0..<2 {
                    let face = 2 * d + side
                    let inBox = side == 0 ? multi[d] > 0 : multi[d] < counts[d] - 1
                    let q = side == 0 ? p - strides[d] : p + strides[d]
                    var kind = EntryKind.unknown, target = 0, factor = w / (half[d] * h[d] * h[d]), t = 1.0
                    if !inBox {
                        kind = .flux
                        target = flux.count
                        factor = w / (half[d] * h[d])
                        t = faces[face].robinAlpha
                        flux.append(BoundaryNode(point: grid.point(p), face: face, gridPoint: p))
                    } else if let column = index[q] {
                        // Insert into this column's sorted rows.
                        rowIndices.append(column)
                        var k = rowIndices.count - 1
                        while k > columnStart, rowIndices[k - 1] > rowIndices[k] {
                            rowIndices.swapAt(k - 1, k)
                            k -= 1
                        }
                        target = column  // replaced by the matrix slot below
                    } else if gridNode[q] >= 0 {
                        kind = .gridDirichlet
                        target = gridNode[q]
                    } else {
                        kind = .interface
                        t = theta(p, q)
                        factor /= t
                        var x = grid.point(p)
                        x[d] += (side == 0 ? -t : t) * h[d]
                        target = dirichlet.count
                        dirichlet.append(BoundaryNode(point: x, face: nil, gridPoint: nil))
                    }
                    kinds.append(kind); targets.append(target); neighbours.append(inBox ? q : p)
                    factors.append(factor); thetas.append(t)
                }
            }
            start.append(kinds.count)
            columnPointers.append(rowIndices.count)
        }
        let structure = SparseMatrix(rows: points.count, columns: points.count, columnPointers: columnPointers, rowIndices: rowIndices,
                                     values: [Double](repeating: 1, count: rowIndices.count), name: "Darcy operator")
        /// The storage index of `(row, column)`: a scan of the column's ≤ 2d + 1 entries.
        func slot(row: Int, column: Int) -> Int {
            var k = columnPointers[column]
            while rowIndices[k] != row { k += 1 }
            return k
        }
        for row in 0..<points.count {
            for e in start[row]..<start[row + 1] where kinds[e] == .unknown {
                targets[e] = slot(row: row, column: targets[e])
            }
        }
        unknownIndex = index
        unknownPoints = points
        dirichletNodes = dirichlet
        fluxNodes = flux
        self.weights = weights
        entryStart = start
        entryKind = kinds
        entryTarget = targets
        entryNeighbour = neighbours
        entryFactor = factors
        entryTheta = thetas
        diagonalSlots = (0..<points.count).map { slot(row: $0, column: $0) }
        dirichletGridPoints = dirichlet.map { $0.gridPoint ?? -1 }
        patternMatrix = structure
        pattern = try CholeskyPattern(analyzing: structure)
    }

    /// `x-min`, `x-max`, `y-min`, … for face `2·d + side`.
    public static func faceName(_ face: Int) -> String {
        "\(["x", "y", "z"][face / 2])-\(face % 2 == 0 ? "min" : "max")"
    }

    /// Boundary data from functions of the node's point (and face): `dirichlet(x)` on Dirichlet
    /// nodes, `flux(x, face)` (zero by default) on Neumann and Robin nodes.
    public func boundaryValues(_ dirichlet: ([Double]) -> Double, flux: (([Double], Int) -> Double)? = nil) -> BoundaryValues {
        BoundaryValues(dirichlet: dirichletNodes.map { dirichlet($0.point) },
                       flux: fluxNodes.map { flux?($0.point, $0.face!) ?? 0 })
    }

    /// The operator's values for `permeability` in the analysed pattern's storage order, and the
    /// boundary part of the right-hand side of each unknown (zero when `boundary` is `nil`).
    /// With `includeValues: false` only the right-hand side is computed (values come back empty),
    /// for callers that reuse an operator already assembled (time stepping).
    func assembleValues(permeability: [Double], boundary: BoundaryValues?, includeValues: Bool = true) -> (values: [Double], coupling: [Double]) {
        var values = [Double](repeating: 0, count: includeValues ? patternMatrix.nonzeroCount : 0)
        var coupling = [Double](repeating: 0, count: unknownPoints.count)
        permeability.withUnsafeBufferPointer { k in
            for (row, p) in unknownPoints.enumerated() {
                var diagonal = 0.0, rhs = 0.0
                let kp = k[p]
                for e in entryStart[row]..<entryStart[row + 1] {
                    let factor = entryFactor[e]
                    switch entryKind[e] {
                    case .unknown:
                        let kq = k[entryNeighbour[e]]
                        let face = 2 * kp * kq / (kp + kq) * factor
                        diagonal += face
                        if includeValues { values[entryTarget[e]] = -face }
                    case .gridDirichlet:
                        let kq = k[entryNeighbour[e]]
                        let face = 2 * kp * kq / (kp + kq) * factor
                        diagonal += face
                        if let boundary { rhs += face * boundary.dirichlet[entryTarget[e]] }
                    case .interface:
                        // K at the middle of the segment from p to the crossing.
                        let t = entryTheta[e]
                        let face = ((1 - t / 2) * kp + t / 2 * k[entryNeighbour[e]]) * factor
                        diagonal += face
                        if let boundary { rhs += face * boundary.dirichlet[entryTarget[e]] }
                    case .flux:
                        diagonal += entryTheta[e] * factor
                        if let boundary { rhs += factor * boundary.flux[entryTarget[e]] }
                    }
                }
                coupling[row] = rhs
                if includeValues { values[diagonalSlots[row]] = diagonal }
            }
        }
        return (values, coupling)
    }

    /// The operator matrix for a coefficient field.
    func operatorMatrix(_ permeability: [Double], name: String) -> SparseMatrix {
        var matrix = patternMatrix.withValues(assembleValues(permeability: permeability, boundary: nil).values)
        matrix.name = name
        return matrix
    }

    /// Unknowns back onto the grid: `g` on Dirichlet grid points, NaN outside the domain.
    public func expand(_ unknowns: [Double], dirichlet: [Double]) -> [Double] {
        var values = [Double](repeating: .nan, count: grid.pointCount)
        for (node, p) in dirichletGridPoints.enumerated() where p >= 0 { values[p] = dirichlet[node] }
        for (k, p) in unknownPoints.enumerated() { values[p] = unknowns[k] }
        return values
    }

    /// Whether the operator is singular (only Neumann conditions): `u` is then fixed only up to
    /// a constant.
    public var isPureNeumann: Bool { dirichletNodes.isEmpty && !faces.contains { $0.robinAlpha > 0 } }

    /// Checks the sizes of boundary data.
    func validate(_ boundary: BoundaryValues) throws {
        guard boundary.dirichlet.count == dirichletNodes.count, boundary.flux.count == fluxNodes.count else {
            throw PDEError.invalidInput("boundary data have \(boundary.dirichlet.count) Dirichlet and \(boundary.flux.count) flux values; the solver has \(dirichletNodes.count) and \(fluxNodes.count) nodes")
        }
        guard boundary.dirichlet.allSatisfy(\.isFinite), boundary.flux.allSatisfy(\.isFinite) else {
            throw PDEError.invalidInput("boundary values must be finite")
        }
    }

    /// The solution on every grid point: `g` on Dirichlet points, NaN outside the domain.
    public struct Solution: Sendable {
        /// `u` at every grid point: solved values inside, `g` on Dirichlet points, NaN outside.
        public let values: [Double]
        /// `‖b − Au‖ / ‖b‖` of the linear solve.
        public let relativeResidual: Double
        /// The number of unknowns solved for.
        public let unknownCount: Int
    }

    /// Solves for one permeability field and source (given per grid point; only the values at
    /// active points are used) and boundary data at the solver's nodes.
    /// - Throws: ``PDEError/invalidInput(_:)`` for wrong sizes, non-finite values, a permeability
    ///   that is not positive or a problem with only Neumann conditions; a ``SparseSolverError``
    ///   from CHOLMOD.
    public func solve(permeability: [Double], source: [Double], boundary: BoundaryValues) throws -> Solution {
        for (name, field) in [("permeability", permeability), ("source", source)] {
            guard field.count == grid.pointCount else {
                throw PDEError.invalidInput("\(name) has \(field.count) values, the grid has \(grid.pointCount)")
            }
        }
        try validate(boundary)
        guard !isPureNeumann else {
            throw PDEError.invalidInput("every boundary condition is Neumann: the steady solution is unique only up to a constant; give a Dirichlet or Robin condition on some part of the boundary")
        }
        for p in 0..<grid.pointCount where mask?[p] ?? true {
            guard permeability[p] > 0, permeability[p].isFinite else {
                throw PDEError.invalidInput("permeability must be positive and finite, got \(permeability[p]) at \(grid.point(p))")
            }
            guard source[p].isFinite else { throw PDEError.invalidInput("source values must be finite at \(grid.point(p))") }
        }
        let (operatorValues, boundaryRHS) = assembleValues(permeability: permeability, boundary: boundary)
        var matrix = patternMatrix.withValues(operatorValues)
        matrix.name = "Darcy operator (\(grid.pointsPerAxis.map(String.init).joined(separator: "×")) grid)"
        let rhs = unknownPoints.enumerated().map { weights[$0.offset] * source[$0.element] + boundaryRHS[$0.offset] }
        let x = try pattern.factorize(matrix).solve(rhs)
        return Solution(values: expand(x, dirichlet: boundary.dirichlet),
                        relativeResidual: relativeResidual(matrix, solution: x, rightHandSide: rhs), unknownCount: x.count)
    }
}

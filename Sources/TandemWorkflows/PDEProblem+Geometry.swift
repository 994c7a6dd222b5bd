import Foundation
import TandemGeometry
import TandemPDE
import TandemSpec

extension ShapeSpec {
    /// The solid this declaration describes.
    /// - Throws: ``ProblemFileError`` at the geometry's line when the shape is invalid.
    func makeShape(in problem: PDEProblem) throws -> Shape {
        var shape: Shape
        let p = parameters
        switch kind {
        case .interval: shape = .interval(lower: p["lower"]![0], upper: p["upper"]![0])
        case .rectangle: shape = .rectangle(lower: p["lower"]!, upper: p["upper"]!)
        case .box: shape = .box(lower: p["lower"]!, upper: p["upper"]!)
        case .disk: shape = .disk(center: p["center"]!, radius: p["radius"]![0])
        case .sphere: shape = .sphere(center: p["center"]!, radius: p["radius"]![0])
        case .ellipse: shape = .ellipse(center: p["center"]!, semiAxes: p["semi_axes"]!)
        case .cylinder: shape = .cylinder(base: p["base"]!, radius: p["radius"]![0], height: p["height"]![0])
        case .polygon: shape = .polygon(vertices)
        }
        for part in add { shape = .union(shape, try part.makeShape(in: problem)) }
        for part in subtract { shape = .difference(shape, try part.makeShape(in: problem)) }
        for part in intersect { shape = .intersection(shape, try part.makeShape(in: problem)) }
        if let scale { shape = .scaled(shape, by: scale) }
        if let rotateDegrees { shape = .rotated(shape, angle: rotateDegrees * .pi / 180) }
        if let translate { shape = .translated(shape, by: translate) }
        do {
            try shape.validate()
        } catch {
            throw problem.error(at: keyPath, "\(error)")
        }
        return shape
    }
}

/// A problem with its geometry built: shapes, the shared grid and each geometry's mask.
public struct ResolvedProblem: Sendable {
    /// The decoded problem file.
    public let problem: PDEProblem
    /// One solid per geometry, in file order.
    public let shapes: [Shape]
    /// One grid for all geometries (so masks and fields line up across geometries).
    public let grid: CartesianGrid
    /// Each geometry rasterised on `grid` (the solver's active points): where its level set is `≤ 0`.
    public let masks: [[Bool]]
    /// Each geometry's signed distance at the grid points (negative inside), from which the
    /// solvers place curved boundaries between grid points.
    public let levelSets: [[Double]]
    /// The coefficient read from a file (`[pde] permeability = "file"`, …), if so.
    public let coefficientFile: GriddedCoefficient?

    /// Builds shapes, grid and masks, and reads a coefficient given as a file.
    /// - Throws: ``ProblemFileError`` for an invalid shape or grid, or a geometry with no grid points inside.
    public init(_ problem: PDEProblem) throws {
        self.problem = problem
        shapes = try problem.geometries.map { try $0.shape.makeShape(in: problem) }
        let boxes = shapes.map(\.boundingBox)
        let d = problem.dimension
        let lower = problem.reference.lower ?? (0..<d).map { a in boxes.map { $0.lower[a] }.min()! }
        let upper = problem.reference.upper ?? (0..<d).map { a in boxes.map { $0.upper[a] }.max()! }
        do {
            grid = try CartesianGrid(pointsPerAxis: problem.reference.grid, lower: lower, upper: upper)
        } catch {
            throw problem.error(at: "reference.grid", "\(error)")
        }
        let grid = self.grid
        levelSets = shapes.map { $0.levelSet(on: grid) }
        let masks = levelSets.map { $0.map { $0 <= 0 } }
        self.masks = masks
        for (i, mask) in masks.enumerated() where mask.filter({ $0 }).count < 3 {
            throw problem.error(at: "geometry[\(i)]", "fewer than 3 grid points fall inside \"\(problem.geometries[i].name)\"; refine reference.grid or enlarge the shape")
        }
        if case let .file(spec) = problem.coefficient {
            let field = try GriddedCoefficient(spec, problem: problem)
            let key = "inputs.\(problem.pde.coefficientKey)"
            if let outside = (0..<grid.pointCount).lazy.map(grid.point).first(where: { !field.covers($0) }) {
                throw problem.error(at: key + ".file", "\(field.origin) covers \(field.extent), but the reference grid reaches \(outside); the file must cover the grid box")
            }
            for (i, shape) in shapes.enumerated() {
                let box = shape.boundingBox
                guard field.covers(box.lower), field.covers(box.upper) else {
                    throw problem.error(at: key + ".file", "\(field.origin) covers \(field.extent), but geometry \"\(problem.geometries[i].name)\" spans \(box.lower) to \(box.upper)")
                }
            }
            coefficientFile = field
        } else {
            coefficientFile = nil
        }
        try validateBoundaries()
    }

    /// Rejects conditions that cannot take effect: a Neumann or Robin face that a geometry does
    /// not reach, and a steady problem whose conditions on some geometry are all Neumann.
    func validateBoundaries() throws {
        let d = grid.dimension
        for i in masks.indices {
            let (onFace, hasOwnBoundary, _) = boundaryReach(geometry: i)
            let name = problem.geometries[i].name
            for (b, condition) in problem.boundaries.enumerated() where condition.kind != .dirichlet {
                for face in condition.faces ?? [] where !onFace[face] {
                    throw problem.error(at: "boundary[\(b)].on", "geometry \"\(name)\" has no grid points on face \(PDEProblem.BoundaryCondition.faceName(face)), so the \(condition.kind.rawValue) condition there would have no effect")
                }
            }
            let fixing = (0..<2 * d).contains { f in onFace[f] && problem.condition(onFace: f).kind != .neumann }
            if problem.time == nil && !hasOwnBoundary && !fixing {
                throw problem.error(at: "boundary", "every condition on geometry \"\(name)\" is Neumann, so the steady solution is unique only up to a constant; give a Dirichlet or Robin condition on some part of the boundary")
            }
        }
    }

    /// Where geometry `i` meets the boundary on the grid: which box faces it has points on,
    /// whether it has boundary off the box (an inside point with an outside axis neighbour, or a
    /// point on the boundary inside the box), and whether that boundary crosses grid lines
    /// between grid points (a point clearly inside next to one outside), where the solver places
    /// it to second order.
    func boundaryReach(geometry i: Int) -> (onFace: [Bool], ownBoundary: Bool, crossesBetweenPoints: Bool) {
        let strides = grid.strides, counts = grid.pointsPerAxis, d = grid.dimension
        let mask = masks[i], phi = levelSets[i], onBoundary = DarcySolver.boundaryTolerance(on: grid)
        var onFace = [Bool](repeating: false, count: 2 * d)
        var own = false, crosses = false
        for p in 0..<grid.pointCount where mask[p] {
            let index = grid.multiIndex(p)
            var inBox = true
            for a in 0..<d {
                for (side, neighbour) in [(0, p - strides[a]), (1, p + strides[a])] {
                    if index[a] == (side == 0 ? 0 : counts[a] - 1) {
                        onFace[2 * a + side] = true
                        inBox = false
                    } else if !mask[neighbour] {
                        own = true
                        if phi[p] < -onBoundary { crosses = true }
                    }
                }
            }
            if inBox && phi[p] >= -onBoundary { own = true }
        }
        return (onFace, own, crosses)
    }

    /// The condition on each face of the grid box, for the solvers.
    public var faceConditions: [FaceCondition] {
        (0..<2 * grid.dimension).map { f in
            let c = problem.condition(onFace: f)
            switch c.kind {
            case .dirichlet: return .dirichlet
            case .neumann: return .neumann
            case .robin: return .robin(alpha: c.alpha!)
            }
        }
    }
}

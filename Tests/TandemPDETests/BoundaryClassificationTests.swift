import Foundation
import TandemGeometry
import TandemPDE
import XCTest

/// Which grid points the Darcy solver solves for: exactly the points strictly inside the
/// geometry (`φ < −10⁻⁶·h`); every point on the boundary holds `g`, re-entrant corners included.
final class BoundaryClassificationTests: XCTestCase {
    static let lShape = Shape.polygon([[-1, -1], [1, -1], [1, 0], [0, 0], [0, 1], [-1, 1]])
    static let cross = Shape.polygon([[-0.5, -1], [0.5, -1], [0.5, -0.5], [1, -0.5], [1, 0.5], [0.5, 0.5],
                                      [0.5, 1], [-0.5, 1], [-0.5, 0.5], [-1, 0.5], [-1, -0.5], [-0.5, -0.5]])
    static let star = Shape.polygon([[1, 0], [0.25, 0.25], [0, 1], [-0.25, 0.25], [-1, 0], [-0.25, -0.25], [0, -1], [0.25, -0.25]])

    func grid(_ n: Int) throws -> CartesianGrid {
        try CartesianGrid(pointsPerAxis: [n, n], lower: [-1, -1], upper: [1, 1])
    }

    func testUnknownsAreTheInteriorPointsOnPolygonsWithReentrantCorners() throws {
        for (name, shape) in [("L", Self.lShape), ("cross", Self.cross), ("star", Self.star)] {
            for n in [17, 33, 65] {
                let grid = try grid(n)
                let phi = shape.levelSet(on: grid)
                let interior = phi.filter { $0 < -1e-6 * grid.spacing[0] }.count
                let solver = try DarcySolver(grid: grid, levelSet: phi)
                XCTAssertEqual(solver.unknownPoints.count, interior, "\(name) on \(n)² points")
                for p in solver.unknownPoints { XCTAssertLessThan(phi[p], 0, "\(name): unknown at \(grid.point(p))") }
            }
        }
    }

    /// Zero Dirichlet data and `f = 1`: the solution vanishes on the boundary, corners included.
    func testReentrantCornerHoldsTheBoundaryValue() throws {
        let grid = try grid(33)
        let solver = try DarcySolver(grid: grid, levelSet: Self.lShape.levelSet(on: grid))
        let ones = [Double](repeating: 1, count: grid.pointCount)
        let u = try solver.solve(permeability: ones, source: ones, boundary: solver.boundaryValues { _ in 0 }).values
        let corner = 16 * 33 + 16
        XCTAssertEqual(grid.point(corner), [0, 0])
        XCTAssertEqual(u[corner], 0)
    }

    /// The corner singularity of the L-shape: `u = r^{2/3} sin(2α/3)`, `α` the angle from the
    /// notch edge `x = 0, y > 0`, is harmonic and vanishes on both notch edges (the classic test
    /// of Fox, Henrici & Moler 1967). It limits the relative L2 error to order 4/3; the observed
    /// order against it must reach 1.2.
    func testLShapeConvergesAtTheOrderTheCornerAllows() throws {
        func exact(_ p: [Double]) -> Double {
            var theta = atan2(p[1], p[0])
            if theta < .pi / 2 - 1e-12 { theta += 2 * .pi }
            return pow(p[0] * p[0] + p[1] * p[1], 1.0 / 3) * sin(2 * (theta - .pi / 2) / 3)
        }
        let errors = try [33, 65, 129, 257].map { n -> Double in
            let grid = try grid(n)
            let solver = try DarcySolver(grid: grid, levelSet: Self.lShape.levelSet(on: grid))
            let ones = [Double](repeating: 1, count: grid.pointCount)
            let solution = try solver.solve(permeability: ones, source: [Double](repeating: 0, count: grid.pointCount),
                                            boundary: solver.boundaryValues(exact))
            XCTAssertLessThanOrEqual(solution.relativeResidual, 1e-10)
            var difference = 0.0, norm = 0.0
            for p in 0..<grid.pointCount where !solution.values[p].isNaN {
                let u = exact(grid.point(p))
                difference += (solution.values[p] - u) * (solution.values[p] - u)
                norm += u * u
            }
            return (difference / norm).squareRoot()
        }
        let orders = zip(errors, errors.dropFirst()).map { log2($0 / $1) }
        print("L-shape corner singularity: relative L2 errors \(errors.map { String(format: "%.3e", $0) }), observed orders \(orders.map { String(format: "%.3f", $0) })")
        for order in orders { XCTAssertGreaterThanOrEqual(order, 1.2, "orders \(orders)") }
    }
}

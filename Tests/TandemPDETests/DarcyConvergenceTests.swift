import Foundation
import TandemGeometry
import TandemPDE
import XCTest

/// Method of manufactured solutions: pick `u` and `K`, set `f = −∇·(K∇u)` analytically, solve
/// on three grids and assert the observed order `log₂(e_h / e_{h/2})` of the maximum error.
final class DarcyConvergenceTests: XCTestCase {
    struct Manufactured {
        let u: ([Double]) -> Double
        let k: ([Double]) -> Double
        let f: ([Double]) -> Double
    }

    /// Maximum nodal error and largest linear-solve residual on each level.
    func errors(_ m: Manufactured, levels: [Int], dimension: Int, mask: ((CartesianGrid) -> [Bool])? = nil,
                lower: Double = 0, upper: Double = 1) throws -> [Double] {
        try levels.map { n in
            let grid = try CartesianGrid(
                pointsPerAxis: Array(repeating: n, count: dimension),
                lower: Array(repeating: lower, count: dimension), upper: Array(repeating: upper, count: dimension))
            let solver = try DarcySolver(grid: grid, mask: mask?(grid))
            let solution = try solver.solve(permeability: grid.sample(m.k), source: grid.sample(m.f), boundary: grid.sample(m.u))
            XCTAssertLessThanOrEqual(solution.relativeResidual, 1e-10, "residual on \(n) points per axis")
            let exact = grid.sample(m.u)
            return zip(solution.values, exact).filter { !$0.0.isNaN }.map { abs($0.0 - $0.1) }.max()!
        }
    }

    func assertOrder(_ name: String, _ errors: [Double], atLeast minimum: Double, file: StaticString = #filePath, line: UInt = #line) {
        let orders = zip(errors, errors.dropFirst()).map { log2($0 / $1) }
        print("\(name): max errors \(errors.map { String(format: "%.3e", $0) }), observed orders \(orders.map { String(format: "%.3f", $0) })")
        for order in orders { XCTAssertGreaterThanOrEqual(order, minimum, "\(name): orders \(orders)", file: file, line: line) }
    }

    func test1DVariableCoefficient() throws {
        let m = Manufactured(
            u: { x in sin(.pi * x[0]) + x[0] * x[0] },
            k: { x in 1 + x[0] / 2 },
            f: { x in
                let ux = .pi * cos(.pi * x[0]) + 2 * x[0], uxx = -.pi * .pi * sin(.pi * x[0]) + 2
                return -(0.5 * ux + (1 + x[0] / 2) * uxx)
            })
        assertOrder("Darcy 1D", try errors(m, levels: [17, 33, 65], dimension: 1), atLeast: 1.9)
    }

    func test2DVariableCoefficient() throws {
        let m = Manufactured(
            u: { p in sin(.pi * p[0]) * sin(.pi * p[1]) + p[0] * p[1] },
            k: { p in 1 + 0.5 * sin(p[0]) * cos(p[1]) },
            f: { p in
                let (x, y) = (p[0], p[1])
                let k = 1 + 0.5 * sin(x) * cos(y), kx = 0.5 * cos(x) * cos(y), ky = -0.5 * sin(x) * sin(y)
                let ux = .pi * cos(.pi * x) * sin(.pi * y) + y, uy = .pi * sin(.pi * x) * cos(.pi * y) + x
                let lap = -2 * .pi * .pi * sin(.pi * x) * sin(.pi * y)
                return -(kx * ux + ky * uy + k * lap)
            })
        assertOrder("Darcy 2D", try errors(m, levels: [17, 33, 65], dimension: 2), atLeast: 1.9)
    }

    func test3DVariableCoefficient() throws {
        let m = Manufactured(
            u: { p in sin(.pi * p[0]) * sin(.pi * p[1]) * sin(.pi * p[2]) + p[0] },
            k: { p in exp(0.3 * (p[0] + p[1] + p[2])) },
            f: { p in
                let (x, y, z) = (p[0], p[1], p[2])
                let k = exp(0.3 * (x + y + z)), s = sin(.pi * x) * sin(.pi * y) * sin(.pi * z)
                let ux = .pi * cos(.pi * x) * sin(.pi * y) * sin(.pi * z) + 1
                let uy = .pi * sin(.pi * x) * cos(.pi * y) * sin(.pi * z)
                let uz = .pi * sin(.pi * x) * sin(.pi * y) * cos(.pi * z)
                return -(0.3 * k * (ux + uy + uz) - 3 * .pi * .pi * k * s)
            })
        assertOrder("Darcy 3D", try errors(m, levels: [9, 17, 33], dimension: 3), atLeast: 1.9)
    }

    /// A disk, stair-stepped on the grid, with the boundary data evaluated at the stair-step
    /// points: the data are exact there, so the order stays two. (With data prescribed on the
    /// true circle and transferred to the nearest grid point, stair-stepping is first order.)
    func test2DDiskWithStairSteppedBoundary() throws {
        let m = Manufactured(
            u: { p in exp(p[0]) * sin(2 * p[1]) },
            k: { _ in 1 },
            f: { p in 3 * exp(p[0]) * sin(2 * p[1]) })
        let disk: (CartesianGrid) -> [Bool] = { grid in (0..<grid.pointCount).map { i in
            let p = grid.point(i)
            return p[0] * p[0] + p[1] * p[1] <= 0.81
        } }
        assertOrder("Poisson 2D disk", try errors(m, levels: [33, 65, 129], dimension: 2, mask: disk, lower: -1, upper: 1), atLeast: 1.9)
    }

    func testBadInputsAreRejected() throws {
        let grid = try CartesianGrid(pointsPerAxis: [5, 5], lower: [0, 0], upper: [1, 1])
        let solver = try DarcySolver(grid: grid)
        let ones = [Double](repeating: 1, count: 25)
        var k = ones
        k[12] = -1
        XCTAssertThrowsError(try solver.solve(permeability: k, source: ones, boundary: ones)) {
            XCTAssertEqual("\($0)", "invalid input: permeability must be positive and finite, got -1.0 at [0.5, 0.5]")
        }
        XCTAssertThrowsError(try solver.solve(permeability: [1], source: ones, boundary: ones)) {
            XCTAssertTrue("\($0)".contains("permeability has 1 values, the grid has 25"), "\($0)")
        }
        XCTAssertThrowsError(try CartesianGrid(pointsPerAxis: [2, 5], lower: [0, 0], upper: [1, 1]))
        XCTAssertThrowsError(try DarcySolver(grid: grid, mask: [Bool](repeating: false, count: 25))) {
            XCTAssertTrue("\($0)".contains("no interior grid points"), "\($0)")
        }
    }
}

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
        /// `∇u`, for Neumann and Robin data.
        var gradient: (([Double]) -> [Double])? = nil
    }

    /// Maximum nodal error on each level, asserting every solve's residual.
    /// - Parameters:
    ///   - mask: a stair-stepped domain; `levelSet`: a domain with its boundary between grid points.
    ///   - faces: box-face conditions; Neumann and Robin data come from `m.gradient`.
    func errors(_ m: Manufactured, levels: [Int], dimension: Int, mask: ((CartesianGrid) -> [Bool])? = nil,
                levelSet: (([Double]) -> Double)? = nil, faces: [FaceCondition]? = nil,
                lower: Double = 0, upper: Double = 1) throws -> [Double] {
        try levels.map { n in
            let grid = try CartesianGrid(
                pointsPerAxis: Array(repeating: n, count: dimension),
                lower: Array(repeating: lower, count: dimension), upper: Array(repeating: upper, count: dimension))
            let solver = try DarcySolver(grid: grid, mask: mask?(grid), levelSet: levelSet.map { grid.sample($0) }, faces: faces)
            let boundary = solver.boundaryValues(m.u) { x, face in
                // K ∂u/∂n (+ α u on Robin faces), n the outward normal of the face.
                let normal = face % 2 == 0 ? -1.0 : 1.0
                return m.k(x) * m.gradient!(x)[face / 2] * normal + solver.faces[face].robinAlpha * m.u(x)
            }
            let solution = try solver.solve(permeability: grid.sample(m.k), source: grid.sample(m.f), boundary: boundary)
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

    /// The same disk with the boundary between grid points (level set `r − 0.9`) and the data
    /// on the true circle: second order.
    func test2DDiskWithBoundaryBetweenGridPoints() throws {
        let m = Manufactured(
            u: { p in exp(p[0]) * sin(2 * p[1]) + p[0] * p[0] },
            k: { p in 1 + 0.3 * p[0] * p[1] },
            f: { p in
                let (x, y) = (p[0], p[1])
                let k = 1 + 0.3 * x * y, kx = 0.3 * y, ky = 0.3 * x
                let ux = exp(x) * sin(2 * y) + 2 * x, uy = 2 * exp(x) * cos(2 * y)
                let lap = -3 * exp(x) * sin(2 * y) + 2
                return -(kx * ux + ky * uy + k * lap)
            })
        let circle: ([Double]) -> Double = { p in (p[0] * p[0] + p[1] * p[1]).squareRoot() - 0.9 }
        assertOrder("Darcy 2D disk, boundary between grid points", try errors(m, levels: [33, 65, 129], dimension: 2, levelSet: circle, lower: -1, upper: 1), atLeast: 1.9)
    }

    /// A ball in 3-D, boundary between grid points. The maximum-norm order fluctuates with how
    /// the sphere cuts the grid: 1.86, 1.80, then 2.09 from 65 to 129 points per axis (1.92
    /// over the four levels); the three levels run here are asserted at 1.75.
    func test3DBallWithBoundaryBetweenGridPoints() throws {
        let m = Manufactured(
            u: { p in sin(p[0]) * cosh(p[1]) + p[2] * p[2] },
            k: { _ in 1 },
            f: { _ in -2 })
        let sphere: ([Double]) -> Double = { p in (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).squareRoot() - 0.8 }
        assertOrder("Poisson 3D ball, boundary between grid points", try errors(m, levels: [17, 33, 65], dimension: 3, levelSet: sphere, lower: -1, upper: 1), atLeast: 1.75)
    }

    var smooth2D: Manufactured { Manufactured(
        u: { p in cos(2 * p[0]) * exp(p[1]) + p[0] * p[1] },
        k: { p in 1 + 0.5 * p[0] * p[0] + 0.25 * p[1] },
        f: { p in
            let (x, y) = (p[0], p[1])
            let k = 1 + 0.5 * x * x + 0.25 * y, kx = x, ky = 0.25
            let ux = -2 * sin(2 * x) * exp(y) + y, uy = cos(2 * x) * exp(y) + x
            let lap = -3 * cos(2 * x) * exp(y)
            return -(kx * ux + ky * uy + k * lap)
        },
        gradient: { p in [-2 * sin(2 * p[0]) * exp(p[1]) + p[1], cos(2 * p[0]) * exp(p[1]) + p[0]] }) }

    /// Neumann on x-min and y-max, Robin on x-max, Dirichlet on y-min (so corners of every kind
    /// occur): half-cell finite volumes, second order.
    func test2DNeumannAndRobinFaces() throws {
        let faces: [FaceCondition] = [.neumann, .robin(alpha: 2), .dirichlet, .neumann]
        assertOrder("Darcy 2D Neumann/Robin faces", try errors(smooth2D, levels: [17, 33, 65], dimension: 2, faces: faces), atLeast: 1.9)
    }

    /// Robin everywhere (no Dirichlet point at all) in 1-D and Neumann + Robin in 3-D.
    func test1DRobinAnd3DNeumannFaces() throws {
        let m1 = Manufactured(
            u: { x in exp(x[0]) }, k: { x in 1 + x[0] }, f: { x in -(exp(x[0]) + (1 + x[0]) * exp(x[0])) },
            gradient: { x in [exp(x[0])] })
        assertOrder("Darcy 1D Robin", try errors(m1, levels: [17, 33, 65], dimension: 1, faces: [.robin(alpha: 1), .robin(alpha: 3)]), atLeast: 1.9)
        let m3 = Manufactured(
            u: { p in sin(p[0] + 0.5) * cos(p[1]) * exp(0.5 * p[2]) },
            k: { _ in 1 },
            f: { p in 1.75 * sin(p[0] + 0.5) * cos(p[1]) * exp(0.5 * p[2]) },
            gradient: { p in
                let (a, b, c) = (sin(p[0] + 0.5), cos(p[1]), exp(0.5 * p[2]))
                return [cos(p[0] + 0.5) * b * c, -a * sin(p[1]) * c, 0.5 * a * b * c]
            })
        let faces: [FaceCondition] = [.dirichlet, .neumann, .neumann, .robin(alpha: 1), .neumann, .neumann]
        assertOrder("Poisson 3D Neumann/Robin faces", try errors(m3, levels: [9, 17, 33], dimension: 3, faces: faces), atLeast: 1.9)
    }

    func testPureNeumannIsRejected() throws {
        let grid = try CartesianGrid(pointsPerAxis: [9, 9], lower: [0, 0], upper: [1, 1])
        let solver = try DarcySolver(grid: grid, faces: Array(repeating: .neumann, count: 4))
        let ones = [Double](repeating: 1, count: grid.pointCount)
        XCTAssertThrowsError(try solver.solve(permeability: ones, source: ones, boundary: solver.boundaryValues { _ in 0 })) {
            XCTAssertTrue("\($0)".contains("unique only up to a constant"), "\($0)")
        }
        XCTAssertThrowsError(try DarcySolver(grid: grid, faces: [.robin(alpha: -1), .dirichlet, .dirichlet, .dirichlet])) {
            XCTAssertTrue("\($0)".contains("Robin coefficient α must be positive on face x-min"), "\($0)")
        }
    }

    func testBadInputsAreRejected() throws {
        let grid = try CartesianGrid(pointsPerAxis: [5, 5], lower: [0, 0], upper: [1, 1])
        let solver = try DarcySolver(grid: grid)
        let ones = [Double](repeating: 1, count: 25)
        var k = ones
        k[12] = -1
        let zero = solver.boundaryValues { _ in 0 }
        XCTAssertThrowsError(try solver.solve(permeability: k, source: ones, boundary: zero)) {
            XCTAssertEqual("\($0)", "invalid input: permeability must be positive and finite, got -1.0 at [0.5, 0.5]")
        }
        XCTAssertThrowsError(try solver.solve(permeability: [1], source: ones, boundary: zero)) {
            XCTAssertTrue("\($0)".contains("permeability has 1 values, the grid has 25"), "\($0)")
        }
        XCTAssertThrowsError(try CartesianGrid(pointsPerAxis: [2, 5], lower: [0, 0], upper: [1, 1]))
        XCTAssertThrowsError(try DarcySolver(grid: grid, mask: [Bool](repeating: false, count: 25))) {
            XCTAssertTrue("\($0)".contains("no interior grid points"), "\($0)")
        }
    }
}

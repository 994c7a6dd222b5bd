import Foundation
import TandemGeometry
import TandemPDE
import XCTest

final class TimeStepperTests: XCTestCase {
    func orders(_ errors: [Double]) -> [Double] { zip(errors, errors.dropFirst()).map { log2($0 / $1) } }

    /// Heat with `u = e^{−t}(x(1−x) + y²/2)`: quadratic in space, so the 5-point Laplacian is exact
    /// and only the time discretisation errs. Backward Euler is first order, Crank–Nicolson second.
    func testHeatTemporalOrders() throws {
        let grid = try CartesianGrid(pointsPerAxis: [11, 11], lower: [0, 0], upper: [1, 1])
        let s: ([Double]) -> Double = { p in p[0] * (1 - p[0]) + 0.5 * p[1] * p[1] }
        let exact: (Double) -> [Double] = { t in grid.sample { exp(-t) * s($0) } }
        let gradient: ([Double]) -> [Double] = { p in [1 - 2 * p[0], p[1]] }
        // All Dirichlet, then Neumann on x-min and x-max and Robin on y-max (half cells and the
        // mass matrix diag(W)); the half-cell scheme is exact for quadratics too.
        for faces: [FaceCondition] in [[.dirichlet, .dirichlet, .dirichlet, .dirichlet], [.neumann, .neumann, .dirichlet, .robin(alpha: 1)]] {
            let stepper = try TimeStepper(grid: grid, faces: faces, diffusivity: [Double](repeating: 1, count: grid.pointCount))
            let boundary: (Double) -> BoundaryValues = { t in
                stepper.boundaryValues({ exp(-t) * s($0) }) { p, face in
                    exp(-t) * (gradient(p)[face / 2] * (face % 2 == 0 ? -1 : 1) + faces[face].robinAlpha * s(p))
                }
            }
            for (scheme, minimum) in [(TimeStepper.Scheme.backwardEuler, 0.9), (.crankNicolson, 1.9)] {
                let errors = try [0.1, 0.05, 0.025].map { dt -> Double in
                    let fields = try stepper.integrate(
                        initial: exact(0), timeStep: dt, steps: Int((1 / dt).rounded()), scheme: scheme,
                        boundary: boundary, source: { t in grid.sample { exp(-t) * (1 - s($0)) } }, recordEvery: 1000)
                    return zip(fields.last!, exact(1)).map { abs($0 - $1) }.max()!
                }
                let observed = orders(errors)
                print("heat \(scheme.rawValue), faces \(faces): errors \(errors.map { String(format: "%.3e", $0) }), orders \(observed.map { String(format: "%.3f", $0) })")
                for order in observed { XCTAssertGreaterThanOrEqual(order, minimum, "\(scheme): \(observed)") }
                XCTAssertLessThanOrEqual(stepper.maximumLinearResidual, 1e-10)
            }
        }
    }

    /// Fisher–KPP `u_t = u_xx + u(1 − u)` against the travelling wave of Ablowitz & Zeppetella
    /// (Bull. Math. Biol. 41, 1979): `u = (1 + C·exp(x/√6 − 5t/6))⁻²`, here with C = 1.
    func testFisherTravellingWave() throws {
        let wave: (Double, Double) -> Double = { x, t in pow(1 + exp(x / 6.0.squareRoot() - 5 * t / 6), -2) }
        let grid = try CartesianGrid(pointsPerAxis: [3001], lower: [-20], upper: [40])
        let stepper = try TimeStepper(grid: grid, diffusivity: [Double](repeating: 1, count: grid.pointCount))
        let fisher = TimeStepper.Reaction(value: { $0 * (1 - $0) }, derivative: { 1 - 2 * $0 })
        let exact: (Double) -> [Double] = { t in grid.sample { wave($0[0], t) } }
        let boundary: (Double) -> BoundaryValues = { t in stepper.boundaryValues { wave($0[0], t) } }
        var errors: [Double] = []
        for dt in [0.04, 0.02, 0.01] {
            let fields = try stepper.integrate(
                initial: exact(0), timeStep: dt, steps: Int((1 / dt).rounded()), scheme: .crankNicolson,
                reaction: fisher, boundary: boundary, recordEvery: 1000)
            errors.append(zip(fields.last!, exact(1)).map { abs($0 - $1) }.max()!)
        }
        print("Fisher wave, Crank–Nicolson, h = 0.02: max errors at t = 1 \(errors.map { String(format: "%.3e", $0) }), orders \(orders(errors).map { String(format: "%.3f", $0) })")
        XCTAssertLessThan(errors.last!, 1e-4)
        XCTAssertGreaterThanOrEqual(orders(errors)[0], 1.8)
        XCTAssertLessThanOrEqual(stepper.maximumLinearResidual, 1e-10)

        // Backward Euler converges at first order.
        let be = try [0.04, 0.02].map { dt -> Double in
            let fields = try stepper.integrate(initial: exact(0), timeStep: dt, steps: Int((1 / dt).rounded()), scheme: .backwardEuler,
                                               reaction: fisher, boundary: boundary, recordEvery: 1000)
            return zip(fields.last!, exact(1)).map { abs($0 - $1) }.max()!
        }
        XCTAssertGreaterThanOrEqual(orders(be)[0], 0.9, "backward Euler \(be)")
    }

    func testNewtonFailureIsReported() throws {
        let grid = try CartesianGrid(pointsPerAxis: [21], lower: [0], upper: [1])
        let stepper = try TimeStepper(grid: grid, diffusivity: [Double](repeating: 1, count: 21))
        stepper.maximumNewtonIterations = 1
        let blowUp = TimeStepper.Reaction(value: { $0 * $0 * $0 }, derivative: { 3 * $0 * $0 })
        XCTAssertThrowsError(try stepper.integrate(
            initial: [Double](repeating: 2, count: 21), timeStep: 0.5, steps: 2, scheme: .backwardEuler,
            reaction: blowUp, boundary: { _ in stepper.boundaryValues { _ in 2 } })) {
            XCTAssertTrue("\($0)".contains("Newton's method did not converge at t = 0.5"), "\($0)")
        }
    }
    /// Output times that do not divide `[0, 1]` evenly: each interval takes its own equal steps,
    /// the fields are at the listed times (Crank–Nicolson error of the step size, the space error
    /// is zero for this quadratic), and uniform intervals give the uniform integration.
    func testIntegrationLandsOnListedTimes() throws {
        let grid = try CartesianGrid(pointsPerAxis: [11, 11], lower: [0, 0], upper: [1, 1])
        let s: ([Double]) -> Double = { p in p[0] * (1 - p[0]) + 0.5 * p[1] * p[1] }
        let exact: (Double) -> [Double] = { t in grid.sample { exp(-t) * s($0) } }
        let stepper = try TimeStepper(grid: grid, diffusivity: [Double](repeating: 1, count: grid.pointCount))
        let boundary: (Double) -> BoundaryValues = { t in stepper.boundaryValues { exp(-t) * s($0) } }
        let source: (Double) -> [Double] = { t in grid.sample { exp(-t) * (1 - s($0)) } }
        let times = [0.013, 0.3, 0.7071, 1.0]
        let fields = try stepper.integrate(initial: exact(0), through: times, steps: [1, 29, 41, 30], scheme: .crankNicolson,
                                           boundary: boundary, source: source)
        XCTAssertEqual(fields.count, 5)
        for (t, field) in zip(times, fields.dropFirst()) {
            XCTAssertLessThan(zip(field, exact(t)).map { abs($0 - $1) }.max()!, 1e-4, "at t = \(t)")
        }
        let uniform = try stepper.integrate(initial: exact(0), timeStep: 0.05, steps: 20, scheme: .crankNicolson,
                                            boundary: boundary, source: source, recordEvery: 5)
        let landed = try stepper.integrate(initial: exact(0), through: [0.25, 0.5, 0.75, 1], steps: [5, 5, 5, 5], scheme: .crankNicolson,
                                           boundary: boundary, source: source)
        for (a, b) in zip(uniform, landed) {
            XCTAssertLessThan(zip(a, b).map { $0.isNaN ? 0 : abs($0 - $1) }.max()!, 1e-13)
        }
        XCTAssertThrowsError(try stepper.integrate(initial: exact(0), through: [0.5, 0.4], steps: [1, 1], scheme: .crankNicolson, boundary: boundary))
    }
}

import Foundation
import TandemGeometry
import TandemSparse

/// Implicit time stepping for `u_t = ∇·(D∇u) + R(u) + q(x, t)` on a masked grid with Dirichlet
/// values `g(x, t)` on the boundary points (heat when `R = 0`, reaction–diffusion otherwise).
///
/// The θ-method: with `A` the finite-difference matrix of `−∇·(D∇·)` on the interior unknowns,
/// `(uⁿ⁺¹ − uⁿ)/Δt = −θ(Auⁿ⁺¹ − bⁿ⁺¹) − (1−θ)(Auⁿ − bⁿ) + θ·Rⁿ⁺¹ + (1−θ)·Rⁿ`,
/// where `b` collects boundary values and the source. `θ = 1` is backward Euler (first order in
/// time), `θ = ½` Crank–Nicolson (second order). Without a reaction the system matrix
/// `I/Δt + θA` is constant and symmetric positive definite: CHOLMOD factorises it once. With a
/// reaction each step is solved by Newton's method, `J = I/Δt + θ(A − diag R′(u))`, factorised by
/// UMFPACK on a pattern analysed once.
public final class TimeStepper: @unchecked Sendable {
    /// The time discretisation.
    public enum Scheme: String, CaseIterable, Codable, Sendable {
        case backwardEuler = "backward-euler"
        case crankNicolson = "crank-nicolson"
        var theta: Double { self == .backwardEuler ? 1 : 0.5 }
    }

    /// A reaction term `R(u)` and its derivative, applied pointwise.
    public struct Reaction: Sendable {
        /// `R(u)`.
        public let value: @Sendable (Double) -> Double
        /// `R′(u)`.
        public let derivative: @Sendable (Double) -> Double
        /// A reaction from its value and derivative.
        public init(value: @escaping @Sendable (Double) -> Double, derivative: @escaping @Sendable (Double) -> Double) {
            self.value = value
            self.derivative = derivative
        }
    }

    /// The grid the problem is discretised on.
    public let grid: CartesianGrid
    let operatorSolver: DarcySolver
    let operatorMatrix: SparseMatrix
    let diffusivity: [Double]
    /// Newton stops at this relative residual.
    public var newtonTolerance = 1e-10
    /// Newton iterations per step before ``PDEError/newtonFailed(time:iterations:residual:)``.
    public var maximumNewtonIterations = 25
    /// The largest relative linear-solve residual seen so far.
    public private(set) var maximumLinearResidual = 0.0

    /// - Parameters:
    ///   - diffusivity: `D` at every grid point (positive).
    public init(grid: CartesianGrid, mask: [Bool]? = nil, diffusivity: [Double]) throws {
        self.grid = grid
        operatorSolver = try DarcySolver(grid: grid, mask: mask)
        guard diffusivity.count == grid.pointCount, diffusivity.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw PDEError.invalidInput("diffusivity needs a positive, finite value at each of the \(grid.pointCount) grid points")
        }
        self.diffusivity = diffusivity
        var matrix = operatorSolver.patternMatrix.withValues(operatorSolver.assembleValues(permeability: diffusivity, boundary: nil).values)
        matrix.name = "diffusion operator"
        operatorMatrix = matrix
    }

    /// The interior unknowns' grid points.
    public var unknownPoints: [Int] { operatorSolver.unknownPoints }

    /// `b = (boundary coupling of g) + q` on the unknowns.
    func forcing(boundary g: [Double], source q: [Double]?) throws -> [Double] {
        let coupling = operatorSolver.assembleValues(permeability: diffusivity, boundary: g, includeValues: false).coupling
        return unknownPoints.enumerated().map { k, p in coupling[k] + (q?[p] ?? 0) }
    }

    /// Advances `initial` (values at every grid point) by `steps` steps of `Δt` from `t₀`,
    /// returning the field at every grid point after each multiple of `recordEvery` steps
    /// (the initial field first). Points outside the mask are NaN.
    /// - Parameters:
    ///   - boundary: `g(t)` at every grid point (only boundary points are used).
    ///   - source: `q(t)` at every grid point, or `nil` for none.
    /// - Throws: ``PDEError/newtonFailed(time:iterations:residual:)``, solver errors.
    public func integrate(
        initial: [Double], from t0: Double = 0, timeStep dt: Double, steps: Int, scheme: Scheme,
        reaction: Reaction? = nil, boundary: (Double) -> [Double], source: ((Double) -> [Double])? = nil,
        recordEvery: Int = 1
    ) throws -> [[Double]] {
        guard dt > 0, steps >= 0, recordEvery >= 1, initial.count == grid.pointCount else {
            throw PDEError.invalidInput("time stepping needs Δt > 0, steps ≥ 0 and an initial value at each grid point")
        }
        let theta = scheme.theta
        let a = operatorMatrix
        let n = unknownPoints.count
        var u = unknownPoints.map { initial[$0] }
        var t = t0
        var bOld = try forcing(boundary: boundary(t0), source: source?(t0))
        var snapshots = [expand(u, boundary: boundary(t0))]

        // I/Δt + θA: the same pattern as A (its diagonal is stored), new values.
        func shifted(_ diagonalExtra: [Double]) -> SparseMatrix {
            var values = a.values.map { $0 * theta }
            for j in 0..<n {
                for k in a.columnPointers[j]..<a.columnPointers[j + 1] where a.rowIndices[k] == j {
                    values[k] += 1 / dt + diagonalExtra[j]
                }
            }
            var m = a.withValues(values)
            m.name = "time-step matrix (Δt = \(dt))"
            return m
        }
        let linearFactor: CholeskyFactor? = reaction == nil
            ? try CholeskyPattern(analyzing: a).factorize(shifted([Double](repeating: 0, count: n))) : nil
        let luPattern: LUPattern? = reaction == nil ? nil : try LUPattern(analyzing: a)

        for step in 1...max(steps, 1) where steps > 0 {
            let tNew = t0 + Double(step) * dt
            let bNew = try forcing(boundary: boundary(tNew), source: source?(tNew))
            let au = a.multiply(u)
            // Explicit part: uⁿ/Δt − (1−θ)(Auⁿ − bⁿ) + θbⁿ⁺¹ (+ (1−θ)R(uⁿ)).
            var rhs = (0..<n).map { i in u[i] / dt - (1 - theta) * (au[i] - bOld[i]) + theta * bNew[i] }
            if let reaction {
                for i in 0..<n { rhs[i] += (1 - theta) * reaction.value(u[i]) }
                // Newton on F(v) = v/Δt + θ(Av − R(v)) − rhs.
                var v = u
                var converged = false
                var residualNorm = Double.infinity
                let rhsNorm = max(rhs.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
                for _ in 0..<maximumNewtonIterations {
                    let av = a.multiply(v)
                    let f = (0..<n).map { i in v[i] / dt + theta * (av[i] - reaction.value(v[i])) - rhs[i] }
                    residualNorm = f.reduce(0) { $0 + $1 * $1 }.squareRoot() / rhsNorm
                    if residualNorm <= newtonTolerance { converged = true; break }
                    let jacobian = shifted(v.map { -theta * reaction.derivative($0) })
                    let delta = try luPattern!.factorize(jacobian).solve(f)
                    maximumLinearResidual = max(maximumLinearResidual, relativeResidual(jacobian, solution: delta, rightHandSide: f))
                    for i in 0..<n { v[i] -= delta[i] }
                }
                guard converged else { throw PDEError.newtonFailed(time: tNew, iterations: maximumNewtonIterations, residual: residualNorm) }
                u = v
            } else {
                u = try linearFactor!.solve(rhs)
            }
            bOld = bNew
            t = tNew
            if step % recordEvery == 0 || step == steps { snapshots.append(expand(u, boundary: boundary(t))) }
        }
        return snapshots
    }

    /// Unknowns back onto the grid: boundary values on boundary points, NaN outside.
    func expand(_ u: [Double], boundary g: [Double]) -> [Double] {
        var field = [Double](repeating: .nan, count: grid.pointCount)
        let mask = operatorSolver.mask
        for p in 0..<grid.pointCount where mask?[p] ?? true { field[p] = g[p] }
        for (k, p) in unknownPoints.enumerated() { field[p] = u[k] }
        return field
    }
}

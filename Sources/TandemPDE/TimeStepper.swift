import Foundation
import TandemGeometry
import TandemSparse

/// Implicit time stepping for `u_t = ∇·(D∇u) + R(u) + q(x, t)` on a masked grid with the boundary
/// conditions of a ``DarcySolver`` (heat when `R = 0`, reaction–diffusion otherwise).
///
/// The θ-method: with `A` the finite-volume matrix of `−∇·(D∇·)` on the unknowns, `M = diag(W)`
/// their control-volume fractions (1 inside, ½ on a Neumann or Robin face) and `b` the boundary
/// data plus `M·q`,
/// `M(uⁿ⁺¹ − uⁿ)/Δt = −θ(Auⁿ⁺¹ − bⁿ⁺¹) − (1−θ)(Auⁿ − bⁿ) + θ·M·Rⁿ⁺¹ + (1−θ)·M·Rⁿ`.
/// `θ = 1` is backward Euler (first order in time), `θ = ½` Crank–Nicolson (second order).
/// Without a reaction the system matrix `M/Δt + θA` is constant and symmetric positive definite:
/// CHOLMOD factorises it once. With a reaction each step is solved by Newton's method,
/// `J = M/Δt + θ(A − M·diag R′(u))`, factorised by UMFPACK on a pattern analysed once.
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
    /// The spatial discretisation (unknowns, boundary nodes, stencil).
    public let spatial: DarcySolver
    let operatorMatrix: SparseMatrix
    let diffusivity: [Double]
    /// Newton stops at this relative residual.
    public var newtonTolerance = 1e-10
    /// Newton iterations per step before ``PDEError/newtonFailed(time:iterations:residual:)``.
    public var maximumNewtonIterations = 25
    /// The largest relative linear-solve residual seen so far.
    public private(set) var maximumLinearResidual = 0.0

    /// - Parameters:
    ///   - mask, levelSet, faces: the domain and its conditions, as for ``DarcySolver``.
    ///   - diffusivity: `D` at every grid point (positive).
    public convenience init(grid: CartesianGrid, mask: [Bool]? = nil, levelSet: [Double]? = nil, faces: [FaceCondition]? = nil,
                diffusivity: [Double]) throws {
        try self.init(spatial: DarcySolver(grid: grid, mask: mask, levelSet: levelSet, faces: faces), diffusivity: diffusivity)
    }

    /// A stepper on an existing spatial discretisation (its numbering and boundary nodes), so
    /// that many coefficient fields share one set-up.
    public init(spatial: DarcySolver, diffusivity: [Double]) throws {
        let grid = spatial.grid
        self.grid = grid
        self.spatial = spatial
        guard diffusivity.count == grid.pointCount, diffusivity.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw PDEError.invalidInput("diffusivity needs a positive, finite value at each of the \(grid.pointCount) grid points")
        }
        self.diffusivity = diffusivity
        operatorMatrix = spatial.operatorMatrix(diffusivity, name: "diffusion operator")
    }

    /// The unknowns' grid points.
    public var unknownPoints: [Int] { spatial.unknownPoints }

    /// Boundary data from functions of the node's point (see ``DarcySolver/boundaryValues(_:flux:)``).
    public func boundaryValues(_ dirichlet: ([Double]) -> Double, flux: (([Double], Int) -> Double)? = nil) -> BoundaryValues {
        spatial.boundaryValues(dirichlet, flux: flux)
    }

    /// `b = (boundary data) + M·q` on the unknowns.
    func forcing(boundary g: BoundaryValues, source q: [Double]?) throws -> [Double] {
        try spatial.validate(g)
        let coupling = spatial.assembleValues(permeability: diffusivity, boundary: g, includeValues: false).coupling
        let w = spatial.weights
        return unknownPoints.enumerated().map { k, p in coupling[k] + w[k] * (q?[p] ?? 0) }
    }

    /// Advances `initial` (values at every grid point) by `steps` steps of `Δt` from `t₀`,
    /// returning the field at every grid point after each multiple of `recordEvery` steps
    /// (the initial field first). Points outside the domain are NaN.
    /// - Parameters:
    ///   - boundary: the boundary data at time `t`, at the solver's nodes.
    ///   - source: `q(t)` at every grid point, or `nil` for none.
    /// - Throws: ``PDEError/newtonFailed(time:iterations:residual:)``, solver errors.
    public func integrate(
        initial: [Double], from t0: Double = 0, timeStep dt: Double, steps: Int, scheme: Scheme,
        reaction: Reaction? = nil, boundary: (Double) -> BoundaryValues, source: ((Double) -> [Double])? = nil,
        recordEvery: Int = 1
    ) throws -> [[Double]] {
        guard dt > 0, steps >= 0, recordEvery >= 1, initial.count == grid.pointCount else {
            throw PDEError.invalidInput("time stepping needs Δt > 0, steps ≥ 0 and an initial value at each grid point")
        }
        let theta = scheme.theta
        let a = operatorMatrix
        let w = spatial.weights
        let n = unknownPoints.count
        var u = unknownPoints.map { initial[$0] }
        var g = boundary(t0)
        var bOld = try forcing(boundary: g, source: source?(t0))
        var snapshots = [spatial.expand(u, dirichlet: g.dirichlet)]

        // M/Δt + θA: the same pattern as A (its diagonal is stored), new values.
        func shifted(_ diagonalExtra: [Double]) -> SparseMatrix {
            var values = a.values.map { $0 * theta }
            for j in 0..<n {
                for k in a.columnPointers[j]..<a.columnPointers[j + 1] where a.rowIndices[k] == j {
                    values[k] += w[j] / dt + diagonalExtra[j]
                }
            }
            var m = a.withValues(values)
            m.name = "time-step matrix (Δt = \(dt))"
            return m
        }
        let linearMatrix: SparseMatrix? = reaction == nil ? shifted([Double](repeating: 0, count: n)) : nil
        let linearFactor: CholeskyFactor? = try linearMatrix.map { try spatial.pattern.factorize($0) }
        let luPattern: LUPattern? = reaction == nil ? nil : try LUPattern(analyzing: a)

        for step in 1...max(steps, 1) where steps > 0 {
            let tNew = t0 + Double(step) * dt
            g = boundary(tNew)
            let bNew = try forcing(boundary: g, source: source?(tNew))
            let au = a.multiply(u)
            // Explicit part: Muⁿ/Δt − (1−θ)(Auⁿ − bⁿ) + θbⁿ⁺¹ (+ (1−θ)M·R(uⁿ)).
            var rhs = (0..<n).map { i in w[i] * u[i] / dt - (1 - theta) * (au[i] - bOld[i]) + theta * bNew[i] }
            if let reaction {
                for i in 0..<n { rhs[i] += (1 - theta) * w[i] * reaction.value(u[i]) }
                // Newton on F(v) = Mv/Δt + θ(Av − M·R(v)) − rhs.
                var v = u
                var converged = false
                var residualNorm = Double.infinity
                let rhsNorm = max(rhs.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
                for _ in 0..<maximumNewtonIterations {
                    let av = a.multiply(v)
                    let f = (0..<n).map { i in w[i] * v[i] / dt + theta * (av[i] - w[i] * reaction.value(v[i])) - rhs[i] }
                    residualNorm = f.reduce(0) { $0 + $1 * $1 }.squareRoot() / rhsNorm
                    if residualNorm <= newtonTolerance { converged = true; break }
                    let jacobian = shifted((0..<n).map { -theta * w[$0] * reaction.derivative(v[$0]) })
                    let delta = try luPattern!.factorize(jacobian).solve(f)
                    maximumLinearResidual = max(maximumLinearResidual, relativeResidual(jacobian, solution: delta, rightHandSide: f))
                    for i in 0..<n { v[i] -= delta[i] }
                }
                guard converged else { throw PDEError.newtonFailed(time: tNew, iterations: maximumNewtonIterations, residual: residualNorm) }
                u = v
            } else {
                u = try linearFactor!.solve(rhs)
                maximumLinearResidual = max(maximumLinearResidual, relativeResidual(linearMatrix!, solution: u, rightHandSide: rhs))
            }
            bOld = bNew
            if step % recordEvery == 0 || step == steps { snapshots.append(spatial.expand(u, dirichlet: g.dirichlet)) }
        }
        return snapshots
    }
    /// Advances `initial` from `t₀` through each of `times` in turn, landing on every one
    /// exactly: the interval to `times[k]` takes `steps[k]` equal steps. Returns the initial field
    /// and the field at each of `times` (every grid point, NaN outside the domain).
    ///
    /// Each interval is one ``integrate(initial:from:timeStep:steps:scheme:reaction:boundary:source:recordEvery:)``
    /// from the last field; the schemes are one-step, so this equals one integration with those
    /// step sizes.
    /// - Throws: ``PDEError/invalidInput(_:)`` for times that do not increase from `t₀` or a
    ///   count below 1; the errors of the integration.
    public func integrate(
        initial: [Double], from t0: Double = 0, through times: [Double], steps: [Int], scheme: Scheme,
        reaction: Reaction? = nil, boundary: (Double) -> BoundaryValues, source: ((Double) -> [Double])? = nil
    ) throws -> [[Double]] {
        guard times.count == steps.count, steps.allSatisfy({ $0 >= 1 }) else {
            throw PDEError.invalidInput("need one step count ≥ 1 per output time, got \(steps.count) counts \(steps) for \(times.count) times")
        }
        var snapshots = [initial], start = t0
        for (end, count) in zip(times, steps) {
            guard end > start else { throw PDEError.invalidInput("output times must increase from t₀ = \(t0), got \(end) after \(start)") }
            let fields = try integrate(initial: snapshots.last!, from: start, timeStep: (end - start) / Double(count), steps: count,
                                       scheme: scheme, reaction: reaction, boundary: boundary, source: source, recordEvery: count)
            snapshots.append(fields.last!)
            start = end
        }
        return snapshots
    }
}

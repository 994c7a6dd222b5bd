import Collections
import TandemCore

/// Limited-memory BFGS with a strong-Wolfe line search, for full-batch refinement (typically
/// after Adam in a PINN run). Nocedal & Wright, *Numerical Optimization*, 2nd ed., Springer 2006:
/// two-loop recursion (Alg. 7.4), line search with zoom and cubic interpolation (Alg. 3.5–3.6).
///
/// It always says why it stopped (``StopReason``); a run that stops early is never silent.
/// Internally it works in Float64 whatever the model's precision.
public struct LBFGS: Sendable {
    /// Why a run ended.
    public enum StopReason: String, Sendable, Codable, CaseIterable {
        /// `‖∇f‖∞ ≤ gradientTolerance`.
        case gradientTolerance
        /// `|f_k − f_{k+1}| ≤ functionTolerance · Swift.max(1, |f_k|)`.
        case functionTolerance
        /// `‖x_{k+1} − x_k‖∞ ≤ stepTolerance`.
        case stepTolerance
        case maxIterations
        case maxEvaluations
        /// No step satisfying the Wolfe conditions was found (often: the loss is not smooth, or
        /// is at the limit of floating-point precision).
        case lineSearchFailed
        /// The loss or gradient became NaN or infinite; the parameters are the last finite ones.
        case nonFinite
        /// `shouldStop` asked to stop after an iteration; the parameters are that iteration's.
        case interrupted
    }

    /// What happened in a run.
    public struct Report: Sendable, CustomStringConvertible {
        /// The rule that ended the run.
        public let reason: StopReason
        /// Accepted quasi-Newton steps.
        public let iterations: Int
        /// Loss-and-gradient evaluations, line searches included.
        public let evaluations: Int
        /// The loss before the first step.
        public let initialLoss: Double
        /// The loss at the returned parameters.
        public let finalLoss: Double
        /// `‖∇f‖∞` at the returned parameters.
        public let gradientNorm: Double

        /// One line: reason, iterations, evaluations, losses, gradient norm.
        public var description: String {
            "L-BFGS stopped (\(reason.rawValue)) after \(iterations) iterations and \(evaluations) evaluations: "
                + "loss \(initialLoss) → \(finalLoss), ‖∇‖∞ = \(gradientNorm)"
        }
    }

    /// Curvature pairs kept (the `m` of L-BFGS).
    public var historySize = 10
    /// Stop after this many iterations (`maxIterations`).
    public var maxIterations = 500
    /// Stop after this many evaluations (`maxEvaluations`).
    public var maxEvaluations = 1000
    /// Stop when `‖∇f‖∞` falls to this (`gradientTolerance`).
    public var gradientTolerance = 1e-8
    /// Stop when the relative loss change falls to this (`functionTolerance`).
    public var functionTolerance = 1e-12
    /// Stop when `‖Δx‖∞` falls to this (`stepTolerance`).
    public var stepTolerance = 1e-12
    /// Sufficient-decrease (Armijo) constant `c₁` and curvature constant `c₂`, `0 < c₁ < c₂ < 1`.
    public var c1 = 1e-4, c2 = 0.9
    /// Trial steps per line search before `lineSearchFailed`.
    public var maxLineSearchSteps = 25

    /// A solver with the default settings above.
    public init() {}

    /// Minimises `loss(model)` over the selected parameters, updating `model` in place.
    /// - Parameter progress: called after each iteration with (iteration, loss).
    /// - Parameter shouldStop: asked after each iteration; `true` ends the run there
    ///   (``StopReason/interrupted``), so a stop request waits at most one iteration.
    public func minimize<M: Module>(
        _ model: inout M, selecting selection: ParameterSelection = .all,
        progress: ((Int, Double) -> Void)? = nil, shouldStop: (() -> Bool)? = nil,
        loss: @escaping (M) throws -> Tensor<M.Scalar>
    ) throws -> Report {
        var problem = FlatProblem(model: model, selection: selection, loss: loss)
        var x = problem.initial
        var evaluations = 1
        var (f, g) = try problem.evaluate(x)
        let initialLoss = f
        guard f.isFinite, g.allSatisfy({ $0.isFinite }) else {
            return Report(reason: .nonFinite, iterations: 0, evaluations: 1, initialLoss: f, finalLoss: f, gradientNorm: .nan)
        }
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var iteration = 0
        var reason: StopReason = .maxIterations
        defer { model = problem.model(at: x) }

        while true {
            if infinityNorm(g) <= gradientTolerance { reason = .gradientTolerance; break }
            if iteration >= maxIterations { reason = .maxIterations; break }
            if evaluations >= maxEvaluations { reason = .maxEvaluations; break }

            var d = direction(gradient: g, s: s, y: y, rho: rho)
            var slope = dot(g, d)
            if !(slope < 0) {  // not a descent direction: restart from steepest descent
                s.removeAll(); y.removeAll(); rho.removeAll()
                d = g.map { -$0 }
                slope = dot(g, d)
            }
            let firstStep = iteration == 0 ? Swift.min(1, 1 / Swift.max(g.reduce(0) { $0 + Swift.abs($1) }, 1e-300)) : 1
            let search = try lineSearch(
                problem: &problem, x: x, f: f, g: g, d: d, slope: slope, initialStep: firstStep, evaluations: &evaluations)
            guard let (alpha, fNew, gNew) = search else { reason = .lineSearchFailed; break }
            guard fNew.isFinite, gNew.allSatisfy({ $0.isFinite }) else { reason = .nonFinite; break }

            let step = d.map { alpha * $0 }
            let xNew = zip(x, step).map(+)
            let yk = zip(gNew, g).map(-)
            let sy = dot(step, yk)
            if sy > 1e-10 * dot(yk, yk) {  // keep the update only with positive curvature
                s.append(step); y.append(yk); rho.append(1 / sy)
                if s.count > historySize { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let fOld = f
            (x, f, g) = (xNew, fNew, gNew)
            iteration += 1
            progress?(iteration, f)
            if shouldStop?() == true { reason = .interrupted; break }
            if Swift.abs(fOld - f) <= functionTolerance * Swift.max(1, Swift.abs(fOld)) { reason = .functionTolerance; break }
            if infinityNorm(step) <= stepTolerance { reason = .stepTolerance; break }
        }
        return Report(
            reason: reason, iterations: iteration, evaluations: evaluations,
            initialLoss: initialLoss, finalLoss: f, gradientNorm: infinityNorm(g))
    }

    /// The two-loop recursion: `−H·g` with the implicit inverse-Hessian approximation `H`.
    func direction(gradient g: [Double], s: [[Double]], y: [[Double]], rho: [Double]) -> [Double] {
        var q = g
        var alphas = [Double](repeating: 0, count: s.count)
        for i in stride(from: s.count - 1, through: 0, by: -1) {
            alphas[i] = rho[i] * dot(s[i], q)
            for j in q.indices { q[j] -= alphas[i] * y[i][j] }
        }
        if let sLast = s.last, let yLast = y.last {
            let gamma = dot(sLast, yLast) / dot(yLast, yLast)
            for j in q.indices { q[j] *= gamma }
        }
        for i in s.indices {
            let beta = rho[i] * dot(y[i], q)
            for j in q.indices { q[j] += (alphas[i] - beta) * s[i][j] }
        }
        return q.map { -$0 }
    }

    /// Finds a step length satisfying the strong Wolfe conditions
    /// `f(x + αd) ≤ f + c₁α·gᵀd` and `|∇f(x + αd)ᵀd| ≤ c₂|gᵀd|`; `nil` if none is found.
    func lineSearch<M: Module>(
        problem: inout FlatProblem<M>, x: [Double], f: Double, g: [Double], d: [Double], slope: Double,
        initialStep: Double, evaluations: inout Int
    ) throws -> (Double, Double, [Double])? {
        func phi(_ alpha: Double) throws -> (Double, Double, [Double]) {
            evaluations += 1
            let (fa, ga) = try problem.evaluate(zip(x, d).map { $0 + alpha * $1 })
            return (fa, dot(ga, d), ga)
        }
        var (aPrev, fPrev, dPrev) = (0.0, f, slope)
        var alpha = initialStep
        for i in 0..<maxLineSearchSteps {
            let (fa, da, ga) = try phi(alpha)
            if !fa.isFinite {  // stepped out of the finite region: shrink
                alpha = (aPrev + alpha) / 2
                continue
            }
            if fa > f + c1 * alpha * slope || (i > 0 && fa >= fPrev) {
                return try zoom(lo: (aPrev, fPrev, dPrev), hi: (alpha, fa, da), f: f, slope: slope, phi: phi)
            }
            if Swift.abs(da) <= -c2 * slope { return (alpha, fa, ga) }
            if da >= 0 {
                return try zoom(lo: (alpha, fa, da), hi: (aPrev, fPrev, dPrev), f: f, slope: slope, phi: phi)
            }
            (aPrev, fPrev, dPrev) = (alpha, fa, da)
            alpha *= 2
        }
        return nil
    }

    func zoom(
        lo start: (Double, Double, Double), hi end: (Double, Double, Double), f: Double, slope: Double,
        phi: (Double) throws -> (Double, Double, [Double])
    ) throws -> (Double, Double, [Double])? {
        var lo = start, hi = end
        for _ in 0..<maxLineSearchSteps {
            let alpha = cubicMinimizer(lo, hi)
            let (fa, da, ga) = try phi(alpha)
            if !fa.isFinite || fa > f + c1 * alpha * slope || fa >= lo.1 {
                hi = (alpha, fa, da)
            } else {
                if Swift.abs(da) <= -c2 * slope { return (alpha, fa, ga) }
                if da * (hi.0 - lo.0) >= 0 { hi = lo }
                lo = (alpha, fa, da)
            }
            if Swift.abs(hi.0 - lo.0) < 1e-16 * Swift.max(1, Swift.abs(lo.0)) { break }
        }
        // Accept the best point found if it at least decreases the loss sufficiently.
        if lo.0 > 0, lo.1 <= f + c1 * lo.0 * slope {
            let (fa, _, ga) = try phi(lo.0)
            return (lo.0, fa, ga)
        }
        return nil
    }

    /// The minimiser of the cubic through two points with values and slopes, kept inside the
    /// interval's middle 80% (bisection when the cubic is not usable).
    func cubicMinimizer(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
        let (x1, f1, d1) = a, (x2, f2, d2) = b
        let lower = Swift.min(x1, x2), upper = Swift.max(x1, x2), width = upper - lower
        let d1c = d1 + d2 - 3 * (f1 - f2) / (x1 - x2)
        let disc = d1c * d1c - d1 * d2
        var candidate = (x1 + x2) / 2
        if disc >= 0 {
            let d2c = (x2 > x1 ? 1.0 : -1.0) * disc.squareRoot()
            let t = x2 - (x2 - x1) * (d2 + d2c - d1c) / (d2 - d1 + 2 * d2c)
            if t.isFinite { candidate = t }
        }
        return Swift.min(Swift.max(candidate, lower + 0.1 * width), upper - 0.1 * width)
    }
}

/// A module's selected parameters as one Float64 vector, with loss and gradient evaluation.
struct FlatProblem<M: Module> {
    let base: M
    let names: [String]
    let shapes: [[Int]]
    let selection: ParameterSelection
    let loss: (M) throws -> Tensor<M.Scalar>
    let initial: [Double]

    init(model: M, selection: ParameterSelection, loss: @escaping (M) throws -> Tensor<M.Scalar>) {
        base = model
        self.selection = selection
        self.loss = loss
        let selected = model.namedParameters.filter { selection.contains($0.key) }
        names = Array(selected.keys)
        shapes = selected.values.map(\.shape)
        initial = selected.values.flatMap { $0.scalars.map { Double($0) } }
    }

    func model(at x: [Double]) -> M {
        var m = base
        var offset = 0
        var lookup: [String: Int] = [:]
        for (i, name) in names.enumerated() { lookup[name] = i }
        var offsets: [Int] = []
        for shape in shapes { offsets.append(offset); offset += shape.reduce(1, *) }
        m.visitParameters { name, parameter in
            guard let i = lookup[name] else { return }
            let count = shapes[i].reduce(1, *)
            parameter = Tensor(shape: shapes[i], scalars: x[offsets[i]..<(offsets[i] + count)].map { M.Scalar($0) })
        }
        return m
    }

    mutating func evaluate(_ x: [Double]) throws -> (Double, [Double]) {
        let (value, gradients) = try valueWithGradient(at: model(at: x), selecting: selection, of: loss)
        return (Double(value), names.flatMap { gradients[$0]!.scalars.map { Double($0) } })
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var total = 0.0
    for i in a.indices { total += a[i] * b[i] }
    return total
}

private func infinityNorm(_ a: [Double]) -> Double { a.reduce(0) { Swift.max($0, Swift.abs($1)) } }

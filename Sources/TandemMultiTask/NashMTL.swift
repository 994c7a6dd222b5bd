import RealModule
import TandemCore

/// Nash-MTL (Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik & Fetaya 2022, "Multi-task
/// learning as a bargaining game", ICML, arXiv:2202.01017): the Nash bargaining solution
/// `Σₖ αₖ gₖ` with `α > 0` solving `GᵀG α = 1/α` (elementwise), here with `G` the Gram matrix
/// normalised by its Frobenius norm (as the paper's code). Tandem solves it exactly as the
/// minimiser of the strictly convex `½αᵀMα − Σ log αₖ` by Newton's method with a step that keeps
/// `α > 0` (the paper's code approximates it by a sequence of convex programs), warm-started from
/// the previous solution, every `updateEvery` steps. Shared and task-specific parameters take `α`;
/// the shared parameters' combined gradient is clipped to global norm `maxNorm` (when positive).
public struct NashMTL: MultiTaskStrategy {
    /// Steps between solutions (the others reuse the last `α`).
    public let updateEvery: Int
    /// The bound on the shared gradient's global norm (0: none).
    public let maxNorm: Double

    /// Nash-MTL solved every `updateEvery` steps, with the shared gradient clipped to `maxNorm`.
    public init(updateEvery: Int = 1, maxNorm: Double = 1) {
        self.updateEvery = updateEvery
        self.maxNorm = maxNorm
    }
    /// `nash`.
    public var name: String { "nash" }
    /// `nash (update every 1 step, max norm 1)`.
    public var summary: String { "nash (update every \(updateEvery) steps, max norm \(maxNorm))" }
    /// `α = 1`.
    public func initialState(taskCount: Int) -> StrategyState { StrategyState(["alpha": [Double](repeating: 1, count: taskCount)]) }
    /// Every `updateEvery` steps.
    public func needsGradients(atStep step: Int) -> Bool { updateEvery > 0 && step % updateEvery == 0 }

    /// The positive solution of `Mα = 1/α` for the symmetric positive semi-definite `M`, from `start`.
    /// - Returns: `nil` when Newton's method does not converge (`M` singular: no bargaining solution).
    public static func solve(_ m: [[Double]], from start: [Double]) -> [Double]? {
        let k = m.count
        var alpha = start.map { $0 > 0 && $0.isFinite ? $0 : 1 }
        func objective(_ a: [Double]) -> Double {
            0.5 * Simplex.dot(a, Simplex.product(m, a)) - a.reduce(0) { $0 + Double.log($1) }
        }
        for _ in 0..<200 {
            let ma = Simplex.product(m, alpha)
            let gradient = (0..<k).map { ma[$0] - 1 / alpha[$0] }
            let residual = zip(gradient, alpha).reduce(0) { Swift.max($0, Swift.abs($1.0 * $1.1)) }
            if residual < 1e-13 { return alpha }
            var hessian = m.flatMap { $0 }
            for i in 0..<k { hessian[i * k + i] += 1 / (alpha[i] * alpha[i]) }
            guard let newton = DenseSolve.positiveDefinite(hessian, gradient, size: k) else { return nil }
            // The largest step keeping α > 0, then backtracking on the objective.
            var t = 1.0
            for i in 0..<k where newton[i] > 0 { t = Swift.min(t, 0.99 * alpha[i] / newton[i]) }
            let current = objective(alpha)
            var next = zip(alpha, newton).map { $0 - t * $1 }
            // Near the solution the objective no longer resolves the decrease: take the Newton step.
            while residual > 1e-8, objective(next) > current, t > 1e-12 {
                t /= 2
                next = zip(alpha, newton).map { $0 - t * $1 }
            }
            alpha = next
        }
        let ma = Simplex.product(m, alpha)
        return zip(ma, alpha).allSatisfy({ Swift.abs($0 * $1 - 1) < 1e-6 }) ? alpha : nil
    }

    /// A new `α` when the step has gradients (kept when the system has no solution), then
    /// `β = w = α` with the shared gradient clipped.
    public func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination {
        if let gradients {
            let frobenius = gradients.gram.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }.squareRoot()
            if frobenius > 0, let alpha = Self.solve(gradients.gram.map { $0.map { $0 / frobenius } }, from: state["alpha"]) {
                state["alpha"] = alpha
            }
        }
        let alpha = state["alpha"]
        return TaskCombination(shared: alpha, specific: alpha, sharedMaxNorm: maxNorm > 0 ? maxNorm : nil)
    }
}

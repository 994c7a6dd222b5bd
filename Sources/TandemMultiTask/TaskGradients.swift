import Collections
import TandemCore

/// A run's multi-task settings: the strategy, and how often the per-task gradients are computed
/// for the history's diagnostics (norms and pairwise cosines) when the strategy itself does not
/// need them.
public struct MultiTaskSettings: Sendable {
    /// The strategy.
    public var strategy: any MultiTaskStrategy
    /// Steps between diagnostic gradient evaluations, timed so that each lands on a history row
    /// (0: only when the strategy computes them; `nil`: at every history row).
    public var diagnosticsEvery: Int?

    /// Settings with `strategy` and diagnostics every `diagnosticsEvery` steps.
    public init(strategy: any MultiTaskStrategy, diagnosticsEvery: Int? = nil) {
        self.strategy = strategy
        self.diagnosticsEvery = diagnosticsEvery
    }
}

/// Per-task parameter gradients (one dictionary per task, the model's parameter order) as the
/// strategies see them and as the optimizer receives them.
public enum TaskGradients {
    /// The Gram matrix of the shared parameters' gradients and each task's `max |g|` and
    /// `mean |g|` over every parameter, in one pass (accumulated in `Double`).
    public static func summary<S: TensorScalar>(
        _ gradients: [OrderedDictionary<String, Tensor<S>>], isShared: (String) -> Bool
    ) -> TaskGradientSummary {
        let k = gradients.count
        var gram = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var maxAbs = [Double](repeating: 0, count: k), sumAbs = [Double](repeating: 0, count: k)
        var count = 0
        guard let names = gradients.first?.keys else { return TaskGradientSummary(gram: [], maxAbs: [], meanAbs: []) }
        for name in names {
            let tensors = gradients.map { $0[name]!.scalars }
            count += tensors[0].count
            for t in 0..<k {
                for v in tensors[t] {
                    let a = Swift.abs(Double(v))
                    sumAbs[t] += a
                    if a > maxAbs[t] { maxAbs[t] = a }
                }
            }
            guard isShared(name) else { continue }
            for i in 0..<k {
                for j in i..<k {
                    var total = 0.0
                    for (a, b) in zip(tensors[i], tensors[j]) { total += Double(a) * Double(b) }
                    gram[i][j] += total
                    if i != j { gram[j][i] += total }
                }
            }
        }
        return TaskGradientSummary(gram: gram, maxAbs: maxAbs, meanAbs: sumAbs.map { $0 / Double(Swift.max(count, 1)) })
    }

    /// `Σₖ βₖ gₖ` for shared parameters and `Σₖ wₖ gₖ` for task-specific ones, with the shared
    /// part clipped to ``TaskCombination/sharedMaxNorm``.
    public static func combine<S: TensorScalar>(
        _ gradients: [OrderedDictionary<String, Tensor<S>>], _ combination: TaskCombination, isShared: (String) -> Bool
    ) -> OrderedDictionary<String, Tensor<S>> {
        var result = OrderedDictionary<String, Tensor<S>>()
        guard let names = gradients.first?.keys else { return result }
        for name in names {
            let coefficients = isShared(name) ? combination.shared : combination.specific
            let count = gradients[0][name]!.scalarCount
            var total = [S](repeating: 0, count: count)
            for (k, g) in gradients.enumerated() where coefficients[k] != 0 {
                let c = S(coefficients[k])
                let values = g[name]!.scalars
                for i in 0..<count { total[i] += c * values[i] }
            }
            result[name] = Tensor(shape: gradients[0][name]!.shape, scalars: total)
        }
        if let bound = combination.sharedMaxNorm { clipShared(&result, maxNorm: bound, isShared: isShared) }
        return result
    }

    /// Scales the shared parameters' gradients to global norm at most `maxNorm`.
    public static func clipShared<S: TensorScalar>(_ gradients: inout OrderedDictionary<String, Tensor<S>>, maxNorm: Double, isShared: (String) -> Bool) {
        var total = 0.0
        for (name, g) in gradients where isShared(name) { for v in g.scalars { total += Double(v) * Double(v) } }
        let norm = total.squareRoot()
        guard norm > maxNorm, norm.isFinite else { return }
        let scale = S(maxNorm / norm)
        for name in gradients.keys where isShared(name) {
            let g = gradients[name]!
            gradients[name] = Tensor(shape: g.shape, scalars: g.scalars.map { $0 * scale })
        }
    }
}

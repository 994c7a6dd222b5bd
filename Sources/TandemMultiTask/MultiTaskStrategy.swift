import RealModule

/// How a multi-task model's per-task losses and gradients become one update: loss weighting
/// (equal, fixed, uncertainty, GradNorm, dynamic weight average, learning-rate annealing, random)
/// and gradient surgery on the shared parameters (PCGrad, MGDA, CAGrad, Nash-MTL).
///
/// A strategy is a value; everything it learns or remembers between steps lives in an explicit
/// ``StrategyState`` (as `init`/`update` in optax), which the trainer saves in every checkpoint, so
/// a resumed run repeats an uninterrupted one. Randomness comes from `(seed, step)`.
///
/// Every strategy's update is a linear combination of the task gradients `gₖ`: the shared
/// parameters move along `Σₖ βₖ gₖ` (``TaskCombination/shared``), the task-specific ones along
/// `Σₖ wₖ gₖ` (``TaskCombination/specific``). So a strategy needs only the `k × k` Gram matrix of the
/// shared gradients and a few per-task statistics (``TaskGradientSummary``), never a copy of the
/// gradients themselves.
public protocol MultiTaskStrategy: Sendable {
    /// The name in problem files and checkpoints (`pcgrad`).
    var name: String { get }
    /// The name with its settings (`pcgrad (seed 0)`): what `tandem check` shows and what a resumed
    /// run must match.
    var summary: String { get }
    /// The state before the first step, for `taskCount` tasks.
    func initialState(taskCount: Int) -> StrategyState
    /// Whether `step` needs the per-task gradients (``TaskGradientSummary``); when not, the trainer
    /// differentiates `Σ wₖ Lₖ` once.
    func needsGradients(atStep step: Int) -> Bool
    /// The combination for `step` from the unweighted task losses `Lₖ` and, when
    /// ``needsGradients(atStep:)``, the gradient summary; advances `state`.
    func combine(losses: [Double], gradients: TaskGradientSummary?, step: Int, state: inout StrategyState) -> TaskCombination
}

/// How one step combines the task gradients: shared parameters along `Σₖ sharedₖ gₖ`,
/// task-specific parameters along `Σₖ specificₖ gₖ`; the loss reported is `Σₖ specificₖ Lₖ`.
public struct TaskCombination: Sendable, Equatable {
    /// `βₖ`, the coefficients of the shared parameters' direction.
    public var shared: [Double]
    /// `wₖ`, the loss weights (task-specific parameters and the reported loss).
    public var specific: [Double]
    /// A bound on the global norm of the shared parameters' combined gradient (Nash-MTL clips it),
    /// or `nil`.
    public var sharedMaxNorm: Double?

    /// The same weights for shared and task-specific parameters (loss weighting).
    public init(weights: [Double]) {
        shared = weights
        specific = weights
        sharedMaxNorm = nil
    }

    /// Different coefficients for the shared parameters (gradient surgery).
    public init(shared: [Double], specific: [Double], sharedMaxNorm: Double? = nil) {
        self.shared = shared
        self.specific = specific
        self.sharedMaxNorm = sharedMaxNorm
    }

    /// Whether shared and task-specific parameters take the same weights and no clipping.
    public var isLossWeighting: Bool { shared == specific && sharedMaxNorm == nil }
}

/// What a strategy may know about one step's task gradients: the Gram matrix of the shared
/// parameters' gradients `Gᵢⱼ = gᵢ·gⱼ`, and over all trained parameters of each task's gradient
/// `max_θ |gₖ|` and `mean_θ |gₖ|` (learning-rate annealing).
public struct TaskGradientSummary: Sendable, Equatable {
    /// `Gᵢⱼ = gᵢ · gⱼ` over the shared parameters.
    public var gram: [[Double]]
    /// `max_θ |gₖ(θ)|` over every trained parameter.
    public var maxAbs: [Double]
    /// `mean_θ |gₖ(θ)|` over every trained parameter.
    public var meanAbs: [Double]

    /// A summary from its parts.
    public init(gram: [[Double]], maxAbs: [Double], meanAbs: [Double]) {
        self.gram = gram
        self.maxAbs = maxAbs
        self.meanAbs = meanAbs
    }

    /// The summary of flattened gradients, one row per task, all of them shared.
    public init(rows: [[Double]]) {
        gram = rows.map { a in rows.map { b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } } }
        maxAbs = rows.map { $0.reduce(0) { Swift.max($0, Swift.abs($1)) } }
        meanAbs = rows.map { $0.reduce(0) { $0 + Swift.abs($1) } / Double(Swift.max($0.count, 1)) }
    }

    /// The number of tasks.
    public var taskCount: Int { gram.count }
    /// `‖gₖ‖`.
    public func norm(_ k: Int) -> Double { Swift.max(gram[k][k], 0).squareRoot() }
    /// `gᵢ·gⱼ / (‖gᵢ‖‖gⱼ‖)`, or 0 when either gradient vanishes.
    public func cosine(_ i: Int, _ j: Int) -> Double {
        let n = norm(i) * norm(j)
        return n > 0 ? gram[i][j] / n : 0
    }
    /// `‖Σₖ βₖ gₖ‖ = √(βᵀGβ)`.
    public func normOfCombination(_ beta: [Double]) -> Double {
        var total = 0.0
        for i in beta.indices { for j in beta.indices { total += beta[i] * gram[i][j] * beta[j] } }
        return Swift.max(total, 0).squareRoot()
    }
}

/// A strategy's memory between steps: named vectors of numbers (weights, logits, moments, loss
/// averages), saved in checkpoints as `tandem.multitask.<name>` metadata.
public struct StrategyState: Sendable, Equatable {
    /// The vectors by name.
    public var vectors: [String: [Double]]

    /// A state holding `vectors`.
    public init(_ vectors: [String: [Double]] = [:]) { self.vectors = vectors }

    /// The vector `key`, or empty.
    public subscript(key: String) -> [Double] {
        get { vectors[key] ?? [] }
        set { vectors[key] = newValue }
    }

    /// Checkpoint metadata: `tandem.multitask.<name>` = comma-separated values (round-trip exact:
    /// Swift prints the shortest decimal that reads back to the same double).
    public func encoded() -> [String: String] {
        Dictionary(uniqueKeysWithValues: vectors.map { ("tandem.multitask." + $0.key, $0.value.map { "\($0)" }.joined(separator: ",")) })
    }

    /// The state saved by ``encoded()`` in `metadata`, shaped like `template` (its keys, and the
    /// lengths of its non-empty vectors).
    /// - Returns: `nil` when a vector is missing, unreadable or of another length.
    public static func decoded(_ metadata: [String: String], like template: StrategyState) -> StrategyState? {
        var state = StrategyState()
        for (key, value) in template.vectors {
            guard let text = metadata["tandem.multitask." + key] else { return nil }
            let parts = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false)
            let numbers = parts.compactMap { Double($0) }
            // An empty vector in the template has no fixed length (losses recorded at the first step).
            guard numbers.count == parts.count, value.isEmpty || numbers.count == value.count else { return nil }
            state.vectors[key] = numbers
        }
        return state
    }
}

/// `exp(xᵢ) / Σⱼ exp(xⱼ)`, shifted by the maximum for range.
func softmax(_ x: [Double]) -> [Double] {
    let top = x.max() ?? 0
    let e = x.map { Double.exp($0 - top) }
    let total = e.reduce(0, +)
    return e.map { $0 / total }
}

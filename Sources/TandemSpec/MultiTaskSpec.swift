/// `[training.multitask]`: how a model's per-task losses are weighted or its task gradients
/// combined (loss weighting or gradient surgery), for operators (one task per reaction family or
/// geometry) and PINNs (one per loss term). Profiles override it with `[training.<profile>.multitask]`.
public struct MultiTaskSpec: Sendable, Equatable {
    /// The strategies (`strategy = "pcgrad"`), with the settings each reads.
    public enum Strategy: String, CaseIterable, Sendable {
        /// `Σ Lₖ`.
        case equal
        /// `Σ λₖ Lₖ` with `weights`.
        case fixed
        /// Kendall, Gal & Cipolla 2018: `learning_rate`, `initial_log_variance`.
        case uncertainty
        /// Chen et al. 2018: `alpha`, `learning_rate`.
        case gradnorm
        /// Liu, Johns & Davison 2019: `temperature`, `window`.
        case dwa
        /// Wang, Teng & Perdikaris 2021: `alpha`, `every`, `weights` (the first task is the reference).
        case annealing
        /// Lin et al. 2022: `seed`.
        case random
        /// Yu et al. 2020: `seed`.
        case pcgrad
        /// Sener & Koltun 2018: `normalization`.
        case mgda
        /// Liu et al. 2021: `c`, `rescale`.
        case cagrad
        /// Navon et al. 2022: `update_every`, `max_norm`.
        case nash
    }
    /// The strategy.
    public var strategy: Strategy
    /// Numeric settings by key, defaults filled in (`alpha`, `learning_rate`, …).
    public var settings: [String: Double]
    /// `weights`: one per task (fixed; annealing's start), or `nil` for the family's own.
    public var weights: [Double]?
    /// MGDA's `normalization`: `none`, `l2`, `loss` or `loss+`.
    public var normalization: String
    /// Steps between gradient diagnostics (norms, cosines) in the history; `nil`: at every row.
    public var diagnosticsEvery: Int?

    /// The numeric settings each strategy reads, with defaults and what is allowed.
    static let schema: [Strategy: [(key: String, fallback: Double, allowed: String, check: @Sendable (Double) -> Bool)]] = [
        .equal: [], .fixed: [], .mgda: [],
        .uncertainty: [("learning_rate", 1e-3, "a positive number", { $0 > 0 }), ("initial_log_variance", -0.5, "a finite number", { _ in true })],
        .gradnorm: [("alpha", 1.5, "a number ≥ 0", { $0 >= 0 }), ("learning_rate", 1e-3, "a positive number", { $0 > 0 })],
        .dwa: [("temperature", 2, "a positive number", { $0 > 0 }), ("window", 100, "an integer ≥ 1", { $0 >= 1 && $0 == $0.rounded() })],
        .annealing: [("alpha", 0.1, "a factor in (0, 1]", { $0 > 0 && $0 <= 1 }), ("every", 100, "an integer ≥ 1", { $0 >= 1 && $0 == $0.rounded() })],
        .random: [("seed", -1, "an integer ≥ 0", { $0 >= 0 && $0 == $0.rounded() })],
        .pcgrad: [("seed", -1, "an integer ≥ 0", { $0 >= 0 && $0 == $0.rounded() })],
        .cagrad: [("c", 0.5, "a radius in [0, 1)", { $0 >= 0 && $0 < 1 }), ("rescale", 1, "0, 1 or 2", { [0, 1, 2].contains($0) })],
        .nash: [("update_every", 1, "an integer ≥ 1", { $0 >= 1 && $0 == $0.rounded() }), ("max_norm", 1, "a number ≥ 0 (0: no clipping)", { $0 >= 0 })],
    ]

    /// `[training.multitask]` over `base` (a profile's override over the main table's); `seed` is
    /// the training seed (the default of `seed`).
    static func read(_ t: SpecTable?, over base: MultiTaskSpec?, seed: UInt64) throws -> MultiTaskSpec? {
        guard let t else { return base }
        let named = try t.choice("strategy", Strategy.self, noun: "multi-task strategy")
        guard let strategy = named ?? base?.strategy else {
            throw t.missing("strategy", "one of \(Strategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let inherited = strategy == base?.strategy ? base : nil
        var settings: [String: Double] = [:]
        for entry in schema[strategy]! {
            let fallback = inherited?.settings[entry.key] ?? (entry.key == "seed" ? Double(seed) : entry.fallback)
            let value = try t.double(entry.key) ?? fallback
            guard value.isFinite, entry.check(value) else {
                throw t.error(entry.key, "expected \(entry.allowed) for strategy \(strategy.rawValue), got \(value)")
            }
            settings[entry.key] = value
        }
        var weights = inherited?.weights
        if strategy == .fixed || strategy == .annealing, let w = try t.doubles("weights") {
            guard !w.isEmpty, w.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw t.error("weights", "expected positive finite weights, one per task")
            }
            weights = w
        }
        var normalization = inherited?.normalization ?? "none"
        if strategy == .mgda, let n = try t.string("normalization") {
            let allowed = ["none", "l2", "loss", "loss+"]
            guard allowed.contains(n) else { throw t.error("normalization", "expected one of \(allowed.joined(separator: ", ")), got \"\(n)\"") }
            normalization = n
        }
        let diagnostics = try t.int("diagnostics_every").map { v -> Int in
            guard v >= 0 else { throw t.error("diagnostics_every", "expected an integer ≥ 0 (0: only when the strategy needs the gradients), got \(v)") }
            return v
        } ?? inherited?.diagnosticsEvery
        do {
            try t.finish()
        } catch let error as ProblemFileError {
            let keys = (["strategy", "diagnostics_every"] + schema[strategy]!.map(\.key)
                + (strategy == .fixed || strategy == .annealing ? ["weights"] : []) + (strategy == .mgda ? ["normalization"] : []))
            throw ProblemFileError(file: error.file, line: error.line, keyPath: error.keyPath,
                                   message: "not a setting of strategy \(strategy.rawValue); it reads \(keys.joined(separator: ", "))")
        }
        return MultiTaskSpec(strategy: strategy, settings: settings, weights: weights, normalization: normalization, diagnosticsEvery: diagnostics)
    }

    /// One line for `tandem check`: the strategy, its settings, and what it does.
    public var explanation: String {
        let values = settings.keys.sorted().map { key -> String in
            let v = settings[key]!
            return "\(key) \(v == v.rounded() && Swift.abs(v) < 1e15 ? String(Int(v)) : "\(v)")"
        } + (weights.map { ["weights \($0.map { "\($0)" }.joined(separator: ", "))"] } ?? []) + (strategy == .mgda ? ["normalization \(normalization)"] : [])
        let what: String
        switch strategy {
        case .equal: what = "loss Σ Lₖ"
        case .fixed: what = "loss Σ λₖ Lₖ with fixed weights"
        case .uncertainty: what = "loss Σ Lₖ/(2σₖ²) + log σₖ with learned σₖ (Kendall et al. 2018)"
        case .gradnorm: what = "weights that balance the task gradients' norms and training rates (Chen et al. 2018)"
        case .dwa: what = "weights from the ratio of the last two windows' mean losses (Liu et al. 2019)"
        case .annealing: what = "weights max|∇L₀| / mean|∇Lₖ| averaged over updates (Wang et al. 2021)"
        case .random: what = "weights softmax(z), z ~ N(0, 1) drawn every step (Lin et al. 2022)"
        case .pcgrad: what = "shared gradients projected off each other's conflicting directions (Yu et al. 2020); one backward pass per task"
        case .mgda: what = "shared parameters along the min-norm convex combination of task gradients (Sener & Koltun 2018); one backward pass per task"
        case .cagrad: what = "shared parameters along the conflict-averse direction near the mean gradient (Liu et al. 2021); one backward pass per task"
        case .nash: what = "Nash bargaining weights α solving GᵀGα = 1/α (Navon et al. 2022); one backward pass per task when updated"
        }
        return "\(strategy.rawValue)" + (values.isEmpty ? "" : " (\(values.joined(separator: ", ")))") + ": \(what)"
            + (diagnosticsEvery.map { $0 == 0 ? "; no extra gradient diagnostics" : "; gradient diagnostics every \($0) steps" } ?? "; gradient diagnostics about every 100 steps (on a history row)")
    }
}

import TandemMultiTask
import TandemSpec

extension MultiTaskSpec {
    /// The strategy value for `taskNames`, with `declaredWeights` (a PINN's `[training.weights]`)
    /// where the file gives none, and diagnostics at every history row or every
    /// `diagnostics_every` steps (by default at the first history row after each 100 steps).
    /// - Throws: ``ProblemFileError`` at `<keyPath>.weights` for a count that is not one per task.
    func settings(taskNames: [String], declaredWeights: [Double]?, logEvery: Int, header: ProblemHeader,
                  keyPath: String = "training.multitask") throws -> MultiTaskSettings {
        let k = taskNames.count
        func number(_ key: String) -> Double { settings[key]! }
        func initialWeights() throws -> [Double] {
            guard let weights else { return declaredWeights ?? [Double](repeating: 1, count: k) }
            guard weights.count == k else {
                throw header.error(at: keyPath + ".weights",
                                    "expected \(k) weights, one per task (\(taskNames.joined(separator: ", "))), got \(weights.count)")
            }
            return weights
        }
        let strategy: any MultiTaskStrategy
        switch self.strategy {
        case .equal: strategy = EqualWeighting()
        case .fixed: strategy = FixedWeighting(weights: try initialWeights())
        case .uncertainty: strategy = UncertaintyWeighting(learningRate: number("learning_rate"), initialLogVariance: number("initial_log_variance"))
        case .gradnorm: strategy = GradNorm(alpha: number("alpha"), learningRate: number("learning_rate"))
        case .dwa: strategy = DynamicWeightAverage(temperature: number("temperature"), window: Int(number("window")))
        case .annealing: strategy = LearningRateAnnealing(alpha: number("alpha"), every: Int(number("every")), initialWeights: try initialWeights())
        case .random: strategy = RandomLossWeighting(seed: UInt64(number("seed")))
        case .pcgrad: strategy = PCGrad(seed: UInt64(number("seed")))
        case .mgda: strategy = MGDA(normalization: MGDA.Normalization(rawValue: normalization) ?? .none)
        case .cagrad: strategy = CAGrad(c: number("c"), rescale: Int(number("rescale")))
        case .nash: strategy = NashMTL(updateEvery: Int(number("update_every")), maxNorm: number("max_norm"))
        }
        return MultiTaskSettings(strategy: strategy, diagnosticsEvery: diagnosticsEvery ?? Self.defaultDiagnosticsEvery(logEvery: logEvery))
    }

    /// The first multiple of the history cadence at or after 100 steps: diagnostics land on
    /// history rows and cost at most one backward pass per task every 100 steps.
    static func defaultDiagnosticsEvery(logEvery: Int) -> Int {
        let every = Swift.max(logEvery, 1)
        return every * ((100 + every - 1) / every)
    }
}

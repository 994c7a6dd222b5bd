import TandemCore
import TandemNN

/// How multi-dataset training draws and weighs its data sets (DeePMD-kit's multi-task
/// semantics): each step trains on one data set, drawn with fixed probabilities, and the energy
/// and force terms of the loss are weighted by prefactors that move with the learning rate.
public struct MultiDatasetSchedule: Sendable, Equatable {
    /// The probability of each data set.
    public let probabilities: [Double]
    /// The learning-rate schedule the prefactors follow.
    public let learningRate: LearningRateSchedule
    /// Energy and force prefactors at the start and in the limit of a vanished learning rate.
    public let energyPrefactor: (start: Double, limit: Double), forcePrefactor: (start: Double, limit: Double)

    /// A schedule drawing data set `d` with probability ∝ `weights[d]` (by default the number of
    /// systems or frames in each).
    /// - Throws: ``AtomsError`` when the weights are not positive and finite, or a prefactor is negative.
    public init(weights: [Double], learningRate: LearningRateSchedule,
                energyPrefactor: (start: Double, limit: Double) = (0.02, 1), forcePrefactor: (start: Double, limit: Double) = (1000, 1)) throws {
        guard !weights.isEmpty, weights.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw AtomsError("data-set weights must be positive numbers (found \(weights))")
        }
        guard [energyPrefactor.start, energyPrefactor.limit, forcePrefactor.start, forcePrefactor.limit].allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw AtomsError("loss prefactors must be non-negative numbers")
        }
        let total = weights.reduce(0, +)
        probabilities = weights.map { $0 / total }
        self.learningRate = learningRate
        self.energyPrefactor = energyPrefactor
        self.forcePrefactor = forcePrefactor
    }

    /// The data set of step `step`: a draw from a generator seeded by `(seed, step)`, so that a
    /// resumed run draws what the uninterrupted one would.
    public func dataset(at step: Int, seed: UInt64) -> Int {
        var generator = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(step + 1))
        let u = generator.nextUnitDouble()
        var cumulative = 0.0
        for (d, p) in probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return d }
        }
        return probabilities.count - 1
    }

    /// `pref(t) = limit + (start − limit) · lr(t) / lr(0)` for the energy and the force term.
    public func prefactors(at step: Int) -> (energy: Double, force: Double) {
        let ratio = learningRate.rate(at: step) / learningRate.rate(at: 0)
        return (energyPrefactor.limit + (energyPrefactor.start - energyPrefactor.limit) * ratio,
                forcePrefactor.limit + (forcePrefactor.start - forcePrefactor.limit) * ratio)
    }

    /// Two schedules are equal when their probabilities, rate and prefactors are.
    public static func == (a: Self, b: Self) -> Bool {
        a.probabilities == b.probabilities && a.learningRate == b.learningRate
            && a.energyPrefactor == b.energyPrefactor && a.forcePrefactor == b.forcePrefactor
    }
}

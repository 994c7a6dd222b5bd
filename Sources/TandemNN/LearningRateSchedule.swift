/// The learning rate as a function of the optimizer step (0-based).
public indirect enum LearningRateSchedule: Sendable, Equatable, Codable {
    /// A fixed rate.
    case constant(Double)
    /// `η₀ · r^(t / s)`; with `staircase`, the exponent is `⌊t / s⌋` (decay every `s` steps).
    case exponential(initial: Double, decayRate: Double, decaySteps: Int, staircase: Bool)
    /// `values[i]` for steps before `boundaries[i]`, the last value after the last boundary
    /// (`values.count == boundaries.count + 1`).
    case piecewiseConstant(boundaries: [Int], values: [Double])
    /// Cosine annealing `η_min + (η₀ − η_min)(1 + cos(π·t/T))/2`, then `η_min` after `T` steps
    /// (Loshchilov & Hutter 2017, arXiv:1608.03983).
    case cosine(initial: Double, totalSteps: Int, minimum: Double)
    /// Linear warm-up from 0 over `steps`, then `schedule` counted from the end of the warm-up.
    case warmup(steps: Int, then: LearningRateSchedule)

    /// The rate at `step`.
    public func rate(at step: Int) -> Double {
        switch self {
        case let .constant(rate):
            return rate
        case let .exponential(initial, decayRate, decaySteps, staircase):
            let exponent = Double(step) / Double(max(decaySteps, 1))
            return initial * Double.pow(decayRate, staircase ? exponent.rounded(.down) : exponent)
        case let .piecewiseConstant(boundaries, values):
            let index = boundaries.firstIndex { step < $0 } ?? boundaries.count
            return values[min(index, values.count - 1)]
        case let .cosine(initial, totalSteps, minimum):
            guard step < totalSteps else { return minimum }
            return minimum + (initial - minimum) * (1 + Double.cos(Double.pi * Double(step) / Double(totalSteps))) / 2
        case let .warmup(steps, then):
            if step < steps { return then.rate(at: 0) * Double(step + 1) / Double(steps) }
            return then.rate(at: step - steps)
        }
    }

    /// Checks the parameters; returns a message describing the first problem, or `nil`.
    public var problem: String? {
        switch self {
        case let .constant(rate):
            return rate > 0 && rate.isFinite ? nil : "learning rate must be positive, got \(rate)"
        case let .exponential(initial, decayRate, decaySteps, _):
            if !(initial > 0) { return "initial learning rate must be positive, got \(initial)" }
            if !(decayRate > 0) { return "decay rate must be positive, got \(decayRate)" }
            return decaySteps > 0 ? nil : "decay steps must be positive, got \(decaySteps)"
        case let .piecewiseConstant(boundaries, values):
            if values.count != boundaries.count + 1 { return "piecewise schedule needs one more value than boundaries (\(values.count) values, \(boundaries.count) boundaries)" }
            return zip(boundaries, boundaries.dropFirst()).allSatisfy { $0 < $1 } ? nil : "piecewise boundaries must increase"
        case let .cosine(initial, totalSteps, minimum):
            return initial > 0 && totalSteps > 0 && minimum >= 0 ? nil : "cosine schedule needs initial > 0, totalSteps > 0, minimum ≥ 0"
        case let .warmup(steps, then):
            return steps >= 0 ? then.problem : "warm-up steps must be non-negative"
        }
    }
}

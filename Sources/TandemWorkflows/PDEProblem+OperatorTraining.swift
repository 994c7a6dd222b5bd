import TandemCore
import TandemNN
import TandemOperators
import TandemSpec
import TandemTraining

extension PDEProblem.Training {
    /// Adam's learning rate: `learning_rate · decay_rate^⌊step/decay_every⌋`, or the piecewise-
    /// constant rates of `decay = "piecewise"`.
    public var adamSchedule: LearningRateSchedule {
        if let piecewise { return .piecewiseConstant(boundaries: piecewise.boundaries, values: piecewise.rates) }
        return .exponential(initial: learningRate, decayRate: decayRate, decaySteps: decayEvery, staircase: true)
    }

    /// The schedule in words: `1e-3 ×0.95 every 1000`, or `1e-3, 1e-4 from 5000, …`.
    public var rateDescription: String {
        if let piecewise {
            return ([String(describing: piecewise.rates[0])] + zip(piecewise.boundaries, piecewise.rates.dropFirst()).map { "\($1) from step \($0)" })
                .joined(separator: ", ")
        }
        return "\(learningRate)" + (decayRate == 1 ? "" : " ×\(decayRate) every \(decayEvery)")
    }

    /// The optimizer plan of this profile: Adam (its schedule), Lion, or Adam then Lion from `switch_step`.
    public var plan: TrainingPlan<Float> {
        let adam = Adam<Float>(schedule: adamSchedule)
        let lion = Lion<Float>(schedule: .constant(lionLearningRate))
        let phases: [OptimizerPhase<Float>]
        switch optimizer {
        case .lion: phases = [OptimizerPhase(start: 0, optimizer: lion)]
        case .adamThenLion where switchStep == 0: phases = [OptimizerPhase(start: 0, optimizer: lion)]
        case .adamThenLion: phases = [OptimizerPhase(start: 0, optimizer: adam), OptimizerPhase(start: switchStep, optimizer: lion)]
        case .adam: phases = [OptimizerPhase(start: 0, optimizer: adam)]
        }
        return TrainingPlan(steps: steps, phases: phases, checkpointEvery: checkpointEvery)
    }

    /// What the operator objective draws and measures under this profile.
    public var objectiveSettings: OperatorObjective.Settings {
        let objectiveLoss: OperatorObjective.Settings.Loss
        switch loss {
        case .mse: objectiveLoss = .meanSquaredError
        case .relativeL2: objectiveLoss = .relativeL2
        }
        return OperatorObjective.Settings(batch: batch, points: points, loss: objectiveLoss, seed: seed, symmetries: augment == .symmetries)
    }
}

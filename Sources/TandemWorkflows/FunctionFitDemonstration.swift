import Foundation
import TandemCore
import TandemNN

/// The built-in default job until problem files drive training: fit an MLP to a known function
/// and report the loss falling and the final error against the exact function.
///
/// Target: `u(x, y) = sin(πx)·cos(πy)` on `[−1, 1]²`. Adam on fresh random points each step,
/// then full-batch L-BFGS on a fixed set of points (the Adam → L-BFGS switch of PINN practice),
/// evaluated on a held-out 64 × 64 grid by relative L2 error `‖u_θ − u‖₂ / ‖u‖₂`.
public struct FunctionFitDemonstration: Sendable {
    /// Layer widths: input 2, hidden layers, output 1.
    public var widths: [Int] = [2, 64, 64, 64, 1]
    /// The hidden layers' nonlinearity.
    public var activation: Activation = .tanh
    /// Adam steps.
    public var steps = 2000
    /// Fresh random points per Adam step.
    public var batchSize = 256
    /// Adam's learning rate schedule.
    public var learningRate: LearningRateSchedule = .exponential(initial: 3e-3, decayRate: 0.5, decaySteps: 1000, staircase: false)
    /// Full-batch L-BFGS iterations after Adam (0 to skip), on `refinementPoints` fixed points.
    public var refinementIterations = 1500
    /// Fixed points for the full-batch L-BFGS phase.
    public var refinementPoints = 2048
    /// Seed for initialisation and sampling; the same seed reproduces the run.
    public var seed: UInt64 = 0
    /// Steps between progress reports.
    public var reportEvery = 250

    /// The default demonstration (see the properties for its settings).
    public init() {}

    /// One line of progress.
    public struct Progress: Sendable {
        /// The Adam step (0-based).
        public let step: Int
        /// Mean squared error on the step's batch.
        public let loss: Double
        /// The learning rate used at this step.
        public let learningRate: Double
        /// Seconds since training started.
        public let elapsedSeconds: Double
    }

    /// The outcome of a run.
    public struct Result: Sendable {
        /// The loss at the first step.
        public let initialLoss: Double
        /// The loss at the end (after L-BFGS when it ran).
        public let finalLoss: Double
        /// `‖u_θ − u‖₂ / ‖u‖₂` on the held-out 64 × 64 grid.
        public let relativeL2Error: Double
        /// `max |u_θ − u|` on the held-out grid.
        public let maxAbsoluteError: Double
        /// Wall-clock seconds for training and evaluation.
        public let seconds: Double
        /// Trainable scalars in the model.
        public let parameterCount: Int
        /// The loss after the Adam phase.
        public let adamLoss: Double
        /// Why and when L-BFGS stopped, if it ran.
        public let refinement: LBFGS.Report?
    }

    static func target(_ points: Tensor<Double>) -> Tensor<Double> {
        let x = points.slice(alongAxis: 1, 0..<1), y = points.slice(alongAxis: 1, 1..<2)
        return sin(x * Double.pi) * cos(y * Double.pi)
    }

    /// Trains and evaluates, calling `report` every `reportEvery` steps.
    /// - Throws: ``TensorError/nonFinite(_:)`` if the loss becomes NaN or infinite.
    public func run(report: (Progress) -> Void) throws -> Result {
        var generator = SeededGenerator(seed: seed)
        var model = MLP<Double>(widths: widths, activation: activation, using: &generator)
        var optimizer = Adam<Double>(schedule: learningRate)
        let start = Date()
        var initialLoss = Double.nan, loss = Double.nan
        for step in 0..<steps {
            let points = Tensor<Double>.randomUniform(shape: [batchSize, 2], lower: -1, upper: 1, using: &generator)
            let exact = Self.target(points)
            let (value, grads) = try valueWithGradient(at: model) { m in square(m(points) - exact).mean() }
            guard value.isFinite else { throw TensorError.nonFinite("training loss at step \(step)") }
            if step == 0 { initialLoss = value }
            loss = value
            optimizer.update(&model, along: grads)
            if step % reportEvery == 0 || step == steps - 1 {
                report(Progress(step: step, loss: value, learningRate: learningRate.rate(at: step), elapsedSeconds: Date().timeIntervalSince(start)))
            }
        }
        let adamLoss = loss
        var refinement: LBFGS.Report?
        if refinementIterations > 0 {
            let points = Tensor<Double>.randomUniform(shape: [refinementPoints, 2], lower: -1, upper: 1, using: &generator)
            let exact = Self.target(points)
            var solver = LBFGS()
            solver.maxIterations = refinementIterations
            solver.maxEvaluations = 2 * refinementIterations
            refinement = try solver.minimize(&model) { m in square(m(points) - exact).mean() }
            loss = refinement!.finalLoss
        }
        let grid = Tensor<Double>.linspace(from: -1, to: 1, count: 64)
        let points = Tensor<Double>(
            shape: [64 * 64, 2], scalars: (0..<(64 * 64)).flatMap { [grid.scalars[$0 / 64], grid.scalars[$0 % 64]] })
        let (prediction, exact) = withoutGradient { (model(points), Self.target(points)) }
        let error = prediction - exact
        return Result(
            initialLoss: initialLoss, finalLoss: loss,
            relativeL2Error: error.norm().scalar / exact.norm().scalar,
            maxAbsoluteError: abs(error).max().scalar,
            seconds: Date().timeIntervalSince(start), parameterCount: model.parameterCount,
            adamLoss: adamLoss, refinement: refinement)
    }
}

import Foundation
import TandemCore
import TandemNN
import TandemPINN
import TandemSpec
import TandemTraining

/// The PINN family's part of the one training loop: the weighted residual, boundary, initial
/// and data losses (fixed weights or learning-rate annealing), collocation points resampled
/// every k steps or refined adaptively by residual, and the full-batch loss the L-BFGS phase
/// minimises on the final points. Weights and refined points travel in checkpoints.
public final class PINNObjective: TrainingObjective {
    /// The problem and its settings.
    public let setup: PINNProblem
    let boundary: [PINNProblem.BoundaryGroup]
    let initial: (points: PINNProblem.Points, value: Tensor<Double>)?
    let observations: PINNProblem.Observations?
    let coefficientNames: [String]
    /// The loss weights (annealed or fixed).
    public private(set) var weights: AnnealedWeights
    /// Collocation points added by adaptive refinement, row-major.
    var addedPoints: [Double] = []
    /// The collocation points in use (set before the first step).
    var collocation: PINNProblem.Points?

    /// - Parameters:
    ///   - coefficientNames: the unknowns of an inverse problem, logged with every row.
    ///   - observations: the data of an inverse problem.
    public init(setup: PINNProblem, coefficientNames: [String], observations: PINNProblem.Observations? = nil) throws {
        // With a hard condition the observation points need the transform's jets too.
        self.observations = observations.map { PINNProblem.Observations(points: setup.points(setup.flat($0.points)), values: $0.values) }
        self.setup = setup
        self.coefficientNames = coefficientNames
        boundary = try setup.boundaryGroups()
        initial = try setup.initialCondition()
        let t = setup.training, w = t.weights
        weights = AnnealedWeights(initial: [w.residual, w.boundary] + (initial == nil ? [] : [w.initial])
                                  + (observations == nil ? [] : [setup.resolved.problem.inverse?.dataWeight ?? 1]), alpha: t.annealAlpha)
    }

    /// Adam with the profile's schedule (and the unknowns' rate factor), then L-BFGS.
    public static func plan(_ setup: PINNProblem, coefficientNames: [String]) -> TrainingPlan<Double> {
        let t = setup.training
        var adam = Adam<Double>(schedule: .exponential(initial: t.learningRate, decayRate: t.decayRate, decaySteps: t.decayEvery, staircase: true))
        if let inverse = setup.resolved.problem.inverse, inverse.learningRateFactor != 1 {
            adam.rateMultipliers = Dictionary(uniqueKeysWithValues: coefficientNames.map { ("coefficients." + $0, inverse.learningRateFactor) })
        }
        return TrainingPlan(steps: t.steps, phases: [OptimizerPhase(start: 0, optimizer: adam)], refinementIterations: t.lbfgsIterations,
                            checkpointEvery: t.checkpointEvery)
    }

    /// The loss terms, in order (`initial` only for transient problems, `data` only for inverse problems).
    public var taskNames: [String] { ["residual", "boundary"] + (initial == nil ? [] : ["initial"]) + (observations == nil ? [] : ["data"]) }
    /// `step,phase,loss,<terms>,weight_<terms>,<unknowns>,learning_rate,seconds`.
    public var historyHeader: [String] {
        ["step", "phase", "loss"] + taskNames + taskNames.map { "weight_\($0)" } + coefficientNames + ["learning_rate", "seconds"]
    }
    /// What usually cures a diverging PINN.
    public var divergenceAdvice: String { "lower training.learning_rate" }
    /// Collocation points in use (with the ones refinement added).
    public var collocationCount: Int { setup.training.collocation + addedPoints.count / setup.axes.count }

    /// The collocation points in use at Adam step `k`: draw `⌊k / resample_every⌋` (or the first
    /// draw) plus the points refinement has added.
    func collocation(at k: Int) throws -> PINNProblem.Points {
        let t = setup.training
        let draw = t.resampleEvery > 0 ? k / t.resampleEvery : 0
        return setup.points(try setup.collocation(count: t.collocation, draw: draw) + addedPoints)
    }

    /// Resampling, residual-based refinement and annealing updates due before `step`.
    public func prepare(step: Int, model: PhysicsInformedNetwork<Double>) throws {
        let t = setup.training
        if collocation == nil || (t.resampleEvery > 0 && step % t.resampleEvery == 0) { collocation = try collocation(at: step) }
        if t.refineEvery > 0, step > 0, step % t.refineEvery == 0 {
            try refine(model, step: step)
            collocation = try collocation(at: step)
        }
        if t.weighting == .annealing, step % t.annealEvery == 0 { try anneal(model) }
    }

    /// The points of a run resumed after its last Adam step, for L-BFGS.
    public func prepareRefinement(afterSteps steps: Int, model: PhysicsInformedNetwork<Double>) throws {
        if collocation == nil { collocation = try collocation(at: steps) }
    }

    /// The unweighted loss terms: mean squared residual, boundary defect, initial defect and
    /// data misfit.
    func terms(_ m: PhysicsInformedNetwork<Double>) -> [Tensor<Double>] {
        let r = setup.residual(of: m, at: collocation!)
        var terms = [(r * r).mean()]
        let b = setup.boundaryDefect(of: m, groups: boundary)
        terms.append((b * b).mean())
        if let initial {
            let e = setup.solution(of: m, at: initial.points) - initial.value
            terms.append((e * e).mean())
        }
        if let observations {
            let e = setup.solution(of: m, at: observations.points) - observations.values
            terms.append((e * e).mean())
        }
        return terms
    }

    /// `Σ λₖ Lₖ` with the current weights, and each unweighted `Lₖ`.
    func weighted(_ terms: [Tensor<Double>]) -> ObjectiveValue<Double> {
        ObjectiveValue(total: zip(terms, weights.weights).map { $0 * $1 }.reduce(Tensor<Double>.zeros(shape: []), +), tasks: terms.map { $0.scalar })
    }

    /// The weighted loss on the current collocation points.
    public func loss(of model: PhysicsInformedNetwork<Double>, step: Int) throws -> ObjectiveValue<Double> { weighted(terms(model)) }

    /// The same loss: the points are fixed once Adam is done.
    public func fullBatchLoss(of model: PhysicsInformedNetwork<Double>) throws -> ObjectiveValue<Double> { weighted(terms(model)) }

    /// Learning-rate annealing: the gradient of each unweighted term, then ``AnnealedWeights/update(gradients:)``.
    func anneal(_ model: PhysicsInformedNetwork<Double>) throws {
        var flattened: [[Double]] = []
        for k in taskNames.indices {
            let (_, g) = try valueWithGradient(at: model) { m in terms(m)[k] }
            flattened.append(g.values.flatMap(\.scalars))
        }
        weights.update(gradients: flattened)
    }

    /// Residual-based refinement: the `refine_add` candidates with the largest |residual| join
    /// the collocation set.
    func refine(_ model: PhysicsInformedNetwork<Double>, step: Int) throws {
        let t = setup.training
        let candidates = try setup.collocation(count: t.refineCandidates, draw: 1_000_000 + step)
        let r = withoutGradient { setup.residual(of: model, at: setup.points(candidates)) }.scalars
        let d = setup.axes.count
        for i in ResidualRefinement.largest(r, count: t.refineAdd) { addedPoints += candidates[i * d..<(i + 1) * d] }
    }

    /// `step, phase, loss, terms (empty in L-BFGS rows), weights, unknowns, rate, seconds`.
    public func historyRow(_ record: TrainingRecord<Double>, model: PhysicsInformedNetwork<Double>) -> [String] {
        let cells = taskNames.indices.map { $0 < record.tasks.count ? record.tasks[$0].map { "\($0)" } ?? "" : "" }
        let values = model.coefficientValues
        let coefficients = coefficientNames.map { "\(values[$0]!)" }
        return [String(record.step), record.phase, "\(record.loss)"] + cells + weights.weights.map { "\($0)" } + coefficients
            + ["\(record.learningRate)", String(format: "%.2f", record.seconds)]
    }

    /// The weights and the refined points.
    public func checkpointState() -> [String: String] {
        var state = ["tandem.loss_weights": weights.weights.map { "\($0)" }.joined(separator: ",")]
        if !addedPoints.isEmpty { state["tandem.refined_points"] = addedPoints.map { "\($0)" }.joined(separator: ",") }
        return state
    }

    /// Restores the weights and the refined points.
    public func restore(checkpointState state: [String: String]) throws {
        if let saved = state["tandem.loss_weights"] {
            let values = saved.split(separator: ",").compactMap { Double($0) }
            guard values.count == weights.weights.count else {
                throw TrainingError.incompatibleCheckpoint("the checkpoint has \(values.count) loss weights, this problem \(weights.weights.count) terms")
            }
            weights.restore(values)
        }
        addedPoints = (state["tandem.refined_points"] ?? "").split(separator: ",").compactMap { Double($0) }
    }
}

/// The one trainer, running a PINN's objective.
public typealias PINNTrainer = Trainer<PINNObjective>

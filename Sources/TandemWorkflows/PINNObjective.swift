import Foundation
import TandemCore
import TandemMultiTask
import TandemNN
import TandemPINN
import TandemSpec
import TandemTraining

/// The PINN family's part of the one training loop: the residual, boundary, initial and data
/// losses as tasks (weighted by the run's multi-task strategy: fixed weights, learning-rate
/// annealing or any other of `TandemMultiTask`), collocation points resampled every k steps or
/// refined adaptively by residual, and the full-batch terms the L-BFGS phase minimises on the
/// final points. Refined points travel in checkpoints.
public final class PINNObjective: TrainingObjective {
    /// The problem and its settings.
    public let setup: PINNProblem
    let boundary: [PINNProblem.BoundaryGroup]
    let initial: (points: PINNProblem.Points, value: Tensor<Double>)?
    let observations: PINNProblem.Observations?
    let coefficientNames: [String]
    /// The declared weights of the terms (residual, boundary, initial, data), where a strategy starts.
    public let declaredWeights: [Double]
    /// Collocation points added by adaptive refinement, row-major.
    var addedPoints: [Double] = []
    /// The collocation points in use (set before the first step).
    var collocation: PINNProblem.Points? {
        didSet { localCollocation = nil }
    }
    /// This process's part of the collocation points (``shard(_:)``); the whole set by default.
    public private(set) var dataShard = DataShard.whole
    /// This rank's rows of ``collocation`` under a data-parallel shard.
    var localCollocation: PINNProblem.Points?

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
        let w = setup.training.weights
        declaredWeights = [w.residual, w.boundary] + (initial == nil ? [] : [w.initial])
            + (observations == nil ? [] : [setup.resolved.problem.inverse?.dataWeight ?? 1])
    }

    /// Adam with the profile's schedule (and the unknowns' rate factor), then L-BFGS; the terms
    /// combined by `multitask`.
    public static func plan(_ setup: PINNProblem, coefficientNames: [String], multitask: MultiTaskSettings) -> TrainingPlan<Double> {
        let t = setup.training
        var adam = Adam<Double>(schedule: .exponential(initial: t.learningRate, decayRate: t.decayRate, decaySteps: t.decayEvery, staircase: true))
        if let inverse = setup.resolved.problem.inverse, inverse.learningRateFactor != 1 {
            adam.rateMultipliers = Dictionary(uniqueKeysWithValues: coefficientNames.map { ("coefficients." + $0, inverse.learningRateFactor) })
        }
        return TrainingPlan(steps: t.steps, phases: [OptimizerPhase(start: 0, optimizer: adam)], refinementIterations: t.lbfgsIterations,
                            checkpointEvery: t.checkpointEvery, multitask: multitask)
    }

    /// The loss terms, in order (`initial` only for transient problems, `data` only for inverse problems).
    public var taskNames: [String] { ["residual", "boundary"] + (initial == nil ? [] : ["initial"]) + (observations == nil ? [] : ["data"]) }
    /// `step,phase,loss,<terms>,<unknowns>,learning_rate,seconds` (the trainer adds the strategy's
    /// weights and gradient diagnostics).
    public var historyHeader: [String] {
        ["step", "phase", "loss"] + taskNames + coefficientNames + ["learning_rate", "seconds"]
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

    /// Splits the collocation points across data-parallel ranks: each rank's residual term is the
    /// sum of its points' squared residuals over the whole set's count. The boundary, initial and
    /// data terms (small sets) are computed whole by rank 0; the other ranks add them times zero.
    /// - Throws: ``TrainingError/unsupported(_:)`` when there are fewer collocation points than ranks.
    public func shard(_ shard: DataShard) throws {
        guard shard.isWhole || setup.training.collocation >= shard.size else {
            throw TrainingError.unsupported("\(setup.training.collocation) collocation points cannot be split over \(shard.size) ranks")
        }
        dataShard = shard
        localCollocation = nil
    }

    /// Resampling and residual-based refinement due before `step`.
    public func prepare(step: Int, model: PhysicsInformedNetwork<Double>) throws {
        let t = setup.training
        if collocation == nil || (t.resampleEvery > 0 && step % t.resampleEvery == 0) { collocation = try collocation(at: step) }
        if t.refineEvery > 0, step > 0, step % t.refineEvery == 0 {
            try refine(model, step: step)
            collocation = try collocation(at: step)
        }
    }

    /// The points of a run resumed after its last Adam step, for L-BFGS.
    public func prepareRefinement(afterSteps steps: Int, model: PhysicsInformedNetwork<Double>) throws {
        if collocation == nil { collocation = try collocation(at: steps) }
    }

    /// The unweighted loss terms: mean squared residual, boundary defect, initial defect and
    /// data misfit — under a data-parallel shard (and not `whole`), this rank's share of each.
    func terms(_ m: PhysicsInformedNetwork<Double>, whole: Bool = false) -> [Tensor<Double>] {
        guard whole || dataShard.isWhole else { return shardTerms(m) }
        let r = setup.residual(of: m, at: collocation!)
        return [(r * r).mean()] + otherTerms(m)
    }

    /// The boundary defect, initial defect and data misfit terms (means over their points).
    func otherTerms(_ m: PhysicsInformedNetwork<Double>) -> [Tensor<Double>] {
        let b = setup.boundaryDefect(of: m, groups: boundary)
        var terms = [(b * b).mean()]
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

    /// This rank's share of each term (see ``shard(_:)``).
    func shardTerms(_ m: PhysicsInformedNetwork<Double>) -> [Tensor<Double>] {
        let all = collocation!
        if localCollocation == nil {
            let d = setup.axes.count, rows = dataShard.share(of: all.count)
            localCollocation = setup.points(Array(setup.flat(all)[(rows.lowerBound * d)..<(rows.upperBound * d)]))
        }
        let r = setup.residual(of: m, at: localCollocation!)
        let others = otherTerms(m)
        return [(r * r).sum() / Double(all.count)] + (dataShard.rank == 0 ? others : others.map { $0 * 0 })
    }

    /// `Σ λₖ Lₖ` with the declared weights, and each unweighted `Lₖ`.
    func weighted(_ terms: [Tensor<Double>]) -> ObjectiveValue<Double> {
        ObjectiveValue(total: zip(terms, declaredWeights).map { $0 * $1 }.reduce(Tensor<Double>.zeros(shape: []), +), tasks: terms.map { $0.scalar })
    }

    /// The loss with the declared weights (PINN runs train under a strategy, which weights
    /// ``taskLosses(of:step:)`` instead).
    public func loss(of model: PhysicsInformedNetwork<Double>, step: Int) throws -> ObjectiveValue<Double> { weighted(terms(model)) }

    /// The same loss: the points are fixed once Adam is done.
    public func fullBatchLoss(of model: PhysicsInformedNetwork<Double>) throws -> ObjectiveValue<Double> { weighted(terms(model, whole: true)) }

    /// The unweighted terms on the current collocation points.
    public func taskLosses(of model: PhysicsInformedNetwork<Double>, step: Int) throws -> [Tensor<Double>] { terms(model) }

    /// The same terms: the points are fixed once Adam is done.
    public func fullBatchTaskLosses(of model: PhysicsInformedNetwork<Double>) throws -> [Tensor<Double>] { terms(model, whole: true) }

    /// Residual-based refinement: the `refine_add` candidates with the largest |residual| join
    /// the collocation set.
    func refine(_ model: PhysicsInformedNetwork<Double>, step: Int) throws {
        let t = setup.training
        let candidates = try setup.collocation(count: t.refineCandidates, draw: 1_000_000 + step)
        let r = withoutGradient { setup.residual(of: model, at: setup.points(candidates)) }.scalars
        let d = setup.axes.count
        for i in ResidualRefinement.largest(r, count: t.refineAdd) { addedPoints += candidates[i * d..<(i + 1) * d] }
    }

    /// `step, phase, loss, terms (empty in L-BFGS rows), unknowns, rate, seconds`.
    public func historyRow(_ record: TrainingRecord<Double>, model: PhysicsInformedNetwork<Double>) -> [String] {
        let cells = taskNames.indices.map { $0 < record.tasks.count ? record.tasks[$0].map { "\($0)" } ?? "" : "" }
        let values = model.coefficientValues
        let coefficients = coefficientNames.map { "\(values[$0]!)" }
        return [String(record.step), record.phase, "\(record.loss)"] + cells + coefficients
            + ["\(record.learningRate)", String(format: "%.2f", record.seconds)]
    }

    /// The refined points.
    public func checkpointState() -> [String: String] {
        addedPoints.isEmpty ? [:] : ["tandem.refined_points": addedPoints.map { "\($0)" }.joined(separator: ",")]
    }

    /// Restores the refined points.
    public func restore(checkpointState state: [String: String]) throws {
        addedPoints = (state["tandem.refined_points"] ?? "").split(separator: ",").compactMap { Double($0) }
    }
}

/// The one trainer, running a PINN's objective.
public typealias PINNTrainer = Trainer<PINNObjective>

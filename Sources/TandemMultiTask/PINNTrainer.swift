import Foundation
import TandemCore
import TandemNN
import TandemPINN
import TandemSpec

/// Trains a PINN: Adam on the weighted residual, boundary and initial losses (fixed weights or
/// learning-rate annealing; collocation points resampled every k steps or refined adaptively by
/// residual), then L-BFGS on the final points. Checkpoints periodically and on request, logs every
/// loss term and weight to `loss.csv`, resumes exactly, and stops on a non-finite loss keeping
/// the last good checkpoint.
public final class PINNTrainer {
    /// The network being trained.
    public private(set) var model: PhysicsInformedNetwork<Double>
    /// The problem and its settings.
    public let setup: PINNProblem
    let checkpointPath: String
    let historyPath: String
    let metadata: [String: String]
    /// Adam steps done.
    public private(set) var step = 0
    /// Whether the L-BFGS phase has run.
    public private(set) var refined = false
    var adam: Adam<Double>
    var weights: AnnealedWeights
    var lastCheckpoint: Int?
    /// Collocation points added by adaptive refinement, row-major.
    var addedPoints: [Double] = []
    let boundary: [PINNProblem.BoundaryGroup]
    let initial: (points: PINNProblem.Points, value: Tensor<Double>)?
    let observations: PINNProblem.Observations?

    /// Names of the loss terms, in order (`initial` only for transient problems, `data` only for
    /// inverse problems).
    public var termNames: [String] { ["residual", "boundary"] + (initial == nil ? [] : ["initial"]) + (observations == nil ? [] : ["data"]) }

    /// Progress after a step.
    public struct Progress: Sendable {
        /// `adam` or `lbfgs`.
        public let phase: String
        /// Steps (or L-BFGS iterations) done and planned.
        public let step: Int, steps: Int
        /// The weighted loss, and each unweighted term.
        public let loss: Double, terms: [Double]
        /// Current weights.
        public let weights: [Double]
        /// Seconds since this invocation started, and steps per second.
        public let seconds: Double, rate: Double
    }

    /// What a run did.
    public struct Report: Sendable {
        /// Adam steps reached.
        public let step: Int
        /// Whether `shouldStop` ended it early (a checkpoint was written).
        public let interrupted: Bool
        /// Seconds of this invocation.
        public let seconds: Double
        /// The final weighted loss and its terms.
        public let loss: Double, terms: [Double]
        /// The L-BFGS phase's report, when it ran in this invocation.
        public let lbfgs: LBFGS.Report?
        /// Collocation points at the end (with the ones refinement added).
        public let collocationPoints: Int
    }

    /// - Parameters:
    ///   - directory: where `checkpoint.safetensors` and `loss.csv` go.
    ///   - metadata: stored in every checkpoint (problem text, model description, …).
    ///   - observations: the data of an inverse problem.
    public init(model: PhysicsInformedNetwork<Double>, setup: PINNProblem, observations: PINNProblem.Observations? = nil,
                directory: String, metadata: [String: String]) throws {
        // With a hard condition the observation points need the transform's jets too.
        self.observations = observations.map { PINNProblem.Observations(points: setup.points(setup.flat($0.points)), values: $0.values) }
        self.model = model
        self.setup = setup
        checkpointPath = directory + "/checkpoint.safetensors"
        historyPath = directory + "/loss.csv"
        self.metadata = metadata
        let t = setup.training
        adam = Adam(schedule: .exponential(initial: t.learningRate, decayRate: t.decayRate, decaySteps: t.decayEvery, staircase: true))
        if let inverse = setup.resolved.problem.inverse, inverse.learningRateFactor != 1 {
            adam.rateMultipliers = Dictionary(uniqueKeysWithValues: model.coefficientNames.map { ("coefficients." + $0, inverse.learningRateFactor) })
        }
        boundary = try setup.boundaryGroups()
        initial = try setup.initialCondition()
        let w = t.weights
        weights = AnnealedWeights(initial: [w.residual, w.boundary] + (initial == nil ? [] : [w.initial])
                                  + (observations == nil ? [] : [setup.resolved.problem.inverse?.dataWeight ?? 1]), alpha: t.annealAlpha)
    }

    /// The collocation points in use at Adam step `k`: draw `⌊k / resample_every⌋` (or the first
    /// draw) plus the points refinement has added.
    func collocation(at k: Int) throws -> PINNProblem.Points {
        let t = setup.training
        let draw = t.resampleEvery > 0 ? k / t.resampleEvery : 0
        return setup.points(try setup.collocation(count: t.collocation, draw: draw) + addedPoints)
    }

    /// The unweighted loss terms: mean squared residual, boundary defect, initial defect and
    /// data misfit.
    func terms(_ m: PhysicsInformedNetwork<Double>, collocation: PINNProblem.Points) -> [Tensor<Double>] {
        let r = setup.residual(of: m, at: collocation)
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

    /// `Σ λₖ Lₖ` with the current weights.
    func weighted(_ terms: [Tensor<Double>]) -> Tensor<Double> {
        zip(terms, weights.weights).map { $0 * $1 }.reduce(Tensor<Double>.zeros(shape: []), +)
    }

    /// Restores model, optimizer, step, weights and refined points from the run's checkpoint.
    public func resume() throws {
        let checkpoint = try Checkpoint<Double>.read(from: checkpointPath)
        for key in ["tandem.problem", "tandem.model"] where checkpoint.metadata[key] != metadata[key] {
            throw OperatorTrainingError.incompatibleCheckpoint(
                "\(checkpointPath) was written for a different \(key == "tandem.problem" ? "problem file" : "model"): it has \(OperatorTrainer.headline(checkpoint.metadata[key])), this run has \(OperatorTrainer.headline(metadata[key]))")
        }
        guard let trainingStep = Int(checkpoint.metadata["tandem.training_step"] ?? "") else {
            throw OperatorTrainingError.incompatibleCheckpoint("\(checkpointPath) lacks tandem.training_step")
        }
        try checkpoint.restore(into: &model, optimizer: &adam)
        step = trainingStep
        refined = checkpoint.metadata["tandem.lbfgs"] != nil
        if let saved = checkpoint.metadata["tandem.loss_weights"] {
            weights.restore(saved.split(separator: ",").compactMap { Double($0) })
        }
        addedPoints = (checkpoint.metadata["tandem.refined_points"] ?? "").split(separator: ",").compactMap { Double($0) }
        lastCheckpoint = step
        if let history = try? String(contentsOfFile: historyPath, encoding: .utf8) {
            let kept = history.split(separator: "\n").filter { line in
                let fields = line.split(separator: ",")
                guard let s = Int(fields.first ?? "") else { return true }
                return fields.count >= 2 && fields[1] == "lbfgs" ? refined : s <= step
            }
            try (kept.joined(separator: "\n") + "\n").write(toFile: historyPath, atomically: true, encoding: .utf8)
        }
    }

    /// Trains until the Adam steps and the L-BFGS phase are done, or `shouldStop` returns true.
    /// - Throws: ``OperatorTrainingError/diverged(step:loss:checkpointStep:)`` (the checkpoint on
    ///   disk is the last good one); point sampling and checkpoint errors.
    public func run(progress: ((Progress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> Report {
        let start = Date()
        let t = setup.training
        let firstStep = step
        if !FileManager.default.fileExists(atPath: historyPath) || step == 0 {
            let header = ["step", "phase", "loss"] + termNames + termNames.map { "weight_\($0)" } + model.coefficientNames + ["learning_rate", "seconds"]
            try (header.joined(separator: ",") + "\n").write(toFile: historyPath, atomically: true, encoding: .utf8)
        }
        let logEvery = Swift.max(1, t.steps / 200)
        var collocation = try collocation(at: step)
        var values: [Double] = [], loss = Double.nan
        while step < t.steps {
            if shouldStop?() == true {
                try checkpoint()
                return Report(step: step, interrupted: true, seconds: Date().timeIntervalSince(start), loss: loss, terms: values, lbfgs: nil,
                              collocationPoints: collocation.count)
            }
            if t.resampleEvery > 0, step % t.resampleEvery == 0 { collocation = try self.collocation(at: step) }
            if t.refineEvery > 0, step > 0, step % t.refineEvery == 0 {
                try refine()
                collocation = try self.collocation(at: step)
            }
            if t.weighting == .annealing, step % t.annealEvery == 0 { try anneal(collocation) }
            var termValues: [Tensor<Double>] = []
            let (value, gradients) = try valueWithGradient(at: model) { m -> Tensor<Double> in
                termValues = terms(m, collocation: collocation)
                return weighted(termValues)
            }
            guard value.isFinite, globalNorm(gradients).isFinite else {
                throw OperatorTrainingError.diverged(step: step, loss: Float(value), checkpointStep: lastCheckpoint)
            }
            adam.update(&model, along: gradients)
            step += 1
            (loss, values) = (value, termValues.map { $0.scalar })
            let seconds = Date().timeIntervalSince(start)
            if step % t.checkpointEvery == 0 || step == t.steps { try checkpoint() }
            if step % logEvery == 0 || step == t.steps {
                try log(step: step, phase: "adam", loss: value, terms: values, rate: adam.schedule.rate(at: step - 1), seconds: seconds)
            }
            progress?(Progress(phase: "adam", step: step, steps: t.steps, loss: value, terms: values, weights: weights.weights,
                               seconds: seconds, rate: Double(step - firstStep) / Swift.max(seconds, 1e-9)))
        }
        var lbfgsReport: LBFGS.Report?
        if t.lbfgsIterations > 0 && !refined {
            if shouldStop?() == true {
                return Report(step: step, interrupted: true, seconds: Date().timeIntervalSince(start), loss: loss, terms: values, lbfgs: nil,
                              collocationPoints: collocation.count)
            }
            lbfgsReport = try runLBFGS(collocation: collocation, start: start, progress: progress)
            let final = withoutGradient { terms(model, collocation: collocation) }
            values = final.map { $0.scalar }
            loss = withoutGradient { weighted(final) }.scalar
        }
        return Report(step: step, interrupted: false, seconds: Date().timeIntervalSince(start), loss: loss, terms: values, lbfgs: lbfgsReport,
                      collocationPoints: collocation.count)
    }

    /// L-BFGS on the fixed collocation set with the current weights; a non-finite loss ends it
    /// with the last finite parameters (``LBFGS/StopReason/nonFinite``), never with NaNs.
    func runLBFGS(collocation: PINNProblem.Points, start: Date, progress: ((Progress) -> Void)?) throws -> LBFGS.Report {
        let t = setup.training
        var solver = LBFGS()
        solver.maxIterations = t.lbfgsIterations
        solver.maxEvaluations = 2 * t.lbfgsIterations + 25
        let logEvery = Swift.max(1, t.lbfgsIterations / 100)
        var logError: Error?
        let phaseStart = Date()
        // L-BFGS works on a copy (the progress callback must not touch the model being
        // minimised); the coefficients logged are those of the last evaluation.
        var minimised = model
        var current = model.coefficientValues
        let report = try solver.minimize(&minimised, progress: { [self] iteration, value in
            let seconds = Date().timeIntervalSince(start)
            if iteration % logEvery == 0 || iteration == t.lbfgsIterations {
                do { try log(step: step + iteration, phase: "lbfgs", loss: value, terms: [], rate: 0, seconds: seconds, coefficients: current) } catch { logError = error }
            }
            progress?(Progress(phase: "lbfgs", step: iteration, steps: t.lbfgsIterations, loss: value, terms: [], weights: weights.weights,
                               seconds: seconds, rate: Double(iteration) / Swift.max(Date().timeIntervalSince(phaseStart), 1e-9)))
        }) { m in
            current = m.coefficientValues
            return self.weighted(self.terms(m, collocation: collocation))
        }
        model = minimised
        if let logError { throw logError }
        refined = true
        var meta = [String: String]()
        meta["tandem.lbfgs"] = report.reason.rawValue
        try checkpoint(extra: meta)
        return report
    }

    /// Learning-rate annealing: the gradient of each unweighted term, then ``AnnealedWeights/update(gradients:)``.
    func anneal(_ collocation: PINNProblem.Points) throws {
        var flattened: [[Double]] = []
        for k in termNames.indices {
            let (_, g) = try valueWithGradient(at: model) { m in terms(m, collocation: collocation)[k] }
            flattened.append(g.values.flatMap(\.scalars))
        }
        weights.update(gradients: flattened)
    }

    /// Residual-based refinement: the `refine_add` candidates with the largest |residual| join
    /// the collocation set.
    func refine() throws {
        let t = setup.training
        let candidates = try setup.collocation(count: t.refineCandidates, draw: 1_000_000 + step)
        let r = withoutGradient { setup.residual(of: model, at: setup.points(candidates)) }.scalars
        let d = setup.axes.count
        for i in ResidualRefinement.largest(r, count: t.refineAdd) { addedPoints += candidates[i * d..<(i + 1) * d] }
    }

    /// Appends one row to `loss.csv`.
    func log(step: Int, phase: String, loss: Double, terms: [Double], rate: Double, seconds: Double, coefficients values: [String: Double]? = nil) throws {
        let cells = termNames.indices.map { $0 < terms.count ? "\(terms[$0])" : "" }
        let values = values ?? model.coefficientValues
        let coefficients = model.coefficientNames.map { "\(values[$0]!)" }
        let row = [String(step), phase, "\(loss)"] + cells + weights.weights.map { "\($0)" } + coefficients + ["\(rate)", String(format: "%.2f", seconds)]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: historyPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: (row.joined(separator: ",") + "\n").data(using: .utf8)!)
        try handle.close()
    }

    /// Writes the checkpoint atomically: network, Adam state, step, weights, refined points.
    func checkpoint(extra: [String: String] = [:]) throws {
        var meta = metadata.merging(extra) { $1 }
        meta["tandem.training_step"] = String(step)
        meta["tandem.loss_weights"] = weights.weights.map { "\($0)" }.joined(separator: ",")
        if !addedPoints.isEmpty { meta["tandem.refined_points"] = addedPoints.map { "\($0)" }.joined(separator: ",") }
        try Checkpoint(model: model, optimizer: adam, metadata: meta).write(to: checkpointPath)
        lastCheckpoint = step
    }
}

import Foundation
import TandemCore
import TandemNN
import TandemOperators
import TandemSpec

/// A training run that cannot go on, with what was kept.
public enum OperatorTrainingError: Error, CustomStringConvertible {
    /// The loss or a gradient became NaN or infinite; the last good checkpoint is kept.
    case diverged(step: Int, loss: Float, checkpointStep: Int?)
    /// A checkpoint that does not belong to this run.
    case incompatibleCheckpoint(String)

    /// The message.
    public var description: String {
        switch self {
        case let .diverged(step, loss, checkpoint):
            return "training diverged at step \(step) (loss \(loss)); "
                + (checkpoint.map { "the last good checkpoint (step \($0)) is kept" } ?? "no checkpoint had been written yet")
                + "; lower training.learning_rate or raise training.batch"
        case let .incompatibleCheckpoint(reason): return "cannot resume: \(reason)"
        }
    }
}

/// Trains a DeepONet on an ``OperatorDataset``: Cartesian batches of functions × all points,
/// masked mean-squared error on standardised outputs, Adam (staircase exponential decay), Lion,
/// or Adam then Lion; periodic atomic checkpoints, a CSV loss history, exact resumption (the
/// batch of step `k` is drawn from a generator seeded by `(seed, k)`).
public final class OperatorTrainer {
    /// The model being trained.
    public private(set) var model: DeepONet<Float>
    let dataset: OperatorDataset
    let scaling: OutputScaling
    let training: Problem.Training
    let checkpointPath: String
    let historyPath: String
    let metadata: [String: String]
    let points: Tensor<Float>
    let standardisedTargets: [Float]
    /// The step reached (0 before training).
    public private(set) var step = 0
    var adam: Adam<Float>
    var lion: Lion<Float>
    var lastCheckpoint: Int?
    /// The parameters training may change (the rest are frozen).
    public let selection: ParameterSelection

    /// Progress after a step.
    public struct Progress: Sendable {
        /// Steps done and planned.
        public let step: Int, steps: Int
        /// Masked MSE of the batch on standardised outputs (exponential average), overall and per task.
        public let loss: Float, taskLosses: [Float]
        /// Seconds since this invocation started, and steps per second.
        public let seconds: Double, rate: Double
    }

    /// What a run did.
    public struct Report: Sendable {
        /// The step reached.
        public let step: Int
        /// Whether `shouldStop` ended it early (a checkpoint was written).
        public let interrupted: Bool
        /// Training seconds of this invocation.
        public let seconds: Double
        /// The last exponential-average training loss.
        public let loss: Float
    }

    /// - Parameters:
    ///   - directory: where `checkpoint.safetensors` and `loss.csv` go.
    ///   - metadata: stored in every checkpoint (problem text, model description, …).
    ///   - selection: the parameters to train; the others stay as they are (transfer learning).
    public init(model: DeepONet<Float>, dataset: OperatorDataset, scaling: OutputScaling, training: Problem.Training,
                directory: String, metadata: [String: String], selection: ParameterSelection = .all) {
        self.selection = selection
        self.model = model
        self.dataset = dataset
        self.scaling = scaling
        self.training = training
        checkpointPath = directory + "/checkpoint.safetensors"
        historyPath = directory + "/loss.csv"
        self.metadata = metadata
        points = Tensor(shape: [dataset.pointCount, dataset.pointDimension], scalars: dataset.points)
        standardisedTargets = scaling.standardise(dataset.targets)
        adam = Adam(schedule: training.adamSchedule)
        lion = Lion(schedule: .constant(training.lionLearningRate))
    }

    var usesLion: Bool { training.optimizer == "lion" || (training.optimizer == "adam-then-lion" && step >= training.switchStep) }

    /// Restores model, optimizer and step from the run's checkpoint.
    /// - Throws: ``OperatorTrainingError/incompatibleCheckpoint(_:)`` naming both sides when the
    ///   checkpoint was written for another problem or model; checkpoint read errors.
    public func resume() throws {
        let checkpoint = try Checkpoint<Float>.read(from: checkpointPath)
        for key in ["tandem.problem", "tandem.model"] where checkpoint.metadata[key] != metadata[key] {
            let what = key == "tandem.problem" ? "problem file" : "model"
            throw OperatorTrainingError.incompatibleCheckpoint(
                "\(checkpointPath) was written for a different \(what): it has \(Self.headline(checkpoint.metadata[key])), this run has \(Self.headline(metadata[key]))")
        }
        guard let trainingStep = Int(checkpoint.metadata["tandem.training_step"] ?? "") else {
            throw OperatorTrainingError.incompatibleCheckpoint("\(checkpointPath) lacks tandem.training_step")
        }
        step = trainingStep
        if checkpoint.optimizerName == Lion<Float>.name {
            try checkpoint.restore(into: &model, optimizer: &lion)
        } else {
            try checkpoint.restore(into: &model, optimizer: &adam)
        }
        lastCheckpoint = step
        // Rows logged after the checkpoint will be logged again.
        if let history = try? String(contentsOfFile: historyPath, encoding: .utf8) {
            let kept = history.split(separator: "\n").filter { line in Int(line.prefix { $0 != "," }).map { $0 <= step } ?? true }
            try (kept.joined(separator: "\n") + "\n").write(toFile: historyPath, atomically: true, encoding: .utf8)
        }
    }

    static func headline(_ text: String?) -> String {
        guard let text else { return "nothing" }
        let first = text.split(separator: "\n").first { $0.hasPrefix("name") || $0.hasPrefix("DeepONet") } ?? text.split(separator: "\n").first ?? ""
        return "\"\(first)\""
    }

    /// The batch of step `k`: `batch` distinct training functions.
    func batch(at k: Int) -> [Int] {
        var generator = SeededGenerator(seed: training.seed &+ 0x9E37_79B9 &* UInt64(k + 1))
        var pool = dataset.train
        let count = Swift.min(training.batch, pool.count)
        for i in 0..<count { pool.swapAt(i, i + Int(generator.next() % UInt64(pool.count - i))) }
        return Array(pool[..<count])
    }

    /// The query points of step `k`: `training.points` distinct indices, or `nil` for all.
    func pointSample(at k: Int) -> [Int]? {
        guard let count = training.points, count < dataset.pointCount else { return nil }
        var generator = SeededGenerator(seed: training.seed &+ 0x51_7CC1_B727 &* UInt64(k + 1))
        var chosen = Set<Int>()
        while chosen.count < count { chosen.insert(Int(generator.next() % UInt64(dataset.pointCount))) }
        return chosen.sorted()
    }

    /// One batch as tensors: branch inputs `[n, …]`, standardised targets and masks `[n, P]`,
    /// the query points `[P, d]`, and the output standardisation `μ`, `σ` at those points `[P]`.
    struct Batch {
        let input: Tensor<Float>, target: Tensor<Float>, mask: Tensor<Float>, points: Tensor<Float>
        let mean: Tensor<Float>, deviation: Tensor<Float>
    }

    /// The batch of `functions` at the points `selection` (all when `nil`).
    func tensors(_ functions: [Int], points selection: [Int]? = nil) -> Batch {
        let b = dataset.branchSize, m = dataset.pointCount, d = dataset.pointDimension
        let count = selection?.count ?? m
        var input = [Float](), target = [Float](), mask = [Float]()
        input.reserveCapacity(functions.count * b)
        target.reserveCapacity(functions.count * count)
        mask.reserveCapacity(functions.count * count)
        for f in functions {
            input += dataset.branchInputs[f * b..<(f + 1) * b]
            if let selection {
                target += selection.map { standardisedTargets[f * m + $0] }
                mask += selection.map { dataset.masks[f * m + $0] }
            } else {
                target += standardisedTargets[f * m..<(f + 1) * m]
                mask += dataset.masks[f * m..<(f + 1) * m]
            }
        }
        let queries = selection.map { rows in Tensor<Float>(shape: [rows.count, d], scalars: rows.flatMap { dataset.points[$0 * d..<($0 + 1) * d] }) } ?? points
        return Batch(input: Tensor(shape: [functions.count] + dataset.branchShape, scalars: input),
                     target: Tensor(shape: [functions.count, count], scalars: target), mask: Tensor(shape: [functions.count, count], scalars: mask),
                     points: queries,
                     mean: Tensor(shape: [count], scalars: selection.map { $0.map { scaling.mean[$0] } } ?? scaling.mean),
                     deviation: Tensor(shape: [count], scalars: selection.map { $0.map { scaling.deviation[$0] } } ?? scaling.deviation))
    }

    /// The training objective for standardised predictions `[n, P]`, and each row's share of it:
    /// per task, the loss is `Σ rowLoss / Σ rowWeight` over the task's rows.
    /// - `mse`: `Σ mask·(ŷ − y)² / Σ mask` (rows weighted by their points inside the geometry);
    /// - `relative-l2`: `mean_i ‖σ(ŷᵢ − yᵢ)‖ / ‖σyᵢ + μ‖` over the points inside the geometry,
    ///   i.e. the per-sample relative L2 error of the physical outputs.
    func objective(_ prediction: Tensor<Float>, _ batch: Batch) -> (loss: Tensor<Float>, rowLoss: [Float], rowWeight: [Float]) {
        switch training.loss {
        case .mse:
            let difference = (prediction - batch.target) * batch.mask
            let rows = (difference * difference).sum(alongAxis: 1)
            let weights = batch.mask.sum(alongAxis: 1).scalars
            return (rows.sum() / Swift.max(weights.reduce(0, +), 1), rows.scalars, weights)
        case .relativeL2:
            let error = (prediction - batch.target) * batch.deviation * batch.mask
            let truth = (batch.target * batch.deviation + batch.mean) * batch.mask
            let tiny = Float.leastNormalMagnitude.squareRoot()
            let relative = TandemCore.sqrt((error * error).sum(alongAxis: 1) + tiny) / TandemCore.sqrt((truth * truth).sum(alongAxis: 1) + tiny)
            return (relative.mean(), relative.scalars, [Float](repeating: 1, count: relative.shape[0]))
        }
    }

    /// The training objective over `functions` (all points), without recording.
    public func loss(on functions: [Int]) -> Float {
        var total: Float = 0, weight: Float = 0
        for start in stride(from: 0, to: functions.count, by: 32) {
            let batch = tensors(Array(functions[start..<Swift.min(start + 32, functions.count)]))
            let (_, rows, weights) = objective(withoutGradient { model(batch.input, points: batch.points) }, batch)
            total += rows.reduce(0, +)
            weight += weights.reduce(0, +)
        }
        return total / Swift.max(weight, 1)
    }

    /// Trains until `training.steps` or until `shouldStop` returns true (then checkpoints).
    /// - Throws: ``OperatorTrainingError/diverged(step:loss:checkpointStep:)`` (the checkpoint on disk
    ///   is the last good one); checkpoint write errors.
    public func run(progress: ((Progress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> Report {
        let start = Date()
        let firstStep = step
        var average: Float?
        var taskAverages = [Float?](repeating: nil, count: dataset.taskNames.count)
        if !FileManager.default.fileExists(atPath: historyPath) || step == 0 {
            let header = ["step", "train_loss", "test_loss", "learning_rate", "seconds"] + dataset.taskNames.map { "train_loss_\($0)" }
            try (header.joined(separator: ",") + "\n").write(toFile: historyPath, atomically: true, encoding: .utf8)
        }
        let testProbe = Array(dataset.test.prefix(64))
        // The history gets a row about 200 times per run, and at every checkpoint (with the test loss).
        let logEvery = Swift.max(1, training.steps / 200)
        while step < training.steps {
            if shouldStop?() == true {
                try checkpoint()
                return Report(step: step, interrupted: true, seconds: Date().timeIntervalSince(start), loss: average ?? .nan)
            }
            let functions = batch(at: step)
            let batch = tensors(functions, points: pointSample(at: step))
            var rowLoss: [Float] = [], rowWeight: [Float] = []
            let (value, gradients) = try valueWithGradient(at: model, selecting: selection) { m -> Tensor<Float> in
                let terms = objective(m(batch.input, points: batch.points), batch)
                (rowLoss, rowWeight) = (terms.rowLoss, terms.rowWeight)
                return terms.loss
            }
            guard value.isFinite, globalNorm(gradients).isFinite else {
                throw OperatorTrainingError.diverged(step: step, loss: value, checkpointStep: lastCheckpoint)
            }
            if usesLion { lion.update(&model, along: gradients) } else { adam.update(&model, along: gradients) }
            step += 1
            average = average.map { 0.95 * $0 + 0.05 * value } ?? value
            // Per-task losses of this batch (rows grouped by task).
            for t in taskAverages.indices {
                let rows = functions.indices.filter { dataset.tasks[functions[$0]] == t }
                guard !rows.isEmpty else { continue }
                let weight = rows.reduce(Float(0)) { $0 + rowWeight[$1] }
                let loss = rows.reduce(Float(0)) { $0 + rowLoss[$1] } / Swift.max(weight, 1)
                taskAverages[t] = taskAverages[t].map { 0.95 * $0 + 0.05 * loss } ?? loss
            }
            let seconds = Date().timeIntervalSince(start)
            let checkpointDue = step % training.checkpointEvery == 0 || step == training.steps
            if checkpointDue || step % logEvery == 0 {
                var testLoss: Float?
                if checkpointDue {
                    let probe = loss(on: testProbe)
                    guard probe.isFinite else { throw OperatorTrainingError.diverged(step: step, loss: probe, checkpointStep: lastCheckpoint) }
                    try checkpoint()
                    testLoss = probe
                }
                let rate = usesLion ? training.lionLearningRate : adam.schedule.rate(at: step - 1)
                let row = [String(step), "\(average!)", testLoss.map { "\($0)" } ?? "", "\(rate)", String(format: "%.2f", seconds)]
                    + taskAverages.map { $0.map { "\($0)" } ?? "" }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: historyPath))
                try handle.seekToEnd()
                try handle.write(contentsOf: (row.joined(separator: ",") + "\n").data(using: .utf8)!)
                try handle.close()
            }
            progress?(Progress(step: step, steps: training.steps, loss: average!, taskLosses: taskAverages.map { $0 ?? .nan },
                               seconds: seconds, rate: Double(step - firstStep) / Swift.max(seconds, 1e-9)))
        }
        return Report(step: step, interrupted: false, seconds: Date().timeIntervalSince(start), loss: average ?? .nan)
    }

    /// Writes the checkpoint atomically (model, the active optimizer's state, the training step).
    func checkpoint() throws {
        var meta = metadata
        meta["tandem.training_step"] = String(step)
        let checkpoint = usesLion ? Checkpoint(model: model, optimizer: lion, metadata: meta) : Checkpoint(model: model, optimizer: adam, metadata: meta)
        try checkpoint.write(to: checkpointPath)
        lastCheckpoint = step
    }
}

extension Problem.Training {
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
}

import Foundation
import TandemCore
import TandemMultiTask
import TandemNN
import TandemTraining

/// Three regression tasks on thirds of one batch (`u = sin(πx)·sin(πy)`, `x² − y²`, `tanh(3x·y)`)
/// through an MLP 2→128→128→128→1 in Float32: the shape of an operator step with a shared body.
final class ThreeTasks: TrainingObjective {
    let x: Tensor<Float>
    let targets: [Tensor<Float>]
    let indicators: [Tensor<Float>]
    let counts: [Float]

    init(batch: Int) {
        var generator = SeededGenerator(seed: 5)
        x = Tensor<Float>.randomUniform(shape: [batch, 2], lower: -1, upper: 1, using: &generator)
        let p = x.scalars
        let points = (0..<batch).map { (Double(p[2 * $0]), Double(p[2 * $0 + 1])) }
        targets = [
            points.map { Float(Foundation.sin(.pi * $0.0) * Foundation.sin(.pi * $0.1)) },
            points.map { Float($0.0 * $0.0 - $0.1 * $0.1) },
            points.map { Float(Foundation.tanh(3 * $0.0 * $0.1)) },
        ].map { Tensor(shape: [batch, 1], scalars: $0) }
        indicators = (0..<3).map { t in Tensor(shape: [batch, 1], scalars: (0..<batch).map { $0 % 3 == t ? 1 : 0 }) }
        counts = (0..<3).map { t in Float((0..<batch).filter { $0 % 3 == t }.count) }
    }

    var taskNames: [String] { ["a", "b", "c"] }
    var historyHeader: [String] { ["step", "loss"] }
    func historyRow(_ record: TrainingRecord<Float>, model: MLP<Float>) -> [String] { [String(record.step), "\(record.loss)"] }

    func taskLosses(of model: MLP<Float>, step: Int) throws -> [Tensor<Float>] {
        let y = model(x)
        return (0..<3).map { t in
            let e = (y - targets[t]) * indicators[t]
            return (e * e).sum() / counts[t]
        }
    }
    func fullBatchTaskLosses(of model: MLP<Float>) throws -> [Tensor<Float>] { try taskLosses(of: model, step: 0) }
    /// The pooled loss: every row of the batch against its own task's target.
    func loss(of model: MLP<Float>, step: Int) throws -> ObjectiveValue<Float> {
        let y = model(x)
        var target = targets[0] * indicators[0]
        for t in 1..<3 { target = target + targets[t] * indicators[t] }
        let e = y - target
        return ObjectiveValue(total: (e * e).mean(), tasks: [nil, nil, nil])
    }
    func fullBatchLoss(of model: MLP<Float>) throws -> ObjectiveValue<Float> { try loss(of: model, step: 0) }
}

/// `--only multitask-step`: the median time of one training step under each strategy (and the
/// pooled loss without one), three tasks, batch 4096, in one process; diagnostics off, so a
/// strategy's own cost is what is measured.
func multitaskSteps(repeats: Int) throws -> [Measurement] {
    let strategies: [(String, (any MultiTaskStrategy)?)] = [
        ("pooled", nil), ("equal", EqualWeighting()), ("uncertainty", UncertaintyWeighting()), ("dwa", DynamicWeightAverage()),
        ("random", RandomLossWeighting()), ("gradnorm", GradNorm()), ("pcgrad", PCGrad()), ("mgda", MGDA()), ("cagrad", CAGrad()),
        ("nash", NashMTL()),
    ]
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-multitask-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var results: [Measurement] = []
    var pooled: Double?
    for (name, strategy) in strategies {
        let steps = repeats + 5
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: 1)
        let model = MLP<Float>(widths: [2, 128, 128, 128, 1], activation: .tanh, using: &generator)
        let plan = TrainingPlan<Float>(steps: steps, phases: [OptimizerPhase(start: 0, optimizer: Adam<Float>(learningRate: 1e-3))],
                                       checkpointEvery: steps, logEvery: steps,
                                       multitask: strategy.map { MultiTaskSettings(strategy: $0, diagnosticsEvery: 0) })
        let trainer = Trainer(model: model, objective: ThreeTasks(batch: 4096), plan: plan, directory: directory, metadata: [:])
        var stamps: [Double] = []
        _ = try trainer.run(progress: { stamps.append($0.seconds) })
        try? FileManager.default.removeItem(atPath: directory)
        // Step times from the progress stamps, leaving out the first five and the last (which checkpoints).
        let times = zip(stamps.dropFirst(), stamps).map { $0 - $1 }.dropFirst(5).dropLast()
        let ms = median(Array(times)) * 1000
        pooled = pooled ?? ms
        results.append(Measurement(name: "multitask-step-\(name)", precision: "F32", batch: 4096, medianMilliseconds: ms, gflops: nil,
                                   note: String(format: "3 tasks, MLP 2-128-128-128-1; %.2fx the pooled step", ms / pooled!)))
    }
    return results
}

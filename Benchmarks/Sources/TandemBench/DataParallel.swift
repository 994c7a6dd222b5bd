import Foundation
import TandemCore
import TandemDistributed
import TandemNN
import TandemOperators
import TandemTraining

/// The `deeponet_adam_step` network and data (branch 100 → 128 × 4, trunk 2 → 128 × 4, tanh;
/// 64 functions × 1024 points, Float32, MSE), as an objective of the one trainer that splits
/// the functions across MPI ranks: what `mpirun -np N tandem-bench --only deeponet-dp` times.
final class SyntheticDeepONetObjective: TrainingObjective {
    typealias Model = DeepONet<Float>
    let u: Tensor<Float>, y: Tensor<Float>, target: Tensor<Float>
    let functions: Int, points: Int
    var dataShard = DataShard.whole

    init(functions: Int, points: Int, using generator: inout SeededGenerator) {
        self.functions = functions
        self.points = points
        u = Tensor<Float>.randomUniform(shape: [functions, 100], lower: -1, upper: 1, using: &generator)
        y = Tensor<Float>.randomUniform(shape: [points, 2], lower: 0, upper: 1, using: &generator)
        target = Tensor<Float>.randomUniform(shape: [functions, points], lower: -1, upper: 1, using: &generator)
    }

    var taskNames: [String] { ["all"] }
    var historyHeader: [String] { ["step", "loss", "seconds"] }

    func shard(_ shard: DataShard) throws { dataShard = shard }

    /// This rank's rows' squared errors over the whole batch's count.
    func loss(of model: DeepONet<Float>, step: Int) throws -> ObjectiveValue<Float> {
        let rows = dataShard.share(of: functions)
        let total = dataShard.isWhole
            ? square(model(u, points: y) - target).mean()
            : square(model(u.slice(alongAxis: 0, rows), points: y) - target.slice(alongAxis: 0, rows)).sum() / Float(functions * points)
        return ObjectiveValue(total: total, tasks: [nil])
    }

    func fullBatchLoss(of model: DeepONet<Float>) throws -> ObjectiveValue<Float> {
        ObjectiveValue(total: square(model(u, points: y) - target).mean(), tasks: [nil])
    }

    func historyRow(_ record: TrainingRecord<Float>, model: DeepONet<Float>) -> [String] {
        [String(record.step), "\(record.loss)", String(format: "%.3f", record.seconds)]
    }
}

/// The median time of one data-parallel step of the trainer (gradients of this rank's share, one
/// all-reduce, the Adam update) over `repeats` steps after 5, on rank 0; one process without mpirun.
func dataParallelDeepONetStep(repeats: Int) throws -> Measurement? {
    let world = try Communicator.world()
    var generator = SeededGenerator(seed: 0)
    let branch = FeedForward<Float>(widths: [100, 128, 128, 128, 128], activation: .tanh, using: &generator)
    let trunk = FeedForward<Float>(widths: [2, 128, 128, 128, 128], activation: .tanh, outputActivation: .tanh, using: &generator)
    let model = DeepONet(branch: .dense(branch), trunk: trunk, latent: 128)
    let objective = SyntheticDeepONetObjective(functions: 64, points: 1024, using: &generator)
    let steps = 5 + repeats
    let plan = TrainingPlan<Float>(steps: steps, phases: [OptimizerPhase(start: 0, optimizer: Adam<Float>(learningRate: 1e-3))],
                                   checkpointEvery: steps + 1, logEvery: steps + 1)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-dp-\(getpid())-\(world.rank)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let trainer = Trainer(model: model, objective: objective, plan: plan, directory: directory, metadata: [:])
    try trainer.distribute(over: world)
    var stamps: [Double] = []
    _ = try trainer.run(progress: { _ in stamps.append(Double(DispatchTime.now().uptimeNanoseconds) * 1e-9) })
    guard world.isRoot else { return nil }
    let intervals = zip(stamps.dropFirst(5), stamps.dropFirst(4)).map { $0 - $1 }
    let parameters = trainer.model.namedParameters.values.reduce(0) { $0 + $1.scalarCount }
    return Measurement(name: "deeponet_dp_step", precision: "F32", batch: 64, medianMilliseconds: median(intervals) * 1e3, gflops: nil,
                       note: "\(world.size) rank\(world.size == 1 ? "" : "s"), 64 functions x 1024 points split, \(parameters) parameters all-reduced")
}

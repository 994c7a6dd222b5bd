import Foundation
import TandemCore
import TandemNN
import TandemTraining

/// The operator family's part of the one training loop: Cartesian batches of functions × all
/// points (or a random subset of points), the masked loss on standardised outputs, one value per
/// task (reaction family or geometry), and the held-out probe at checkpoints.
///
/// The batch of step `k` is drawn from a generator seeded by `(seed, k)`, so resumed runs repeat
/// uninterrupted ones exactly.
public final class OperatorObjective: TrainingObjective {
    /// The data.
    public let dataset: OperatorDataset
    /// The output standardisation the loss works in.
    public let scaling: OutputScaling
    /// What the objective draws and measures.
    public struct Settings: Sendable, Equatable {
        /// The loss on a batch (see ``OperatorObjective/loss(of:step:)``).
        public enum Loss: Sendable, Equatable {
            /// Mean squared error of the standardised outputs over the points inside the geometry.
            case meanSquaredError
            /// Mean over the batch of each function's relative L2 error of the physical outputs.
            case relativeL2
        }
        /// Functions per step.
        public var batch: Int
        /// Query points per step (a random subset, drawn per step), or `nil` for all.
        public var points: Int?
        /// The loss.
        public var loss: Loss
        /// Seed of the batches and point subsets (step `k` draws from `(seed, k)`).
        public var seed: UInt64
        /// Whether training batches are augmented by the symmetries of each function's geometry
        /// (``OperatorObjective/augmentBySymmetries()``).
        public var symmetries: Bool

        /// Settings for batches of `batch` functions.
        public init(batch: Int, points: Int? = nil, loss: Loss = .meanSquaredError, seed: UInt64 = 0, symmetries: Bool = false) {
            self.batch = batch
            self.points = points
            self.loss = loss
            self.seed = seed
            self.symmetries = symmetries
        }
    }
    /// What the objective draws and measures.
    public let settings: Settings
    /// The parameters training may change (the rest are frozen).
    public let selection: ParameterSelection
    let points: Tensor<Float>
    let standardisedTargets: [Float]
    let testProbe: [Int]
    /// This process's part of every batch (``shard(_:)``); the whole batch by default.
    public private(set) var dataShard = DataShard.whole
    /// The L2-SP anchor of a transfer (``anchor(to:strength:)``): the source model's parameters
    /// and the penalty weight `α`.
    public private(set) var anchor: (parameters: [String: Tensor<Float>], strength: Float)?

    /// Adds `α·Σ‖θ − θ⁰‖²` over the parameters training may change to every training loss, `θ⁰`
    /// the values in `parameters` (the source model of a transfer): L2-SP (Li, Grandvalet &
    /// Davoine, ICML 2018), which keeps fine-tuning near what the source model learnt instead of
    /// letting a few samples pull it anywhere. Under data parallelism only rank 0 adds it, so the
    /// summed gradient holds it once.
    public func anchor(to parameters: [String: Tensor<Float>], strength: Float) {
        anchor = strength > 0 ? (parameters.filter { selection.contains($0.key) }, strength) : nil
    }

    /// The L2-SP penalty of `model` (a recorded scalar), or `nil` without an anchor.
    func anchorPenalty(_ model: NeuralOperator<Float>) -> Tensor<Float>? {
        guard let anchor, dataShard.rank == 0 else { return nil }
        var total: Tensor<Float>?
        for (name, value) in model.namedParameters {
            guard let origin = anchor.parameters[name] else { continue }
            let difference = value - origin
            let term = (difference * difference).sum()
            total = total.map { $0 + term } ?? term
        }
        return total.map { $0 * anchor.strength }
    }

    /// The grid maps each task's training functions may be drawn under (identity first), as
    /// source indices of the points; only the identity unless ``augmentBySymmetries()`` found more.
    public private(set) var symmetries: [[(symmetry: GridSymmetry, sources: [Int])]] = []

    /// Finds, for every task, the ``GridSymmetry`` maps under which the grid is the same set of
    /// points (a reflection about the domain's centre lines, or a transpose of a square domain)
    /// and every training function's mask is unchanged, so that training batches can draw each
    /// function under a random one of its task's maps (inputs and solution alike; the identity
    /// included).
    /// - Returns: each task's symmetries, by name.
    /// - Throws: ``TrainingError/unsupported(_:)`` unless the branch inputs are fields on the 2-D
    ///   grid of the outputs (one time).
    @discardableResult
    public func augmentBySymmetries() throws -> [String: [GridSymmetry]] {
        let grid = dataset.gridPoints
        guard grid.count == 2, dataset.timeCount == 1, dataset.pointDimension == 2, dataset.branchShape.count == 3,
              Array(dataset.branchShape.suffix(2)) == [grid[1], grid[0]], dataset.pointCount == grid[0] * grid[1] else {
            throw TrainingError.unsupported("symmetry augmentation needs input fields on the 2-D grid of the outputs (branch_input = \"fields\", steady)")
        }
        let (height, width) = (grid[1], grid[0])
        let p = dataset.points
        let (xs, ys) = (stride(from: 0, to: p.count, by: 2).map { p[$0] }, stride(from: 1, to: p.count, by: 2).map { p[$0] })
        let (x0, x1, y0, y1) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
        let tolerance = 1e-5 * Swift.max(x1 - x0, y1 - y0)
        let train = trainByTask
        symmetries = dataset.taskNames.indices.map { t in
            GridSymmetry.all.compactMap { symmetry -> (symmetry: GridSymmetry, sources: [Int])? in
                guard let sources = symmetry.sourceIndices(height: height, width: width) else { return nil }
                // The map must move every point to where the symmetry of the domain puts it.
                for (i, j) in sources.enumerated() {
                    var (x, y) = symmetry.transposes ? (ys[i], xs[i]) : (xs[i], ys[i])
                    if symmetry.flipsRows { y = y0 + y1 - y }
                    if symmetry.flipsColumns { x = x0 + x1 - x }
                    guard abs(xs[j] - x) <= tolerance, abs(ys[j] - y) <= tolerance else { return nil }
                }
                let m = dataset.pointCount
                let changesAMask = train[t].contains { f in sources.indices.contains { dataset.masks[f * m + sources[$0]] != dataset.masks[f * m + $0] } }
                return changesAMask ? nil : (symmetry, sources)
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(dataset.taskNames, symmetries.map { $0.map(\.symmetry) }))
    }

    /// The map of each function of step `k`'s batch: a random one of its task's symmetries,
    /// drawn from `(seed, k)` (so resumed runs repeat); `nil` without augmentation.
    public func symmetryDraws(_ functions: [Int], at k: Int) -> [[Int]?]? {
        guard !symmetries.isEmpty else { return nil }
        var generator = SeededGenerator(seed: settings.seed &+ 0x3C6E_F372_FE94_F82B &* UInt64(k + 1))
        return functions.map { f in
            let choices = symmetries[dataset.tasks[f]]
            let pick = choices[Int(generator.next() % UInt64(choices.count))]
            return pick.symmetry == .identity ? nil : pick.sources
        }
    }

    /// An objective over `dataset` with `settings`; `selection` freezes the rest.
    public init(dataset: OperatorDataset, scaling: OutputScaling, settings: Settings, selection: ParameterSelection = .all) {
        self.dataset = dataset
        self.scaling = scaling
        self.settings = settings
        self.selection = selection
        points = Tensor(shape: [dataset.pointCount, dataset.pointDimension], scalars: dataset.points)
        standardisedTargets = scaling.standardise(dataset.targets)
        testProbe = Array(dataset.test.prefix(64))
    }

    /// One task per reaction family or geometry.
    public var taskNames: [String] { dataset.taskNames }
    /// Minibatch losses are noisy: progress and history show exponential averages.
    public var smoothsLoss: Bool { true }
    /// `step,train_loss,test_loss,learning_rate,seconds,train_loss_<task>…`.
    public var historyHeader: [String] {
        ["step", "train_loss", "test_loss", "learning_rate", "seconds"] + dataset.taskNames.map { "train_loss_\($0)" }
    }
    /// What usually cures a diverging operator run.
    public var divergenceAdvice: String { "lower training.learning_rate or raise training.batch" }

    /// The batch of step `k`: `batch` distinct training functions.
    func batch(at k: Int) -> [Int] {
        var generator = SeededGenerator(seed: settings.seed &+ 0x9E37_79B9 &* UInt64(k + 1))
        var pool = dataset.train
        let count = Swift.min(settings.batch, pool.count)
        for i in 0..<count { pool.swapAt(i, i + Int(generator.next() % UInt64(pool.count - i))) }
        return Array(pool[..<count])
    }

    /// The query points of step `k`: `settings.points` distinct indices, or `nil` for all.
    func pointSample(at k: Int) -> [Int]? {
        guard let count = settings.points, count < dataset.pointCount else { return nil }
        var generator = SeededGenerator(seed: settings.seed &+ 0x51_7CC1_B727 &* UInt64(k + 1))
        var chosen = Set<Int>()
        while chosen.count < count { chosen.insert(Int(generator.next() % UInt64(dataset.pointCount))) }
        return chosen.sorted()
    }

    /// One batch as tensors: branch inputs `[n, …]`, standardised targets and masks `[n, P]`,
    /// the query points `[P, d]`, and the output standardisation `μ`, `σ` at those points `[P]`.
    public struct Batch {
        /// Branch inputs `[n, …]`.
        public let input: Tensor<Float>
        /// Standardised targets `[n, P]`.
        public let target: Tensor<Float>
        /// 1 inside the geometry, 0 outside, `[n, P]`.
        public let mask: Tensor<Float>
        /// The query points `[P, d]`.
        public let points: Tensor<Float>
        /// The output standardisation `μ` at the query points, `[P]`.
        public let mean: Tensor<Float>
        /// The output standardisation `σ` at the query points, `[P]`.
        public let deviation: Tensor<Float>
        /// The indices of the query points among the dataset's (`nil`: all).
        public let selection: [Int]?

        /// The model's standardised prediction for this batch, `[n, P]`.
        public func prediction(_ model: NeuralOperator<Float>) -> Tensor<Float> { model(input, points: points, selection: selection) }
    }

    /// The batch of `functions` at the points `selection` (all when `nil`), function `i` mapped by
    /// `maps[i]` (source indices of the grid points, ``symmetryDraws(_:at:)``) when given: its
    /// input planes and its raw solution and mask are read through the map, and the solution is
    /// standardised at the points it lands on.
    public func tensors(_ functions: [Int], points selection: [Int]? = nil, maps: [[Int]?]? = nil) -> Batch {
        let b = dataset.branchSize, m = dataset.pointCount, d = dataset.pointDimension
        let count = selection?.count ?? m
        var input = [Float](), target = [Float](), mask = [Float]()
        input.reserveCapacity(functions.count * b)
        target.reserveCapacity(functions.count * count)
        mask.reserveCapacity(functions.count * count)
        for (i, f) in functions.enumerated() {
            if let map = maps?[i] {
                // Every input plane through the map; the solution standardised where it lands.
                for plane in 0..<(b / m) { input += map.map { dataset.branchInputs[f * b + plane * m + $0] } }
                for p in selection ?? Array(0..<m) {
                    target.append((dataset.targets[f * m + map[p]] - scaling.mean[p]) / scaling.deviation[p])
                    mask.append(dataset.masks[f * m + map[p]])
                }
                continue
            }
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
                     deviation: Tensor(shape: [count], scalars: selection.map { $0.map { scaling.deviation[$0] } } ?? scaling.deviation),
                     selection: selection)
    }

    /// Splits every batch's functions across data-parallel ranks (``DataShard``): each rank's
    /// losses are its rows' share, normalised by the whole batch's weights.
    /// - Throws: ``TrainingError/unsupported(_:)`` when a batch has fewer functions than ranks.
    public func shard(_ shard: DataShard) throws {
        guard shard.isWhole || Swift.min(settings.batch, dataset.train.count) >= shard.size else {
            throw TrainingError.unsupported("a batch of \(Swift.min(settings.batch, dataset.train.count)) functions cannot be split over \(shard.size) ranks; raise training.batch or use fewer ranks")
        }
        dataShard = shard
    }

    /// Each row's weight in the loss (its points inside the geometry at `selection` for `mse`,
    /// 1 for `relative-l2`), computed from the data alone: what normalises every rank's share.
    func rowWeights(_ functions: [Int], points selection: [Int]?) -> [Float] {
        guard settings.loss == .meanSquaredError else { return [Float](repeating: 1, count: functions.count) }
        let m = dataset.pointCount
        return functions.map { f in
            if let selection { return selection.reduce(Float(0)) { $0 + dataset.masks[f * m + $1] } }
            return dataset.masks[f * m..<(f + 1) * m].reduce(0, +)
        }
    }

    /// The training functions of each task.
    var trainByTask: [[Int]] {
        dataset.taskNames.indices.map { t in dataset.train.filter { dataset.tasks[$0] == t } }
    }

    /// The stratified batch of step `k` for per-task losses: `batch / K` distinct training functions
    /// of each task (the first `batch mod K` tasks one more; at most all of a task's functions).
    public func taskBatch(at k: Int) -> [Int] {
        var generator = SeededGenerator(seed: settings.seed &+ 0x2545_F491_4F6C_DD1D &* UInt64(k + 1))
        let pools = trainByTask
        var chosen: [Int] = []
        for (t, pool) in pools.enumerated() {
            var pool = pool
            let count = Swift.min(settings.batch / pools.count + (t < settings.batch % pools.count ? 1 : 0), pool.count)
            for i in 0..<count { pool.swapAt(i, i + Int(generator.next() % UInt64(pool.count - i))) }
            chosen += pool[..<count]
        }
        return chosen
    }

    /// Each task's loss on `functions`: the mean over its own rows of the row losses
    /// (`Σ rowLoss / Σ rowWeight` over the task's rows: its own samples and mask), recorded.
    func taskLosses(_ terms: (loss: Tensor<Float>, rows: Tensor<Float>, rowLoss: [Float], rowWeight: [Float]), functions: [Int]) -> [Tensor<Float>] {
        dataset.taskNames.indices.map { t in
            let indicator = functions.map { dataset.tasks[$0] == t ? Float(1) : 0 }
            let weight = zip(indicator, terms.rowWeight).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            return (terms.rows * Tensor(shape: [functions.count], scalars: indicator)).sum() / Swift.max(weight, 1)
        }
    }

    /// The unweighted loss of each task on step `step`'s stratified batch (every task present).
    public func taskLosses(of model: NeuralOperator<Float>, step: Int) throws -> [Tensor<Float>] {
        let all = taskBatch(at: step), selection = pointSample(at: step), maps = symmetryDraws(all, at: step)
        guard !dataShard.isWhole else {
            let batch = tensors(all, points: selection, maps: maps)
            return taskLosses(objective(batch.prediction(model), batch), functions: all)
        }
        // This rank's rows over each task's weight in the whole batch.
        let weights = rowWeights(all, points: selection)
        let functions = dataShard.take(all)
        let batch = tensors(functions, points: selection, maps: maps.map { dataShard.take($0) })
        let rows = objective(batch.prediction(model), batch).rows
        return dataset.taskNames.indices.map { t in
            let weight = zip(all, weights).reduce(Float(0)) { $0 + (dataset.tasks[$1.0] == t ? $1.1 : 0) }
            let indicator = functions.map { dataset.tasks[$0] == t ? Float(1) : 0 }
            return (rows * Tensor(shape: [functions.count], scalars: indicator)).sum() / Swift.max(weight, 1)
        }
    }

    /// Each task's loss over all its training functions at every point, in one batch.
    public func fullBatchTaskLosses(of model: NeuralOperator<Float>) throws -> [Tensor<Float>] {
        let batch = tensors(dataset.train)
        return taskLosses(objective(batch.prediction(model), batch), functions: dataset.train)
    }

    /// The training objective for standardised predictions `[n, P]`, the row losses (recorded), and
    /// each row's share of it: per task, the loss is `Σ rowLoss / Σ rowWeight` over the task's rows.
    /// - `mse`: `Σ mask·(ŷ − y)² / Σ mask` (rows weighted by their points inside the geometry);
    /// - `relative-l2`: `mean_i ‖σ(ŷᵢ − yᵢ)‖ / ‖σyᵢ + μ‖` over the points inside the geometry,
    ///   i.e. the per-sample relative L2 error of the physical outputs.
    func objective(_ prediction: Tensor<Float>, _ batch: Batch) -> (loss: Tensor<Float>, rows: Tensor<Float>, rowLoss: [Float], rowWeight: [Float]) {
        switch settings.loss {
        case .meanSquaredError:
            let difference = (prediction - batch.target) * batch.mask
            let rows = (difference * difference).sum(alongAxis: 1)
            let weights = batch.mask.sum(alongAxis: 1).scalars
            return (rows.sum() / Swift.max(weights.reduce(0, +), 1), rows, rows.scalars, weights)
        case .relativeL2:
            let error = (prediction - batch.target) * batch.deviation * batch.mask
            let truth = (batch.target * batch.deviation + batch.mean) * batch.mask
            let tiny = Float.leastNormalMagnitude.squareRoot()
            let relative = TandemCore.sqrt((error * error).sum(alongAxis: 1) + tiny) / TandemCore.sqrt((truth * truth).sum(alongAxis: 1) + tiny)
            return (relative.mean(), relative, relative.scalars, [Float](repeating: 1, count: relative.shape[0]))
        }
    }

    /// The loss of step `step` on its batch, and each task's share (`Σ rowLoss / Σ rowWeight` over
    /// the task's rows; `nil` for a task with no function in the batch).
    public func loss(of model: NeuralOperator<Float>, step: Int) throws -> ObjectiveValue<Float> {
        guard dataShard.isWhole else { return try shardLoss(of: model, step: step) }
        let functions = batch(at: step)
        let batch = tensors(functions, points: pointSample(at: step), maps: symmetryDraws(functions, at: step))
        let terms = objective(batch.prediction(model), batch)
        let tasks: [Float?] = dataset.taskNames.indices.map { t in
            let rows = functions.indices.filter { dataset.tasks[functions[$0]] == t }
            guard !rows.isEmpty else { return nil }
            let weight = rows.reduce(Float(0)) { $0 + terms.rowWeight[$1] }
            return rows.reduce(Float(0)) { $0 + terms.rowLoss[$1] } / Swift.max(weight, 1)
        }
        return ObjectiveValue(total: anchorPenalty(model).map { terms.loss + $0 } ?? terms.loss, tasks: tasks)
    }

    /// This rank's share of step `step`'s loss: its rows' losses over the whole batch's weight,
    /// and per task over the task's weight in the whole batch (0 for a task this rank's rows
    /// lack, `nil` for one the whole batch lacks).
    func shardLoss(of model: NeuralOperator<Float>, step: Int) throws -> ObjectiveValue<Float> {
        let all = batch(at: step), selection = pointSample(at: step)
        let weights = rowWeights(all, points: selection)
        let functions = dataShard.take(all)
        let maps = symmetryDraws(all, at: step).map { dataShard.take($0) }
        let batch = tensors(functions, points: selection, maps: maps)
        let terms = objective(batch.prediction(model), batch)
        var total = terms.rows.sum() / Swift.max(weights.reduce(0, +), 1)
        if let penalty = anchorPenalty(model) { total = total + penalty }
        let tasks: [Float?] = dataset.taskNames.indices.map { t in
            let weight = zip(all, weights).reduce(Float(0)) { $0 + (dataset.tasks[$1.0] == t ? $1.1 : 0) }
            guard all.contains(where: { dataset.tasks[$0] == t }) else { return nil }
            let mine = functions.indices.filter { dataset.tasks[functions[$0]] == t }
            return mine.reduce(Float(0)) { $0 + terms.rowLoss[$1] } / Swift.max(weight, 1)
        }
        return ObjectiveValue(total: total, tasks: tasks)
    }

    /// The loss over every training function at every point, in one batch (for a second-order
    /// phase; operator profiles train with first-order phases only).
    public func fullBatchLoss(of model: NeuralOperator<Float>) throws -> ObjectiveValue<Float> {
        let batch = tensors(dataset.train)
        return ObjectiveValue(total: objective(batch.prediction(model), batch).loss, tasks: [])
    }

    /// The loss on the first 64 test functions, written to the history at every checkpoint.
    public func evaluation(of model: NeuralOperator<Float>) throws -> Float? { loss(on: testProbe, model: model) }

    /// The training objective over `functions` (all points), without recording.
    public func loss(on functions: [Int], model: NeuralOperator<Float>) -> Float {
        var total: Float = 0, weight: Float = 0
        for start in stride(from: 0, to: functions.count, by: 32) {
            let batch = tensors(Array(functions[start..<Swift.min(start + 32, functions.count)]))
            let (_, _, rows, weights) = objective(withoutGradient { batch.prediction(model) }, batch)
            total += rows.reduce(0, +)
            weight += weights.reduce(0, +)
        }
        return total / Swift.max(weight, 1)
    }

    /// `step, average loss, test loss (at checkpoints), rate, seconds, average per task`.
    public func historyRow(_ record: TrainingRecord<Float>, model: NeuralOperator<Float>) -> [String] {
        [String(record.step), "\(record.loss)", record.evaluation.map { "\($0)" } ?? "", "\(record.learningRate)", String(format: "%.2f", record.seconds)]
            + record.tasks.map { $0.map { "\($0)" } ?? "" }
    }
}

/// The one trainer, running an operator's objective.
public typealias OperatorTrainer = Trainer<OperatorObjective>

extension Trainer where Objective == OperatorObjective {
    /// The training objective over `functions` (all points) for the current model, without recording.
    public func loss(on functions: [Int]) -> Float { objective.loss(on: functions, model: model) }
}

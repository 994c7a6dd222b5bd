import Foundation
import TandemCore
import TandemMultiTask
import TandemNN
import TandemPINN
import TandemSpec
import TandemTraining

/// The EDA network's part of the one training loop, for one fold: per step a seeded minibatch
/// of the training points and of collocation times, and the tasks of `[training] tasks`:
///
/// - `eda`: `mean (ŷ − y)²` on the normalised EDA `y = (EDA − μ)/σ` (``EDAFeatures/target``);
/// - `emotion`: the cross-entropy of the class logits;
/// - `physics`: `mean r²` of ``TandemPINN/EDANetwork/residual(at:velocity:context:mean:deviation:timeScale:)``
///   at collocation times drawn uniformly over the training subjects' blocks (or the fitted part
///   of a forecast). For the first `physics_warmup` steps the residual reaches only the ODE's
///   parameters (the network's curve is held as data): a network still far from the data would
///   otherwise bend the parameters, and they the network, into a self-consistent wrong pair —
///   joint training from `κ = 0` settles 25–30 % off the true rate where a warm start does not.
///
/// Fixed weights (`[training.weights]`) or any strategy of `[training.multitask]` combine them;
/// the heads and the ODE's parameters each serve one task, so gradient surgery acts on the trunk.
public final class EDAObjective: TrainingObjective {
    /// The fold's inputs.
    public let features: EDAFeatures
    /// The tasks trained, in order.
    public let tasks: [SignalProblem.Task]
    /// The settings of the profile.
    public let training: SignalProblem.Training
    let dataset: EDADataset
    let inputs: [Double], targets: [Double], labels: [Int]
    /// Collocation intervals `(session, start, end)` with their cumulative durations.
    let intervals: [(session: Int, start: Double, end: Double)]
    let cumulative: [Double]

    /// The fold's objective.
    /// - Parameters:
    ///   - points: the training points `(session, point)`;
    ///   - intervals: where collocation times are drawn: `(session, start, end)` in seconds.
    public init(dataset: EDADataset, features: EDAFeatures, training: SignalProblem.Training,
                points: [(session: Int, point: Int)], intervals: [(session: Int, start: Double, end: Double)]) {
        self.dataset = dataset
        self.features = features
        self.training = training
        tasks = training.tasks
        var inputs: [Double] = [], targets: [Double] = [], labels: [Int] = []
        for (s, i) in points {
            let session = dataset.sessions[s]
            inputs += features.input(session: s, time: session.time(i)).x
            targets.append((session.eda[i] - features.target.mean) / features.target.deviation)
            labels.append(session.block(at: session.time(i)).flatMap { session.blocks[$0].label } ?? 0)
        }
        self.inputs = inputs
        self.targets = targets
        self.labels = labels
        self.intervals = intervals
        var total = 0.0
        cumulative = intervals.map { total += $0.end - $0.start; return total }
    }

    /// Training points.
    public var pointCount: Int { targets.count }
    /// The task names.
    public var taskNames: [String] { tasks.map(\.rawValue) }
    /// The declared weight of each task (`[training.weights]`).
    public var declaredWeights: [Double] { tasks.map { training.weights[$0] ?? 1 } }
    /// The learned parameters' names in the history: `gamma_alpha0`, `gamma_beta_<component>`.
    var parameterColumns: [String] { ["gamma_alpha0"] + dataset.contextNames.map { "gamma_beta_" + $0 } }
    /// `step,phase,loss,<tasks>,gamma_alpha0,gamma_beta_…,learning_rate,seconds`.
    public var historyHeader: [String] { ["step", "phase", "loss"] + taskNames + parameterColumns + ["learning_rate", "seconds"] }
    /// What usually cures a diverging run.
    public var divergenceAdvice: String { "lower training.learning_rate" }

    /// Adam with the profile's schedule (the ODE's parameters at `physics_learning_rate_factor`
    /// times the rate); tasks combined by `multitask`.
    public static func plan(_ t: SignalProblem.Training, multitask: MultiTaskSettings) -> TrainingPlan<Double> {
        var adam = Adam<Double>(schedule: .exponential(initial: t.learningRate, decayRate: t.decayRate, decaySteps: t.decayEvery, staircase: true))
        if t.physicsLearningRateFactor != 1 {
            adam.rateMultipliers = ["physics.decay": t.physicsLearningRateFactor, "physics.gains": t.physicsLearningRateFactor]
        }
        return TrainingPlan(steps: t.steps, phases: [OptimizerPhase(start: 0, optimizer: adam)], refinementIterations: 0,
                            checkpointEvery: t.checkpointEvery, multitask: multitask)
    }

    /// The task a parameter serves alone: a head or the ODE's parameters.
    public func task(ofParameter name: String) -> Int? {
        let owner: SignalProblem.Task? = name.hasPrefix("eda.") ? .eda : name.hasPrefix("emotion.") ? .emotion : name.hasPrefix("physics.") ? .physics : nil
        return owner.flatMap { tasks.firstIndex(of: $0) }
    }

    /// A tensor `[rows, columns]` of `values`.
    static func matrix(_ values: [Double], columns: Int) -> Tensor<Double> { Tensor(shape: [values.count / columns, columns], scalars: values) }

    /// This process's part of every minibatch (``shard(_:)``); the whole batch by default.
    public private(set) var dataShard = DataShard.whole

    /// Splits each step's data rows and collocation times across data-parallel ranks: the
    /// global batch is drawn as one process draws it, each rank takes its share of the rows and of
    /// the times, and each term (a mean) is weighted by the share's fraction of the batch, so the
    /// terms summed over the ranks are the one-process terms.
    /// - Throws: ``TrainingError/unsupported(_:)`` when a batch has fewer rows than ranks.
    public func shard(_ shard: DataShard) throws {
        guard shard.isWhole || Swift.min(training.batch, training.collocation) >= shard.size else {
            throw TrainingError.unsupported("batches of \(training.batch) rows and \(training.collocation) collocation times cannot be split over \(shard.size) ranks")
        }
        dataShard = shard
    }

    /// This rank's share of `items` and its fraction of the whole.
    func share<T>(_ items: [T]) -> (items: [T], fraction: Double) {
        guard !dataShard.isWhole else { return (items, 1) }
        let mine = dataShard.take(items)
        return (mine, Double(mine.count) / Double(items.count))
    }

    /// The unweighted task losses on step `step`'s batch (under a shard, this rank's share).
    func terms(_ model: EDANetwork<Double>, step: Int) -> [Tensor<Double>] {
        var g = SeededGenerator(seed: training.seed &+ 0xEDA0 &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15)
        let d = features.count
        var terms: [Tensor<Double>] = []
        if tasks.contains(.eda) || tasks.contains(.emotion) {
            let (rows, fraction) = share((0..<training.batch).map { _ in Int(g.next() % UInt64(targets.count)) })
            let x = Self.matrix(rows.flatMap { inputs[($0 * d)..<(($0 + 1) * d)] }, columns: d)
            let (eda, logits) = model(x)
            for task in tasks where task != .physics {
                let term = task == .eda
                    ? Loss.meanSquaredError(eda, Tensor(shape: [rows.count, 1], scalars: rows.map { targets[$0] }))
                    : Loss.crossEntropy(logits: logits!, labels: rows.map { labels[$0] })
                terms.append(dataShard.isWhole ? term : term * fraction)
            }
        }
        if tasks.contains(.physics) {
            var x: [Double] = [], v: [Double] = [], u: [Double] = [], mean: [Double] = [], deviation: [Double] = []
            let total = cumulative.last ?? 0
            // Every rank draws every time (the generator's stream), then keeps its share.
            let mine = dataShard.share(of: training.collocation)
            for i in 0..<training.collocation {
                let r = g.nextUnitDouble() * total
                let k = Swift.min(cumulative.firstIndex { $0 > r } ?? (intervals.count - 1), intervals.count - 1)
                let interval = intervals[k]
                let t = interval.end - (cumulative[k] - r)
                guard mine.contains(i) else { continue }
                let (xi, vi) = features.input(session: interval.session, time: Swift.min(Swift.max(t, interval.start), interval.end - 1e-9))
                x += xi; v += vi
                let session = dataset.sessions[interval.session]
                u += session.block(at: t).map { session.blocks[$0].context } ?? session.blocks[0].context
                mean.append(features.target.mean)
                deviation.append(features.target.deviation)
            }
            let n = mine.count, m = dataset.contextNames.count
            let r = model.residual(at: Self.matrix(x, columns: d), velocity: Self.matrix(v, columns: d), context: Self.matrix(u, columns: m),
                                   mean: Tensor(shape: [n, 1], scalars: mean), deviation: Tensor(shape: [n, 1], scalars: deviation),
                                   timeScale: features.timeScale, fitParametersOnly: step < training.physicsWarmup)
            let physics = dataShard.isWhole ? (r * r).mean() : (r * r).mean() * (Double(n) / Double(training.collocation))
            // Keep the task order of `tasks`.
            terms.insert(physics, at: tasks.firstIndex(of: .physics)!)
        }
        return terms
    }

    /// `Σ wₖ Lₖ` with the declared weights (runs train under a strategy, which weights
    /// ``taskLosses(of:step:)`` instead).
    public func loss(of model: EDANetwork<Double>, step: Int) throws -> ObjectiveValue<Double> {
        let t = terms(model, step: step)
        return ObjectiveValue(total: zip(t, declaredWeights).map { $0 * $1 }.reduce(Tensor<Double>.zeros(shape: []), +), tasks: t.map { $0.scalar })
    }

    /// Step 0's whole batch (the run has no L-BFGS phase).
    public func fullBatchLoss(of model: EDANetwork<Double>) throws -> ObjectiveValue<Double> {
        let t = wholeTerms(model, step: 0)
        return ObjectiveValue(total: zip(t, declaredWeights).map { $0 * $1 }.reduce(Tensor<Double>.zeros(shape: []), +), tasks: t.map { $0.scalar })
    }

    /// The terms of `step`'s whole batch, whatever the shard.
    func wholeTerms(_ model: EDANetwork<Double>, step: Int) -> [Tensor<Double>] {
        let saved = dataShard
        dataShard = .whole
        defer { dataShard = saved }
        return terms(model, step: step)
    }
    /// The unweighted task losses of `step`.
    public func taskLosses(of model: EDANetwork<Double>, step: Int) throws -> [Tensor<Double>] { terms(model, step: step) }
    /// Step 0's task losses.
    public func fullBatchTaskLosses(of model: EDANetwork<Double>) throws -> [Tensor<Double>] { wholeTerms(model, step: 0) }

    /// `γα₀ = α₀/T` and `γβ = α₀κ/T` of `model`.
    public func identifiable(_ model: EDANetwork<Double>) -> (decay: Double, gains: [Double]) {
        Self.identifiable(model, timeScale: features.timeScale)
    }

    /// `γα₀ = α₀/T` and `γβ = α₀κ/T` of `model` for time scale `T`.
    public static func identifiable(_ model: EDANetwork<Double>, timeScale: Double) -> (decay: Double, gains: [Double]) {
        let alpha0 = model.alpha0.scalars[0]
        return (alpha0 / timeScale, model.gains.scalars.map { alpha0 * $0 / timeScale })
    }

    /// `step, phase, loss, tasks, γα₀, γβ…, rate, seconds`.
    public func historyRow(_ record: TrainingRecord<Double>, model: EDANetwork<Double>) -> [String] {
        let cells = tasks.indices.map { $0 < record.tasks.count ? record.tasks[$0].map { "\($0)" } ?? "" : "" }
        let p = identifiable(model)
        return [String(record.step), record.phase, "\(record.loss)"] + cells + ([p.decay] + p.gains).map { "\($0)" }
            + ["\(record.learningRate)", String(format: "%.2f", record.seconds)]
    }
}

/// The one trainer, running the EDA network's objective.
public typealias EDATrainer = Trainer<EDAObjective>

import Foundation
import TandemCore
import TandemIO
import TandemOperators
import TandemSpec

/// A trained operator measured against the reference solver on the test functions.
///
/// Errors are computed on the physical (de-standardised) outputs, inside the geometry only:
/// - **global relative L2** of a group: `‖P − U‖ / ‖U‖` over all its functions and points;
/// - **per-sample relative L2**: `‖p − u‖ / ‖u‖` of each function, whose mean and worst the
///   report gives separately (Kumar et al. 2025 quote both kinds, for different benchmarks);
/// - **max absolute error**: `max |p − u|`.
public struct OperatorComparison: Sendable {
    /// Errors of one group of test functions.
    public struct Metrics: Codable, Sendable, Equatable {
        /// The task (reaction family or geometry family), or `all`.
        public let task: String
        /// The geometry, or `all`.
        public let geometry: String
        /// Test functions in the group.
        public let functions: Int
        /// `‖P − U‖ / ‖U‖` over the group.
        public let globalRelativeL2: Double
        /// Mean and largest of `‖p − u‖ / ‖u‖` over the group's functions.
        public let meanRelativeL2: Double, worstRelativeL2: Double
        /// `max |p − u|` inside the geometry.
        public let maxAbsoluteError: Double

        enum CodingKeys: String, CodingKey {
            case task, geometry, functions
            case globalRelativeL2 = "global_relative_l2", meanRelativeL2 = "mean_per_sample_relative_l2"
            case worstRelativeL2 = "worst_per_sample_relative_l2", maxAbsoluteError = "max_absolute_error"
        }
    }

    /// The test functions (indices into the dataset's functions), in order.
    public let functions: [Int]
    /// Predictions `[functions, m]` in physical units, 0 outside the geometry.
    public let predictions: [Float]
    /// `‖p − u‖ / ‖u‖` of each test function.
    public let relativeErrors: [Double]
    /// Per task and geometry, per task, and overall (`all`, `all`).
    public let metrics: [Metrics]
    /// Seconds per function for the network (batched, median of repeated passes) and for the solver.
    public let inferenceSeconds: Double, solverSeconds: Double?

    /// Evaluates `model` on `dataset`'s test functions and measures the errors.
    public init(model: NeuralOperator<Float>, scaling: OutputScaling, dataset: OperatorDataset, solverSecondsPerFunction: Double?) {
        let test = dataset.test
        let m = dataset.pointCount
        let (prediction, seconds) = Self.predict(model: model, scaling: scaling, dataset: dataset, functions: test)
        var predictions = prediction
        for (row, f) in test.enumerated() {
            for j in 0..<m { predictions[row * m + j] *= dataset.masks[f * m + j] }
        }
        var relative: [Double] = [], squaredErrors: [Double] = [], squaredNorms: [Double] = [], maxima: [Double] = []
        for (row, f) in test.enumerated() {
            var e2 = 0.0, u2 = 0.0, worst = 0.0
            for j in 0..<m where dataset.masks[f * m + j] == 1 {
                let u = Double(dataset.targets[f * m + j]), e = Double(predictions[row * m + j]) - u
                e2 += e * e
                u2 += u * u
                worst = Swift.max(worst, Swift.abs(e))
            }
            squaredErrors.append(e2)
            squaredNorms.append(u2)
            maxima.append(worst)
            relative.append((e2 / Swift.max(u2, .leastNormalMagnitude)).squareRoot())
        }
        func group(_ task: String, _ geometry: String, _ rows: [Int]) -> Metrics {
            let e2 = rows.reduce(0) { $0 + squaredErrors[$1] }, u2 = rows.reduce(0) { $0 + squaredNorms[$1] }
            return Metrics(task: task, geometry: geometry, functions: rows.count,
                           globalRelativeL2: (e2 / Swift.max(u2, .leastNormalMagnitude)).squareRoot(),
                           meanRelativeL2: rows.reduce(0) { $0 + relative[$1] } / Double(Swift.max(rows.count, 1)),
                           worstRelativeL2: rows.map { relative[$0] }.max() ?? 0, maxAbsoluteError: rows.map { maxima[$0] }.max() ?? 0)
        }
        var metrics: [Metrics] = []
        let geometries = dataset.geometryNames
        for (t, task) in dataset.taskNames.enumerated() {
            let rows = test.indices.filter { dataset.tasks[test[$0]] == t }
            guard !rows.isEmpty else { continue }
            let used = Set(rows.map { dataset.functions[test[$0]].geometry })
            if used.count > 1 {
                for g in used.sorted() {
                    metrics.append(group(task, geometries[g], rows.filter { dataset.functions[test[$0]].geometry == g }))
                }
            }
            metrics.append(group(task, used.count == 1 ? geometries[used.first!] : "all", rows))
        }
        metrics.append(group("all", "all", Array(test.indices)))
        self.functions = test
        self.predictions = predictions
        self.relativeErrors = relative
        self.metrics = metrics
        self.inferenceSeconds = seconds
        self.solverSeconds = solverSecondsPerFunction
    }

    /// Physical predictions `[functions, m]` (not masked) and the network's seconds per function:
    /// the median over three timed passes, in batches of 64 functions, after one warm-up batch.
    public static func predict(model: NeuralOperator<Float>, scaling: OutputScaling, dataset: OperatorDataset,
                               functions: [Int]) -> (predictions: [Float], secondsPerFunction: Double) {
        let points = Tensor<Float>(shape: [dataset.pointCount, dataset.pointDimension], scalars: dataset.points)
        let b = dataset.branchSize
        func pass() -> [Float] {
            var out: [Float] = []
            out.reserveCapacity(functions.count * dataset.pointCount)
            for start in stride(from: 0, to: functions.count, by: 64) {
                let chunk = functions[start..<Swift.min(start + 64, functions.count)]
                var input: [Float] = []
                input.reserveCapacity(chunk.count * b)
                for f in chunk { input += dataset.branchInputs[f * b..<(f + 1) * b] }
                let x = Tensor<Float>(shape: [chunk.count] + dataset.branchShape, scalars: input)
                out += withoutGradient { model(x, points: points) }.scalars
            }
            return out
        }
        guard !functions.isEmpty else { return ([], 0) }
        _ = withoutGradient { model(Tensor<Float>(shape: [1] + dataset.branchShape, scalars: Array(dataset.branchInputs[functions[0] * b..<(functions[0] + 1) * b])), points: points) }
        var times: [Double] = []
        var standardised: [Float] = []
        for _ in 0..<3 {
            let start = Date()
            standardised = pass()
            times.append(Date().timeIntervalSince(start))
        }
        return (scaling.restore(standardised), times.sorted()[1] / Double(functions.count))
    }

    /// Test rows (indices into ``functions``) of `task`, ordered by relative error, best first.
    public func ranked(task: Int, dataset: OperatorDataset) -> [Int] {
        functions.indices.filter { dataset.tasks[functions[$0]] == task }.sorted { relativeErrors[$0] < relativeErrors[$1] }
    }
}

import Foundation
import TandemIO
import TandemOperators
import TandemSpec

/// Writes what `tandem compare` produces in a run directory: `metrics.json`, `report.md`,
/// `predictions.nc` and `figures/` (reference | prediction | |error| for the best, median and
/// worst test function of each task; the loss history).
public struct OperatorReport {
    /// The run.
    public let run: OperatorRun
    /// Its data.
    public let dataset: OperatorDataset
    /// The measurements.
    public let comparison: OperatorComparison
    /// The model's one-line description and the step its checkpoint holds.
    public let modelDescription: String, step: Int

    /// A report of `comparison` for `run`.
    public init(run: OperatorRun, dataset: OperatorDataset, comparison: OperatorComparison, modelDescription: String, step: Int) {
        self.run = run
        self.dataset = dataset
        self.comparison = comparison
        self.modelDescription = modelDescription
        self.step = step
    }

    /// Files written, relative to the run directory.
    public struct Written: Sendable {
        /// `metrics.json`, `report.md`, `predictions.nc`, and the figures.
        public let files: [String]
    }

    /// Writes every output; returns their names.
    /// - Throws: ``NetCDFError`` and ``FigureError`` naming the file; file-system errors.
    @discardableResult
    public func write() throws -> Written {
        try FileManager.default.createDirectory(atPath: run.path("figures"), withIntermediateDirectories: true)
        let figures = try writeFigures()
        try writePredictions()
        try writeMetrics()
        try markdown(figures: figures).write(toFile: run.path("report.md"), atomically: true, encoding: .utf8)
        return Written(files: ["metrics.json", "report.md", "predictions.nc"] + figures)
    }

    /// `inference / solver` as "N× faster" text, or a dash.
    var speedup: Double? { comparison.solverSeconds.map { $0 / Swift.max(comparison.inferenceSeconds, 1e-12) } }

    func writeMetrics() throws {
        struct Document: Encodable {
            let problem: String, profile: String, model: String, step: Int
            let train_functions: Int, test_functions: Int, points_per_function: Int
            let metrics: [OperatorComparison.Metrics]
            let inference_seconds_per_function: Double, solver_seconds_per_function: Double?, speedup: Double?
            let multitask: MultiTaskReport.Metrics?
        }
        let document = Document(
            problem: run.resolved.problem.name, profile: run.profile, model: modelDescription, step: step,
            train_functions: dataset.train.count, test_functions: dataset.test.count, points_per_function: dataset.pointCount,
            metrics: comparison.metrics, inference_seconds_per_function: comparison.inferenceSeconds,
            solver_seconds_per_function: comparison.solverSeconds, speedup: speedup, multitask: multitask?.metrics)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(document).write(to: URL(fileURLWithPath: run.path("metrics.json")), options: .atomic)
    }

    /// The metrics as a Markdown table (also printed by `tandem compare`).
    public func table() -> String {
        var lines = ["| task | geometry | test functions | global rel. L2 | mean per-sample rel. L2 | worst per-sample rel. L2 | max abs. error |",
                     "|---|---|---:|---:|---:|---:|---:|"]
        for m in comparison.metrics {
            lines.append("| \(m.task) | \(m.geometry) | \(m.functions) | \(Self.percent(m.globalRelativeL2)) | \(Self.percent(m.meanRelativeL2)) | \(Self.percent(m.worstRelativeL2)) | \(String(format: "%.3e", m.maxAbsoluteError)) |")
        }
        return lines.joined(separator: "\n")
    }

    static func percent(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }

    /// Timing line: network and solver seconds per function.
    public func timing() -> String {
        let network = String(format: "%.3g ms", 1000 * comparison.inferenceSeconds)
        guard let solver = comparison.solverSeconds, let speedup else { return "network \(network) per function (solver time unknown)" }
        return "network \(network) per function (batches of 64, median of 3 passes), solver \(String(format: "%.3g ms", 1000 * solver)) per function (\(String(format: "%.3g", speedup))× \(speedup >= 1 ? "faster" : "slower"))"
    }

    /// How a transfer run was trained, for the report.
    var transferLine: String {
        guard case let .transfer(source, fromScratch) = run.kind else { return "" }
        let transfer = run.resolved.problem.transferProfiles[run.profile]
        return fromScratch
            ? "\n- transfer baseline: trained from a random initialisation on the \(transfer?.geometry ?? "new geometry") samples (every parameter free), for comparison with the transfer from `\(source)`"
            : "\n- transfer from `\(source)` to \(transfer?.geometry ?? "a new geometry"): only \(transfer?.trainable.joined(separator: ", ") ?? "some parameters") trained, loss \(run.training.loss.rawValue)"
    }

    func markdown(figures: [String]) -> String {
        let problem = run.resolved.problem
        var text = """
        # \(problem.name): operator against the reference solver

        - problem file: `problem.toml` (a copy of `\(problem.file)`); profile `\(run.profile)`; checkpoint at step \(step)
        - model: \(modelDescription)\(transferLine)
        - data: \(dataset.train.count) training and \(dataset.test.count) test functions (one per sample and geometry), \(dataset.pointCount) points each
        - errors are measured in physical units inside each geometry only; **global** relative L2 is `‖P − U‖ / ‖U‖` over all test functions of a row, **per-sample** relative L2 is `‖p − u‖ / ‖u‖` of one function (mean and worst over the row)

        \(table())

        Timing: \(timing()).

        ## Figures

        """
        for figure in figures { text += "![\(figure)](\(figure))\n\n" }
        if let multitask { text += multitask.markdown }
        return text
    }

    /// The strategy's weights and gradient diagnostics from `loss.csv`, when the run had a strategy.
    var multitask: MultiTaskReport? {
        (try? String(contentsOfFile: run.path("loss.csv"), encoding: .utf8)).flatMap(MultiTaskReport.init(history:))
    }

    /// One function's values as a 2-D picture: the middle `z` slice in 3-D, the last time in
    /// transient 2-D, (t, x) in transient 1-D.
    func picture(_ values: ArraySlice<Float>, mask: ArraySlice<Float>) -> (values: [Double], mask: [Bool], columns: Int, rows: Int) {
        let nx = dataset.gridPoints[0]
        let plane: Int, rows: Int
        switch (dataset.gridPoints.count, dataset.timeCount > 1) {
        case (1, _): (plane, rows) = (0, dataset.timeCount)
        case (2, false): (plane, rows) = (0, dataset.gridPoints[1])
        case (2, true): (plane, rows) = ((dataset.timeCount - 1) * nx * dataset.gridPoints[1], dataset.gridPoints[1])
        default: (plane, rows) = (dataset.gridPoints[2] / 2 * nx * dataset.gridPoints[1], dataset.gridPoints[1])
        }
        let start = values.startIndex + plane, maskStart = mask.startIndex + plane
        return ((0..<nx * rows).map { Double(values[start + $0]) }, (0..<nx * rows).map { mask[maskStart + $0] == 1 }, nx, rows)
    }

    func writeFigures() throws -> [String] {
        var names: [String] = []
        let m = dataset.pointCount
        let slice = dataset.gridPoints.count == 3 ? " (middle z slice)"
            : dataset.gridPoints.count == 2 && dataset.timeCount > 1 ? " (last time)"
            : dataset.gridPoints.count == 1 && dataset.timeCount > 1 ? " (x across, t up)" : ""
        for (t, task) in dataset.taskNames.enumerated() {
            let ranked = comparison.ranked(task: t, dataset: dataset)
            guard !ranked.isEmpty else { continue }
            for (label, row) in [("best", ranked.first!), ("median", ranked[ranked.count / 2]), ("worst", ranked.last!)] {
                let f = comparison.functions[row]
                let mask = dataset.masks[f * m..<(f + 1) * m]
                let reference = picture(dataset.targets[f * m..<(f + 1) * m], mask: mask)
                let prediction = picture(comparison.predictions[row * m..<(row + 1) * m], mask: mask)
                let error = zip(reference.values, prediction.values).map { Swift.abs($0 - $1) }
                let range = FieldPanel.range(of: reference.values, mask: reference.mask)
                let (sample, geometry) = dataset.functions[f]
                let image = Figures.panels([
                    FieldPanel(title: "reference (solver)", values: reference.values, columns: reference.columns, rows: reference.rows, mask: reference.mask, range: range),
                    FieldPanel(title: "prediction", values: prediction.values, columns: reference.columns, rows: reference.rows, mask: reference.mask, range: range),
                    FieldPanel(title: "|error|", values: error, columns: reference.columns, rows: reference.rows, mask: reference.mask, colormap: .magma),
                ], title: "\(task) \(label): sample \(sample), \(dataset.geometryNames[geometry]), rel. L2 \(Self.percent(comparison.relativeErrors[row]))\(slice)")
                let name = "figures/\(Self.fileName(task))-\(label).png"
                try image.writePNG(to: run.path(name))
                names.append(name)
            }
        }
        if let history = try? String(contentsOfFile: run.path("loss.csv"), encoding: .utf8) {
            let rows = history.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            func series(_ column: Int, _ name: String) -> Figures.Series {
                Figures.Series(name: name, points: rows.compactMap { r in
                    guard r.count > column, let x = Double(r[0]), let y = Double(r[column]) else { return nil }
                    return (x, y)
                })
            }
            let image = Figures.lineChart([series(1, "train (running mean)"), series(2, "test")], title: "\(run.resolved.problem.name): loss",
                                          xLabel: "step", yLabel: "standardised MSE", logY: true)
            try image.writePNG(to: run.path("figures/loss.png"))
            names.append("figures/loss.png")
        }
        if let multitask { names += try multitask.writeFigures(path: run.path, problem: run.resolved.problem.name) }
        return names
    }

    static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    /// `predictions.nc`: the test functions' predictions, references and absolute errors.
    func writePredictions() throws {
        try PredictionFile.write(to: run.path("predictions.nc"), run: run, dataset: dataset, functions: comparison.functions,
                                 predictions: comparison.predictions, relativeErrors: comparison.relativeErrors,
                                 attributes: ["tandem_model": modelDescription, "tandem_checkpoint_step": String(step)])
    }
}

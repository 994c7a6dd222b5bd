import Foundation
import TandemIO
import TandemSpec

/// Writes what `tandem compare` produces for a PINN run: `metrics.json`, `report.md` and
/// `figures/` (reference | prediction | |error| on the solver's grid; the loss terms).
public struct PINNReport {
    /// The run, its comparison, the network's description and what training recorded.
    public let run: PINNRun, comparison: PINNComparison, modelDescription: String, step: Int

    /// A report of `comparison` for `run`.
    public init(run: PINNRun, comparison: PINNComparison, modelDescription: String, step: Int) {
        self.run = run
        self.comparison = comparison
        self.modelDescription = modelDescription
        self.step = step
    }

    /// `training.json` as written by `tandem train`.
    var training: [String: Any] {
        guard let data = FileManager.default.contents(atPath: run.path("training.json")),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return json
    }

    /// Writes every output; returns their names relative to the run directory.
    @discardableResult
    public func write() throws -> [String] {
        try FileManager.default.createDirectory(atPath: run.path("figures"), withIntermediateDirectories: true)
        let figures = try writeFigures()
        var document: [String: Any] = [
            "problem": run.resolved.problem.name, "profile": run.profile, "model": modelDescription, "adam_steps": step,
            "residual": try run.resolved.problem.pinnResidual().description,
            "relative_l2": comparison.relativeL2, "max_absolute_error": comparison.maxAbsoluteError,
            "inference_seconds": comparison.inferenceSeconds,
        ]
        if !comparison.times.isEmpty {
            document["times"] = comparison.times
            document["relative_l2_per_time"] = comparison.relativeL2PerTime
        }
        if let s = comparison.solverSeconds { document["solver_seconds"] = s }
        if !comparison.coefficients.isEmpty {
            document["coefficients"] = comparison.coefficients.map {
                ["name": $0.name, "initial": $0.initial, "learned": $0.learned, "truth": $0.truth, "relative_error": $0.relativeError] as [String: Any]
            }
        }
        document["training"] = training
        if let multitask { document["multitask"] = multitask.metrics.dictionary }
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: run.path("metrics.json")))
        try markdown(figures: figures).write(toFile: run.path("report.md"), atomically: true, encoding: .utf8)
        return ["metrics.json", "report.md"] + figures
    }

    /// The summary table printed by `tandem compare`.
    public func table() -> String {
        var lines = ["| metric | value |", "|---|---|",
                     "| relative L2 (all grid points inside, all output times) | \(percent(comparison.relativeL2)) |",
                     "| max absolute error | \(String(format: "%.3e", comparison.maxAbsoluteError)) |"]
        if comparison.times.count > 1 {
            lines.append("| relative L2 at t = \(Figures.label(comparison.times.last!)) | \(percent(comparison.relativeL2PerTime.last!)) |")
        }
        for c in comparison.coefficients {
            lines.append("| \(c.name): learned / true (start) | \(String(format: "%.5g", c.learned)) / \(String(format: "%.5g", c.truth)) (\(String(format: "%.5g", c.initial))), error \(percent(c.relativeError)) |")
        }
        if let seconds = training["seconds"] as? Double { lines.append("| training time | \(String(format: "%.1f", seconds)) s |") }
        if let lbfgs = training["lbfgs"] as? [String: Any], let reason = lbfgs["reason"] as? String, let iterations = lbfgs["iterations"] as? Int {
            lines.append("| L-BFGS | \(iterations) iterations, stopped by \(reason) |")
        }
        lines.append("| network on the grid / solver | \(String(format: "%.3f", comparison.inferenceSeconds)) s / \(comparison.solverSeconds.map { String(format: "%.3f s", $0) } ?? "–") |")
        return lines.joined(separator: "\n")
    }

    func percent(_ x: Double) -> String { String(format: x < 0.001 ? "%.4f%%" : "%.2f%%", 100 * x) }

    func markdown(figures: [String]) -> String {
        let problem = run.resolved.problem
        let residual = (try? problem.pinnResidual().description) ?? "?"
        var text = """
        # \(problem.name): PINN against the reference solver

        Model \(modelDescription), profile `\(run.profile)`, \(step) Adam steps. Residual driven to zero: `\(residual) = 0`.
        Compared on the solver's \(run.resolved.grid.pointsPerAxis.map(String.init).joined(separator: " × ")) grid\(comparison.times.isEmpty ? "" : " at \(comparison.times.count) output times"), every point inside the geometry.

        \(table())

        """
        if comparison.times.count > 1 {
            text += "\n| t | relative L2 |\n|---|---|\n"
            for (t, e) in zip(comparison.times, comparison.relativeL2PerTime) { text += "| \(Figures.label(t)) | \(percent(e)) |\n" }
        }
        text += "\n" + figures.map { "![\($0)](\($0))" }.joined(separator: "\n") + "\n"
        if let multitask { text += "\n" + multitask.markdown }
        return text
    }

    /// The strategy's weights and gradient diagnostics from `loss.csv`.
    var multitask: MultiTaskReport? {
        (try? String(contentsOfFile: run.path("loss.csv"), encoding: .utf8)).flatMap(MultiTaskReport.init(history:))
    }

    /// The solution figure (1-D transient: x across, t up; 2-D: the last time; 3-D: the middle z
    /// slice at the last time) and the loss terms.
    func writeFigures() throws -> [String] {
        let grid = run.resolved.grid, n = grid.pointCount, nx = grid.pointsPerAxis[0]
        let timeCount = Swift.max(1, comparison.times.count)
        let (start, rows, mask): (Int, Int, [Bool])
        let slice: String
        switch grid.dimension {
        case 1:
            (start, rows, mask) = (0, timeCount, Array((0..<timeCount).map { _ in comparison.mask }.joined()))
            slice = timeCount > 1 ? " (x across, t up)" : ""
        case 2:
            (start, rows, mask) = ((timeCount - 1) * n, grid.pointsPerAxis[1], comparison.mask)
            slice = timeCount > 1 ? " (t = \(Figures.label(comparison.times.last!)))" : ""
        default:
            let plane = nx * grid.pointsPerAxis[1], offset = grid.pointsPerAxis[2] / 2 * plane
            (start, rows, mask) = ((timeCount - 1) * n + offset, grid.pointsPerAxis[1], Array(comparison.mask[offset..<offset + plane]))
            slice = " (middle z slice)"
        }
        let count = nx * rows
        let reference = Array(comparison.reference[start..<start + count]), prediction = Array(comparison.prediction[start..<start + count])
        let error = zip(reference, prediction).map { Swift.abs($0 - $1) }
        let range = FieldPanel.range(of: reference, mask: mask)
        let image = Figures.panels([
            FieldPanel(title: "reference (solver)", values: reference, columns: nx, rows: rows, mask: mask, range: range),
            FieldPanel(title: "PINN", values: prediction, columns: nx, rows: rows, mask: mask, range: range),
            FieldPanel(title: "|error|", values: error, columns: nx, rows: rows, mask: mask, colormap: .magma),
        ], title: "\(run.resolved.problem.name): PINN, rel. L2 \(percent(comparison.relativeL2))\(slice)")
        var names = ["figures/solution.png"]
        try image.writePNG(to: run.path(names[0]))
        if let history = try? String(contentsOfFile: run.path("loss.csv"), encoding: .utf8) {
            let lines = history.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            if let header = lines.first {
                let series = ["loss", "residual", "boundary", "initial"].compactMap { name -> Figures.Series? in
                    guard let column = header.firstIndex(of: name) else { return nil }
                    let points = lines.dropFirst().compactMap { r -> (x: Double, y: Double)? in
                        guard r.count > column, let x = Double(r[0]), let y = Double(r[column]), y > 0 else { return nil }
                        return (x, y)
                    }
                    return points.isEmpty ? nil : Figures.Series(name: name == "loss" ? "weighted loss" : name, points: points)
                }
                let chart = Figures.lineChart(series, title: "\(run.resolved.problem.name): PINN loss (Adam, then L-BFGS iterations)",
                                              xLabel: "step", yLabel: "loss", logY: true)
                try chart.writePNG(to: run.path("figures/loss.png"))
                names.append("figures/loss.png")
                let trajectories = comparison.coefficients.compactMap { c -> Figures.Series? in
                    guard let column = header.firstIndex(of: c.name) else { return nil }
                    let points = lines.dropFirst().compactMap { r -> (x: Double, y: Double)? in
                        guard r.count > column, let x = Double(r[0]), let y = Double(r[column]) else { return nil }
                        return (x, y / c.truth)
                    }
                    return Figures.Series(name: "\(c.name) / true \(c.name)", points: points)
                }
                if !trajectories.isEmpty {
                    let chart = Figures.lineChart(trajectories, title: "\(run.resolved.problem.name): learned coefficients over training",
                                                  xLabel: "step", yLabel: "learned / true", logY: false)
                    try chart.writePNG(to: run.path("figures/coefficients.png"))
                    names.append("figures/coefficients.png")
                }
            }
        }
        if let multitask { names += try multitask.writeFigures(path: run.path, problem: run.resolved.problem.name) }
        return names
    }
}

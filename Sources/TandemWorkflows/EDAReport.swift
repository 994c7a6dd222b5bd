import Foundation
import TandemIO

/// What `tandem compare` writes for an EDA run: `metrics.json`, `report.md` and the figures —
/// EDA traces (measured, predicted, the true tonic part), the confusion matrix over all folds,
/// the learned `γα₀` over training per fold, and the multi-task diagnostics of fold 1.
struct EDAReport {
    let run: EDARun
    let dataset: EDADataset
    let folds: [EDAFoldEvaluation]
    let modelDescription: String

    static func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
    static func std(_ v: [Double]) -> Double {
        guard v.count > 1 else { return 0 }
        let m = mean(v)
        return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
    }
    static func pm(_ v: [Double], _ format: String = "%.4g") -> String {
        v.isEmpty ? "–" : String(format: format, mean(v)) + (v.count > 1 ? " ± " + String(format: format, std(v)) : "")
    }

    /// The confusion matrix summed over folds.
    var confusion: [[Int]]? {
        let all = folds.compactMap(\.confusion)
        guard let first = all.first else { return nil }
        return first.indices.map { i in first[i].indices.map { j in all.map { $0[i][j] }.reduce(0, +) } }
    }

    /// `|mean learned − truth| / |truth|` for `γα₀` and each `γβ` (synthetic data).
    var parameterErrors: [(name: String, learned: [Double], truth: Double, error: Double)] {
        guard let truth = dataset.truth else { return [] }
        let names = ["γα₀"] + dataset.contextNames.map { "γβ_\($0)" }
        let learned = [folds.map(\.decay)] + dataset.contextNames.indices.map { j in folds.map { $0.gains[j] } }
        let truths = [truth.decay] + truth.gains
        return names.indices.map { k in (names[k], learned[k], truths[k], Swift.abs(Self.mean(learned[k]) - truths[k]) / Swift.max(Swift.abs(truths[k]), 1e-300)) }
    }

    /// The summary table printed by `compare` and put in the report.
    func table() -> String {
        let baselineNames = (folds.first?.baselines.keys.sorted() ?? [])
        var rows = ["| fold | test points | RMSE (normalised) | RMSE (µS) | RMSE vs tonic (µS) | RMSE learned ODE (µS) | RMSE calibrated ODE (µS) | " + baselineNames.map { "RMSE \($0) baseline (µS) | " }.joined()
                        + "Pearson r | accuracy | macro-F1 | γα₀ (1/s) |",
                    "|---|---|---|---|---|---|---|" + baselineNames.map { _ in "---|" }.joined() + "---|---|---|---|"]
        func f(_ v: Double?, _ format: String = "%.4f") -> String { v.map { String(format: format, $0) } ?? "–" }
        for e in folds {
            rows.append("| \(e.fold) | \(e.points) | \(f(e.rmseNormalised)) | \(f(e.rmse)) | \(f(e.rmseTonic)) | \(f(e.rmseODE)) | \(f(e.rmseCalibrated)) | " + baselineNames.map { "\(f(e.baselines[$0])) | " }.joined()
                        + "\(f(e.pearson)) | \(f(e.accuracy)) | \(f(e.macroF1)) | \(f(e.decay, "%.5f")) |")
        }
        if folds.count > 1 {
            rows.append("| mean ± std | \(folds.map(\.points).reduce(0, +)) | \(Self.pm(folds.map(\.rmseNormalised))) | \(Self.pm(folds.map(\.rmse))) | \(Self.pm(folds.compactMap(\.rmseTonic))) | \(Self.pm(folds.map(\.rmseODE))) | \(Self.pm(folds.compactMap(\.rmseCalibrated))) | "
                        + baselineNames.map { name in "\(Self.pm(folds.compactMap { $0.baselines[name] })) | " }.joined() + "\(Self.pm(folds.map(\.pearson))) | \(Self.pm(folds.compactMap(\.accuracy))) | \(Self.pm(folds.compactMap(\.macroF1))) | \(Self.pm(folds.map(\.decay))) |")
        }
        return rows.joined(separator: "\n")
    }

    /// The parameters table: learned (mean ± std over folds) against the truth.
    func parameterTable() -> String {
        let errors = parameterErrors
        if errors.isEmpty {
            let names = ["γα₀ (1/s)"] + dataset.contextNames.map { "γβ_\($0)" }
            let learned = [folds.map(\.decay)] + dataset.contextNames.indices.map { j in folds.map { $0.gains[j] } }
            return (["| parameter | learned |", "|---|---|"] + names.indices.map { "| \(names[$0]) | \(Self.pm(learned[$0], "%.5g")) |" }).joined(separator: "\n")
        }
        return (["| parameter | learned (mean ± std over folds) | truth | relative error of the mean |", "|---|---|---|---|"]
            + errors.map { "| \($0.name) | \(Self.pm($0.learned, "%.5g")) | \(String(format: "%.5g", $0.truth)) | \(String(format: "%.2f%%", 100 * $0.error)) |" })
            .joined(separator: "\n")
    }

    /// Writes everything; returns the names written.
    func write() throws -> [String] {
        try FileManager.default.createDirectory(atPath: run.path("figures"), withIntermediateDirectories: true)
        var names: [String] = []
        let problem = run.problem.header.name
        if let trace = folds.first?.trace, !trace.time.isEmpty {
            var series = [Figures.Series(name: "measured", points: zip(trace.time, trace.measured).map { (x: $0 / 60, y: $1) }),
                          Figures.Series(name: "predicted", points: zip(trace.time, trace.predicted).map { (x: $0 / 60, y: $1) })]
            if let tonic = trace.tonic { series.append(Figures.Series(name: "tonic (true ODE part)", points: zip(trace.time, tonic).map { (x: $0 / 60, y: $1) })) }
            series.append(Figures.Series(name: "learned ODE", points: zip(trace.time, trace.ode).map { (x: $0 / 60, y: $1) }))
            try Figures.lineChart(series, title: "\(problem): EDA of \(folds.count > 1 ? "test subject " : "")\(trace.id) (fold 1)", xLabel: "time (min)", yLabel: "EDA (µS)", logY: false)
                .writePNG(to: run.path("figures/eda-trace.png"))
            names.append("figures/eda-trace.png")
        }
        if let m = confusion {
            let c = m.count
            // Rows normalised to the share of each true class; row 0 is drawn at the bottom.
            let values = (0..<c).flatMap { r -> [Double] in
                let row = m[c - 1 - r], total = Double(Swift.max(row.reduce(0, +), 1))
                return row.map { Double($0) / total }
            }
            let panel = FieldPanel(title: "true (rows, top to bottom) vs predicted (columns): \(dataset.classes.joined(separator: ", "))",
                                   values: values, columns: c, rows: c, range: 0...1)
            try Figures.panels([panel], title: "\(problem): confusion matrix, all folds", scale: Swift.max(24, 240 / c))
                .writePNG(to: run.path("figures/confusion.png"))
            names.append("figures/confusion.png")
        }
        var trajectories: [Figures.Series] = []
        for fold in run.folds(dataset) {
            guard let text = try? String(contentsOfFile: fold.directory + "/loss.csv", encoding: .utf8) else { continue }
            let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            guard let header = lines.first, let column = header.firstIndex(of: "gamma_alpha0") else { continue }
            let scale = dataset.truth?.decay ?? 1
            trajectories.append(Figures.Series(name: "fold \(fold.index)", points: lines.dropFirst().compactMap { r in
                guard r.count > column, let x = Double(r[0]), let y = Double(r[column]) else { return nil }
                return (x, y / scale)
            }))
        }
        if !trajectories.isEmpty {
            try Figures.lineChart(trajectories, title: "\(problem): learned γα₀ over training", xLabel: "step",
                                  yLabel: dataset.truth == nil ? "γα₀ (1/s)" : "learned / true γα₀", logY: false)
                .writePNG(to: run.path("figures/parameters.png"))
            names.append("figures/parameters.png")
        }
        let multitask = (try? String(contentsOfFile: run.path("fold-1/loss.csv"), encoding: .utf8)).flatMap(MultiTaskReport.init(history:))
        if let multitask { names += try multitask.writeFigures(path: run.path, problem: problem) }
        try metricsJSON(multitask: multitask).write(to: URL(fileURLWithPath: run.path("metrics.json")))
        names.append("metrics.json")
        try markdown(multitask: multitask).write(toFile: run.path("report.md"), atomically: true, encoding: .utf8)
        names.append("report.md")
        return names
    }

    func metricsJSON(multitask: MultiTaskReport?) throws -> Data {
        func summary(_ v: [Double]) -> Any { v.isEmpty ? NSNull() : ["mean": Self.mean(v), "std": Self.std(v)] as [String: Double] }
        var json: [String: Any] = [
            "problem": run.problem.header.name, "profile": run.profile, "model": modelDescription,
            "tasks": run.training.tasks.map(\.rawValue), "features": run.problem.features.map(\.rawValue),
            "folds": folds.count, "test_points": folds.map(\.points).reduce(0, +),
            "rmse_normalised": summary(folds.map(\.rmseNormalised)), "rmse_uS": summary(folds.map(\.rmse)),
            "rmse_tonic_uS": summary(folds.compactMap(\.rmseTonic)), "rmse_ode_uS": summary(folds.map(\.rmseODE)),
            "rmse_calibrated_ode_uS": summary(folds.compactMap(\.rmseCalibrated)), "pearson_r": summary(folds.map(\.pearson)),
            "accuracy": summary(folds.compactMap(\.accuracy)), "macro_f1": summary(folds.compactMap(\.macroF1)),
            "gamma_alpha0": summary(folds.map(\.decay)),
            "baseline_rmse_uS": Dictionary(uniqueKeysWithValues: (folds.first?.baselines.keys.sorted() ?? []).map { name in (name, summary(folds.compactMap { $0.baselines[name] })) }),
            "gamma_beta": Dictionary(uniqueKeysWithValues: dataset.contextNames.indices.map { j in (dataset.contextNames[j], summary(folds.map { $0.gains[j] })) }),
            "inference_seconds": folds.map(\.seconds).reduce(0, +),
        ]
        if let m = confusion { json["confusion"] = ["classes": dataset.classes, "counts": m] as [String: Any] }
        if let truth = dataset.truth {
            json["truth"] = ["gamma_alpha0": truth.decay, "gamma_beta": truth.gains] as [String: Any]
            json["parameter_relative_errors"] = Dictionary(uniqueKeysWithValues: parameterErrors.map { ($0.name, $0.error) })
        }
        if let cohort = run.problem.cohort { json["noise_uS"] = cohort.noise }
        if let multitask { json["multitask"] = multitask.metrics.dictionary }
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }

    func markdown(multitask: MultiTaskReport?) -> String {
        let p = run.problem
        var text = "# \(p.header.name): EDA network, profile \(run.profile)\n\n\(p.header.summary)\n\n"
        text += "Model: \(modelDescription); tasks \(run.training.tasks.map(\.rawValue).joined(separator: ", ")); inputs \(p.features.map(\.rawValue).joined(separator: ", ")).\n\n"
        if folds.count > 1 {
            text += "Subject-wise \(folds.count)-fold cross-validation over \(dataset.sessions.count) subjects: each fold's model is tested on subjects it never saw.\n\n"
        } else if let cut = run.folds(dataset).first?.forecastStart {
            text += String(format: "Forecast: fitted on the first %.0f s (%.0f%%) of the recording, tested on the rest.\n\n", cut, 100 * run.training.forecast)
        }
        text += "The network predicts `(EDA − μ)/σ` with μ, σ pooled over the fold's training points; RMSE is given in µS and normalised per subject (divided by each test subject's own standard deviation σₛ; a forecast: of the fitted part).\n\n"
        text += table() + "\n\n"
        if let cohort = p.cohort {
            let averaged = cohort.noise / Swift.max(1, cohort.rate / p.rate).squareRoot()
            text += String(format: "The cohort's measurement noise is %.3g µS (%.3g µS on the model's points, each the mean of %.0f samples): an RMSE of 1.2 × noise is %.3g µS. Phasic responses (mean amplitude %.3g µS) are not predictable from the inputs and add to the RMSE against the measured signal; RMSE vs tonic compares with the noise-free ODE part. The calibrated ODE uses each test subject's first block to set its level and is scored on the later blocks.\n\n",
                           cohort.noise, averaged, Swift.max(1, cohort.rate / p.rate), 1.2 * cohort.noise, cohort.phasicAmplitude)
        }
        text += "## Dynamics `dEDA/dt = γ(−α₀ EDA + βᵀu)`\n\nOnly `γα₀` and `γβ` are identifiable from EDA; Tandem fixes `γ = 1/T` with T = \(p.timeScale) s and reports them.\n\n"
        text += parameterTable() + "\n\n"
        if let m = confusion {
            text += "## Confusion matrix (all folds; rows true, columns predicted)\n\n| | " + dataset.classes.joined(separator: " | ") + " |\n|---|" + dataset.classes.map { _ in "---|" }.joined() + "\n"
            for (i, row) in m.enumerated() { text += "| \(dataset.classes[i]) | " + row.map(String.init).joined(separator: " | ") + " |\n" }
            text += "\n"
        }
        if !dataset.notes.isEmpty { text += "## Data notes\n\n" + dataset.notes.map { "- \($0)\n" }.joined() + "\n" }
        if let multitask { text += multitask.markdown + "\n(fold 1)\n" }
        return text
    }
}

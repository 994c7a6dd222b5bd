import Foundation
import TandemIO

/// The multi-task part of `tandem compare`, read from the run's `loss.csv` columns that a
/// strategy adds (`weight_<task>`, `grad_norm_<task>`, `cos_<a>_<b>`): a figure of the weights over
/// training, a heat map of the mean pairwise cosine of the task gradients, and which pairs
/// conflict (mean cosine below 0).
struct MultiTaskReport {
    /// The tasks, in column order.
    let tasks: [String]
    /// Steps of the rows, and each task's weight per row.
    let steps: [Double], weights: [[Double]]
    /// Per task, the gradient norms of the rows that computed them.
    let norms: [[Double]]
    /// Per pair `(i, j)`, `i < j`, the cosines of the rows that computed them.
    let cosines: [(i: Int, j: Int, values: [Double])]

    /// The report of `history` (the text of `loss.csv`), or `nil` when the run had no strategy.
    init?(history: String) {
        let lines = history.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return nil }
        let weightColumns = header.indices.filter { header[$0].hasPrefix("weight_") }
        guard !weightColumns.isEmpty else { return nil }
        tasks = weightColumns.map { String(header[$0].dropFirst("weight_".count)) }
        let rows = lines.dropFirst().filter { $0.count == header.count }
        func column(_ name: String) -> [Double] { header.firstIndex(of: name).map { c in rows.compactMap { Double($0[c]) } } ?? [] }
        let adam = rows.filter { Double($0[0]) != nil }
        steps = adam.compactMap { Double($0[0]) }
        weights = weightColumns.map { c in adam.map { Double($0[c]) ?? .nan } }
        norms = tasks.map { column("grad_norm_\($0)") }
        let names = tasks
        cosines = names.indices.flatMap { i in names.indices.filter { $0 > i }.map { j in (i, j, column("cos_\(names[i])_\(names[j])")) } }
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

    /// `k × k` mean cosines (1 on the diagonal).
    var cosineMatrix: [[Double]] {
        var m = tasks.indices.map { i in tasks.indices.map { $0 == i ? 1.0 : .nan } }
        for pair in cosines {
            m[pair.i][pair.j] = Self.mean(pair.values)
            m[pair.j][pair.i] = m[pair.i][pair.j]
        }
        return m
    }

    /// `figures/multitask-weights.png` and `figures/gradient-cosines.png`.
    func writeFigures(path: (String) -> String, problem: String) throws -> [String] {
        var names: [String] = []
        let series = tasks.indices.map { t in
            Figures.Series(name: tasks[t], points: zip(steps, weights[t]).filter { $0.1.isFinite }.map { (x: $0.0, y: $0.1) })
        }
        try Figures.lineChart(series, title: "\(problem): task weights over training", xLabel: "step", yLabel: "weight (shared direction)", logY: false)
            .writePNG(to: path("figures/multitask-weights.png"))
        names.append("figures/multitask-weights.png")
        if !cosines.isEmpty, cosines.allSatisfy({ !$0.values.isEmpty }) {
            let k = tasks.count
            let m = cosineMatrix
            // Row 0 of a panel is drawn at the bottom: the first task goes on top.
            let values = (0..<k).flatMap { r in (0..<k).map { c in m[k - 1 - r][c] } }
            let panel = FieldPanel(title: "rows top to bottom, columns left to right: \(tasks.joined(separator: ", "))",
                                   values: values, columns: k, rows: k, range: -1...1)
            try Figures.panels([panel], title: "\(problem): mean cosine of task gradients", scale: Swift.max(24, 240 / k))
                .writePNG(to: path("figures/gradient-cosines.png"))
            names.append("figures/gradient-cosines.png")
        }
        return names
    }

    /// The report's section: final weights, mean gradient norms, and each pair's mean cosine with
    /// the share of diagnosed steps where it was negative; conflicting pairs named.
    var markdown: String {
        var text = "## Tasks (multi-task strategy)\n\n| task | final weight | mean gradient norm |\n|---|---|---|\n"
        for t in tasks.indices {
            let final = weights[t].last(where: { $0.isFinite }).map { String(format: "%.4g", $0) } ?? "–"
            text += "| \(tasks[t]) | \(final) | \(norms[t].isEmpty ? "–" : String(format: "%.3g", Self.mean(norms[t]))) |\n"
        }
        guard !cosines.isEmpty, cosines.allSatisfy({ !$0.values.isEmpty }) else { return text + "\nNo gradient diagnostics were recorded.\n" }
        text += "\n| task pair | mean cosine | steps with cosine < 0 |\n|---|---|---|\n"
        for pair in cosines {
            let negative = Double(pair.values.filter { $0 < 0 }.count) / Double(pair.values.count)
            text += "| \(tasks[pair.i]) – \(tasks[pair.j]) | \(String(format: "%.3f", Self.mean(pair.values))) | \(String(format: "%.0f%%", 100 * negative)) of \(pair.values.count) |\n"
        }
        let conflicting = cosines.filter { Self.mean($0.values) < 0 }.map { "\(tasks[$0.i]) – \(tasks[$0.j])" }
        text += "\n" + (conflicting.isEmpty
            ? "No task pair conflicts on average (every mean cosine ≥ 0).\n"
            : "Conflicting task pairs (mean cosine < 0): \(conflicting.joined(separator: ", ")).\n")
        return text
    }

    /// The `multitask` entry of `metrics.json`.
    struct Metrics: Encodable {
        /// Each task's last weight.
        let final_weights: [String: Double]
        /// Each pair's mean cosine, keyed `a|b`.
        let mean_cosines: [String: Double]

        /// The same as a JSON object.
        var dictionary: [String: Any] { ["final_weights": final_weights, "mean_cosines": mean_cosines] }
    }

    /// For `metrics.json`: final weights, and the mean cosine of each pair.
    var metrics: Metrics {
        var pairs: [String: Double] = [:]
        for pair in cosines where !pair.values.isEmpty { pairs["\(tasks[pair.i])|\(tasks[pair.j])"] = Self.mean(pair.values) }
        return Metrics(final_weights: Dictionary(uniqueKeysWithValues: tasks.indices.map { (tasks[$0], weights[$0].last(where: { $0.isFinite }) ?? 0) }),
                       mean_cosines: pairs)
    }
}

import Foundation

/// Perceptually ordered colour maps, piecewise linear between matplotlib's published anchor
/// colours (van der Walt & Smith, "viridis" and "magma", matplotlib 2.0), sampled at 0, 0.1, …, 1.
public enum Colormap: String, Sendable, CaseIterable {
    /// Dark blue → green → yellow; for fields.
    case viridis
    /// Black → purple → orange → pale yellow; for errors.
    case magma

    var anchors: [(Double, Double, Double)] {
        switch self {
        case .viridis:
            return [(68, 1, 84), (72, 36, 117), (65, 68, 135), (53, 95, 141), (42, 120, 142), (33, 145, 140),
                    (34, 168, 132), (68, 191, 112), (122, 209, 81), (189, 223, 38), (253, 231, 37)]
        case .magma:
            return [(0, 0, 4), (20, 14, 54), (59, 15, 112), (100, 26, 128), (140, 41, 129), (183, 55, 121),
                    (222, 73, 104), (247, 112, 92), (254, 159, 109), (254, 207, 146), (252, 253, 191)]
        }
    }

    /// The colour at `t ∈ [0, 1]` (clamped; NaN gives the lowest colour).
    public func color(_ t: Double) -> RasterImage.Color {
        let anchors = self.anchors
        let s = (t.isNaN ? 0 : Swift.min(Swift.max(t, 0), 1)) * Double(anchors.count - 1)
        let i = Swift.min(Int(s), anchors.count - 2), f = s - Double(i)
        let (a, b) = (anchors[i], anchors[i + 1])
        func mix(_ p: Double, _ q: Double) -> UInt8 { UInt8((p + (q - p) * f).rounded()) }
        return RasterImage.Color(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

/// One heat-map panel of a figure: a field on a `columns × rows` grid, row 0 at the bottom
/// (the grid's lower edge, as in NetCDF's `y` order), with cells outside `mask` drawn gray.
public struct FieldPanel: Sendable {
    /// Label above the panel.
    public var title: String
    /// Values, row-major with `columns` per row; row 0 is drawn at the bottom.
    public var values: [Double]
    /// Grid size.
    public var columns: Int, rows: Int
    /// Cells drawn; `nil` draws all.
    public var mask: [Bool]?
    /// The values mapped to the colour map's ends.
    public var range: ClosedRange<Double>
    /// The colour map.
    public var colormap: Colormap

    /// A panel; `range` defaults to the masked values' minimum and maximum.
    public init(title: String, values: [Double], columns: Int, rows: Int, mask: [Bool]? = nil,
                range: ClosedRange<Double>? = nil, colormap: Colormap = .viridis) {
        precondition(values.count == columns * rows, "FieldPanel: \(values.count) values for \(columns) × \(rows) cells")
        self.title = title
        self.values = values
        self.columns = columns
        self.rows = rows
        self.mask = mask
        self.range = range ?? FieldPanel.range(of: values, mask: mask)
        self.colormap = colormap
    }

    /// The smallest interval holding every finite masked value (`0…1` when there is none).
    public static func range(of values: [Double], mask: [Bool]?) -> ClosedRange<Double> {
        var low = Double.infinity, high = -Double.infinity
        for (i, v) in values.enumerated() where v.isFinite && (mask?[i] ?? true) {
            low = Swift.min(low, v)
            high = Swift.max(high, v)
        }
        return low <= high ? low...high : 0...1
    }
}

/// Figures Tandem writes as PNG: rows of heat maps with colour bars, and line charts.
public enum Figures {
    /// Short numeric label: integers as they are (below 10⁷), else 3 significant digits, in
    /// exponent form outside `[10⁻², 10⁴)`.
    public static func label(_ value: Double) -> String {
        if value == value.rounded(), Swift.abs(value) < 1e7 { return String(Int(value)) }
        let magnitude = Swift.abs(value)
        return magnitude >= 1e-2 && magnitude < 1e4 ? String(format: "%.3g", value) : String(format: "%.2e", value)
    }

    /// A figure of heat maps side by side, each with a colour bar labelled by its range, under
    /// a title line. Cells are `scale` pixels square; when `nil`, cells are chosen so a panel is
    /// about 240 pixels wide and at least 160 tall (stretched vertically for few rows, such as
    /// the output times of a 1-D transient problem).
    public static func panels(_ panels: [FieldPanel], title: String, scale: Int? = nil) -> RasterImage {
        let widest = panels.map(\.columns).max() ?? 1, tallest = panels.map(\.rows).max() ?? 1
        let cell = scale ?? Swift.max(1, 240 / widest)
        let cellHeight = scale ?? Swift.max(cell, 160 / tallest)
        let plotWidth = widest * cell, plotHeight = Swift.max(tallest * cellHeight, 60)
        let barWidth = 12, labelWidth = 60, gap = 24, top = 36, margin = 12
        let panelWidth = plotWidth + 6 + barWidth + 4 + labelWidth
        let width = Swift.max(margin * 2 + panels.count * panelWidth + (panels.count - 1) * gap, margin * 2 + RasterImage.textWidth(title, scale: 2))
        var image = RasterImage(width: width, height: top + 14 + plotHeight + margin)
        image.text(title, x: margin, y: 8, scale: 2)
        for (k, panel) in panels.enumerated() {
            let x0 = margin + k * (panelWidth + gap), y0 = top + 14
            image.text(panel.title, x: x0, y: top)
            let span = panel.range.upperBound - panel.range.lowerBound
            for r in 0..<panel.rows {
                for c in 0..<panel.columns {
                    let i = r * panel.columns + c
                    let inside = panel.mask?[i] ?? true
                    let t = span > 0 ? (panel.values[i] - panel.range.lowerBound) / span : 0.5
                    image.fill(x: x0 + c * cell, y: y0 + (panel.rows - 1 - r) * cellHeight, width: cell, height: cellHeight,
                               inside ? panel.colormap.color(t) : .gray)
                }
            }
            image.frame(x: x0 - 1, y: y0 - 1, width: panel.columns * cell + 2, height: panel.rows * cellHeight + 2, .darkGray)
            let barX = x0 + plotWidth + 6, barHeight = panel.rows * cellHeight
            for y in 0..<barHeight {
                image.fill(x: barX, y: y0 + y, width: barWidth, height: 1, panel.colormap.color(1 - Double(y) / Double(Swift.max(barHeight - 1, 1))))
            }
            image.frame(x: barX - 1, y: y0 - 1, width: barWidth + 2, height: barHeight + 2, .darkGray)
            image.text(label(panel.range.upperBound), x: barX + barWidth + 4, y: y0)
            image.text(label(panel.range.lowerBound), x: barX + barWidth + 4, y: y0 + barHeight - 7)
        }
        return image
    }

    /// One line of a chart.
    public struct Series: Sendable {
        /// Legend entry.
        public var name: String
        /// Points `(x, y)`; non-finite or (on a log axis) non-positive `y` are skipped.
        public var points: [(x: Double, y: Double)]
        /// A series.
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// A line chart with a linear x axis and a linear or base-10 logarithmic y axis, tick labels
    /// at the axis ends (and each decade on a log axis), and a legend.
    public static func lineChart(_ series: [Series], title: String, xLabel: String, yLabel: String, logY: Bool,
                                 width: Int = 720, height: Int = 420) -> RasterImage {
        var image = RasterImage(width: width, height: height)
        let left = 84, right = 20, top = 40, bottom = 48
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        image.text(title, x: 12, y: 10, scale: 2)
        let usable = series.map { s in s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) } }
        let all = usable.flatMap { $0 }
        guard !all.isEmpty else {
            image.text("no data", x: left + 10, y: top + 10)
            return image
        }
        let xs = all.map(\.x), ys = all.map { logY ? log10($0.y) : $0.y }
        var (x0, x1) = (xs.min()!, xs.max()!), (y0, y1) = (ys.min()!, ys.max()!)
        if x1 <= x0 { x1 = x0 + 1 }
        if logY { (y0, y1) = (y0.rounded(.down), Swift.max(y1.rounded(.up), y0.rounded(.down) + 1)) } else if y1 <= y0 { y1 = y0 + 1 }
        func px(_ x: Double) -> Int { left + Int((x - x0) / (x1 - x0) * Double(plotWidth - 1)) }
        func py(_ y: Double) -> Int { top + plotHeight - 1 - Int(((logY ? log10(y) : y) - y0) / (y1 - y0) * Double(plotHeight - 1)) }
        // Grid and ticks.
        if logY {
            for decade in Int(y0)...Int(y1) {
                let y = py(pow(10, Double(decade)))
                image.line(left, y, left + plotWidth - 1, y, RasterImage.Color(232, 232, 232))
                let text = "1e\(decade)"
                image.text(text, x: left - 6 - RasterImage.textWidth(text), y: y - 3)
            }
        } else {
            for (value, y) in [(y0, top + plotHeight - 1), (y1, top)] {
                image.text(label(value), x: left - 6 - RasterImage.textWidth(label(value)), y: y - 3)
            }
        }
        image.frame(x: left - 1, y: top - 1, width: plotWidth + 2, height: plotHeight + 2, .darkGray)
        image.text(label(x0), x: left, y: top + plotHeight + 6)
        image.text(label(x1), x: left + plotWidth - RasterImage.textWidth(label(x1)), y: top + plotHeight + 6)
        image.text(xLabel, x: left + (plotWidth - RasterImage.textWidth(xLabel)) / 2, y: top + plotHeight + 22)
        image.text(yLabel, x: 12, y: top - 14)
        // Lines and legend.
        for (k, points) in usable.enumerated() {
            let color = RasterImage.Color.series[k % RasterImage.Color.series.count]
            for (a, b) in zip(points, points.dropFirst()) { image.line(px(a.x), py(a.y), px(b.x), py(b.y), color, thickness: 2) }
            if points.count == 1 { image.fill(x: px(points[0].x) - 2, y: py(points[0].y) - 2, width: 5, height: 5, color) }
            let legendY = top + 8 + k * 12, legendX = left + plotWidth - 180
            image.fill(x: legendX, y: legendY + 2, width: 14, height: 3, color)
            image.text(series[k].name, x: legendX + 20, y: legendY)
        }
        return image
    }
    /// A parity plot: each series' points `(reference, predicted)` as dots over the diagonal
    /// `y = x`, both axes on the same range (all points, padded 3 %), the end values labelled —
    /// how a trained model is compared with its reference point by point.
    public static func parity(_ series: [Series], title: String, xLabel: String, yLabel: String, size: Int = 480) -> RasterImage {
        var image = RasterImage(width: size, height: size + 12)
        let left = 84, top = 40, side = size - left - 20
        image.text(title, x: 12, y: 10, scale: 2)
        let usable = series.map { s in s.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let values = usable.flatMap { $0.flatMap { [$0.x, $0.y] } }
        guard var low = values.min(), var high = values.max() else {
            image.text("no data", x: left + 10, y: top + 10)
            return image
        }
        let pad = Swift.max(high - low, 1e-12) * 0.03
        (low, high) = (low - pad, high + pad)
        func pixel(_ v: Double) -> Int { Int((v - low) / (high - low) * Double(side - 1)) }
        image.line(left, top + side - 1, left + side - 1, top, RasterImage.Color(200, 200, 200))
        image.frame(x: left - 1, y: top - 1, width: side + 2, height: side + 2, .darkGray)
        image.text(label(low), x: left, y: top + side + 6)
        image.text(label(high), x: left + side - RasterImage.textWidth(label(high)), y: top + side + 6)
        image.text(label(low), x: left - 6 - RasterImage.textWidth(label(low)), y: top + side - 4)
        image.text(label(high), x: left - 6 - RasterImage.textWidth(label(high)), y: top - 3)
        image.text(xLabel, x: left + (side - RasterImage.textWidth(xLabel)) / 2, y: top + side + 22)
        image.text(yLabel, x: 12, y: top - 14)
        for (k, points) in usable.enumerated() {
            let color = RasterImage.Color.series[k % RasterImage.Color.series.count]
            for p in points { image.fill(x: left + pixel(p.x) - 1, y: top + side - 1 - pixel(p.y) - 1, width: 3, height: 3, color) }
            let legendY = top + 8 + k * 12
            image.fill(x: left + 8, y: legendY + 1, width: 5, height: 5, color)
            image.text(series[k].name, x: left + 20, y: legendY)
        }
        return image
    }
}

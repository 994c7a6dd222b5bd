import Foundation
import TandemSpec

/// The network's inputs at a time of a session, and how fast they change: the feature groups
/// of `[signals] features`, with every statistic the normalisation needs taken from the data it
/// may see (the training subjects' contexts; each subject's own signal, or for a forecast only
/// its training part).
///
/// - `time`: `t / D` (`D` the session's duration), velocity `1/D`;
/// - `block`: `(t − t_block) / T`, velocity `1/T`;
/// - `context`: the block's `u` and the previous block's, standardised, velocity 0;
/// - `window`: over the trailing `window` seconds, the normalised EDA's mean, least-squares slope
///   (per window) and standard deviation, and the mean normalised accelerometer magnitude and
///   temperature where recorded; held constant (velocity 0) in the residual, as exogenous inputs.
public struct EDAFeatures: Sendable {
    /// Mean and standard deviation of one channel of one subject.
    public struct Statistics: Sendable, Equatable {
        /// Mean and standard deviation (at least 1e-9 of the mean's scale).
        public var mean: Double, deviation: Double

        /// Of `values` (all of them when `indices` is `nil`).
        init(_ values: [Double], indices: [Int]) {
            let picked = indices.map { values[$0] }
            let n = Double(Swift.max(picked.count, 1))
            let mu = picked.reduce(0, +) / n
            mean = mu
            let variance = picked.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / n
            deviation = Swift.max(variance.squareRoot(), 1e-9 * Swift.max(Swift.abs(mean), 1))
        }
    }

    /// The groups, in input order.
    public let groups: [SignalProblem.Feature]
    /// `T` (s) and the trailing window (s).
    public let timeScale: Double, window: Double
    /// Per context component: the training subjects' mean and standard deviation.
    public let contextMean: [Double], contextScale: [Double]
    /// The EDA statistics the target and the residual are normalised with: pooled over the
    /// training points of every training subject, so that the target `(EDA − μ)/σ` is a function
    /// of the inputs for a subject the network never saw.
    public let target: Statistics
    /// Per session: its own EDA statistics (over its own points), which normalise its window
    /// features and the per-subject RMSE.
    public let subject: [Statistics]
    /// Input names, in order (`time`, `block`, `u_valence`, `u_prev_valence`, `eda_mean`, …).
    public let names: [String]
    let windows: [[Double]]
    let windowWidth: Int
    let sessions: [EDASession]

    /// Inputs of ``count`` features.
    public var count: Int { names.count }

    /// - Parameters:
    ///   - training: the sessions whose contexts standardise `u` and whose points (by
    ///     `statisticsPoints`) give the target's statistics;
    ///   - statisticsPoints: for each session, the points its own statistics come from.
    public init(dataset: EDADataset, groups: [SignalProblem.Feature], timeScale: Double, window: Double, training: [Int],
                statisticsPoints: (Int) -> [Int]) {
        self.groups = groups
        self.timeScale = timeScale
        self.window = window
        sessions = dataset.sessions
        let m = dataset.contextNames.count
        let contexts = training.flatMap { dataset.sessions[$0].blocks.map(\.context) }
        let means = (0..<m).map { c in contexts.map { $0[c] }.reduce(0, +) / Double(Swift.max(contexts.count, 1)) }
        contextMean = means
        contextScale = (0..<m).map { c in
            let v = contexts.map { ($0[c] - means[c]) * ($0[c] - means[c]) }.reduce(0, +) / Double(Swift.max(contexts.count, 1))
            return v > 1e-24 ? v.squareRoot() : 1
        }
        let hasAcc = dataset.sessions.allSatisfy { $0.accelerometer != nil }, hasTemp = dataset.sessions.allSatisfy { $0.temperature != nil }
        var names: [String] = []
        for g in groups {
            switch g {
            case .time: names.append("time")
            case .block: names.append("block_time")
            case .context: names += dataset.contextNames.map { "u_" + $0 } + dataset.contextNames.map { "u_previous_" + $0 }
            case .window: names += ["eda_mean", "eda_slope", "eda_std"] + (hasAcc ? ["acc_mean"] : []) + (hasTemp ? ["temp_mean"] : [])
            }
        }
        self.names = names
        let rate = dataset.sessions.first?.rate ?? 1
        windowWidth = Swift.max(1, Int((window * rate).rounded()))
        var subject: [Statistics] = [], windows: [[Double]] = [], pooled: [Double] = []
        for s in training { pooled += statisticsPoints(s).map { dataset.sessions[s].eda[$0] } }
        target = Statistics(pooled, indices: Array(pooled.indices))
        for (s, session) in dataset.sessions.enumerated() {
            let points = statisticsPoints(s)
            let e = Statistics(session.eda, indices: points)
            subject.append(e)
            guard groups.contains(.window) else { windows.append([]); continue }
            let y = session.eda.map { ($0 - e.mean) / e.deviation }
            let acc = hasAcc ? session.accelerometer.map { a -> [Double] in let st = Statistics(a, indices: points); return a.map { ($0 - st.mean) / st.deviation } } : nil
            let temp = hasTemp ? session.temperature.map { a -> [Double] in let st = Statistics(a, indices: points); return a.map { ($0 - st.mean) / st.deviation } } : nil
            windows.append(Self.windowFeatures(y, acc: acc, temp: temp, width: windowWidth))
        }
        self.subject = subject
        self.windows = windows
    }

    /// Per point `i`, the features of points `[i − width, i)` (point 0: itself), row-major.
    static func windowFeatures(_ y: [Double], acc: [Double]?, temp: [Double]?, width: Int) -> [Double] {
        var out: [Double] = []
        for i in y.indices {
            let range = i == 0 ? 0..<1 : Swift.max(0, i - width)..<i
            let n = Double(range.count)
            let mean = range.reduce(0) { $0 + y[$1] } / n
            let std = (range.reduce(0) { $0 + (y[$1] - mean) * (y[$1] - mean) } / n).squareRoot()
            let tMean = Double(range.lowerBound + range.upperBound - 1) / 2
            let sxx = range.reduce(0) { $0 + (Double($1) - tMean) * (Double($1) - tMean) }
            let slope = sxx > 0 ? range.reduce(0) { $0 + (Double($1) - tMean) * (y[$1] - mean) } / sxx * Double(width) : 0
            out += [mean, slope, std]
            if let acc { out.append(range.reduce(0) { $0 + acc[$1] } / n) }
            if let temp { out.append(range.reduce(0) { $0 + temp[$1] } / n) }
        }
        return out
    }

    /// The inputs at time `t` (s) of session `s` and their rates of change `dx/dt`.
    public func input(session s: Int, time t: Double) -> (x: [Double], velocity: [Double]) {
        let session = sessions[s]
        var x: [Double] = [], v: [Double] = []
        let b = session.block(at: t)
        for g in groups {
            switch g {
            case .time:
                let duration = Double(session.eda.count) / session.rate
                x.append(t / duration); v.append(1 / duration)
            case .block:
                x.append(b.map { (t - session.blocks[$0].start) / timeScale } ?? 0); v.append(1 / timeScale)
            case .context:
                let current = b.map { session.blocks[$0].context } ?? contextMean
                let previous = b.map { $0 > 0 ? session.blocks[$0 - 1].context : current } ?? contextMean
                x += zip(current.indices, current).map { ($1 - contextMean[$0]) / contextScale[$0] }
                x += zip(previous.indices, previous).map { ($1 - contextMean[$0]) / contextScale[$0] }
                v += [Double](repeating: 0, count: 2 * current.count)
            case .window:
                let width = windows[s].count / Swift.max(session.eda.count, 1)
                let i = Swift.min(Swift.max(Int((t * session.rate).rounded(.down)), 0), session.eda.count - 1)
                x += windows[s][(i * width)..<((i + 1) * width)]
                v += [Double](repeating: 0, count: width)
            }
        }
        return (x, v)
    }
}

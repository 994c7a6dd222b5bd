import Foundation
import TandemCore
import TandemPINN

/// A trained fold on the points it never trained on: the EDA prediction's error and correlation,
/// the emotion classification, and the learned parameters of the dynamics against the truth.
public struct EDAFoldEvaluation: Sendable {
    /// 1-based fold.
    public let fold: Int
    /// Test points.
    public let points: Int
    /// RMSE on the subject-normalised EDA (`(EDA − μₛ)/σₛ`) and in µS.
    public let rmseNormalised: Double, rmse: Double
    /// RMSE (µS) against the noise-free tonic EDA (synthetic subjects).
    public let rmseTonic: Double?
    /// Pearson's r of predicted and measured EDA (µS) over the test points.
    public let pearson: Double
    /// Classification accuracy and macro-F1 (the mean over classes of `2PR/(P + R)`), and the
    /// confusion matrix `[true][predicted]` (labelled data).
    public let accuracy: Double?, macroF1: Double?, confusion: [[Int]]?
    /// The learned `γα₀` (1/s) and `γβ` (µS/s per unit of `u`).
    public let decay: Double, gains: [Double]
    /// The test subjects' mean true `γα₀` and `γβ` (synthetic).
    public let subjectTruth: (decay: Double, gains: [Double])?
    /// RMSE (µS) of the learned ODE alone, integrated exactly through the subject's blocks from
    /// its first test point's measured value (a forecast: from the last fitted value):
    /// `x ← κᵀu + (x − κᵀu)·e^(−α₀Δt/T)`.
    public let rmseODE: Double
    /// RMSE (µS) of the learned ODE after calibrating its level on the test subject's first
    /// block (the baseline): `κ` scaled by `mean(EDA) / κᵀu` over that block, integrated from
    /// the block's last measured value, scored on the later blocks. `nil` for a forecast.
    public let rmseCalibrated: Double?
    /// RMSE (µS) of trivial predictions on the same test points: `mean` — the training points'
    /// mean EDA; for a forecast also `persistence` — the last fitted value held.
    public let baselines: [String: Double]
    /// Seconds to evaluate the network on the test points.
    public let seconds: Double
    /// The first test subject's trace: times (s), measured, predicted and tonic (µS).
    public let trace: (id: String, time: [Double], measured: [Double], predicted: [Double], tonic: [Double]?, ode: [Double])

    /// Evaluates `model` on the fold's test points.
    public init(run: EDARun, dataset: EDADataset, fold: EDARun.Fold, features: EDAFeatures, model: EDANetwork<Double>) {
        self.fold = fold.index
        var predicted: [Double] = [], measured: [Double] = [], normalisedError: [Double] = [], tonicError: [Double] = []
        var truthLabels: [Int] = [], guessed: [Int] = [], persistence: [Double] = [], odeError: [Double] = [], calibratedError: [Double] = []
        var trace: (id: String, time: [Double], measured: [Double], predicted: [Double], tonic: [Double]?, ode: [Double])?
        let alpha0 = model.alpha0.scalars[0], kappa = model.gains.scalars
        let start = Date()
        for s in fold.test {
            let session = dataset.sessions[s]
            let indices = run.points(dataset, fold: fold, session: s, testing: true)
            guard !indices.isEmpty else { continue }
            let d = features.count
            let x = Tensor(shape: [indices.count, d], scalars: indices.flatMap { features.input(session: s, time: session.time($0)).x })
            let (y, logits) = withoutGradient { model(x) }
            let target = features.target, own = features.subject[s]
            let eda = y.scalars.map { target.mean + target.deviation * $0 }
            for (k, i) in indices.enumerated() {
                predicted.append(eda[k])
                measured.append(session.eda[i])
                normalisedError.append((eda[k] - session.eda[i]) / own.deviation)
                if let tonic = session.tonic { tonicError.append(eda[k] - tonic[i]) }
            }
            // A forecast starts from the last fitted value; a held-out subject from its first point.
            let origin = fold.forecastStart != nil && indices[0] > 0 ? indices[0] - 1 : indices[0]
            let ode = Self.integrate(session, from: origin, to: indices, rate: alpha0 / features.timeScale, gains: kappa)
            odeError += zip(ode, indices).map { $0 - session.eda[$1] }
            if fold.forecastStart == nil, session.blocks.count > 1 {
                let first = session.blocks[0]
                let baseline = indices.filter { session.time($0) < first.end }, later = indices.filter { session.time($0) >= first.end }
                let level = zip(kappa, first.context).map(*).reduce(0, +)
                if let last = baseline.last, !later.isEmpty, level != 0 {
                    let scale = baseline.map { session.eda[$0] }.reduce(0, +) / Double(baseline.count) / level
                    let curve = Self.integrate(session, from: last, to: later, rate: alpha0 / features.timeScale, gains: kappa.map { $0 * scale })
                    calibratedError += zip(curve, later).map { $0 - session.eda[$1] }
                }
            }
            if fold.forecastStart != nil, let first = indices.first, first > 0 {
                persistence += indices.map { session.eda[$0] - session.eda[first - 1] }
            }
            if let logits, !dataset.classes.isEmpty {
                let c = dataset.classes.count
                for (k, i) in indices.enumerated() {
                    guard let label = session.block(at: session.time(i)).flatMap({ session.blocks[$0].label }) else { continue }
                    let row = logits.scalars[(k * c)..<((k + 1) * c)]
                    truthLabels.append(label)
                    guessed.append(row.indices.max { row[$0] < row[$1] }! - k * c)
                }
            }
            if trace == nil {
                // A forecast shows the fitted part too.
                let shown = fold.forecastStart == nil ? indices : Array(session.eda.indices)
                let x = Tensor(shape: [shown.count, d], scalars: shown.flatMap { features.input(session: s, time: session.time($0)).x })
                let all = withoutGradient { model(x).eda }.scalars.map { target.mean + target.deviation * $0 }
                // The ODE's curve as the RMSE measures it: from `origin` on (NaN, not drawn, before).
                let after = shown.filter { $0 >= origin }
                let curve = [Double](repeating: .nan, count: shown.count - after.count)
                    + Self.integrate(session, from: origin, to: after, rate: alpha0 / features.timeScale, gains: kappa)
                trace = (session.id, shown.map { session.time($0) }, shown.map { session.eda[$0] }, all, session.tonic.map { t in shown.map { t[$0] } }, curve)
            }
        }
        seconds = Date().timeIntervalSince(start)
        points = measured.count
        func rms(_ e: [Double]) -> Double { (e.reduce(0) { $0 + $1 * $1 } / Double(Swift.max(e.count, 1))).squareRoot() }
        rmseNormalised = rms(normalisedError)
        rmse = rms(zip(predicted, measured).map { $0 - $1 })
        rmseTonic = tonicError.isEmpty ? nil : rms(tonicError)
        rmseODE = rms(odeError)
        rmseCalibrated = calibratedError.isEmpty ? nil : rms(calibratedError)
        var baselines = ["mean": rms(measured.map { $0 - features.target.mean })]
        if !persistence.isEmpty { baselines["persistence"] = rms(persistence) }
        self.baselines = baselines
        pearson = Self.pearson(predicted, measured)
        if truthLabels.isEmpty {
            accuracy = nil; macroF1 = nil; confusion = nil
        } else {
            let c = dataset.classes.count
            var m = [[Int]](repeating: [Int](repeating: 0, count: c), count: c)
            for (t, p) in zip(truthLabels, guessed) { m[t][p] += 1 }
            confusion = m
            accuracy = Double((0..<c).map { m[$0][$0] }.reduce(0, +)) / Double(truthLabels.count)
            macroF1 = Self.macroF1(m)
        }
        (decay, gains) = EDAObjective.identifiable(model, timeScale: features.timeScale)
        let truths = fold.test.compactMap { dataset.sessions[$0].truth }
        subjectTruth = truths.isEmpty ? nil
            : (truths.map(\.decay).reduce(0, +) / Double(truths.count),
               truths[0].gains.indices.map { j in truths.map { $0.gains[j] }.reduce(0, +) / Double(truths.count) })
        self.trace = trace ?? ("", [], [], [], nil, [])
    }

    /// The ODE `dx/dt = −k (x − κᵀu)` integrated exactly from the measured value at point `start`
    /// to each of `points` (ascending, from `start`), `u` piecewise constant over the blocks
    /// (outside every block the level holds).
    public static func integrate(_ session: EDASession, from start: Int, to points: [Int], rate k: Double, gains: [Double]) -> [Double] {
        var x = session.eda[start], t = session.time(start)
        func target(_ b: Int) -> Double { zip(gains, session.blocks[b].context).map(*).reduce(0, +) }
        return points.map { i in
            let end = session.time(i)
            while t < end {
                guard let b = session.block(at: t) else {
                    t = session.blocks.first { $0.start > t }.map { Swift.min($0.start, end) } ?? end
                    continue
                }
                let stop = Swift.min(session.blocks[b].end, end)
                let level = target(b)
                x = level + (x - level) * Foundation.exp(-k * (stop - t))
                t = stop
            }
            return x
        }
    }

    /// Pearson's correlation coefficient `cov(a, b) / (σ_a σ_b)`; 0 when either is constant.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(Swift.max(a.count, 1))
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }

    /// The unweighted mean over classes of F1 `= 2·TP / (2·TP + FP + FN)` from a confusion matrix
    /// `[true][predicted]`; a class absent from both truth and prediction is left out.
    public static func macroF1(_ m: [[Int]]) -> Double {
        let c = m.count
        var scores: [Double] = []
        for k in 0..<c {
            let tp = Double(m[k][k]), fn = Double(m[k].reduce(0, +)) - tp, fp = Double((0..<c).map { m[$0][k] }.reduce(0, +)) - tp
            guard tp + fn + fp > 0 else { continue }
            scores.append(2 * tp / (2 * tp + fp + fn))
        }
        return scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
    }
}

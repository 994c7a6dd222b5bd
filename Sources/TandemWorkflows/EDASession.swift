import Foundation
import TandemIO
import TandemPDE
import TandemSpec

/// One subject's recording on the model's time grid: EDA (and accelerometer magnitude and skin
/// temperature where recorded) averaged over each `1/rate` s, the protocol blocks with their
/// labels and context vectors, and — for a synthetic subject — the truth.
public struct EDASession: Sendable {
    /// A protocol block.
    public struct Block: Sendable, Equatable {
        /// Seconds from the start of the recording.
        public var start: Double, end: Double
        /// Index into the dataset's classes, `nil` for an unlabelled block (an E4 session).
        public var label: Int?
        /// The context vector `u` (the ODE's input; questionnaire scores, or `[1]` without any).
        public var context: [Double]

        /// A block from its parts.
        public init(start: Double, end: Double, label: Int?, context: [Double]) {
            self.start = start
            self.end = end
            self.label = label
            self.context = context
        }
    }

    /// The subject's name (`S2`).
    public var id: String
    /// Points per second; point `i` covers `[i/rate, (i+1)/rate)`.
    public var rate: Double
    /// EDA (µS) per point.
    public var eda: [Double]
    /// Accelerometer magnitude (1/64 g) and skin temperature (°C) per point, if recorded.
    public var accelerometer: [Double]?, temperature: [Double]?
    /// The blocks, in time order, not overlapping.
    public var blocks: [Block]
    /// The noise-free tonic EDA per point (synthetic subjects).
    public var tonic: [Double]?
    /// The subject's true `γα₀` (1/s) and `γβ` (synthetic subjects).
    public var truth: (decay: Double, gains: [Double])?

    /// The time (s) at the middle of point `i`.
    public func time(_ i: Int) -> Double { (Double(i) + 0.5) / rate }
    /// The block holding time `t`, if any.
    public func block(at t: Double) -> Int? { blocks.firstIndex { $0.start <= t && t < $0.end } }
    /// Points whose middle lies in a block.
    public var pointsInBlocks: [Int] { eda.indices.filter { block(at: time($0)) != nil } }

    /// Means of a signal sampled at `sourceRate` (from `offset` s) over each `1/rate` s of
    /// `count` points; a point without a sample in its interval takes the last one before it
    /// (signals slower than the model's rate, such as `HR.csv`).
    public static func resample(_ values: [Double], sourceRate: Double, offset: Double = 0, rate: Double, count: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: count), counts = [Int](repeating: 0, count: count)
        for (j, v) in values.enumerated() {
            let i = Int(((offset + Double(j) / sourceRate) * rate).rounded(.down))
            if i >= 0 && i < count { sums[i] += v; counts[i] += 1 }
        }
        var last = values.first ?? 0
        return (0..<count).map { i in
            if counts[i] > 0 { last = sums[i] / Double(counts[i]) }
            return last
        }
    }

    /// A subject of a synthetic cohort on the model's grid.
    public init(_ subject: EDACohort.Subject, settings: EDACohort.Settings, rate: Double) {
        let duration = subject.blocks.last!.end
        let count = Int((duration * rate).rounded(.down))
        id = subject.id
        self.rate = rate
        eda = Self.resample(subject.eda, sourceRate: settings.rate, rate: rate, count: count)
        tonic = Self.resample(subject.tonic, sourceRate: settings.rate, rate: rate, count: count)
        accelerometer = subject.accelerometer.map { acc in
            let magnitude = stride(from: 0, to: acc.count, by: 3).map { (i: Int) -> Double in
                let (x, y, z) = (acc[i], acc[i + 1], acc[i + 2])
                return (x * x + y * y + z * z).squareRoot()
            }
            return Self.resample(magnitude, sourceRate: EDACohort.accelerometerRate, rate: rate, count: count)
        }
        temperature = subject.temperature.map { Self.resample($0, sourceRate: settings.rate, rate: rate, count: count) }
        blocks = subject.blocks.map { Block(start: $0.start, end: $0.end, label: $0.condition, context: $0.context) }
        truth = (subject.decay, subject.gains)
    }

    /// An E4 session folder as one unlabelled block over the EDA recording with `u = [1]` (the
    /// ODE's drive is then a constant `β₀`); other channels aligned by their start times.
    /// - Throws: ``SignalFileError`` from the reader.
    public init(e4 directory: String, id: String, rate: Double) throws {
        let signals = try EmpaticaE4.readSession(directory)
        let eda = signals["EDA"]!
        let count = Int((eda.duration * rate).rounded(.down))
        guard count >= 2 else { throw SignalFileError(file: directory + "/EDA.csv", line: nil, message: "\(eda.count) samples at \(eda.rate) Hz give fewer than 2 points at \(rate) Hz") }
        self.id = id
        self.rate = rate
        self.eda = Self.resample(eda.values, sourceRate: eda.rate, rate: rate, count: count)
        accelerometer = signals["ACC"].map { Self.resample($0.magnitude, sourceRate: $0.rate, offset: $0.start - eda.start, rate: rate, count: count) }
        temperature = signals["TEMP"].map { Self.resample($0.values, sourceRate: $0.rate, offset: $0.start - eda.start, rate: rate, count: count) }
        blocks = [Block(start: 0, end: Double(count) / rate, label: nil, context: [1])]
    }

    /// The context components a WESAD condition's self-reports give: SAM valence and arousal
    /// (1–9) and the mean STAI item (1–4).
    public static let wesadContext = ["valence", "arousal", "stai"]

    /// A WESAD subject folder (`SX/SX_quest.csv`, `SX/SX_E4_Data/`): its labelled conditions as
    /// blocks (times relative to the start of the E4 recording), with `u` from the self-reports.
    /// - Parameters:
    ///   - classes: the class names, ``TandemIO/WESADQuest/State`` raw values.
    ///   - notes: receives what was left out (a condition without samples, one cut at the end of
    ///     the recording).
    /// - Throws: ``SignalFileError`` from the readers, or at the quest file for a condition
    ///   without the self-reports `u` needs.
    public init(wesad directory: String, id: String, rate: Double, classes: [String], notes: inout [String]) throws {
        let questPath = "\(directory)/\(id)_quest.csv"
        let quest = try WESADQuest(contentsOf: questPath)
        self = try EDASession(e4: "\(directory)/\(id)_E4_Data", id: id, rate: rate)
        let duration = Double(eda.count) / rate
        var blocks: [Block] = []
        for condition in quest.labelled {
            let context = try Self.wesadContext.map { key -> Double in
                guard let v = condition.reports[key] else {
                    throw SignalFileError(file: questPath, line: nil, message: "\(condition.name) has no \(key == "stai" ? "STAI" : "DIM (SAM)") answers; the context u needs valence, arousal and STAI for every condition")
                }
                return v
            }
            let label = classes.firstIndex(of: condition.state!.rawValue)!
            if condition.start >= duration {
                notes.append("\(id): no EDA samples in \(condition.name) (\(Int(condition.start)) s–\(Int(condition.end)) s; the recording has \(Int(duration)) s): left out")
                continue
            }
            if condition.end > duration {
                notes.append("\(id): \(condition.name) ends at \(Int(condition.end)) s, after the recording (\(Int(duration)) s): cut there")
            }
            blocks.append(Block(start: condition.start, end: Swift.min(condition.end, duration), label: label, context: context))
        }
        guard !blocks.isEmpty else { throw SignalFileError(file: questPath, line: nil, message: "no labelled condition overlaps the E4 recording (\(Int(duration)) s)") }
        self.blocks = blocks.sorted { $0.start < $1.start }
    }
}

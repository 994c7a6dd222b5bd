import Foundation
import TandemCore
import TandemIO
import TandemPDE
import TandemSpec

/// The prepared recordings of an EDA problem: every subject's session on the model's grid, the
/// class names and the context's components — made from the problem's source (a synthetic
/// cohort, an E4 session, a WESAD download) and kept in the run as `prepared.nc`, from which
/// training and comparison read.
public struct EDADataset: Sendable {
    /// The sessions, one per subject.
    public var sessions: [EDASession]
    /// Emotion classes (empty without labels).
    public var classes: [String]
    /// Names of the components of `u`.
    public var contextNames: [String]
    /// The population's true `γα₀` and `γβ` (synthetic cohorts).
    public var truth: (decay: Double, gains: [Double])?
    /// What preparation left out or cut, to tell the user.
    public var notes: [String] = []

    /// A dataset from its parts.
    public init(sessions: [EDASession], classes: [String], contextNames: [String], truth: (decay: Double, gains: [Double])?, notes: [String] = []) {
        self.sessions = sessions
        self.classes = classes
        self.contextNames = contextNames
        self.truth = truth
        self.notes = notes
    }

    /// The cohort settings of `[signals.cohort]`.
    public static func settings(_ c: SignalProblem.Cohort) -> EDACohort.Settings {
        EDACohort.Settings(subjects: c.subjects, conditions: c.conditions, durations: c.durations, contextMeans: c.contextMeans,
                           subjectSpread: c.subjectSpread, blockSpread: c.blockSpread, rate: c.rate, decay: c.decay, gains: c.gains,
                           parameterSpread: c.parameterSpread, phasicAmplitude: c.phasicAmplitude, burstRates: c.burstRates, noise: c.noise,
                           accelerometer: c.accelerometer, temperature: c.temperature, seed: c.seed)
    }

    /// Reads or generates the problem's recordings.
    /// - Throws: ``SignalFileError`` from the readers; ``ProblemFileError`` for a WESAD folder
    ///   without subjects or an inconsistent cohort.
    public init(_ problem: SignalProblem) throws {
        switch problem.source {
        case .synthetic:
            let cohort = problem.cohort!
            let settings = Self.settings(cohort)
            if let issue = settings.problem { throw problem.error(at: "signals.cohort", issue) }
            let subjects = EDACohort.generate(settings)
            self.init(sessions: subjects.map { EDASession($0, settings: settings, rate: problem.rate) }, classes: cohort.conditions,
                      contextNames: cohort.contextNames, truth: (cohort.decay, cohort.gains))
        case .e4:
            let path = problem.resolvedPath!
            self.init(sessions: [try EDASession(e4: path, id: (path as NSString).lastPathComponent, rate: problem.rate)],
                      classes: [], contextNames: ["constant"], truth: nil)
        case .wesad:
            let root = problem.resolvedPath!
            let ids = problem.subjects.isEmpty
                ? ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix("S") && FileManager.default.fileExists(atPath: "\(root)/\($0)/\($0)_quest.csv") }
                    .sorted { (Int($0.dropFirst()) ?? 0, $0) < (Int($1.dropFirst()) ?? 0, $1) }
                : problem.subjects
            guard ids.count >= 2 else {
                throw problem.error(at: problem.subjects.isEmpty ? "signals.path" : "signals.subjects",
                                    "found \(ids.count) WESAD subject folder(s) (SX/SX_quest.csv and SX/SX_E4_Data/) in \(root); cross-validation needs at least 2")
            }
            let classes = WESADQuest.State.allCases.map(\.rawValue)
            var notes: [String] = []
            let sessions = try ids.map { try EDASession(wesad: "\(root)/\($0)", id: $0, rate: problem.rate, classes: classes, notes: &notes) }
            self.init(sessions: sessions, classes: classes, contextNames: EDASession.wesadContext, truth: nil, notes: notes)
        }
    }

    /// Subjects split into `count` folds by a seeded shuffle: fold `k`'s test sessions.
    public func folds(_ count: Int, seed: UInt64) -> [[Int]] {
        var order = Array(sessions.indices)
        var g = SeededGenerator(seed: seed &+ 0xF01D)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        let k = Swift.min(count, order.count)
        return (0..<k).map { f in order.indices.filter { $0 % k == f }.map { order[$0] }.sorted() }
    }
}

extension EDADataset {
    /// Writes the dataset as NetCDF: per point (`point`) the session, time, EDA and the other
    /// channels; per block (`block`) session, start, end, label (−1: none) and `u`; per session
    /// its rate and truth; classes, context names and session names as attributes.
    /// - Throws: ``NetCDFError``.
    public func write(to path: String, problemText: String) throws {
        let m = contextNames.count
        let points = sessions.map(\.eda.count).reduce(0, +), blocks = sessions.map(\.blocks.count).reduce(0, +)
        let hasTonic = sessions.allSatisfy { $0.tonic != nil }, hasAcc = sessions.allSatisfy { $0.accelerometer != nil }
        let hasTemp = sessions.allSatisfy { $0.temperature != nil }, hasTruth = sessions.allSatisfy { $0.truth != nil }
        typealias V = FieldFileWriter.Variable
        var variables = [V("point_session", dimensions: ["point"], units: "1", longName: "session index of the point"),
                         V("time", dimensions: ["point"], units: "s", longName: "time since the start of the recording (middle of the point)"),
                         V("eda", dimensions: ["point"], units: "uS", longName: "electrodermal activity, mean over the point"),
                         V("block_session", dimensions: ["block"], units: "1", longName: "session index of the block"),
                         V("block_start", dimensions: ["block"], units: "s", longName: "start of the block"),
                         V("block_end", dimensions: ["block"], units: "s", longName: "end of the block"),
                         V("block_label", dimensions: ["block"], units: "1", longName: "class index of the block (-1: unlabelled)"),
                         V("block_context", dimensions: ["block", "component"], units: "1", longName: "context vector u of the block"),
                         V("session_rate", dimensions: ["session"], units: "Hz", longName: "points per second")]
        if hasTonic { variables.append(V("tonic", dimensions: ["point"], units: "uS", longName: "noise-free tonic EDA (synthetic truth)")) }
        if hasAcc { variables.append(V("accelerometer", dimensions: ["point"], units: "1/64 g", longName: "accelerometer magnitude")) }
        if hasTemp { variables.append(V("temperature", dimensions: ["point"], units: "degC", longName: "skin temperature")) }
        if hasTruth {
            variables.append(V("truth_decay", dimensions: ["session"], units: "1/s", longName: "the subject's true gamma*alpha0"))
            variables.append(V("truth_gains", dimensions: ["session", "component"], units: "uS/s", longName: "the subject's true gamma*beta"))
        }
        var attributes = ["classes": classes.joined(separator: ","), "context_names": contextNames.joined(separator: ","),
                          "sessions": sessions.map(\.id).joined(separator: ","), "tandem_problem": problemText,
                          "notes": notes.joined(separator: "\n")]
        if let truth { attributes["truth"] = ([truth.decay] + truth.gains).map { "\($0)" }.joined(separator: ",") }
        let writer = try FieldFileWriter(path: path, dimensions: [.init("point", length: points), .init("block", length: Swift.max(blocks, 1)),
                                                                  .init("session", length: sessions.count), .init("component", length: m)],
                                         coordinates: [], variables: variables, attributes: attributes)
        func all(_ f: (EDASession) -> [Double]) -> [Double] { sessions.flatMap(f) }
        try writer.write("point_session", values: sessions.indices.flatMap { s in [Double](repeating: Double(s), count: sessions[s].eda.count) })
        try writer.write("time", values: all { s in s.eda.indices.map { s.time($0) } })
        try writer.write("eda", values: all(\.eda))
        try writer.write("block_session", values: sessions.indices.flatMap { s in [Double](repeating: Double(s), count: sessions[s].blocks.count) })
        try writer.write("block_start", values: all { $0.blocks.map(\.start) })
        try writer.write("block_end", values: all { $0.blocks.map(\.end) })
        try writer.write("block_label", values: all { $0.blocks.map { Double($0.label ?? -1) } })
        try writer.write("block_context", values: all { $0.blocks.flatMap(\.context) })
        try writer.write("session_rate", values: sessions.map(\.rate))
        if hasTonic { try writer.write("tonic", values: all { $0.tonic! }) }
        if hasAcc { try writer.write("accelerometer", values: all { $0.accelerometer! }) }
        if hasTemp { try writer.write("temperature", values: all { $0.temperature! }) }
        if hasTruth {
            try writer.write("truth_decay", values: sessions.map { $0.truth!.decay })
            try writer.write("truth_gains", values: sessions.flatMap { $0.truth!.gains })
        }
        try writer.close()
    }

    /// Reads a dataset written by ``write(to:problemText:)``.
    /// - Throws: ``NetCDFError`` for a missing variable or a file of another layout.
    public init(contentsOf path: String) throws {
        let file = try FieldFileReader(path: path)
        func list(_ name: String) throws -> [String] {
            let text = try file.attribute(name)
            return text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        func optional(_ name: String) -> [Double]? { try? file.variable(name).values }
        let ids = try list("sessions")
        classes = try list("classes")
        contextNames = try list("context_names")
        let m = contextNames.count
        let pointSession = try file.variable("point_session").values.map { Int($0) }
        let eda = try file.variable("eda").values
        let tonic = optional("tonic"), acc = optional("accelerometer"), temp = optional("temperature")
        let blockSession = try file.variable("block_session").values.map { Int($0) }
        let starts = try file.variable("block_start").values, ends = try file.variable("block_end").values
        let labels = try file.variable("block_label").values, contexts = try file.variable("block_context").values
        let rates = try file.variable("session_rate").values
        let truthDecay = optional("truth_decay"), truthGains = optional("truth_gains")
        sessions = ids.indices.map { s in
            let rows = pointSession.indices.filter { pointSession[$0] == s }
            var session = EDASession(id: ids[s], rate: rates[s], eda: rows.map { eda[$0] })
            session.tonic = tonic.map { t in rows.map { t[$0] } }
            session.accelerometer = acc.map { a in rows.map { a[$0] } }
            session.temperature = temp.map { t in rows.map { t[$0] } }
            session.blocks = blockSession.indices.filter { blockSession[$0] == s }.map { b in
                EDASession.Block(start: starts[b], end: ends[b], label: labels[b] < 0 ? nil : Int(labels[b]), context: Array(contexts[(b * m)..<((b + 1) * m)]))
            }
            if let truthDecay, let truthGains { session.truth = (truthDecay[s], Array(truthGains[(s * m)..<((s + 1) * m)])) }
            return session
        }
        let truthText = (try? list("truth")) ?? []
        truth = truthText.isEmpty ? nil : (Double(truthText[0]) ?? .nan, truthText.dropFirst().map { Double($0) ?? .nan })
        notes = ((try? file.attribute("notes")) ?? "").split(separator: "\n").map(String.init)
    }
}

extension EDASession {
    /// A session of `eda` samples (µS) at `rate` points per second, with no blocks, other
    /// channels or truth yet (filled in by the readers, or by hand).
    public init(id: String, rate: Double, eda: [Double]) {
        self.id = id
        self.rate = rate
        self.eda = eda
        accelerometer = nil
        temperature = nil
        blocks = []
        tonic = nil
        truth = nil
    }
}

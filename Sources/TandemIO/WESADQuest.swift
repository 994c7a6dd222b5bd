import Foundation

/// The protocol file of one WESAD subject (`SX_quest.csv`; Schmidt et al., "Introducing WESAD, a
/// multimodal dataset for wearable stress and affect detection", ICMI 2018,
/// doi:10.1145/3242969.3242985): the order of the conditions, their start and end times, and the
/// self-reports filled after each.
///
/// The file is `;`-separated. Rows `# ORDER`, `# START` and `# END` list the conditions (`Base`,
/// `TSST`, `Fun`, `Medi 1`, `Medi 2`, `sRead`, `fRead`) with times in *minutes.seconds* from the
/// start of the recording (`39.55` is 39 min 55 s). Then one `# PANAS`, `# STAI`, `# DIM` (SAM
/// valence, arousal) and `# SSSQ` row per questionnaire filled, in the order of the conditions
/// that have one (every condition but the readings; `SSSQ` only after the stress test).
public struct WESADQuest: Sendable, Equatable {
    /// The affective states WESAD labels.
    public enum State: String, CaseIterable, Sendable {
        /// `Base`: sitting and reading neutral magazines.
        case baseline
        /// `TSST`: the Trier Social Stress Test.
        case stress
        /// `Fun`: funny video clips.
        case amusement
        /// `Medi 1`, `Medi 2`: guided breathing.
        case meditation

        /// The state of a condition named in `# ORDER`, or `nil` for one without a label (readings).
        public init?(condition: String) {
            switch condition.lowercased().replacingOccurrences(of: " ", with: "") {
            case "base": self = .baseline
            case "tsst": self = .stress
            case "fun": self = .amusement
            case "medi1", "medi2", "medi": self = .meditation
            default: return nil
            }
        }
    }

    /// One condition of the protocol.
    public struct Condition: Sendable, Equatable {
        /// As written in `# ORDER` (`Medi 1`).
        public let name: String
        /// Its label, `nil` for the readings.
        public let state: State?
        /// Seconds from the start of the recording.
        public let start: Double, end: Double
        /// Self-reports filled after it: `valence`, `arousal` (SAM, 1–9), `stai` (mean of the
        /// STAI items, 1–4), `panas` (mean of the PANAS items, 1–5), where the file has them.
        public var reports: [String: Double] = [:]
    }

    /// The subject (`# Subj`), or the file name.
    public let subject: String
    /// The conditions, in protocol order.
    public let conditions: [Condition]

    /// `m.ss` (minutes, then two digits of seconds) in seconds.
    static func seconds(_ text: String) -> Double? {
        guard let v = Double(text), v >= 0, v.isFinite else { return nil }
        let minutes = v.rounded(.down)
        let seconds = ((v - minutes) * 100).rounded()
        guard seconds < 60 else { return nil }
        return minutes * 60 + seconds
    }

    /// Reads a quest file.
    /// - Throws: ``SignalFileError`` at the line of a missing `# ORDER`/`# START`/`# END` row, a
    ///   time that is not minutes.seconds, a condition that ends before it starts or overlaps the
    ///   next, or a self-report value that is not a number.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SignalFileError(file: path, line: nil, message: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        var rows: [String: [(line: Int, cells: [String])]] = [:]
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let cells = line.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let head = cells.first, head.hasPrefix("#") else { continue }
            let key = head.dropFirst().trimmingCharacters(in: .whitespaces).uppercased()
            rows[key, default: []].append((index + 1, Array(cells.dropFirst()).filter { !$0.isEmpty }))
        }
        func row(_ key: String) throws -> (line: Int, cells: [String]) {
            guard let r = rows[key]?.first else { throw SignalFileError(file: path, line: nil, message: "no \"# \(key);…\" row; a WESAD quest file lists ORDER, START and END") }
            return r
        }
        subject = rows["SUBJ"]?.first?.cells.first ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let order = try row("ORDER"), starts = try row("START"), ends = try row("END")
        for (r, what) in [(starts, "START"), (ends, "END")] where r.cells.count != order.cells.count {
            throw SignalFileError(file: path, line: r.line, message: "\(what) lists \(r.cells.count) times for the \(order.cells.count) conditions of ORDER (\(order.cells.joined(separator: ", ")))")
        }
        var conditions: [Condition] = []
        for (i, name) in order.cells.enumerated() {
            guard let start = Self.seconds(starts.cells[i]) else {
                throw SignalFileError(file: path, line: starts.line, message: "\(name): expected a start time in minutes.seconds (39.55), got \"\(starts.cells[i])\"")
            }
            guard let end = Self.seconds(ends.cells[i]) else {
                throw SignalFileError(file: path, line: ends.line, message: "\(name): expected an end time in minutes.seconds (50.30), got \"\(ends.cells[i])\"")
            }
            guard end > start else {
                throw SignalFileError(file: path, line: ends.line, message: "\(name) ends at \(ends.cells[i]), not after its start \(starts.cells[i])")
            }
            conditions.append(Condition(name: name, state: State(condition: name), start: start, end: end))
        }
        let byStart = conditions.indices.sorted { conditions[$0].start < conditions[$1].start }
        for (a, b) in zip(byStart, byStart.dropFirst()) where conditions[b].start < conditions[a].end {
            throw SignalFileError(file: path, line: starts.line, message: "\(conditions[b].name) starts at \(starts.cells[b]), before \(conditions[a].name) ends (\(ends.cells[a])): conditions must not overlap")
        }
        // One questionnaire per labelled condition, in protocol order.
        let reported = conditions.indices.filter { conditions[$0].state != nil }
        for (key, names) in [("DIM", ["valence", "arousal"]), ("STAI", ["stai"]), ("PANAS", ["panas"])] {
            for (k, r) in (rows[key] ?? []).enumerated() where k < reported.count {
                let values = try r.cells.map { cell -> Double in
                    guard let v = Double(cell), v.isFinite else { throw SignalFileError(file: path, line: r.line, message: "\(key): expected numbers, got \"\(cell.prefix(30))\"") }
                    return v
                }
                guard !values.isEmpty else { continue }
                if names.count == 2 {
                    guard values.count >= 2 else { throw SignalFileError(file: path, line: r.line, message: "DIM: expected valence and arousal, got \(values.count) value") }
                    conditions[reported[k]].reports["valence"] = values[0]
                    conditions[reported[k]].reports["arousal"] = values[1]
                } else {
                    conditions[reported[k]].reports[names[0]] = values.reduce(0, +) / Double(values.count)
                }
            }
        }
        self.conditions = conditions
    }

    /// The conditions with a label.
    public var labelled: [Condition] { conditions.filter { $0.state != nil } }
}

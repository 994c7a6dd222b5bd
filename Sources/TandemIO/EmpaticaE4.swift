import Foundation

/// A file of physiological signals that cannot be read as its format says, located at its line.
public struct SignalFileError: Error, CustomStringConvertible, Equatable {
    /// The file's path.
    public let file: String
    /// 1-based line, or `nil` for the file as a whole.
    public let line: Int?
    /// What is wrong and what was expected.
    public let message: String

    /// An error about `file` at `line`.
    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`.
    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}

/// One channel of an Empatica E4 export (`EDA.csv`, `TEMP.csv`, `ACC.csv`, `BVP.csv`, `HR.csv`):
/// samples at a fixed rate from a start time.
///
/// The format (the device's own `info.txt`): the first line is the session's start time in Unix
/// seconds (UTC), the second the sampling rate in Hz, then one sample per line; a file with `c`
/// columns (`ACC.csv`: x, y, z in 1/64 g) repeats the start and the rate on each of its first
/// two lines. Sample `i` is at `start + i / rate`.
public struct E4Signal: Sendable, Equatable {
    /// The file's name without extension (`EDA`).
    public let name: String
    /// Unix seconds (UTC) of the first sample.
    public let start: Double
    /// Samples per second.
    public let rate: Double
    /// Values per sample (1, or 3 for `ACC`).
    public let columns: Int
    /// Samples, row-major `[count, columns]`, in the file's units (µS, °C, 1/64 g, …).
    public let values: [Double]

    /// A signal from its parts.
    /// - Precondition: `values.count` is a multiple of `columns`.
    public init(name: String, start: Double, rate: Double, columns: Int, values: [Double]) {
        precondition(columns >= 1 && values.count % columns == 0, "E4Signal: \(values.count) values do not fill \(columns) columns")
        self.name = name
        self.start = start
        self.rate = rate
        self.columns = columns
        self.values = values
    }

    /// The number of samples.
    public var count: Int { values.count / columns }
    /// Seconds covered, `count / rate`.
    public var duration: Double { Double(count) / rate }
    /// Column `c` of every sample.
    public func column(_ c: Int) -> [Double] { stride(from: c, to: values.count, by: columns).map { values[$0] } }
    /// The Euclidean norm of each sample, `√(Σ_c v_c²)` (the accelerometer's magnitude).
    public var magnitude: [Double] {
        (0..<count).map { i in (0..<columns).reduce(0.0) { $0 + values[i * columns + $1] * values[i * columns + $1] }.squareRoot() }
    }
}

/// Reading Empatica E4 exports: one CSV file per channel, or a session folder of them.
public enum EmpaticaE4 {
    /// The channels a session folder may hold, with the number of columns each has.
    public static let channels: [(name: String, columns: Int)] = [("EDA", 1), ("TEMP", 1), ("ACC", 3), ("BVP", 1), ("HR", 1)]

    /// Reads one channel file.
    /// - Parameter columns: the values per sample the channel must have.
    /// - Throws: ``SignalFileError`` at the line of a wrong header (start time, rate), a
    ///   non-numeric, non-finite or missing value, or a row with the wrong number of columns.
    public static func read(_ path: String, columns: Int = 1) throws -> E4Signal {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SignalFileError(file: path, line: nil, message: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        func numbers(_ index: Int, what: String) throws -> [Double] {
            let cells = lines[index].split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == columns else {
                throw SignalFileError(file: path, line: index + 1, message: "expected \(columns) comma-separated \(what), got \(cells.count) (\"\(lines[index].prefix(60))\")")
            }
            return try cells.enumerated().map { c, cell in
                guard !cell.isEmpty else { throw SignalFileError(file: path, line: index + 1, message: "column \(c + 1): missing \(what)") }
                guard let v = Double(cell), v.isFinite else {
                    throw SignalFileError(file: path, line: index + 1, message: "column \(c + 1): expected a finite number as \(what), got \"\(cell.prefix(30))\"")
                }
                return v
            }
        }
        guard lines.count >= 2 else {
            throw SignalFileError(file: path, line: lines.count + 1, message: "expected the start time (Unix s) on line 1 and the sampling rate (Hz) on line 2")
        }
        let starts = try numbers(0, what: "start time (Unix seconds)")
        guard starts.allSatisfy({ $0 == starts[0] }), starts[0] >= 0 else {
            throw SignalFileError(file: path, line: 1, message: "expected one non-negative start time (Unix seconds) repeated in every column, got \(starts)")
        }
        let rates = try numbers(1, what: "sampling rate (Hz)")
        guard rates.allSatisfy({ $0 == rates[0] }), rates[0] > 0 else {
            throw SignalFileError(file: path, line: 2, message: "expected one positive sampling rate in Hz repeated in every column, got \(rates)")
        }
        var values: [Double] = []
        values.reserveCapacity((lines.count - 2) * columns)
        for index in 2..<lines.count { values += try numbers(index, what: "sample") }
        guard !values.isEmpty else { throw SignalFileError(file: path, line: 3, message: "no samples after the header") }
        return E4Signal(name: name, start: starts[0], rate: rates[0], columns: columns, values: values)
    }

    /// The channels of ``channels`` present in a session folder (an unzipped `SX_E4_Data`),
    /// by name; `EDA.csv` must be there.
    /// - Throws: ``SignalFileError`` for a missing `EDA.csv` or any file ``read(_:columns:)`` refuses.
    public static func readSession(_ directory: String) throws -> [String: E4Signal] {
        var signals: [String: E4Signal] = [:]
        for (name, columns) in channels {
            let path = directory + "/" + name + ".csv"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            signals[name] = try read(path, columns: columns)
        }
        guard signals["EDA"] != nil else {
            throw SignalFileError(file: directory + "/EDA.csv", line: nil, message: "missing; an E4 session folder needs EDA.csv (TEMP.csv, ACC.csv are optional)")
        }
        return signals
    }
}

import Foundation
import TandemIO
import TandemTestSupport
import XCTest

/// The E4 reader on the real recording in `../shared/data/empatica-e4-sample` and on broken files.
final class EmpaticaE4Tests: TemporaryDirectoryTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The copy shipped in `notebooks-data/`, else the original in `../shared/data`.
    static let sample = [repository.appendingPathComponent("notebooks-data/empatica-e4-sample").path,
                         repository.deletingLastPathComponent().appendingPathComponent("shared/data/empatica-e4-sample").path]
        .first { FileManager.default.fileExists(atPath: $0 + "/EDA.csv") }

    func testReadsTheRealRecording() throws {
        guard let sample = Self.sample else {
            throw XCTSkip("the real E4 recording is in neither notebooks-data/empatica-e4-sample nor ../shared/data/empatica-e4-sample")
        }
        let session = try EmpaticaE4.readSession(sample)
        let eda = try XCTUnwrap(session["EDA"])
        XCTAssertEqual(eda.start, 1_560_279_825)
        XCTAssertEqual(eda.rate, 4)
        XCTAssertEqual(eda.count, 9998)
        XCTAssertEqual(eda.values[1], 0.020499, accuracy: 1e-12)
        XCTAssertEqual(eda.duration / 60, 41.66, accuracy: 0.01)
        let acc = try XCTUnwrap(session["ACC"])
        XCTAssertEqual(acc.columns, 3)
        XCTAssertEqual(acc.rate, 32)
        XCTAssertEqual(acc.count, 9998)
        XCTAssertEqual(Array(acc.values[0..<3]), [-61, 25, 6])
        // At rest the wrist's acceleration is about 1 g = 64 units.
        let meanMagnitude = acc.magnitude.reduce(0, +) / Double(acc.count)
        XCTAssertEqual(meanMagnitude, 64, accuracy: 8)
        if FileManager.default.fileExists(atPath: sample + "/HR.csv") { XCTAssertEqual(session["HR"]?.start, 1_560_279_835) }  // not in the shipped copy
        XCTAssertEqual(session["TEMP"]?.count, 4998)
    }

    func testReadsAFileItWrote() throws {
        let path = try write("1600000000.000000\n4.000000\n0.5\n0.75\r\n1.0\n\n", "EDA.csv")
        let signal = try EmpaticaE4.read(path)
        XCTAssertEqual(signal.values, [0.5, 0.75, 1.0])
        XCTAssertEqual(signal.duration, 0.75)
    }

    func assertError(_ text: String, columns: Int = 1, line: Int?, contains expected: String, file: StaticString = #filePath, at: UInt = #line) throws {
        let path = try write(text, "BAD.csv")
        XCTAssertThrowsError(try EmpaticaE4.read(path, columns: columns), file: file, line: at) { error in
            guard let e = error as? SignalFileError else { return XCTFail("\(error)", file: file, line: at) }
            XCTAssertEqual(e.line, line, "\(e)", file: file, line: at)
            XCTAssertTrue(e.description.contains(expected), "\(e)", file: file, line: at)
            XCTAssertTrue(e.description.hasPrefix(path), "\(e)", file: file, line: at)
        }
    }

    func testBadFilesNameFileAndLine() throws {
        try assertError("start\n4.0\n1\n", line: 1, contains: "start time")
        try assertError("1600000000\n0\n1\n", line: 2, contains: "positive sampling rate")
        try assertError("1600000000\n-4\n1\n", line: 2, contains: "positive sampling rate")
        try assertError("1600000000\n4\n1\nabc\n", line: 4, contains: "expected a finite number")
        try assertError("1600000000\n4\n1\nnan\n", line: 4, contains: "expected a finite number")
        try assertError("1600000000\n4\n1\n\n2\n", line: 4, contains: "missing sample")
        try assertError("1600000000\n4\n", line: 3, contains: "no samples")
        try assertError("1600000000\n", line: 2, contains: "sampling rate (Hz) on line 2")
        try assertError("1,1,1\n32,32,32\n1,2,3\n1,2\n", columns: 3, line: 4, contains: "expected 3 comma-separated")
        try assertError("1,1,2\n32,32,32\n1,2,3\n", columns: 3, line: 1, contains: "repeated in every column")
    }

    func testSessionNeedsEDA() throws {
        XCTAssertThrowsError(try EmpaticaE4.readSession(directory.path)) { error in
            XCTAssertTrue("\(error)".contains("EDA.csv: missing"), "\(error)")
        }
    }
}

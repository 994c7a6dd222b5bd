import Foundation
import TandemIO
import TandemTestSupport
import XCTest

final class FieldFileTests: TemporaryDirectoryTestCase {

    func writeExample(_ path: String, samples: Int) throws {
        let x = [0.0, 0.5, 1.0], y = [0.0, 1.0]
        let writer = try FieldFileWriter(
            path: path,
            dimensions: [.init("sample", length: nil), .init("y", length: 2), .init("x", length: 3)],
            coordinates: [
                .init(dimension: "x", values: x, units: "m", longName: "x coordinate"),
                .init(dimension: "y", values: y, units: "m", longName: "y coordinate"),
            ],
            variables: [
                .init("mask", dimensions: ["y", "x"], units: "1", longName: "domain mask"),
                .init("u", dimensions: ["sample", "y", "x"], units: "m", longName: "pressure head"),
            ],
            attributes: ["title": "test", "tandem_seed": "7"])
        try writer.write("mask", values: [1, 1, 0, 1, 1, 1])
        for s in 0..<samples { try writer.appendSample(["u": (0..<6).map { Double($0) + 10 * Double(s) }]) }
        XCTAssertEqual(writer.sampleCount, samples)
        try writer.close()
    }

    func testRoundTripWithCFAttributes() throws {
        let path = directory.appendingPathComponent("fields.nc").path
        try writeExample(path, samples: 3)
        let reader = try FieldFileReader(path: path)
        let u = try reader.variable("u")
        XCTAssertEqual(u.dimensions, ["sample", "y", "x"])
        XCTAssertEqual(u.shape, [3, 2, 3])
        XCTAssertEqual(Array(u.values[12...]), [20, 21, 22, 23, 24, 25])
        XCTAssertEqual(try reader.values("mask", expectedShape: [2, 3]), [1, 1, 0, 1, 1, 1])
        XCTAssertEqual(try reader.values("x", expectedShape: [3]), [0, 0.5, 1])
        XCTAssertEqual(try reader.attribute("units", variable: "u"), "m")
        XCTAssertEqual(try reader.attribute("long_name", variable: "x"), "x coordinate")
        XCTAssertEqual(try reader.attribute("Conventions"), "CF-1.8")
        XCTAssertEqual(try reader.attribute("tandem_seed"), "7")
    }

    func testErrorsNameTheFileAndWhatIsWrong() throws {
        let path = directory.appendingPathComponent("fields.nc").path
        try writeExample(path, samples: 1)
        let reader = try FieldFileReader(path: path)
        XCTAssertThrowsError(try reader.variable("K")) {
            XCTAssertEqual("\($0)", "\(path): no variable \"K\"; the file has x, y, mask, u")
        }
        XCTAssertThrowsError(try reader.values("u", expectedShape: [1, 3, 2])) {
            XCTAssertEqual("\($0)", "\(path): variable \"u\" has shape [1, 2, 3], expected [1, 3, 2]")
        }
        XCTAssertThrowsError(try reader.attribute("history")) { XCTAssertTrue("\($0)".contains("no attribute \"history\"")) }
        let text = directory.appendingPathComponent("notes.nc").path
        try "not a netcdf file".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FieldFileReader(path: text)) { XCTAssertTrue("\($0)".hasPrefix("\(text): open: "), "\($0)") }
        XCTAssertThrowsError(try FieldFileReader(path: directory.appendingPathComponent("missing.nc").path)) {
            XCTAssertTrue("\($0)".contains("No such file"), "\($0)")
        }
    }

    /// A write that fails or is abandoned before ``FieldFileWriter/close()`` leaves the file that
    /// was at the path untouched, and no temporary file behind.
    func testAnAbandonedWriteKeepsTheExistingFile() throws {
        let path = directory.appendingPathComponent("fields.nc").path
        try writeExample(path, samples: 2)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            let writer = try FieldFileWriter(path: path, dimensions: [.init("sample", length: nil), .init("x", length: 3)],
                                             coordinates: [.init(dimension: "x", values: [0, 1, 2], units: "m", longName: "x")],
                                             variables: [.init("u", dimensions: ["sample", "x"], units: "1", longName: "u")], attributes: [:])
            try writer.appendSample(["u": [1, 2, 3]])
            XCTAssertThrowsError(try writer.appendSample(["u": [1, 2]]))  // the failure that ends the write
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["fields.nc"])
        XCTAssertEqual(try FieldFileReader(path: path).variable("u").shape, [2, 2, 3])
    }

    /// Output errors say what is wrong with the path, not the library's generic reason.
    func testOutputErrorsSayWhy() throws {
        func message(_ path: String) -> String {
            do {
                _ = try FieldFileWriter(path: path, dimensions: [.init("x", length: 1)], coordinates: [], variables: [], attributes: [:])
                return "written"
            } catch {
                return "\(error)"
            }
        }
        let missing = directory.appendingPathComponent("no/such/dir/f.nc").path
        XCTAssertEqual(message(missing), "\(missing): cannot write: the directory \(directory.path)/no/such/dir does not exist")
        XCTAssertEqual(message(directory.path), "\(directory.path): cannot write: it is a directory; give a file name")
        XCTAssertEqual(message("/dev/full"), "/dev/full: cannot write: it exists and is not a regular file")
        let file = directory.appendingPathComponent("plain").path
        FileManager.default.createFile(atPath: file, contents: Data())
        XCTAssertEqual(message(file + "/f.nc"), "\(file)/f.nc: cannot write: \(file) is not a directory")
        XCTAssertEqual(message("/proc/f.nc").hasPrefix("/proc/f.nc: cannot write: cannot create a file in /proc: "), true, message("/proc/f.nc"))
    }

    /// The file is readable without Tandem: `ncdump` (when installed) prints its header.
    func testNcdumpReadsTheFile() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ncdump") else { throw XCTSkip("ncdump is not installed") }
        let path = directory.appendingPathComponent("fields.nc").path
        try writeExample(path, samples: 2)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ncdump")
        process.arguments = ["-h", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertTrue(output.contains("sample = UNLIMITED ; // (2 currently)"), output)
        XCTAssertTrue(output.contains("double u(sample, y, x)"), output)
        XCTAssertTrue(output.contains(":Conventions = \"CF-1.8\""), output)
    }
}

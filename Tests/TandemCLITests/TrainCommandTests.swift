import Foundation
import TandemIO
import TandemTestSupport
import XCTest

/// `tandem train` and `tandem compare` as a user runs them, on a small problem.
final class TrainCommandTests: XCTestCase {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testTrainThenCompareWritesMetricsPredictionsAndFigures() throws {
        let cli = TandemCommand()
        let problem = directory.appendingPathComponent("tiny.toml").path
        try TestProblems.tinyDarcyOperator.write(toFile: problem, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run").path

        let (status, output) = try cli.run(["train", problem, "--out", run])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("trained 40 steps"), output)
        XCTAssertTrue(output.contains("variables: mask(geometry, y, x), K(sample, y, x), u(sample, geometry, y, x)"), output)
        // The same directory again needs --resume; with it, the finished run is reused as it is.
        let again = try cli.run(["train", problem, "--out", run])
        XCTAssertEqual(again.status, 1, again.output)
        XCTAssertTrue(again.output.contains("pass --resume"), again.output)
        let resumed = try cli.run(["train", problem, "--out", run, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("reusing") && resumed.output.contains("resuming at step 40"), resumed.output)

        let compare = try cli.run(["compare", run])
        XCTAssertEqual(compare.status, 0, compare.output)
        XCTAssertTrue(compare.output.contains("| all | all | 6 |"), compare.output)
        XCTAssertTrue(compare.output.contains("per function"), compare.output)

        // metrics.json agrees with predictions.nc.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/metrics.json"))) as? [String: Any])
        let rows = try XCTUnwrap(json["metrics"] as? [[String: Any]])
        let overall = try XCTUnwrap(rows.last)
        XCTAssertEqual(overall["task"] as? String, "all")
        let predictions = try FieldFileReader(path: run + "/predictions.nc")
        let u = try predictions.variable("u"), reference = try predictions.variable("u_reference")
        XCTAssertEqual(u.dimensions, ["function", "y", "x"])
        XCTAssertEqual(u.shape, [6, 16, 16])
        var e2 = 0.0, u2 = 0.0
        for (p, r) in zip(u.values, reference.values) where r.isFinite {
            e2 += (p - r) * (p - r)
            u2 += r * r
        }
        XCTAssertEqual(overall["global_relative_l2"] as? Double ?? .nan, (e2 / u2).squareRoot(), accuracy: 1e-6)
        let perSample = try predictions.variable("relative_l2").values
        XCTAssertEqual(overall["mean_per_sample_relative_l2"] as? Double ?? .nan, perSample.reduce(0, +) / 6, accuracy: 1e-9)
        XCTAssertEqual(overall["worst_per_sample_relative_l2"] as? Double ?? .nan, perSample.max()!, accuracy: 1e-12)
        let report = try String(contentsOfFile: run + "/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("| task | geometry | test functions | global rel. L2"), report)

        // Figures: reference | prediction | error for best, median, worst of each task, and the loss.
        let figures = ["square", "disk"].flatMap { task in ["best", "median", "worst"].map { "\(run)/figures/\(task)-\($0).png" } } + ["\(run)/figures/loss.png"]
        for figure in figures {
            XCTAssertTrue(report.contains(String(figure.dropFirst(run.count + 1))), figure)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: figure))
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], figure)
        }
        if let python = ProcessInfo.processInfo.environment["TANDEM_TEST_PYTHON"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [repository.appendingPathComponent("scripts/check_png.py").path] + figures
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            let decoded = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Int]])
            for figure in figures {
                let info = try XCTUnwrap(decoded[figure], figure)
                XCTAssertGreaterThan(info["width"] ?? 0, 200)
                // Heat maps have many colours; the loss chart white, black, gray, grid and two lines.
                XCTAssertGreaterThan(info["colours"] ?? 0, figure.hasSuffix("loss.png") ? 4 : 8, "\(figure) looks blank")
            }
        }

        let notARun = try cli.run(["compare", directory.path])
        XCTAssertNotEqual(notARun.status, 0)
        XCTAssertTrue(notARun.output.contains("is not a trained run"), notARun.output)
    }
}

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

    /// A file solved for the tiny problem on another grid.
    func outputOfSolve(_ cli: TandemCommand, grid: String) throws -> String? {
        let problem = directory.appendingPathComponent("other-grid.toml").path
        try TestProblems.tinyDarcyOperator.replacingOccurrences(of: "grid = [16, 16]", with: "grid = \(grid)").write(toFile: problem, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("other-grid.nc").path
        return try cli.run(["solve", problem, "--samples", "3", "--out", out]).status == 0 ? out : nil
    }

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
        XCTAssertTrue(resumed.output.contains("reusing") && resumed.output.contains("already complete (step 40 of 40): nothing to train"), resumed.output)

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

        // New inputs: solved with another seed (the errors are reported), and K alone.
        let fresh = directory.appendingPathComponent("fresh.nc").path
        XCTAssertEqual(try cli.run(["solve", problem, "--samples", "3", "--seed", "9", "--out", fresh]).status, 0)
        let predicted = directory.appendingPathComponent("predicted.nc").path
        let predict = try cli.run(["predict", run, "--input", fresh, "--out", predicted])
        XCTAssertEqual(predict.status, 0, predict.output)
        XCTAssertTrue(predict.output.contains("wrote \(predicted): 6 functions × 256 points"), predict.output)
        XCTAssertTrue(predict.output.contains("against the solution in the input: global relative L2"), predict.output)
        let freshReader = try FieldFileReader(path: fresh)
        let k = try freshReader.variable("K"), mask = try freshReader.variable("mask")
        let inputsOnly = directory.appendingPathComponent("k-only.nc").path
        let writer = try FieldFileWriter(
            path: inputsOnly, dimensions: [.init("sample", length: 3), .init("geometry", length: 2), .init("y", length: 16), .init("x", length: 16)],
            coordinates: [], variables: [.init("K", dimensions: ["sample", "y", "x"], units: "1", longName: "K"),
                                         .init("mask", dimensions: ["geometry", "y", "x"], units: "1", longName: "mask")],
            attributes: ["tandem_geometries": "square;disk"])
        try writer.write("K", values: k.values)
        try writer.write("mask", values: mask.values)
        try writer.close()
        let fromK = try cli.run(["predict", run, "--input", inputsOnly, "--out", predicted])
        XCTAssertEqual(fromK.status, 0, fromK.output)
        XCTAssertFalse(fromK.output.contains("against"), fromK.output)
        let fromKField = try FieldFileReader(path: predicted).variable("u")
        XCTAssertEqual(fromKField.shape, [6, 16, 16])
        let withSolution = try FieldFileReader(path: fresh).variable("u").values  // [3, 2, 16, 16]: the same function order
        for (i, value) in fromKField.values.enumerated() { XCTAssertEqual(value.isFinite, withSolution[i].isFinite, "point \(i)") }
        let wrongGrid = try cli.run(["predict", run, "--input", try XCTUnwrap(outputOfSolve(cli, grid: "[12, 12]")), "--out", predicted])
        XCTAssertNotEqual(wrongGrid.status, 0)
        XCTAssertTrue(wrongGrid.output.contains("the problem file gives [3, 2, 16, 16]"), wrongGrid.output)

        let notARun = try cli.run(["compare", directory.path])
        XCTAssertNotEqual(notARun.status, 0)
        XCTAssertTrue(notARun.output.contains("is not a trained run"), notARun.output)
    }
}

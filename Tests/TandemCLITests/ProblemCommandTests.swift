import Foundation
import TandemIO
import TandemTestSupport
import XCTest

/// `tandem check` and `tandem solve` on every problem file shipped in `problems/`.
final class ProblemCommandTests: XCTestCase {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    var problemFiles: [URL] {
        get throws {
            try FileManager.default.contentsOfDirectory(at: repository.appendingPathComponent("problems"), includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "toml" }.sorted { $0.path < $1.path }
        }
    }

    func testEveryProblemFileChecksAndSolves() throws {
        let files = try problemFiles
        XCTAssertGreaterThanOrEqual(files.count, 2)
        let cli = TandemCommand()
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            if text.contains("\n[atoms]\n") {
                // Atomic data sets: the DFT file reads ../shared/data, outside problems/, and says so.
                let outside = text.contains("\"../../shared/data")
                if outside {
                    let (status, output) = try cli.run(["check", file.path])
                    XCTAssertNotEqual(status, 0)
                    XCTAssertTrue(output.contains("is outside the problem file's directory"), output)
                }
                let (checkStatus, summary) = try cli.run(["check", file.path] + (outside ? ["--allow-outside-paths"] : []))
                XCTAssertEqual(checkStatus, 0, summary)
                XCTAssertTrue(summary.contains("Data set ") && summary.contains("Model: "), summary)
                // `solve` writes its data sets (tested with the workflow); PDE options are refused.
                let (status, output) = try cli.run(["solve", file.path, "--out", directory.path, "--samples", "2"] + (outside ? ["--allow-outside-paths"] : []))
                XCTAssertNotEqual(status, 0)
                XCTAssertTrue(output.contains("--samples and --seed are for PDE problems"), output)
                continue
            }
            let (checkStatus, summary) = try cli.run(["check", file.path])
            XCTAssertEqual(checkStatus, 0, summary)
            if text.contains("\n[signals]\n") {
                // Physiological signals: nothing to solve, and `solve` says so.
                XCTAssertTrue(summary.contains("Data: "), summary)
                let (status, output) = try cli.run(["solve", file.path, "--out", directory.appendingPathComponent("x.nc").path])
                XCTAssertNotEqual(status, 0)
                XCTAssertTrue(output.contains("declares physiological signals, not a PDE; tandem solve needs a [pde] table"), output)
                continue
            }
            XCTAssertTrue(summary.contains("PDE: "), summary)
            XCTAssertTrue(summary.contains("Will solve:"), summary)

            let out = directory.appendingPathComponent(file.deletingPathExtension().lastPathComponent + ".nc").path
            let (status, output) = try cli.run(["solve", file.path, "--out", out, "--samples", "2", "--seed", "4"])
            XCTAssertEqual(status, 0, output)
            let residualLine = try XCTUnwrap(output.split(separator: "\n").first { $0.contains("largest relative residual") })
            let residual = try XCTUnwrap(Double(residualLine.split(separator: " ").last!))
            XCTAssertLessThanOrEqual(residual, 1e-10, String(residualLine))

            let reader = try FieldFileReader(path: out)
            let u = try reader.variable("u")
            XCTAssertEqual(Array(u.dimensions.prefix(2)), ["sample", "geometry"])
            XCTAssertEqual(u.shape[0], 2)
            let mask = try reader.variable("mask")
            let transient = u.dimensions.contains("t")
            XCTAssertEqual(Array(mask.shape), Array(u.shape.dropFirst().filter { _ in true }.enumerated().filter { !(transient && $0.offset == 1) }.map(\.element)))
            // The solution is finite exactly inside the geometry (first sample, first geometry, first time).
            for (v, m) in zip(u.values.prefix(mask.values.count / u.shape[1]), mask.values) { XCTAssertEqual(v.isFinite, m == 1) }
            XCTAssertTrue(try reader.attribute("tandem_problem").contains("[pde]"))
            XCTAssertEqual(try reader.attribute("tandem_seed"), "4")
            if let summary = try readWithXarray(out, label: file.lastPathComponent) {
                XCTAssertEqual((summary["dims"] as? [String: Int])?["sample"], 2)
                XCTAssertEqual(summary["seed"] as? String, "4")
                XCTAssertGreaterThan(summary["max_u"] as? Double ?? 0, 0)
                XCTAssertEqual((summary["geometries"] as? [String])?.count, u.shape[1])
                // Reaction families are addressable by name (two samples: the first two families).
                let reactions = ((try? reader.attribute("tandem_reactions")) ?? "").split(separator: ";").compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) }
                XCTAssertEqual(summary["families"] as? [String], Array(reactions.prefix(2)).sorted(), file.lastPathComponent)
            }
        }
    }

    /// The files open without Tandem: xarray (pip-installed into .venv-test by `make test`)
    /// reads dimensions, coordinates, attributes and values of `path`. `nil` when no test
    /// interpreter is configured.
    func readWithXarray(_ path: String, label: String) throws -> [String: Any]? {
        guard let decoded = try PythonScript.json("check_with_xarray.py", [path], label: label) else { return nil }
        return try XCTUnwrap(decoded as? [String: Any], label)
    }

    func testXarrayIsConfiguredByMakeTest() throws {
        guard ProcessInfo.processInfo.environment["TANDEM_TEST_PYTHON"] != nil else {
            throw XCTSkip("TANDEM_TEST_PYTHON is not set; `make test` sets it to the pinned .venv-test interpreter, and the problem-file test then reads every output with xarray")
        }
    }

    func testSameSeedSameData() throws {
        let file = repository.appendingPathComponent("problems/darcy-multigeometry.toml").path
        let cli = TandemCommand()
        let a = directory.appendingPathComponent("a.nc").path, b = directory.appendingPathComponent("b.nc").path
        XCTAssertEqual(try cli.run(["solve", file, "--out", a, "--samples", "3", "--seed", "11"]).status, 0)
        XCTAssertEqual(try cli.run(["solve", file, "--out", b, "--samples", "3", "--seed", "11"]).status, 0)
        XCTAssertEqual(try FieldFileReader(path: a).variable("u").values.filter(\.isFinite),
                       try FieldFileReader(path: b).variable("u").values.filter(\.isFinite))
        let k = try FieldFileReader(path: a).variable("K").values
        XCTAssertTrue(k.allSatisfy { $0 > 0 }, "log-normal permeability must be positive")
    }

    /// Ctrl-C during `solve` leaves a complete, readable file with the samples finished so far.
    func testInterruptedSolveLeavesAValidFile() throws {
        let file = repository.appendingPathComponent("problems/darcy-multigeometry.toml").path
        let out = directory.appendingPathComponent("interrupted.nc").path
        let process = Process()
        process.executableURL = try TandemCommand().executable
        process.arguments = ["solve", file, "--out", out, "--samples", "100000"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // Wait for the first progress line, then interrupt.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("samples") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        process.interrupt()
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: seen + rest, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, output)
        XCTAssertTrue(output.contains("interrupted: \(out) holds the"), output)
        let u = try FieldFileReader(path: out).variable("u")
        XCTAssertGreaterThanOrEqual(u.shape[0], 1)
        XCTAssertLessThan(u.shape[0], 100_000)
    }

    func testBadProblemFileExitsWithALocatedMessage() throws {
        let bad = directory.appendingPathComponent("bad.toml")
        try """
            [pde]
            kind = "darcy"

            [[geometry]]
            name = "g"
            shape = "circel"
            """.write(to: bad, atomically: true, encoding: .utf8)
        let (status, output) = try TandemCommand().run(["check", bad.path])
        XCTAssertEqual(status, 2)
        XCTAssertTrue(output.contains("error: bad.toml:6: geometry[0].shape: unknown kind \"circel\"; expected one of interval, rectangle, disk"), output)
        let (solveStatus, solveOutput) = try TandemCommand().run(["solve", bad.path, "--out", directory.appendingPathComponent("x.nc").path])
        XCTAssertEqual(solveStatus, 2, solveOutput)
    }

    /// A file the problem names outside its directory is refused by every command that reads the
    /// problem file, at its line, unless `--allow-outside-paths`.
    func testFilesOutsideTheProblemDirectoryNeedTheFlag() throws {
        let shipped = try String(contentsOf: repository.appendingPathComponent("problems/darcy-field-pinn.toml"), encoding: .utf8)
        let data = repository.appendingPathComponent("notebooks-data/darcy-permeability.nc").path
        XCTAssertTrue(shipped.contains("file = \"notebooks-data/darcy-permeability.nc\""))
        let absolute = directory.appendingPathComponent("absolute.toml")
        try shipped.replacingOccurrences(of: "\"notebooks-data/darcy-permeability.nc\"", with: "\"\(data)\"")
            .write(to: absolute, atomically: true, encoding: .utf8)
        let sub = directory.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: data, toPath: directory.appendingPathComponent("k.nc").path)
        let climbing = sub.appendingPathComponent("climbing.toml")
        try shipped.replacingOccurrences(of: "\"notebooks-data/darcy-permeability.nc\"", with: "\"../k.nc\"")
            .write(to: climbing, atomically: true, encoding: .utf8)
        let line = shipped.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("file = ") }! + 1
        let cli = TandemCommand()
        for (file, written) in [(absolute, data), (climbing, "../k.nc")] {
            let out = directory.appendingPathComponent("x.nc").path
            for arguments in [["check", file.path], ["solve", file.path, "--out", out], ["train", file.path, "--out", directory.appendingPathComponent("run").path]] {
                let (status, output) = try cli.run(arguments)
                XCTAssertEqual(status, 2, "\(arguments): \(output)")
                XCTAssertTrue(output.contains("\(file.lastPathComponent):\(line): inputs.permeability.file: \"\(written)\" is outside the problem file's directory"), output)
                XCTAssertTrue(output.contains("--allow-outside-paths"), output)
                XCTAssertFalse(FileManager.default.fileExists(atPath: out))
            }
            let (status, output) = try cli.run(["check", file.path, "--allow-outside-paths"])
            XCTAssertEqual(status, 0, output)
            XCTAssertTrue(output.contains("65 × 65 grid"), output)
        }
    }

    /// An output path that cannot be written is reported with its reason, before any solve.
    func testUnwritableOutputSaysWhy() throws {
        let file = repository.appendingPathComponent("problems/poisson-lshape.toml").path
        let out = directory.appendingPathComponent("missing/x.nc").path
        let (status, output) = try TandemCommand().run(["solve", file, "--out", out])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("error: \(out): cannot write: the directory \(directory.path)/missing does not exist"), output)
    }

    /// Conditions that cannot take effect are reported by `tandem check`, before any solve.
    func testBoundaryConditionsThatCannotTakeEffectAreRejected() throws {
        let base = """
            [pde]
            kind = "darcy"

            [[geometry]]
            name = "disk"
            shape = "disk"
            center = [0, 0]
            radius = 1

            [reference]
            grid = [21, 21]
            lower = [-2, -2]
            upper = [2, 2]

            [[boundary]]
            kind = "neumann"
            on = ["x-min"]
            """
        let file = directory.appendingPathComponent("faces.toml")
        try base.write(to: file, atomically: true, encoding: .utf8)
        var (status, output) = try TandemCommand().run(["check", file.path])
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("faces.toml:17: boundary[0].on: geometry \"disk\" has no grid points on face x-min"), output)

        let square = base.replacingOccurrences(of: "shape = \"disk\"\ncenter = [0, 0]\nradius = 1", with: "shape = \"rectangle\"\nlower = [-2, -2]\nupper = [2, 2]")
            .replacingOccurrences(of: "on = [\"x-min\"]", with: "on = [\"x-min\", \"x-max\", \"y-min\", \"y-max\"]")
        try square.write(to: file, atomically: true, encoding: .utf8)
        (status, output) = try TandemCommand().run(["check", file.path])
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("every condition on geometry \"square\" is Neumann") || output.contains("every condition on geometry \"disk\" is Neumann"), output)
    }
}

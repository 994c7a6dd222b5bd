import Foundation
import TandemIO
import TandemTestSupport
import XCTest

/// `tandem train` and `tandem compare` on the physics-informed problem files shipped in `problems/`.
final class PINNCommandTests: XCTestCase {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-pinn-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The fisher-pinn quick profile as a user runs it: under 1% relative L2 against the solver.
    func testFisherPINNQuickProfileMatchesTheSolver() throws {
        let cli = TandemCommand()
        let run = directory.appendingPathComponent("fisher").path
        let problem = repository.appendingPathComponent("problems/fisher-pinn.toml").path
        let (status, output) = try cli.run(["train", problem, "--out", run])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("jets: u, u_x, u_t, u_xx"), output)
        XCTAssertTrue(output.contains("L-BFGS stopped"), output)
        let compare = try cli.run(["compare", run])
        XCTAssertEqual(compare.status, 0, compare.output)
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/metrics.json"))) as? [String: Any])
        let error = try XCTUnwrap(metrics["relative_l2"] as? Double)
        XCTAssertLessThan(error, 0.01, compare.output)
        XCTAssertEqual((metrics["relative_l2_per_time"] as? [Double])?.count, 21)
        let training = try XCTUnwrap(metrics["training"] as? [String: Any])
        XCTAssertNotNil((training["lbfgs"] as? [String: Any])?["reason"])
        for figure in ["solution", "loss"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(run)/figures/\(figure).png"))
            XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], figure)
        }
        // tandem predict at the points of an observation file (exact values): the PINN there.
        let points = directory.appendingPathComponent("points.nc").path, out = directory.appendingPathComponent("predicted.nc").path
        let observed = try cli.run(["observe", problem, "--count", "40", "--noise", "0", "--out", points])
        XCTAssertEqual(observed.status, 0, observed.output)
        let predicted = try cli.run(["predict", run, "--input", points, "--out", out])
        XCTAssertEqual(predicted.status, 0, predicted.output)
        XCTAssertTrue(predicted.output.contains("the PINN at 40 points"), predicted.output)
        let file = try FieldFileReader(path: out)
        let u = try file.variable("u").values, reference = try file.variable("u_reference").values
        let relative = (zip(u, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / reference.map { $0 * $0 }.reduce(0, +)).squareRoot()
        XCTAssertLessThan(relative, 0.02)
        // A points file without t is refused, naming what is missing (no crash).
        let noTime = directory.appendingPathComponent("no-t.nc").path
        let writer = try FieldFileWriter(path: noTime, dimensions: [.init("point", length: 2)], coordinates: [],
                                         variables: [.init("x", dimensions: ["point"], units: "1", longName: "x")], attributes: [:])
        try writer.write("x", values: [0.2, 0.4])
        try writer.close()
        let multi = try cli.run(["observe", repository.appendingPathComponent("problems/darcy-multigeometry.toml").path, "--out", points])
        XCTAssertNotEqual(multi.status, 0)
        XCTAssertTrue(multi.output.contains("geometry: declares 4 geometries"), multi.output)
        let refused = try cli.run(["predict", run, "--input", noTime, "--out", out])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("predict.input") && refused.output.contains("1-D variable t"), refused.output)
    }

    /// Every PINN problem file trains (a few steps of its quick profile) and compares.
    func testEveryPINNProblemFileTrainsAndCompares() throws {
        let cli = TandemCommand()
        let files = try FileManager.default.contentsOfDirectory(at: repository.appendingPathComponent("problems"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "toml" }.sorted { $0.path < $1.path }
        var trained: [String] = []
        try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent("notebooks-data"),
                                                   withDestinationURL: repository.appendingPathComponent("notebooks-data"))
        for file in files {
            var text = try String(contentsOf: file, encoding: .utf8)
            guard text.contains("kind = \"pinn\"") else { continue }
            // A short version of the quick profile; the shipped data is reached as the problems
            // folder reaches it, through a `notebooks-data` link beside the copies.
            text = text.replacingOccurrences(of: "[training.quick]", with: "[training.quick]\nsteps = 20\nlbfgs_iterations = 5\ncollocation = 256\nboundary_points = 64\ninitial_points = 64\nrefine_every = 0")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            // Later duplicates of a key in the quick table would be a TOML error: keep the first.
            var seen = Set<String>(), inQuick = false, kept: [Substring] = []
            for line in lines {
                if line.hasPrefix("[") { inQuick = line == "[training.quick]"; seen.removeAll() }
                let key = line.split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespaces) }
                if inQuick, let key, line.contains("=") {
                    if seen.contains(key) { continue }
                    seen.insert(key)
                }
                kept.append(line)
            }
            let short = directory.appendingPathComponent(file.lastPathComponent)
            try kept.joined(separator: "\n").write(to: short, atomically: true, encoding: .utf8)
            let run = directory.appendingPathComponent(file.deletingPathExtension().lastPathComponent).path
            let (status, output) = try cli.run(["train", short.path, "--out", run])
            XCTAssertEqual(status, 0, "\(file.lastPathComponent): \(output)")
            let compare = try cli.run(["compare", run])
            XCTAssertEqual(compare.status, 0, "\(file.lastPathComponent): \(compare.output)")
            XCTAssertTrue(compare.output.contains("relative L2"), compare.output)
            trained.append(file.lastPathComponent)
        }
        XCTAssertEqual(trained, ["darcy-field-pinn.toml", "darcy-pinn.toml", "fisher-inverse.toml", "fisher-pinn.toml", "heat2d-transient-pinn.toml", "poisson-lshape-pinn.toml"])
    }
}

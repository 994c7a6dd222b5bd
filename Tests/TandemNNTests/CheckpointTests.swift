import Foundation
import TandemCore
import TandemNN
import TandemTestSupport
import XCTest

final class CheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func trainedModel() throws -> (MLP<Float>, Adam<Float>) {
        var g = SeededGenerator(seed: 5)
        var model = MLP<Float>(widths: [2, 8, 1], activation: .tanh, using: &g)
        var adam = Adam<Float>(learningRate: 1e-2)
        let x = Tensor<Float>.randomUniform(shape: [16, 2], using: &g)
        for _ in 0..<3 {
            let (_, grads) = try valueWithGradient(at: model) { m in square(m(x)).mean() }
            adam.update(&model, along: grads)
        }
        return (model, adam)
    }

    func testRoundTripRestoresParametersOptimizerAndStep() throws {
        let (model, adam) = try trainedModel()
        let path = directory.appendingPathComponent("run/checkpoint.safetensors").path
        try Checkpoint(model: model, optimizer: adam, metadata: ["architecture": "mlp 2-8-1"]).write(to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("run").path), ["checkpoint.safetensors"], "no temporary file is left")

        let checkpoint = try Checkpoint<Float>.read(from: path)
        XCTAssertEqual(checkpoint.metadata["architecture"], "mlp 2-8-1")
        var g = SeededGenerator(seed: 99)
        var fresh = MLP<Float>(widths: [2, 8, 1], activation: .tanh, using: &g)
        var freshAdam = Adam<Float>(learningRate: 1e-2)
        try checkpoint.restore(into: &fresh, optimizer: &freshAdam)
        XCTAssertEqual(Array(fresh.namedParameters.keys), Array(model.namedParameters.keys))
        for (name, value) in model.namedParameters { XCTAssertEqual(fresh.namedParameters[name]!.scalars, value.scalars, name) }
        XCTAssertEqual(freshAdam.step, 3)
        XCTAssertEqual(freshAdam.slots.keys.sorted(), adam.slots.keys.sorted())
        for (name, value) in adam.slots { XCTAssertEqual(freshAdam.slots[name]!.scalars, value.scalars, name) }
    }

    func testBadInputGivesClearErrors() throws {
        let (model, adam) = try trainedModel()
        let path = directory.appendingPathComponent("c.safetensors").path
        try Checkpoint(model: model, optimizer: adam).write(to: path)

        XCTAssertThrowsError(try Checkpoint<Double>.read(from: path)) { XCTAssertTrue("\($0)".contains("expected F64"), "\($0)") }
        XCTAssertThrowsError(try Checkpoint<Float>.read(from: path + ".missing")) { XCTAssertTrue("\($0)".contains("cannot read"), "\($0)") }

        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let truncated = directory.appendingPathComponent("t.safetensors").path
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try Checkpoint<Float>.read(from: truncated)) { XCTAssertTrue("\($0)".contains("corrupt"), "\($0)") }
        data[10] = 0x7B  // break the JSON header
        data[11] = 0x7B
        let garbled = directory.appendingPathComponent("g.safetensors").path
        try data.write(to: URL(fileURLWithPath: garbled))
        XCTAssertThrowsError(try Checkpoint<Float>.read(from: garbled)) { XCTAssertTrue("\($0)".contains("corrupt"), "\($0)") }

        // Parameters of another architecture, and another optimizer's state.
        var g = SeededGenerator(seed: 1)
        var other = MLP<Float>(widths: [2, 4, 1], using: &g)
        var adam2 = Adam<Float>(learningRate: 1)
        XCTAssertThrowsError(try Checkpoint<Float>.read(from: path).restore(into: &other, optimizer: &adam2)) {
            XCTAssertTrue("\($0)".contains("expected shape [2, 4], got [2, 8]"), "\($0)")
        }
        var same = model
        var lion = Lion<Float>(schedule: .constant(1))
        XCTAssertThrowsError(try Checkpoint<Float>.read(from: path).restore(into: &same, optimizer: &lion)) {
            XCTAssertTrue("\($0)".contains("not lion"), "\($0)")
        }
        XCTAssertThrowsError(try same.loadParameters(["layers.9.weight": Tensor<Float>.zeros(shape: [1])], requireAll: false)) {
            XCTAssertTrue("\($0)".contains("unknown parameter \"layers.9.weight\""), "\($0)")
        }
    }

    /// The format is readable without Tandem: the repository's standard-library Python reader
    /// recovers every parameter and the metadata.
    func testPythonReadsTheCheckpoint() throws {
        let (model, adam) = try trainedModel()
        let path = directory.appendingPathComponent("py.safetensors").path
        try Checkpoint(model: model, optimizer: adam, metadata: ["seed": "5"]).write(to: path)
        let reader = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/read_checkpoint.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", reader, path, "--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: output) as? [String: Any])
        let metadata = try XCTUnwrap(json["metadata"] as? [String: String])
        XCTAssertEqual(metadata["seed"], "5")
        XCTAssertEqual(metadata["tandem.step"], "3")
        let tensors = try XCTUnwrap(json["tensors"] as? [String: [String: Any]])
        for (name, value) in model.namedParameters {
            let entry = try XCTUnwrap(tensors[name], name)
            XCTAssertEqual(entry["shape"] as? [Int], value.shape)
            XCTAssertEqual((entry["values"] as? [Double])?.map { Float($0) }, value.scalars, name)
        }
        XCTAssertNotNil(tensors["optimizer.m.layers.0.weight"])
    }
}

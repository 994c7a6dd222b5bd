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

    /// Damage that used to load silently is refused on load, naming the file and the tensor:
    /// non-finite values, a flipped byte, a negative step, an overflowing shape, a stray tensor,
    /// optimizer state with a slot missing or for no parameter, a negative second moment.
    func testDamagedCheckpointsAreRefusedOnLoad() throws {
        let (model, adam) = try trainedModel()
        let good = Checkpoint(model: model, optimizer: adam)
        func refusal(_ checkpoint: Checkpoint<Float>, _ name: String) -> String {
            let path = directory.appendingPathComponent(name).path
            do {
                try checkpoint.write(to: path)
                var fresh = model
                var optimizer = Adam<Float>(learningRate: 1e-2)
                try Checkpoint<Float>.read(from: path).restore(into: &fresh, optimizer: &optimizer)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        func changed(_ t: Tensor<Float>, at index: Int, to value: Float) -> Tensor<Float> {
            var scalars = t.scalars
            scalars[index] = value
            return Tensor(shape: t.shape, scalars: scalars)
        }
        XCTAssertEqual(refusal(good, "good.safetensors"), "loaded")

        var nan = good
        nan.parameters["layers.0.weight"] = changed(nan.parameters["layers.0.weight"]!, at: 3, to: .nan)
        var message = refusal(nan, "nan.safetensors")
        XCTAssertTrue(message.contains("nan.safetensors") && message.contains("\"layers.0.weight\" holds nan at element 3"), message)
        var slot = good
        slot.optimizerSlots["m.layers.1.bias"] = changed(slot.optimizerSlots["m.layers.1.bias"]!, at: 0, to: .infinity)
        message = refusal(slot, "inf.safetensors")
        XCTAssertTrue(message.contains("\"optimizer.m.layers.1.bias\" holds inf"), message)
        var negative = good
        negative.step = -4
        message = refusal(negative, "step.safetensors")
        XCTAssertTrue(message.contains("step.safetensors") && message.contains("tandem.step is -4"), message)
        var moment = good
        moment.optimizerSlots["v.layers.0.weight"] = changed(moment.optimizerSlots["v.layers.0.weight"]!, at: 1, to: -1)
        message = refusal(moment, "moment.safetensors")
        XCTAssertTrue(message.contains("moment.safetensors") && message.contains("second moment is -1.0 at element 1"), message)
        var missing = good
        missing.optimizerSlots["v.layers.0.bias"] = nil
        message = refusal(missing, "slot.safetensors")
        XCTAssertTrue(message.contains("slot.safetensors") && message.contains("lacks v.layers.0.bias"), message)
        var orphan = good
        orphan.optimizerSlots["m.layers.7.weight"] = Tensor<Float>.zeros(shape: [2])
        message = refusal(orphan, "orphan.safetensors")
        XCTAssertTrue(message.contains("\"m.layers.7.weight\" belongs to no parameter"), message)

        // A flipped byte in the data section: the checksum catches it.
        let path = directory.appendingPathComponent("flip.safetensors").path
        try good.write(to: path)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count - 5] ^= 0x40
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint<Float>.read(from: path)) {
            XCTAssertTrue("\($0)".contains("flip.safetensors") && "\($0)".contains("checksum"), "\($0)")
        }

        // A stray tensor beside the parameters and optimizer state.
        let stray = try SafeTensors.encode(
            [("layers.0.weight", SafeTensors.Entry(model.namedParameters["layers.0.weight"]!)), ("stray", SafeTensors.Entry(Tensor<Float>.zeros(shape: [1])))],
            metadata: ["tandem.format": Checkpoint<Float>.formatVersion, "tandem.dtype": "F32", "tandem.step": "0", "tandem.parameters": "layers.0.weight"])
        let strayPath = directory.appendingPathComponent("stray.safetensors").path
        try stray.write(to: URL(fileURLWithPath: strayPath))
        XCTAssertThrowsError(try Checkpoint<Float>.read(from: strayPath)) {
            XCTAssertTrue("\($0)".contains("\"stray\" is neither a listed parameter"), "\($0)")
        }

        // A shape whose element count overflows Int: an error, not a trap.
        let header = #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#
        var huge = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { huge.append(contentsOf: $0) }
        huge.append(contentsOf: Array(header.utf8) + [UInt8](repeating: 0, count: 16))
        XCTAssertThrowsError(try SafeTensors.decode(huge)) { XCTAssertTrue("\($0)".contains("does not fit 16 bytes"), "\($0)") }
        XCTAssertThrowsError(try SafeTensors.Entry(dtype: "F32", shape: [1 << 62, 4], bytes: Data(count: 16)).tensor(as: Float.self, name: "w")) {
            XCTAssertTrue("\($0)".contains("has 16 bytes"), "\($0)")
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

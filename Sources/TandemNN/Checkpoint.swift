import Collections
import Foundation
import TandemCore

/// A failure reading or writing a checkpoint, with the file and the reason.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case corrupt(String)
    case io(path: String, reason: String)
    case incompatible(path: String, reason: String)

    /// The message, naming the file and the reason.
    public var description: String {
        switch self {
        case let .corrupt(reason): return "corrupt checkpoint: \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .incompatible(path, reason): return "\(path): \(reason)"
        }
    }
}

/// A training state on disk: the model's parameters by name, the optimizer's state and step,
/// and free-form metadata (architecture, problem file, seed), as one safetensors file.
///
/// Layout (see `docs/checkpoints.md`): parameters under their own names (`layers.0.weight`),
/// optimizer slots under `optimizer.<slot>.<parameter>`, and metadata keys `tandem.format`,
/// `tandem.dtype`, `tandem.optimizer`, `tandem.step` beside the caller's own.
public struct Checkpoint<Scalar: TensorScalar>: Sendable {
    /// The format identifier written to `tandem.format`.
    public static var formatVersion: String { "tandem-checkpoint-1" }

    /// The model's parameters by dotted name, in model order.
    public var parameters: OrderedDictionary<String, Tensor<Scalar>>
    /// The optimizer's name (`adam`, `lion`, `sgd`, or `none`).
    public var optimizerName: String
    /// The optimizer's step count.
    public var step: Int
    /// The optimizer's state tensors (`m.layers.0.weight`, …).
    public var optimizerSlots: [String: Tensor<Scalar>]
    /// The caller's string metadata (architecture, problem file, seed, …).
    public var metadata: [String: String]

    /// A checkpoint from its parts.
    public init(
        parameters: OrderedDictionary<String, Tensor<Scalar>>, optimizerName: String = "none", step: Int = 0,
        optimizerSlots: [String: Tensor<Scalar>] = [:], metadata: [String: String] = [:]
    ) {
        self.parameters = parameters
        self.optimizerName = optimizerName
        self.step = step
        self.optimizerSlots = optimizerSlots
        self.metadata = metadata
    }

    /// A checkpoint of `model` and `optimizer`.
    public init<M: Module, O: Optimizer>(model: M, optimizer: O, metadata: [String: String] = [:])
    where M.Scalar == Scalar, O.Scalar == Scalar {
        self.init(
            parameters: model.namedParameters, optimizerName: O.name, step: optimizer.step,
            optimizerSlots: optimizer.slots, metadata: metadata)
    }

    /// Writes the checkpoint atomically: to a temporary file in the same directory, flushed,
    /// then renamed over `path`, so a crash never leaves a half-written checkpoint behind.
    public func write(to path: String) throws {
        var entries: [(name: String, entry: SafeTensors.Entry)] = parameters.map { ($0.key, SafeTensors.Entry($0.value)) }
        for key in optimizerSlots.keys.sorted() { entries.append(("optimizer." + key, SafeTensors.Entry(optimizerSlots[key]!))) }
        var meta = metadata
        meta["tandem.format"] = Self.formatVersion
        meta["tandem.dtype"] = Scalar.dtypeName
        meta["tandem.optimizer"] = optimizerName
        meta["tandem.step"] = String(step)
        meta["tandem.parameters"] = parameters.keys.joined(separator: ",")
        let data = try SafeTensors.encode(entries, metadata: meta)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw CheckpointError.io(path: temporary.path, reason: "cannot create file")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw CheckpointError.io(path: path, reason: "cannot rename \(temporary.lastPathComponent) into place: \(String(cString: strerror(errno)))")
            }
        } catch let error as CheckpointError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CheckpointError.io(path: path, reason: error.localizedDescription)
        }
    }

    /// Reads a checkpoint written by ``write(to:)``.
    /// - Throws: ``CheckpointError`` for a missing, truncated or corrupt file, another format,
    ///   or another precision.
    public static func read(from path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.io(path: path, reason: "cannot read file (missing or unreadable)")
        }
        let (entries, metadata): ([String: SafeTensors.Entry], [String: String])
        do {
            (entries, metadata) = try SafeTensors.decode(data)
        } catch let CheckpointError.corrupt(reason) {
            throw CheckpointError.incompatible(path: path, reason: "corrupt checkpoint: \(reason)")
        }
        guard metadata["tandem.format"] == formatVersion else {
            throw CheckpointError.incompatible(path: path, reason: "not a Tandem checkpoint (tandem.format is \(metadata["tandem.format"] ?? "missing"), expected \(formatVersion))")
        }
        guard metadata["tandem.dtype"] == Scalar.dtypeName else {
            throw CheckpointError.incompatible(path: path, reason: "checkpoint holds \(metadata["tandem.dtype"] ?? "?") tensors, expected \(Scalar.dtypeName)")
        }
        guard let step = Int(metadata["tandem.step"] ?? "") else {
            throw CheckpointError.incompatible(path: path, reason: "tandem.step is missing or not an integer")
        }
        var parameters: OrderedDictionary<String, Tensor<Scalar>> = [:]
        let order = (metadata["tandem.parameters"] ?? "").split(separator: ",").map(String.init)
        for name in order {
            guard let entry = entries[name] else { throw CheckpointError.incompatible(path: path, reason: "parameter \"\(name)\" is listed but not stored") }
            parameters[name] = try entry.tensor(as: Scalar.self, name: name)
        }
        var slots: [String: Tensor<Scalar>] = [:]
        for (name, entry) in entries where name.hasPrefix("optimizer.") {
            slots[String(name.dropFirst("optimizer.".count))] = try entry.tensor(as: Scalar.self, name: name)
        }
        var userMetadata = metadata
        for key in ["tandem.format", "tandem.dtype", "tandem.optimizer", "tandem.step", "tandem.parameters"] { userMetadata[key] = nil }
        return Checkpoint(
            parameters: parameters, optimizerName: metadata["tandem.optimizer"] ?? "none", step: step,
            optimizerSlots: slots, metadata: userMetadata)
    }

    /// Loads the parameters into `model` and the optimizer state into `optimizer`.
    /// - Throws: ``ParameterError`` for unknown, missing or misshapen parameters;
    ///   ``CheckpointError/incompatible(path:reason:)`` when the optimizer kind differs.
    public func restore<M: Module, O: Optimizer>(into model: inout M, optimizer: inout O) throws
    where M.Scalar == Scalar, O.Scalar == Scalar {
        try model.loadParameters(Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) }))
        guard optimizerName == O.name else {
            throw CheckpointError.incompatible(path: "checkpoint", reason: "optimizer state is for \(optimizerName), not \(O.name)")
        }
        try optimizer.restore(step: step, slots: optimizerSlots)
    }
}

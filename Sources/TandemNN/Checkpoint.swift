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
    /// The file it was read from, named in errors (`nil` for one built in memory).
    public var source: String?

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
        meta["tandem.checksum"] = Self.checksum(entries)
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
        // Files written before checksums were recorded have none; every later one is verified.
        if let recorded = metadata["tandem.checksum"], recorded != checksum(entries.map { ($0.key, $0.value) }) {
            throw CheckpointError.incompatible(path: path, reason: "the stored tensors do not match the checksum written with them (the file was damaged after it was written)")
        }
        guard let step = Int(metadata["tandem.step"] ?? "") else {
            throw CheckpointError.incompatible(path: path, reason: "tandem.step is missing or not an integer")
        }
        guard step >= 0 else { throw CheckpointError.incompatible(path: path, reason: "tandem.step is \(step); expected a step count of at least 0") }
        func tensor(_ name: String, _ entry: SafeTensors.Entry) throws -> Tensor<Scalar> {
            let tensor: Tensor<Scalar>
            do {
                tensor = try entry.tensor(as: Scalar.self, name: name)
            } catch let CheckpointError.corrupt(reason) {
                throw CheckpointError.incompatible(path: path, reason: "corrupt checkpoint: \(reason)")
            }
            if let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError.incompatible(path: path, reason: "tensor \"\(name)\" holds \(tensor.scalars[bad]) at element \(bad); a checkpoint holds finite values only")
            }
            return tensor
        }
        var parameters: OrderedDictionary<String, Tensor<Scalar>> = [:]
        let order = (metadata["tandem.parameters"] ?? "").split(separator: ",").map(String.init)
        for name in order {
            guard let entry = entries[name] else { throw CheckpointError.incompatible(path: path, reason: "parameter \"\(name)\" is listed but not stored") }
            parameters[name] = try tensor(name, entry)
        }
        var slots: [String: Tensor<Scalar>] = [:]
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            if name.hasPrefix("optimizer.") {
                slots[String(name.dropFirst("optimizer.".count))] = try tensor(name, entry)
            } else if parameters[name] == nil {
                throw CheckpointError.incompatible(
                    path: path, reason: "tensor \"\(name)\" is neither a listed parameter (tandem.parameters) nor optimizer state")
            }
        }
        var userMetadata = metadata
        for key in ["tandem.format", "tandem.dtype", "tandem.optimizer", "tandem.step", "tandem.parameters", "tandem.checksum"] { userMetadata[key] = nil }
        var checkpoint = Checkpoint(
            parameters: parameters, optimizerName: metadata["tandem.optimizer"] ?? "none", step: step,
            optimizerSlots: slots, metadata: userMetadata)
        checkpoint.source = path
        return checkpoint
    }

    /// FNV-1a (64-bit) over every tensor's name, dtype, shape and bytes in name order, as 16 hex
    /// digits: any flipped byte in the data or a tensor renamed or reshaped changes it.
    static func checksum(_ entries: [(name: String, entry: SafeTensors.Entry)]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<C: Sequence>(_ bytes: C) where C.Element == UInt8 {
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        for (name, entry) in entries.sorted(by: { $0.name < $1.name }) {
            mix(Array("\(name)|\(entry.dtype)|\(entry.shape)|".utf8))
            entry.bytes.withUnsafeBytes { mix($0) }
        }
        return String(hash, radix: 16)
    }

    /// Loads the parameters into `model` and the optimizer state into `optimizer`.
    /// - Throws: ``ParameterError`` for unknown, missing or misshapen parameters or invalid
    ///   optimizer state (as ``CheckpointError/incompatible(path:reason:)`` naming the file when the
    ///   checkpoint was read from one); ``CheckpointError/incompatible(path:reason:)`` when the
    ///   optimizer kind differs or optimizer state belongs to no parameter or lacks a slot.
    public func restore<M: Module, O: Optimizer>(into model: inout M, optimizer: inout O) throws
    where M.Scalar == Scalar, O.Scalar == Scalar {
        do {
            try model.loadParameters(Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) }))
        } catch let error as ParameterError {
            throw source.map { CheckpointError.incompatible(path: $0, reason: error.description) } ?? error
        }
        guard optimizerName == O.name else {
            throw CheckpointError.incompatible(path: source ?? "checkpoint", reason: "optimizer state is for \(optimizerName), not \(O.name)")
        }
        // Slots are `<slot>.<parameter>`: each belongs to a parameter, and a parameter with state
        // has every slot the others have (a missing one would silently restart from zero).
        var slotsByParameter: [String: Set<Substring>] = [:]
        for key in optimizerSlots.keys {
            guard let dot = key.firstIndex(of: "."), parameters[String(key[key.index(after: dot)...])] != nil else {
                throw CheckpointError.incompatible(path: source ?? "checkpoint", reason: "optimizer state \"\(key)\" belongs to no parameter of the model")
            }
            slotsByParameter[String(key[key.index(after: dot)...]), default: []].insert(key[..<dot])
        }
        let slotNames = slotsByParameter.values.reduce(into: Set<Substring>()) { $0.formUnion($1) }
        for (parameter, names) in slotsByParameter.sorted(by: { $0.key < $1.key }) where names != slotNames {
            let missing = slotNames.subtracting(names).sorted().map { "\($0).\(parameter)" }
            throw CheckpointError.incompatible(path: source ?? "checkpoint", reason: "optimizer state lacks \(missing.joined(separator: ", "))")
        }
        do {
            try optimizer.restore(step: step, slots: optimizerSlots)
        } catch let error as ParameterError {
            throw source.map { CheckpointError.incompatible(path: $0, reason: error.description) } ?? error
        }
    }
}

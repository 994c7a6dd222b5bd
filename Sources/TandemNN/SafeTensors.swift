import Foundation
import TandemCore

/// The safetensors file format: a little-endian `UInt64` header length `N`, then `N` bytes of
/// JSON header, then the raw little-endian tensor data.
///
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets
/// into the data section) and may hold a `"__metadata__"` object of string pairs. Python reads it
/// with the `safetensors` package, or with the standard library alone (`scripts/read_checkpoint.py`).
/// Specification: https://github.com/huggingface/safetensors (format section).
public enum SafeTensors {
    /// One stored tensor: its dtype name, shape and raw little-endian bytes.
    public struct Entry: Equatable, Sendable {
        /// The dtype name (`F32`, `F64`, …).
        public var dtype: String
        /// The tensor's shape.
        public var shape: [Int]
        /// The raw little-endian data.
        public var bytes: Data

        /// An entry holding `tensor`'s scalars.
        public init<S: TensorScalar>(_ tensor: Tensor<S>) {
            dtype = S.dtypeName
            shape = tensor.shape
            bytes = tensor.scalars.withUnsafeBytes { Data($0) }
        }

        /// An entry from its parts.
        public init(dtype: String, shape: [Int], bytes: Data) {
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        /// The entry as a tensor of `S`.
        /// - Throws: ``CheckpointError/corrupt(_:)`` if the dtype or byte count does not match.
        public func tensor<S: TensorScalar>(as _: S.Type = S.self, name: String) throws -> Tensor<S> {
            guard dtype == S.dtypeName else {
                throw CheckpointError.corrupt("tensor \"\(name)\" has dtype \(dtype), expected \(S.dtypeName)")
            }
            guard let count = SafeTensors.elementCount(shape), count.multipliedReportingOverflow(by: MemoryLayout<S>.size) == (bytes.count, false) else {
                throw CheckpointError.corrupt("tensor \"\(name)\" of shape \(shape) has \(bytes.count) bytes")
            }
            let scalars = [S](unsafeUninitializedCapacity: count) { buffer, initialized in
                _ = bytes.copyBytes(to: buffer)
                initialized = count
            }
            return Tensor(shape: shape, scalars: scalars)
        }
    }

    /// The number of elements of `shape`, or `nil` for a negative extent or a product that overflows `Int`.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            count = product
        }
        return count
    }

    static let elementSizes = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1]

    /// Serialises tensors (in the given order) and string metadata.
    public static func encode(_ entries: [(name: String, entry: Entry)], metadata: [String: String]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, entry) in entries {
            header[name] = ["dtype": entry.dtype, "shape": entry.shape, "data_offsets": [offset, offset + entry.bytes.count]]
            offset += entry.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data section starts 8-byte aligned.
        while (json.count % 8) != 0 { json.append(0x20) }
        var data = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, entry) in entries { data.append(entry.bytes) }
        return data
    }

    /// Parses a safetensors file.
    /// - Throws: ``CheckpointError/corrupt(_:)`` naming what is wrong (truncated file, bad
    ///   header, offsets outside the data, unknown dtype, shape and size disagreeing).
    public static func decode(_ data: Data) throws -> (entries: [String: Entry], metadata: [String: String]) {
        guard data.count >= 8 else { throw CheckpointError.corrupt("file is \(data.count) bytes, too short for a header") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw CheckpointError.corrupt("header length \(headerLength) exceeds the file size \(data.count)")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw CheckpointError.corrupt("header is not a JSON object")
        }
        let body = data.subdata(in: (8 + Int(headerLength))..<data.count)
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw CheckpointError.corrupt("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw CheckpointError.corrupt("tensor \"\(name)\" lacks dtype, shape or data_offsets") }
            guard let size = elementSizes[dtype] else { throw CheckpointError.corrupt("tensor \"\(name)\" has unknown dtype \(dtype)") }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= body.count else {
                throw CheckpointError.corrupt("tensor \"\(name)\" has data offsets \(offsets) outside the \(body.count)-byte data section")
            }
            guard let count = elementCount(shape), count.multipliedReportingOverflow(by: size) == (offsets[1] - offsets[0], false) else {
                throw CheckpointError.corrupt("tensor \"\(name)\" of shape \(shape) and dtype \(dtype) does not fit \(offsets[1] - offsets[0]) bytes")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, bytes: body.subdata(in: offsets[0]..<offsets[1]))
        }
        return (entries, metadata)
    }
}

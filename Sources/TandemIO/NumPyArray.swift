import Foundation

/// A file that cannot be read as the format it claims, named with what is wrong.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    /// The file's path (or a directory's, for a data set laid out in several files).
    public let file: String
    /// What is wrong and what was expected.
    public let message: String

    /// An error about `file`.
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    /// `file: message`.
    public var description: String { "\(file): \(message)" }
}

/// An array stored in NumPy's `.npy` format, its values widened to `Double`.
///
/// The format (NumPy Enhancement Proposal 1, "A simple file format for NumPy arrays"): the magic
/// string `\x93NUMPY`, a major and minor version byte, the header's length (2 bytes little-endian
/// in version 1, 4 bytes in versions 2 and 3), then an ASCII Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (80, 576), }` padded with spaces to a
/// multiple of 64 bytes, then the data. Read here: little-endian `<f4`, `<f8`, `<i4`, `<i8`
/// (`|`/`=` byte orders as little-endian on this little-endian machine), C order.
public struct NumPyArray: Sendable, Equatable {
    /// The array's shape; `[]` for a scalar.
    public let shape: [Int]
    /// The values in C (row-major) order.
    public let values: [Double]
    /// The file's type descriptor (`"<f4"`, …).
    public let descriptor: String

    /// An array from its parts.
    /// - Precondition: `values.count` is the product of `shape`.
    public init(shape: [Int], values: [Double], descriptor: String = "<f8") {
        precondition(shape.reduce(1, *) == values.count, "NumPyArray: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
        self.descriptor = descriptor
    }

    /// Reads the `.npy` file at `path`.
    /// - Throws: ``DataFileError`` naming the file: not a `.npy` file, a header that does not
    ///   parse, a type other than the four above, Fortran order, or data shorter or longer than
    ///   the shape says.
    public static func read(path: String) throws -> NumPyArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, message: "cannot be read")
        }
        return try parse(data, file: path)
    }

    /// Parses the bytes of a `.npy` file (`file` names it in errors).
    public static func parse(_ data: Data, file: String) throws -> NumPyArray {
        let bytes = [UInt8](data)
        func fail(_ message: String) -> DataFileError { DataFileError(file: file, message: message) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a NumPy .npy file (no \\x93NUMPY magic string)")
        }
        let major = Int(bytes[6])
        let (lengthBytes, start): (Int, Int)
        switch major {
        case 1: (lengthBytes, start) = (2, 10)
        case 2, 3: (lengthBytes, start) = (4, 12)
        default: throw fail("NumPy format version \(major).\(bytes[7]) is not supported (expected 1, 2 or 3)")
        }
        guard bytes.count >= start else { throw fail("the header is cut off") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        guard start + headerLength <= bytes.count,
              let header = String(bytes: bytes[start..<(start + headerLength)], encoding: major == 3 ? .utf8 : .ascii)
        else { throw fail("the header is cut off or not text (\(headerLength) bytes announced)") }

        guard let descriptor = value(of: "descr", in: header).flatMap(quoted) else {
            throw fail("the header has no 'descr' entry: \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard let order = value(of: "fortran_order", in: header), order == "False" || order == "True" else {
            throw fail("the header has no 'fortran_order' entry")
        }
        guard order == "False" else { throw fail("the array is in Fortran order; only C order is read") }
        guard let shapeText = value(of: "shape", in: header), shapeText.hasPrefix("("), shapeText.hasSuffix(")") else {
            throw fail("the header has no 'shape' tuple")
        }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let n = Int(text), n >= 0 else { throw fail("the shape \(shapeText) is not a tuple of sizes") }
            shape.append(n)
        }
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw fail("the shape \(shapeText) is too large") }
            count = product
        }
        let kind = descriptor.first.map { "<|=".contains($0) } == true ? String(descriptor.dropFirst()) : descriptor
        guard ["f4", "f8", "i4", "i8"].contains(kind) else {
            throw fail("type '\(descriptor)' is not supported (expected little-endian '<f4', '<f8', '<i4' or '<i8')")
        }
        let size = kind.hasSuffix("8") ? 8 : 4
        let body = start + headerLength
        guard bytes.count - body == count * size else {
            throw fail("the data has \(bytes.count - body) bytes; shape \(shapeText) of '\(descriptor)' needs \(count * size)")
        }
        let values: [Double] = bytes.withUnsafeBytes { raw in
            (0..<count).map { i in
                let offset = body + i * size
                switch kind {
                case "f4": return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                case "f8": return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                case "i4": return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                default: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                }
            }
        }
        return NumPyArray(shape: shape, values: values, descriptor: descriptor)
    }

    /// The bytes of this array as a version-1 `.npy` file of type `<f8` (or `<f4` when
    /// `singlePrecision`).
    public func encoded(singlePrecision: Bool = false) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(singlePrecision ? "<f4" : "<f8")', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in values {
            if singlePrecision {
                withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// The text after `'key':` in a header dict, up to the entry's end (a tuple kept whole).
    private static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    /// `'<f4'` → `<f4`.
    private static func quoted(_ text: String) -> String? {
        guard text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first else { return nil }
        return String(text.dropFirst().dropLast())
    }
}

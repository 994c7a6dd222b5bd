import CNetCDF
#if canImport(Glibc)
import Glibc
#endif

// The one file that talks to NetCDF-C.

/// A NetCDF failure, with the file and what was being done.
public enum NetCDFError: Error, Equatable, CustomStringConvertible {
    /// A NetCDF-C call failed: its message from `nc_strerror`.
    case library(path: String, operation: String, message: String)
    case missingVariable(path: String, name: String, available: [String])
    case shapeMismatch(path: String, variable: String, expected: [Int], got: [Int])
    case missingAttribute(path: String, name: String)
    /// Nothing can be written at `path`, and why (a missing directory, a directory given as the
    /// file, the system's reason for refusing to create it, a full disk).
    case output(path: String, reason: String)

    /// The message: file, operation and the library's reason.
    public var description: String {
        switch self {
        case let .library(path, operation, message):
            return "\(path): \(operation): \(message)"
        case let .missingVariable(path, name, available):
            return "\(path): no variable \"\(name)\"; the file has \(available.joined(separator: ", "))"
        case let .shapeMismatch(path, variable, expected, got):
            return "\(path): variable \"\(variable)\" has shape \(got), expected \(expected)"
        case let .missingAttribute(path, name):
            return "\(path): no attribute \"\(name)\""
        case let .output(path, reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}

/// An open NetCDF file; closed when released.
final class NetCDFHandle {
    let id: Int32
    let path: String
    private var isOpen = true

    private init(id: Int32, path: String) {
        self.id = id
        self.path = path
    }

    /// Creates a NetCDF-4 file at `file`, replacing any file there; errors name `path` (the file
    /// the user asked for, when `file` is its temporary stand-in).
    static func create(_ file: String, reportedAs path: String) throws -> NetCDFHandle {
        var id: Int32 = 0
        try check(nc_create(file, NC_NETCDF4 | NC_CLOBBER, &id), path: path, "create")
        return NetCDFHandle(id: id, path: path)
    }

    /// Opens an existing file for reading, or for appending when `writable`.
    static func open(_ path: String, writable: Bool = false) throws -> NetCDFHandle {
        var id: Int32 = 0
        try check(nc_open(path, writable ? NC_WRITE : NC_NOWRITE, &id), path: path, "open")
        return NetCDFHandle(id: id, path: path)
    }

    deinit { if isOpen { nc_close(id) } }

    func close() throws {
        guard isOpen else { return }
        isOpen = false
        try check(nc_close(id), "close")
    }

    func sync() throws { try check(nc_sync(id), "sync") }

    func check(_ status: Int32, _ operation: @autoclosure () -> String) throws {
        try Self.check(status, path: path, operation())
    }

    static func check(_ status: Int32, path: String, _ operation: @autoclosure () -> String) throws {
        guard status == NC_NOERR else {
            throw NetCDFError.library(path: path, operation: operation(), message: String(cString: nc_strerror(status)))
        }
    }

    // MARK: Definitions

    func defineDimension(_ name: String, length: Int?) throws -> Int32 {
        var dim: Int32 = 0
        try check(nc_def_dim(id, name, length ?? Int(NC_UNLIMITED), &dim), "define dimension \(name)")
        return dim
    }

    func defineVariable(_ name: String, type: Int32, dimensions: [Int32], compress: Bool) throws -> Int32 {
        var variable: Int32 = 0
        try check(nc_def_var(id, name, type, Int32(dimensions.count), dimensions, &variable), "define variable \(name)")
        if compress && !dimensions.isEmpty {
            try check(nc_def_var_deflate(id, variable, 1, 1, 1), "compress variable \(name)")
        }
        return variable
    }

    func putAttribute(_ name: String, text: String, variable: Int32 = NC_GLOBAL) throws {
        let bytes = Array(text.utf8)
        try check(nc_put_att_text(id, variable, name, bytes.count, bytes.map { CChar(bitPattern: $0) }), "write attribute \(name)")
    }

    func putAttribute(_ name: String, double value: Double, variable: Int32 = NC_GLOBAL) throws {
        var v = value
        try check(nc_put_att_double(id, variable, name, NC_DOUBLE, 1, &v), "write attribute \(name)")
    }

    func putAttribute(_ name: String, doubles values: [Double], variable: Int32) throws {
        try check(nc_put_att_double(id, variable, name, NC_DOUBLE, values.count, values), "write attribute \(name)")
    }

    func endDefinitions() throws { try check(nc_enddef(id), "end definitions") }

    // MARK: Data

    func write(_ values: [Double], variable: Int32, start: [Int], count: [Int], name: String) throws {
        try check(nc_put_vara_double(id, variable, start, count, values), "write \(name)")
    }

    func write(strings values: [String], variable: Int32, start: [Int], count: [Int], name: String) throws {
        // NetCDF-4 variable-length strings: an array of C string pointers, valid for the call.
        var pointers = values.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        try pointers.withUnsafeMutableBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { base in
                try check(nc_put_vara_string(id, variable, start, count, base), "write \(name)")
            }
        }
    }

    func write(_ values: [Int32], variable: Int32, start: [Int], count: [Int], name: String) throws {
        try check(nc_put_vara_int(id, variable, start, count, values), "write \(name)")
    }

    // MARK: Inquiry

    func variableID(_ name: String) throws -> Int32 {
        var variable: Int32 = 0
        let status = nc_inq_varid(id, name, &variable)
        if status == NC_ENOTVAR { throw NetCDFError.missingVariable(path: path, name: name, available: try variableNames()) }
        try check(status, "find variable \(name)")
        return variable
    }

    func variableNames() throws -> [String] {
        var count: Int32 = 0
        try check(nc_inq_nvars(id, &count), "count variables")
        return try (0..<count).map { v in
            var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            try check(nc_inq_varname(id, v, &name), "read variable name")
            return String(cString: name)
        }
    }

    func dimensions(ofVariable variable: Int32) throws -> (names: [String], lengths: [Int]) {
        var rank: Int32 = 0
        try check(nc_inq_varndims(id, variable, &rank), "read variable rank")
        var dims = [Int32](repeating: 0, count: Int(rank))
        try check(nc_inq_vardimid(id, variable, &dims), "read variable dimensions")
        var names: [String] = [], lengths: [Int] = []
        for d in dims {
            var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            var length = 0
            try check(nc_inq_dim(id, d, &name, &length), "read dimension")
            names.append(String(cString: name))
            lengths.append(length)
        }
        return (names, lengths)
    }

    func readDoubles(variable: Int32, count: Int, name: String) throws -> [Double] {
        var values = [Double](repeating: 0, count: count)
        if count > 0 { try check(nc_get_var_double(id, variable, &values), "read \(name)") }
        return values
    }

    func textAttribute(_ name: String, variable: Int32 = NC_GLOBAL) throws -> String? {
        var length = 0
        let status = nc_inq_attlen(id, variable, name, &length)
        if status == NC_ENOTATT { return nil }
        try check(status, "find attribute \(name)")
        var buffer = [CChar](repeating: 0, count: length + 1)
        try check(nc_get_att_text(id, variable, name, &buffer), "read attribute \(name)")
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import CNetCDF

/// A NetCDF-4 file of fields in CF style, written sample by sample.
///
/// Dimensions are named (`sample`, `t`, `z`, `y`, `x`); each has a coordinate variable with
/// `units` and `long_name`; data variables carry `units` and `long_name` too, and are compressed.
/// Samples are appended along the unlimited `sample` dimension and flushed as they come, so
/// memory does not grow with the number of samples. The data goes to a temporary file beside the
/// target that ``close()`` renames over it, so a failed or abandoned write never replaces a file
/// that was there. Files open in xarray and `ncdump`.
public final class FieldFileWriter {
    /// A dimension; `length == nil` makes it unlimited (the sample axis).
    public struct Dimension: Sendable {
        /// The dimension's name (`sample`, `t`, `y`, `x`, …).
        public var name: String
        /// Its length, `nil` for the unlimited sample axis.
        public var length: Int?
        /// A dimension; `length == nil` makes it unlimited.
        public init(_ name: String, length: Int?) {
            self.name = name
            self.length = length
        }
    }

    /// A coordinate variable: the values of a dimension.
    public struct Coordinate: Sendable {
        /// The dimension the coordinate describes (and the variable's name).
        public var dimension: String
        /// The coordinate values.
        public var values: [Double]
        /// CF `units` attribute.
        public var units: String
        /// CF `long_name` attribute.
        public var longName: String
        /// A coordinate variable for `dimension`.
        public init(dimension: String, values: [Double], units: String, longName: String) {
            self.dimension = dimension
            self.values = values
            self.units = units
            self.longName = longName
        }
    }

    /// A data variable over named dimensions (the unlimited one first, if any).
    public struct Variable: Sendable {
        /// The variable's name.
        public var name: String
        /// Its dimensions, the unlimited one first if any.
        public var dimensions: [String]
        /// CF `units` attribute.
        public var units: String
        /// CF `long_name` attribute.
        public var longName: String
        /// Text labels (NetCDF-4 `string`) instead of numbers: a category per sample, say.
        public var isLabel = false
        /// Further text attributes (CF `coordinates`, `flag_meanings`, …).
        public var attributes: [String: String] = [:]
        /// Further numeric attributes (CF `flag_values`, …).
        public var numericAttributes: [String: [Double]] = [:]

        /// A data variable over named dimensions.
        public init(_ name: String, dimensions: [String], units: String, longName: String,
                    attributes: [String: String] = [:], numericAttributes: [String: [Double]] = [:]) {
            self.name = name
            self.dimensions = dimensions
            self.units = units
            self.longName = longName
            self.attributes = attributes
            self.numericAttributes = numericAttributes
        }

        /// A variable of text labels over named dimensions (written with
        /// ``FieldFileWriter/appendSample(_:labels:flush:)``); xarray reads it as strings.
        public static func labels(_ name: String, dimensions: [String], longName: String) -> Variable {
            var v = Variable(name, dimensions: dimensions, units: "1", longName: longName)
            v.isLabel = true
            return v
        }
    }

    let handle: NetCDFHandle
    private let output: AtomicOutput
    private var committed = false
    private var variableIDs: [String: Int32] = [:]
    private var variableShapes: [String: [Int?]] = [:]
    private var labelVariables: Set<String> = []
    /// Samples written so far.
    public private(set) var sampleCount = 0
    /// The path being written.
    public var path: String { handle.path }

    /// Creates the file and defines its structure. The data goes to a temporary file beside
    /// `path` that ``close()`` renames over it: a write that fails or is abandoned leaves a file
    /// already at `path` untouched.
    /// - Throws: ``NetCDFError`` naming the file and the failing step, or
    ///   ``NetCDFError/output(path:reason:)`` when nothing can be written there.
    public init(path: String, dimensions: [Dimension], coordinates: [Coordinate], variables: [Variable], attributes: [String: String]) throws {
        output = try AtomicOutput(path: path)
        do {
            handle = try NetCDFHandle.create(output.temporary, reportedAs: path)
        } catch {
            output.discard()
            throw error
        }
        do {
            try define(dimensions: dimensions, coordinates: coordinates, variables: variables, attributes: attributes)
        } catch {
            throw explained(error)
        }
    }

    deinit { if !committed { output.discard() } }

    /// A library error with the free-space note when the disk is full.
    private func explained(_ error: Error) -> Error {
        guard case let NetCDFError.library(path, operation, message) = error, !output.spaceNote.isEmpty else { return error }
        return NetCDFError.library(path: path, operation: operation, message: message + output.spaceNote)
    }

    private func define(dimensions: [Dimension], coordinates: [Coordinate], variables: [Variable], attributes: [String: String]) throws {
        var dimensionIDs: [String: Int32] = [:], lengths: [String: Int?] = [:]
        for d in dimensions {
            dimensionIDs[d.name] = try handle.defineDimension(d.name, length: d.length)
            lengths[d.name] = d.length
        }
        func ids(_ names: [String], for variable: String) throws -> [Int32] {
            try names.map { name in
                guard let id = dimensionIDs[name] else {
                    throw NetCDFError.library(path: path, operation: "define \(variable)", message: "unknown dimension \(name)")
                }
                return id
            }
        }
        for c in coordinates {
            let id = try handle.defineVariable(c.dimension, type: NC_DOUBLE, dimensions: try ids([c.dimension], for: c.dimension), compress: false)
            try handle.putAttribute("units", text: c.units, variable: id)
            try handle.putAttribute("long_name", text: c.longName, variable: id)
            variableIDs[c.dimension] = id
        }
        for v in variables {
            let id = try handle.defineVariable(v.name, type: v.isLabel ? NC_STRING : NC_DOUBLE, dimensions: try ids(v.dimensions, for: v.name),
                                               compress: !v.isLabel)
            if !v.isLabel { try handle.putAttribute("units", text: v.units, variable: id) }
            try handle.putAttribute("long_name", text: v.longName, variable: id)
            for (key, value) in v.attributes.sorted(by: { $0.key < $1.key }) { try handle.putAttribute(key, text: value, variable: id) }
            for (key, values) in v.numericAttributes.sorted(by: { $0.key < $1.key }) { try handle.putAttribute(key, doubles: values, variable: id) }
            if v.isLabel { labelVariables.insert(v.name) }
            variableIDs[v.name] = id
            variableShapes[v.name] = v.dimensions.map { lengths[$0] ?? nil }
        }
        try handle.putAttribute("Conventions", text: "CF-1.8")
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) { try handle.putAttribute(key, text: value) }
        try handle.endDefinitions()
        for c in coordinates {
            try handle.write(c.values, variable: variableIDs[c.dimension]!, start: [0], count: [c.values.count], name: c.dimension)
        }
    }

    /// Writes a whole variable that has no unlimited dimension (e.g. a mask).
    public func write(_ name: String, values: [Double]) throws {
        guard let id = variableIDs[name], let shape = variableShapes[name], !shape.contains(where: { $0 == nil }) else {
            throw NetCDFError.missingVariable(path: path, name: name, available: variableIDs.keys.sorted())
        }
        let dims = shape.map { $0! }
        guard dims.reduce(1, *) == values.count else {
            throw NetCDFError.shapeMismatch(path: path, variable: name, expected: dims, got: [values.count])
        }
        do { try handle.write(values, variable: id, start: dims.map { _ in 0 }, count: dims, name: name) } catch { throw explained(error) }
    }

    /// Appends one sample: for each variable whose first dimension is unlimited, its values at
    /// this sample (row-major over the remaining dimensions). With `flush` the file is synced to
    /// disk afterwards; otherwise call ``flush()`` after a group of samples.
    /// `labels` gives the values of text-label variables in the same way.
    public func appendSample(_ fields: [String: [Double]], labels: [String: [String]] = [:], flush: Bool = true) throws {
        for (name, values) in labels {
            guard let id = variableIDs[name], labelVariables.contains(name), let shape = variableShapes[name], shape.first == .some(nil) else {
                throw NetCDFError.missingVariable(path: path, name: name, available: labelVariables.sorted())
            }
            let rest = shape.dropFirst().map { $0 ?? 1 }
            guard rest.reduce(1, *) == values.count else {
                throw NetCDFError.shapeMismatch(path: path, variable: name, expected: Array(rest), got: [values.count])
            }
            do { try handle.write(strings: values, variable: id, start: [sampleCount] + rest.map { _ in 0 }, count: [1] + rest, name: name) } catch { throw explained(error) }
        }
        for (name, values) in fields {
            guard let id = variableIDs[name], let shape = variableShapes[name], shape.first == .some(nil) else {
                throw NetCDFError.missingVariable(path: path, name: name, available: variableIDs.keys.sorted())
            }
            let rest = shape.dropFirst().map { $0 ?? 1 }
            guard rest.reduce(1, *) == values.count else {
                throw NetCDFError.shapeMismatch(path: path, variable: name, expected: Array(rest), got: [values.count])
            }
            do { try handle.write(values, variable: id, start: [sampleCount] + rest.map { _ in 0 }, count: [1] + rest, name: name) } catch { throw explained(error) }
        }
        sampleCount += 1
        if flush { try self.flush() }
    }

    /// Writes buffered data to the temporary file, so memory does not grow with the samples.
    public func flush() throws {
        do { try handle.sync() } catch { throw explained(error) }
    }

    /// Closes the file and moves it over `path`; further writes fail. Without this call (an
    /// error, a crash) the file at `path` stays as it was.
    public func close() throws {
        do { try handle.close() } catch { throw explained(error) }
        try output.commit()
        committed = true
    }
}

/// A NetCDF file opened for reading.
public final class FieldFileReader {
    let handle: NetCDFHandle

    /// - Throws: ``NetCDFError/library(path:operation:message:)`` for a missing file or one that
    ///   is not NetCDF (the message says which).
    public init(path: String) throws { handle = try NetCDFHandle.open(path) }

    /// The names of all variables.
    public var variableNames: [String] { get throws { try handle.variableNames() } }

    /// A variable's dimension names, shape and values (row-major, as Double).
    public func variable(_ name: String) throws -> (dimensions: [String], shape: [Int], values: [Double]) {
        let id = try handle.variableID(name)
        let (names, lengths) = try handle.dimensions(ofVariable: id)
        return (names, lengths, try handle.readDoubles(variable: id, count: lengths.reduce(1, *), name: name))
    }

    /// A variable's dimension names and shape, without reading its values.
    public func shape(of name: String) throws -> (dimensions: [String], shape: [Int]) {
        let (names, lengths) = try handle.dimensions(ofVariable: try handle.variableID(name))
        return (names, lengths)
    }

    /// A variable's values, checked against the expected shape.
    public func values(_ name: String, expectedShape: [Int]) throws -> [Double] {
        let v = try variable(name)
        guard v.shape == expectedShape else {
            throw NetCDFError.shapeMismatch(path: handle.path, variable: name, expected: expectedShape, got: v.shape)
        }
        return v.values
    }

    /// A global text attribute, or a variable's when `variable` is given.
    public func attribute(_ name: String, variable: String? = nil) throws -> String {
        let id = try variable.map { try handle.variableID($0) } ?? NC_GLOBAL
        guard let value = try handle.textAttribute(name, variable: id) else {
            throw NetCDFError.missingAttribute(path: handle.path, name: variable.map { "\($0):\(name)" } ?? name)
        }
        return value
    }
}

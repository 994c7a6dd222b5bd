import Foundation
import TOMLKit

/// A problem file, decoded and validated: what to solve, on which geometries, with which inputs.
///
/// See `docs/problem-file.md` for every key. Only declarative content: expressions are parsed
/// into syntax trees, never run as code.
public struct Problem: Sendable {
    /// The PDEs the reference solvers support.
    public enum PDEKind: String, CaseIterable, Sendable {
        /// `−∇·(K∇u) = f` (Poisson when `K = 1`).
        case darcy
    }

    /// A coefficient field: an expression of the coordinates, or a random field per sample.
    public enum Coefficient: Sendable {
        case expression(Expression)
        case random(RandomField)
    }

    /// A random coefficient: `K = exp(mean + GRF)` (`lognormal`) or `K = mean + GRF` (`gaussian`).
    public struct RandomField: Sendable {
        public enum Transform: String, CaseIterable, Sendable { case lognormal, gaussian }
        public enum Covariance: String, CaseIterable, Sendable { case squaredExponential = "squared-exponential", spherical }
        public var transform: Transform
        public var covariance: Covariance
        public var length: Double
        public var variance: Double
        public var terms: Int
        public var mean: Double
    }

    /// A named geometry.
    public struct Geometry: Sendable {
        public var name: String
        public var shape: ShapeSpec
    }

    /// The reference discretisation and sampling.
    public struct Reference: Sendable {
        /// Grid points per axis.
        public var grid: [Int]
        /// The grid's box; `nil` means the union of the geometries' bounding boxes.
        public var lower: [Double]?
        public var upper: [Double]?
        public var samples: Int
        public var seed: UInt64
    }

    public var name: String
    public var summary: String
    public var pde: PDEKind
    public var permeability: Coefficient
    public var source: Expression
    public var geometries: [Geometry]
    /// Dirichlet value on the boundary, an expression of the coordinates.
    public var boundaryValue: Expression
    public var reference: Reference
    /// The file's text, kept for provenance.
    public var text: String
    public var file: String
    let locator: SourceLocator

    /// An error about `keyPath` in this file, located at its line.
    public func error(at keyPath: String, _ message: String) -> ProblemFileError {
        ProblemFileError(file: file, line: locator.line(of: keyPath), keyPath: keyPath, message: message)
    }

    /// The spatial dimension (1, 2 or 3).
    public var dimension: Int { geometries[0].shape.dimension }

    /// Coordinate names for `dimension`: `x`, `x y` or `x y z`.
    public static func coordinates(_ dimension: Int) -> [String] { Array(["x", "y", "z"].prefix(dimension)) }

    /// Reads and validates a problem file.
    /// - Throws: ``ProblemFileError`` naming the file, line, key path and what was expected.
    public init(contentsOf path: String) throws {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ProblemFileError(file: name, line: nil, keyPath: "", message: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        try self.init(text: text, file: name)
    }

    /// Decodes a problem from TOML text; `file` names it in errors.
    public init(text: String, file: String) throws {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ProblemFileError(file: file, line: error.source.begin.line, keyPath: "", message: "TOML syntax: \(error.description)")
        }
        let locator = SourceLocator(text: text)
        self.locator = locator
        let context = SpecContext(file: file, locator: locator)
        let root = SpecTable(table, path: "", context: context)
        self.text = text
        self.file = file
        self.name = try root.string("name") ?? (file as NSString).deletingPathExtension
        self.summary = try root.string("description") ?? ""

        let geometryTables = try root.tables("geometry")
        guard !geometryTables.isEmpty else { throw context.error("geometry", "missing; expected at least one [[geometry]] table") }
        var geometries: [Geometry] = []
        for t in geometryTables {
            let geometryName = try t.requiredString("name", "a name for the geometry")
            if geometries.contains(where: { $0.name == geometryName }) { throw t.error("name", "duplicate geometry name \"\(geometryName)\"") }
            geometries.append(Geometry(name: geometryName, shape: try ShapeSpec.decode(t)))
            try t.finish()
        }
        let dimension = geometries[0].shape.dimension
        for (i, g) in geometries.enumerated() where g.shape.dimension != dimension {
            throw context.error("geometry[\(i)]", "is \(g.shape.dimension)-D but geometry[0] is \(dimension)-D; all geometries share one dimension")
        }
        self.geometries = geometries
        let coordinates = Set(Self.coordinates(dimension))

        guard let pde = try root.table("pde") else { throw context.error("pde", "missing; expected a [pde] table") }
        self.pde = try pde.choice("kind", PDEKind.self) ?? { throw pde.missing("kind", "one of \(PDEKind.allCases.map(\.rawValue).joined(separator: ", "))") }()
        self.source = try pde.expression("source", variables: coordinates) ?? .number(0)
        let inputs = try root.table("inputs")
        if try pde.string("permeability") == "random" {
            guard let field = try inputs?.table("permeability") else {
                throw pde.error("permeability", "is \"random\" but there is no [inputs.permeability] table")
            }
            self.permeability = .random(try Self.randomField(field))
        } else {
            self.permeability = .expression(try pde.expression("permeability", variables: coordinates) ?? .number(1))
        }
        try pde.finish()
        try inputs?.finish()

        var boundaryValue = Expression.number(0)
        for (i, b) in try root.tables("boundary").enumerated() {
            guard i == 0 else { throw b.error("kind", "only one [[boundary]] condition is supported: a Dirichlet value on the whole boundary") }
            _ = try b.choice("kind", BoundaryKind.self) ?? { throw b.missing("kind", "dirichlet") }()
            boundaryValue = try b.expression("value", variables: coordinates) ?? .number(0)
            try b.finish()
        }
        self.boundaryValue = boundaryValue

        let reference = try root.table("reference")
        let grid = try reference?.ints("grid") ?? Array(repeating: 65, count: dimension)
        guard grid.count == dimension, grid.allSatisfy({ $0 >= 3 && $0 <= 4096 }) else {
            throw context.error("reference.grid", "expected \(dimension) point counts between 3 and 4096, got \(grid)")
        }
        let lower = try reference?.doubles("lower", count: dimension...dimension)
        let upper = try reference?.doubles("upper", count: dimension...dimension)
        guard (lower == nil) == (upper == nil) else { throw context.error("reference", "give both lower and upper for the grid box, or neither") }
        if let lower, let upper, !zip(lower, upper).allSatisfy({ $0 < $1 }) {
            throw context.error("reference.lower", "grid box lower \(lower) must be below upper \(upper)")
        }
        let samples = try reference?.int("samples") ?? 1
        guard samples >= 1 else { throw context.error("reference.samples", "expected a positive integer, got \(samples)") }
        let seed = try reference?.int("seed") ?? 0
        guard seed >= 0 else { throw context.error("reference.seed", "expected a non-negative integer, got \(seed)") }
        try reference?.finish()
        self.reference = Reference(grid: grid, lower: lower, upper: upper, samples: samples, seed: UInt64(seed))
        try root.finish()
    }

    enum BoundaryKind: String, CaseIterable { case dirichlet }

    static func randomField(_ t: SpecTable) throws -> RandomField {
        let transform = try t.choice("kind", RandomField.Transform.self) ?? .lognormal
        let covariance = try t.choice("covariance", RandomField.Covariance.self) ?? .squaredExponential
        let length = try t.requiredDouble("length", "the correlation length, a positive number")
        guard length > 0 else { throw t.error("length", "expected a positive number, got \(length)") }
        let variance = try t.double("variance") ?? 1
        guard variance > 0 else { throw t.error("variance", "expected a positive number, got \(variance)") }
        let terms = try t.int("terms") ?? 100
        guard terms >= 1 else { throw t.error("terms", "expected a positive integer, got \(terms)") }
        let mean = try t.double("mean") ?? 0
        try t.finish()
        return RandomField(transform: transform, covariance: covariance, length: length, variance: variance, terms: terms, mean: mean)
    }
}

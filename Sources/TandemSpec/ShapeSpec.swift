/// A geometry as the problem file declares it: a primitive with its parameters, booleans with
/// other shapes, and transforms. `TandemWorkflows` turns it into a solid (`TandemGeometry.Shape`).
public struct ShapeSpec: Sendable, Equatable {
    /// The primitive kinds, as spelled in problem files.
    public enum Kind: String, CaseIterable, Sendable { case interval, rectangle, disk, ellipse, polygon, box, sphere, cylinder }

    /// The primitive.
    public var kind: Kind
    /// Numeric parameters by key (`lower`, `upper`, `center`, `radius`, `semi_axes`, `base`, `height`).
    public var parameters: [String: [Double]]
    /// Polygon vertices, `[[x, y], …]`.
    public var vertices: [[Double]]
    /// Shapes joined to the primitive (union).
    public var add: [ShapeSpec]
    /// Shapes cut out of it (difference).
    public var subtract: [ShapeSpec]
    /// Shapes it is intersected with.
    public var intersect: [ShapeSpec]
    /// Uniform scale factor about the origin.
    public var scale: Double?
    /// Counter-clockwise rotation about the origin, in degrees (2-D).
    public var rotateDegrees: Double?
    /// Translation, applied last.
    public var translate: [Double]?
    /// Where the shape is declared (`geometry[1]`), for error messages.
    public var keyPath: String

    /// The number of coordinates of the primitive.
    public var dimension: Int {
        switch kind {
        case .interval: return 1
        case .rectangle, .disk, .ellipse, .polygon: return 2
        case .box, .sphere, .cylinder: return 3
        }
    }

    /// The parameters each kind needs, with their number of values.
    static let required: [Kind: [(String, Int)]] = [
        .interval: [("lower", 1), ("upper", 1)], .rectangle: [("lower", 2), ("upper", 2)], .box: [("lower", 3), ("upper", 3)],
        .disk: [("center", 2), ("radius", 1)], .sphere: [("center", 3), ("radius", 1)], .ellipse: [("center", 2), ("semi_axes", 2)],
        .cylinder: [("base", 3), ("radius", 1), ("height", 1)], .polygon: [],
    ]

    static func decode(_ t: SpecTable) throws -> ShapeSpec {
        let kind = try t.choice("shape", Kind.self) ?? { throw t.missing("shape", "one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))") }()
        var spec = ShapeSpec(kind: kind, parameters: [:], vertices: [], add: [], subtract: [], intersect: [], keyPath: t.path)
        for (key, count) in required[kind]! {
            if count == 1 {
                spec.parameters[key] = [try t.requiredDouble(key, "a number")]
            } else {
                guard let values = try t.doubles(key, count: count...count) else { throw t.missing(key, "\(count) numbers") }
                spec.parameters[key] = values
            }
        }
        if kind == .polygon {
            guard let vertices = try t.pairs("vertices") else { throw t.missing("vertices", "an array of [x, y] pairs") }
            guard vertices.count >= 3 else { throw t.error("vertices", "a polygon needs at least 3 vertices, got \(vertices.count)") }
            spec.vertices = vertices
        }
        spec.add = try t.tables("add").flatMap { try decodeParts($0) }
        spec.subtract = try t.tables("subtract").flatMap { try decodeParts($0) }
        spec.intersect = try t.tables("intersect").flatMap { try decodeParts($0) }
        for (key, parts) in [("add", spec.add), ("subtract", spec.subtract), ("intersect", spec.intersect)] {
            for (i, part) in parts.enumerated() where part.dimension != spec.dimension {
                throw t.context.error("\(t.keyPath(key))[\(i)]", "is \(part.dimension)-D but the \(kind.rawValue) is \(spec.dimension)-D")
            }
        }
        spec.scale = try t.double("scale")
        if let s = spec.scale, !(s > 0) { throw t.error("scale", "expected a positive number, got \(s)") }
        spec.rotateDegrees = try t.double("rotate")
        if spec.rotateDegrees != nil, spec.dimension != 2 { throw t.error("rotate", "rotation is supported for 2-D shapes only") }
        spec.translate = try t.doubles("translate", count: spec.dimension...spec.dimension)
        return spec
    }

    /// A part of a boolean: one shape, or with `repeat = N` (a number or an expression of the
    /// family's parameters) `N` copies, the `k`-th decoded with `i = k` (0-based), so that its
    /// numbers may be expressions of `i`.
    static func decodeParts(_ t: SpecTable) throws -> [ShapeSpec] {
        guard t.has("repeat") else {
            let spec = try decode(t)
            try t.finish()
            return [spec]
        }
        let count = try t.double("repeat")!
        guard count >= 0, count <= 10_000, count == count.rounded() else {
            throw t.error("repeat", "expected a whole number of copies between 0 and 10000, got \(count)")
        }
        let outer = t.bindings
        var parts: [ShapeSpec] = []
        for i in 0..<Int(count) {
            t.bindings = outer.merging(["i": Double(i)]) { $1 }
            parts.append(try decode(t))
        }
        t.bindings = outer.merging(["i": 0]) { $1 }
        if count == 0 { _ = try decode(t) }  // still validate the part
        t.bindings = outer
        try t.finish()
        return parts
    }
}

import TandemExpressions
import Foundation
import TandemCore
import TandemGeometry
import TandemIO
import TandemNN
import TandemPINN
import TandemSpec

/// A problem file set up for a physics-informed network: the residual and conditions as
/// differentiable functions of an MLP over `(x[, y[, z]][, t])`, and the point sets they are
/// evaluated on.
///
/// Loss (Raissi, Perdikaris & Karniadakis 2019, J. Comput. Phys. 378, 686–707):
/// `L = λ_r·mean(r²) + λ_b·mean(b²) + λ_0·mean((u − u₀)²)` with `r` the residual at collocation
/// points, `b` the boundary condition's defect (`u − g`; `K·∂u/∂n − g`; `K·∂u/∂n + αu − g` on
/// box faces) at boundary points, and `u₀` the initial condition at `t = 0`.
public struct PINNProblem {
    /// The problem with its geometry.
    public let resolved: ResolvedProblem
    /// Training settings.
    public let training: PDEProblem.PINNTraining
    /// The sampled domain.
    public let domain: SpaceTimeDomain
    /// Input axis names: coordinates, then `t`.
    public let axes: [String]
    /// The residual expression.
    public let residual: TandemSpec.Expression
    /// The input derivatives the residual needs.
    public let residualRequest: JetRequest
    /// Fixed parameters by name.
    let parameters: [String: Double]
    /// The Dirichlet value `g` imposed exactly by `u = g + φ·N` (`[model] hard_boundary`), else `nil`.
    let hardBoundary: TandemSpec.Expression?

    /// One set of points with what the loss needs there.
    public struct Points {
        /// `[n, axes]`.
        public let inputs: Tensor<Double>
        /// Each axis as an `[n, 1]` column, by name.
        let columns: [String: TensorExpression.Value]
        /// With a hard boundary condition: the jets of the distance `φ` and of the lift `g` at
        /// these points (constants: they do not depend on the network).
        var distance: Jets<Double>?, lift: Jets<Double>?
        /// Row count.
        public var count: Int { inputs.shape[0] }
    }

    /// Boundary points grouped by the condition that holds there.
    struct BoundaryGroup {
        let points: Points
        let condition: PDEProblem.BoundaryCondition
        /// The box face the points lie on (for the normal), `nil` for the rest of the boundary.
        let face: Int?
        /// `g` at the points, `[n, 1]`.
        let value: Tensor<Double>
        /// The flux coefficient (K, κ, D) at the points, for Neumann and Robin conditions.
        let coefficient: Tensor<Double>?
    }

    /// Sets up `resolved` (a problem with `[model] kind = "pinn"`) for `training`.
    /// - Throws: ``ProblemFileError`` for a residual that cannot be written.
    public init(_ resolved: ResolvedProblem, training: PDEProblem.PINNTraining) throws {
        let problem = resolved.problem
        self.resolved = resolved
        self.training = training
        domain = SpaceTimeDomain(shape: resolved.shapes[0], timeEnd: problem.time?.end)
        axes = problem.pinnAxes
        try problem.checkPINNResidual()
        residual = try problem.pinnResidual()
        residualRequest = Self.request(for: residual.variables, axes: axes)
        parameters = Dictionary(uniqueKeysWithValues: problem.parameters.map { ($0.name, $0.range.lowerBound) })
        if problem.pinnModel?.hardBoundary == true {
            guard resolved.shapes[0].hasSmoothDistance else {
                throw problem.error(at: "model.hard_boundary", "geometry \"\(problem.geometries[0].name)\" has no smooth distance function (non-convex polygons have none); use soft conditions")
            }
            hardBoundary = problem.hardBoundaryValue
        } else {
            hardBoundary = nil
        }
    }

    /// The derivatives the residual's jets carry, by name: `u, u_x, u_t, u_xx`.
    public var jetNames: [String] { Self.jetNames(residualRequest, axes: axes) }

    /// The derivatives of `request` by name over `axes`.
    static func jetNames(_ request: JetRequest, axes: [String]) -> [String] {
        ["u"] + request.first.map { "u_" + axes[$0] } + request.second.map { "u_" + axes[$0] + axes[$0] }
            + request.mixed.map { "u_" + axes[$0.i] + axes[$0.j] }
    }

    /// The jets a set of variable names (`u_x`, `u_xt`, …) needs.
    static func request(for variables: Set<String>, axes: [String]) -> JetRequest {
        var first: [Int] = [], second: [Int] = [], mixed: [JetRequest.Pair] = []
        for name in variables where name.hasPrefix("u_") {
            let indices = name.dropFirst(2).compactMap { c in axes.firstIndex(of: String(c)) }
            switch indices.count {
            case 1: first.append(indices[0])
            case 2 where indices[0] == indices[1]: second.append(indices[0])
            case 2: mixed.append(JetRequest.Pair(indices[0], indices[1]))
            default: break
            }
        }
        return JetRequest(first: first, second: second, mixed: mixed)
    }

    /// Points from row-major coordinates (with the hard condition's jets when there is one).
    public func points(_ flat: [Double]) -> Points {
        let d = axes.count, n = flat.count / d
        let inputs = Tensor<Double>(shape: [n, d], scalars: flat)
        var columns: [String: TensorExpression.Value] = [:]
        for (a, name) in axes.enumerated() {
            columns[name] = .tensor(Tensor(shape: [n, 1], scalars: (0..<n).map { flat[$0 * d + a] }))
        }
        if let field = resolved.coefficientFile {
            // K and ∇K at the points, read from the file's grid (constants for the network).
            let symbol = resolved.problem.pde.coefficientSymbol, spatial = resolved.problem.dimension
            let locations = (0..<n).map { Array(flat[$0 * d..<($0 * d + spatial)]) }
            columns[symbol] = .tensor(Tensor(shape: [n, 1], scalars: locations.map(field.value(at:))))
            for a in 0..<spatial {
                columns[symbol + "_" + axes[a]] = .tensor(Tensor(shape: [n, 1], scalars: locations.map { field.derivative(a, at: $0) }))
            }
        }
        var points = Points(inputs: inputs, columns: columns)
        if let g = hardBoundary {
            points.distance = distanceJets(inputs)
            points.lift = liftJets(g, flat)
        }
        return points
    }

    /// `φ` and its input derivatives (those the residual needs) at `x`, by reverse mode over the
    /// distance function's tensor operations; derivatives along `t` are zero.
    func distanceJets(_ x: Tensor<Double>) -> Jets<Double> {
        let (n, spatial) = (x.shape[0], resolved.problem.dimension)
        let request = residualRequest
        let leaf = x.requiringGradient()
        let ones = Tensor<Double>.ones(shape: [n, 1])
        func column(_ t: Tensor<Double>, _ i: Int) -> Tensor<Double> { Tensor(shape: [n, 1], scalars: t.slice(alongAxis: 1, i..<(i + 1)).scalars) }
        return try! withGradient {
            let phi = resolved.shapes[0].smoothDistance((0..<spatial).map { leaf.slice(alongAxis: 1, $0..<($0 + 1)) })!
            var jets = Jets(value: Tensor(shape: [n, 1], scalars: phi.scalars))
            guard !request.isEmpty else { return jets }
            let d1 = try gradients(of: phi, withRespectTo: [leaf], seed: ones, createGraph: true)[0]
            for i in request.first { jets.first[i] = column(d1, i) }
            for i in Set(request.second + request.mixed.map(\.i)) {
                let d2 = try gradients(of: d1.slice(alongAxis: 1, i..<(i + 1)), withRespectTo: [leaf], seed: ones)[0]
                if request.second.contains(i) { jets.second[i] = column(d2, i) }
                for pair in request.mixed where pair.i == i { jets.mixed[pair] = column(d2, pair.j) }
            }
            return jets
        }
    }

    /// `g` and its input derivatives (those the residual needs), by symbolic differentiation.
    func liftJets(_ g: TandemSpec.Expression, _ flat: [Double]) -> Jets<Double> {
        let d = axes.count, n = flat.count / d
        let named = Dictionary(uniqueKeysWithValues: axes.enumerated().map { ($1, column(flat, $0)) })
            .merging(parameters.mapValues { [$0] }) { a, _ in a }
        func values(_ e: TandemSpec.Expression) -> Tensor<Double> { Tensor(shape: [n, 1], scalars: e.evaluate(named, count: n)) }
        func derivative(_ e: TandemSpec.Expression, _ axis: Int) -> TandemSpec.Expression { (try? e.derivative(with: axes[axis]).simplified) ?? .number(0) }
        let request = residualRequest
        var jets = Jets(value: values(g))
        for i in request.first { jets.first[i] = values(derivative(g, i)) }
        for i in request.second { jets.second[i] = values(derivative(derivative(g, i), i)) }
        for pair in request.mixed { jets.mixed[pair] = values(derivative(derivative(g, pair.i), pair.j)) }
        return jets
    }

    /// The solution's jets at `points`: the network's, or with a hard condition those of
    /// `u = g + φ·N`: `uᵢ = gᵢ + φᵢN + φNᵢ`, `uᵢᵢ = gᵢᵢ + φᵢᵢN + 2φᵢNᵢ + φNᵢᵢ`,
    /// `uᵢⱼ = gᵢⱼ + φᵢⱼN + φᵢNⱼ + φⱼNᵢ + φNᵢⱼ`.
    public func solutionJets(of network: PhysicsInformedNetwork<Double>, at points: Points, request: JetRequest) -> Jets<Double> {
        let net = network.jets(at: points.inputs, request: request)
        guard let phi = points.distance, let g = points.lift else { return net }
        var u = Jets(value: g.value + phi.value * net.value)
        for i in request.first { u.first[i] = g.first[i]! + phi.first[i]! * net.value + phi.value * net.first[i]! }
        for i in request.second {
            u.second[i] = g.second[i]! + phi.second[i]! * net.value + 2 * phi.first[i]! * net.first[i]! + phi.value * net.second[i]!
        }
        for p in request.mixed {
            u.mixed[p] = g.mixed[p]! + phi.mixed[p]! * net.value + phi.first[p.i]! * net.first[p.j]! + phi.first[p.j]! * net.first[p.i]!
                + phi.value * net.mixed[p]!
        }
        return u
    }

    /// The solution `u` at `points`, `[n, 1]` (the network, or `g + φ·N`).
    public func solution(of network: PhysicsInformedNetwork<Double>, at points: Points) -> Tensor<Double> {
        let n = network(points.inputs)
        guard let phi = points.distance, let g = points.lift else { return n }
        return g.value + phi.value * n
    }

    /// The row-major coordinates of `points`.
    func flat(_ points: Points) -> [Double] { points.inputs.scalars }

    /// Column `a` of row-major points as an array.
    func column(_ flat: [Double], _ a: Int) -> [Double] {
        let d = axes.count
        return (0..<(flat.count / d)).map { flat[$0 * d + a] }
    }

    /// Expression bindings at `points`: coordinates, parameters (the unknowns of an inverse
    /// problem as their current tensors) and the requested jets.
    func bindings(_ points: Points, jets: Jets<Double>?, unknowns: [String: Tensor<Double>] = [:]) -> [String: TensorExpression.Value] {
        var b = points.columns
        for (name, value) in parameters { b[name] = .constant(value) }
        for (name, value) in unknowns { b[name] = .tensor(value) }
        if let jets {
            b["u"] = .tensor(jets.value)
            for name in PDEProblem.derivativeNames(axes: axes) where name != "u" {
                let indices = name.dropFirst(2).compactMap { c in axes.firstIndex(of: String(c)) }
                if let d = jets.derivative(indices) { b[name] = .tensor(d) }
            }
        }
        return b
    }

    /// The residual `r` at `points`, `[n, 1]`, with the model's current unknown coefficients.
    public func residual(of model: PhysicsInformedNetwork<Double>, at points: Points) -> Tensor<Double> {
        let jets = solutionJets(of: model, at: points, request: residualRequest)
        let value = TensorExpression.evaluate(residual, bindings(points, jets: jets, unknowns: model.coefficientTensors))
        let r = TensorExpression.tensor(value, rows: points.count)
        // A residual of the coefficients alone would be [1, 1]; spread it over the points.
        return r.shape == [points.count, 1] ? r : r * Tensor<Double>.ones(shape: [points.count, 1])
    }

    /// The observations of an inverse problem: points and values.
    public struct Observations {
        /// Where `u` was observed.
        public let points: Points
        /// The observed values, `[n, 1]`.
        public let values: Tensor<Double>
    }

    /// Reads observations from `path`: 1-D variables named after the axes and `u`.
    /// - Throws: ``ProblemFileError`` at `inverse.observations` for a missing variable, lengths
    ///   that differ, a non-finite value, or a point outside the geometry or the time interval.
    public static func observations(path: String, resolved: ResolvedProblem) throws -> Observations {
        let (points, values) = try pointFile(path: path, resolved: resolved, valuesRequired: true, key: "inverse.observations")
        return Observations(points: points, values: values!)
    }

    /// Points (and, when present or `valuesRequired`, values of `u`) from `path`: 1-D variables
    /// named after the axes, all of one length, finite, inside the geometry and `[0, T]`.
    /// - Throws: ``ProblemFileError`` at `key` naming the file and the offending variable or point.
    public static func pointFile(path: String, resolved: ResolvedProblem, valuesRequired: Bool, key: String) throws -> (points: Points, values: Tensor<Double>?) {
        let problem = resolved.problem
        let axes = problem.pinnAxes
        let reader: FieldFileReader
        do { reader = try FieldFileReader(path: path) } catch {
            throw problem.error(at: key, "cannot read \(path): \(error)")
        }
        var columns: [[Double]] = []
        let hasValues = valuesRequired || ((try? reader.variableNames) ?? []).contains("u")
        let names = axes + (hasValues ? ["u"] : [])
        for name in names {
            guard let v = try? reader.variable(name), v.shape.count == 1 else {
                throw problem.error(at: key, "\(path) needs a 1-D variable \(name) (points: \(axes.joined(separator: ", "))\(valuesRequired ? ", u" : ", and optionally u"))")
            }
            guard v.values.allSatisfy(\.isFinite) else { throw problem.error(at: key, "\(path): \(name) holds a non-finite value") }
            columns.append(v.values)
        }
        let n = columns[0].count
        guard n >= 1, columns.allSatisfy({ $0.count == n }) else {
            throw problem.error(at: key, "\(path): the variables \(names.joined(separator: ", ")) must have the same length, got \(columns.map(\.count))")
        }
        let shape = resolved.shapes[0], spatial = problem.dimension
        let size = zip(shape.boundingBox.lower, shape.boundingBox.upper).map { $1 - $0 }.max() ?? 1
        for k in 0..<n {
            let p = (0..<spatial).map { columns[$0][k] }
            let time = problem.time.map { _ in columns[spatial][k] }
            let described = zip(axes, (0..<axes.count).map { columns[$0][k] }).map { "\($0) = \($1)" }.joined(separator: ", ")
            if shape.signedDistance(p) > 1e-9 * size {
                throw problem.error(at: key, "\(path): observation \(k) (\(described)) lies outside geometry \(problem.geometries[0].name)")
            }
            if let time, let end = problem.time?.end, time < 0 || time > end {
                throw problem.error(at: key, "\(path): observation \(k) (\(described)) lies outside t ∈ [0, \(end)]")
            }
        }
        let flat = (0..<n).flatMap { k in (0..<axes.count).map { columns[$0][k] } }
        let d = axes.count
        var columnValues: [String: TensorExpression.Value] = [:]
        for (a, name) in axes.enumerated() { columnValues[name] = .tensor(Tensor(shape: [n, 1], scalars: columns[a])) }
        return (Points(inputs: Tensor(shape: [n, d], scalars: flat), columns: columnValues, distance: nil, lift: nil),
                hasValues ? Tensor(shape: [n, 1], scalars: columns[d]) : nil)
    }

    // MARK: Point sets

    /// The sampling rule of the training settings.
    var sampling: Shape.Sampling { training.sampling.sampling }

    /// `count` collocation points from a generator seeded by `(seed, draw)`.
    public func collocation(count: Int, draw: Int) throws -> [Double] {
        var generator = SeededGenerator(seed: training.seed &+ 0xC011_0CA7 &* UInt64(draw + 1))
        return try domain.interiorPoints(count: count, sampling: sampling, using: &generator)
    }

    /// Boundary points grouped by condition (seeded by the training seed).
    func boundaryGroups() throws -> [BoundaryGroup] {
        var generator = SeededGenerator(seed: training.seed &+ 0xB0B0)
        let problem = resolved.problem
        let flat = try domain.boundaryPoints(count: training.boundaryPoints, using: &generator)
        let d = axes.count, spatial = problem.dimension
        let grid = resolved.grid
        // The face of the grid box a point lies on, if any.
        func face(_ p: ArraySlice<Double>) -> Int? {
            for a in 0..<spatial {
                let tolerance = 1e-7 * (grid.upper[a] - grid.lower[a])
                if Swift.abs(p[p.startIndex + a] - grid.lower[a]) <= tolerance { return 2 * a }
                if Swift.abs(p[p.startIndex + a] - grid.upper[a]) <= tolerance { return 2 * a + 1 }
            }
            return nil
        }
        var rows: [String: (condition: PDEProblem.BoundaryCondition, face: Int?, points: [Double])] = [:]
        for i in 0..<(flat.count / d) {
            let p = flat[i * d..<(i + 1) * d]
            let f = face(p)
            let condition = f.map { problem.condition(onFace: $0) } ?? problem.restCondition
            // Dirichlet conditions need no normal: group them by condition only.
            let key = condition.kind == .dirichlet ? "d\(condition.value)" : "f\(f!)"
            rows[key, default: (condition, condition.kind == .dirichlet ? nil : f, [])].points += p
        }
        let coefficient: TandemSpec.Expression
        if case let .expression(k) = problem.coefficient { coefficient = k } else { coefficient = .number(1) }
        return rows.keys.sorted().map { key in
            let (condition, f, flat) = rows[key]!
            let points = points(flat)
            let named = Dictionary(uniqueKeysWithValues: axes.enumerated().map { ($1, column(flat, $0)) })
                .merging(parameters.mapValues { [$0] }) { a, _ in a }
            let n = points.count
            let value = Tensor<Double>(shape: [n, 1], scalars: condition.value.evaluate(named, count: n))
            var k = condition.kind == .dirichlet ? nil : Tensor<Double>(shape: [n, 1], scalars: coefficient.evaluate(named, count: n))
            if k != nil, let field = resolved.coefficientFile {
                let spatial = resolved.problem.dimension
                k = Tensor(shape: [n, 1], scalars: (0..<n).map { field.value(at: Array(flat[$0 * d..<($0 * d + spatial)])) })
            }
            return BoundaryGroup(points: points, condition: condition, face: f, value: value, coefficient: k)
        }
    }

    /// Initial points and `u₀` there (transient problems), else `nil`.
    func initialCondition() throws -> (points: Points, value: Tensor<Double>)? {
        guard resolved.problem.time != nil else { return nil }
        var generator = SeededGenerator(seed: training.seed &+ 0x1417)
        let flat = try domain.initialPoints(count: training.initialPoints, sampling: sampling, using: &generator)
        let initial: TandemSpec.Expression
        if case let .expression(e)? = resolved.problem.initial { initial = e } else { initial = .number(0) }
        let named = Dictionary(uniqueKeysWithValues: axes.enumerated().map { ($1, column(flat, $0)) })
            .merging(parameters.mapValues { [$0] }) { a, _ in a }
        let points = points(flat)
        return (points, Tensor(shape: [points.count, 1], scalars: initial.evaluate(named, count: points.count)))
    }

    /// The defect of each boundary group's condition, concatenated: `[n_b, 1]`.
    func boundaryDefect(of model: PhysicsInformedNetwork<Double>, groups: [BoundaryGroup]) -> Tensor<Double> {
        precondition(!groups.isEmpty, "PINNProblem: no boundary points")
        let defects = groups.map { group -> Tensor<Double> in
            switch group.condition.kind {
            case .dirichlet:
                return solution(of: model, at: group.points) - group.value
            case .neumann, .robin:
                let axis = group.face! / 2, sign: Double = group.face! % 2 == 0 ? -1 : 1
                let jets = model.jets(at: group.points.inputs, request: JetRequest(first: [axis]))
                var defect = group.coefficient! * jets.first[axis]! * sign - group.value
                if group.condition.kind == .robin { defect = defect + jets.value * group.condition.alpha! }
                return defect
            }
        }
        return defects.count == 1 ? defects[0] : concatenate(defects, alongAxis: 0)
    }
}

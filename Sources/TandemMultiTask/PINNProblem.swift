import TandemCore
import TandemGeometry
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
    public let training: Problem.PINNTraining
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

    /// One set of points with what the loss needs there.
    public struct Points {
        /// `[n, axes]`.
        public let inputs: Tensor<Double>
        /// Each axis as an `[n, 1]` column, by name.
        let columns: [String: TensorExpression.Value]
        /// Row count.
        public var count: Int { inputs.shape[0] }
    }

    /// Boundary points grouped by the condition that holds there.
    struct BoundaryGroup {
        let points: Points
        let condition: Problem.BoundaryCondition
        /// The box face the points lie on (for the normal), `nil` for the rest of the boundary.
        let face: Int?
        /// `g` at the points, `[n, 1]`.
        let value: Tensor<Double>
        /// The flux coefficient (K, κ, D) at the points, for Neumann and Robin conditions.
        let coefficient: Tensor<Double>?
    }

    /// Sets up `resolved` (a problem with `[model] kind = "pinn"`) for `training`.
    /// - Throws: ``ProblemFileError`` for a residual that cannot be written.
    public init(_ resolved: ResolvedProblem, training: Problem.PINNTraining) throws {
        let problem = resolved.problem
        self.resolved = resolved
        self.training = training
        domain = SpaceTimeDomain(shape: resolved.shapes[0], timeEnd: problem.time?.end)
        axes = problem.pinnAxes
        residual = try problem.pinnResidual()
        residualRequest = Self.request(for: residual.variables, axes: axes)
        parameters = Dictionary(uniqueKeysWithValues: problem.parameters.map { ($0.name, $0.range.lowerBound) })
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

    /// Points from row-major coordinates.
    public func points(_ flat: [Double]) -> Points {
        let d = axes.count, n = flat.count / d
        let inputs = Tensor<Double>(shape: [n, d], scalars: flat)
        var columns: [String: TensorExpression.Value] = [:]
        for (a, name) in axes.enumerated() {
            columns[name] = .tensor(Tensor(shape: [n, 1], scalars: (0..<n).map { flat[$0 * d + a] }))
        }
        return Points(inputs: inputs, columns: columns)
    }

    /// Column `a` of row-major points as an array.
    func column(_ flat: [Double], _ a: Int) -> [Double] {
        let d = axes.count
        return (0..<(flat.count / d)).map { flat[$0 * d + a] }
    }

    /// Expression bindings at `points`: coordinates, parameters and the requested jets.
    func bindings(_ points: Points, jets: Jets<Double>?) -> [String: TensorExpression.Value] {
        var b = points.columns
        for (name, value) in parameters { b[name] = .constant(value) }
        if let jets {
            b["u"] = .tensor(jets.value)
            for name in Problem.derivativeNames(axes: axes) where name != "u" {
                let indices = name.dropFirst(2).compactMap { c in axes.firstIndex(of: String(c)) }
                if let d = jets.derivative(indices) { b[name] = .tensor(d) }
            }
        }
        return b
    }

    /// The residual `r` at `points`, `[n, 1]`.
    public func residual(of model: MLP<Double>, at points: Points) -> Tensor<Double> {
        let jets = model.jets(at: points.inputs, request: residualRequest)
        return TensorExpression.tensor(TensorExpression.evaluate(residual, bindings(points, jets: jets)), rows: points.count)
    }

    // MARK: Point sets

    /// The sampling rule of the training settings.
    var sampling: Shape.Sampling {
        switch training.sampling {
        case "uniform": return .uniform
        case "halton": return .halton
        default: return .latinHypercube
        }
    }

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
        var rows: [String: (condition: Problem.BoundaryCondition, face: Int?, points: [Double])] = [:]
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
            let k = condition.kind == .dirichlet ? nil : Tensor<Double>(shape: [n, 1], scalars: coefficient.evaluate(named, count: n))
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
    func boundaryDefect(of model: MLP<Double>, groups: [BoundaryGroup]) -> Tensor<Double> {
        let defects = groups.map { group -> Tensor<Double> in
            switch group.condition.kind {
            case .dirichlet:
                return model(group.points.inputs) - group.value
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

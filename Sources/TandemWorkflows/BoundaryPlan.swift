import TandemExpressions
import TandemPDE
import TandemSpec

/// Where each of a problem's boundary conditions is evaluated for one solver: the solver's
/// Dirichlet and flux nodes grouped by the condition that applies, with their coordinates, so
/// that each sample (and time step) evaluates every condition's expression once over its nodes.
struct BoundaryPlan: Sendable {
    struct Group: Sendable {
        let expression: Expression
        let nodes: [Int]
        let coordinates: [String: [Double]]
    }

    let dirichlet: [Group]
    let flux: [Group]
    let dirichletCount: Int
    let fluxCount: Int

    init(solver: DarcySolver, problem: PDEProblem) {
        let conditions = problem.boundaries + [problem.restCondition]
        let rest = problem.boundaries.firstIndex { $0.faces == nil } ?? problem.boundaries.count
        func conditionIndex(_ node: BoundaryNode) -> Int {
            guard let face = node.face else { return rest }
            return problem.boundaries.firstIndex { $0.faces?.contains(face) == true } ?? rest
        }
        let names = PDEProblem.coordinates(solver.grid.dimension)
        func groups(_ nodes: [BoundaryNode]) -> [Group] {
            var members: [Int: [Int]] = [:]
            for (i, node) in nodes.enumerated() { members[conditionIndex(node), default: []].append(i) }
            return members.keys.sorted().map { c in
                let indices = members[c]!
                var coordinates: [String: [Double]] = [:]
                for (d, name) in names.enumerated() { coordinates[name] = indices.map { nodes[$0].point[d] } }
                return Group(expression: conditions[c].value, nodes: indices, coordinates: coordinates)
            }
        }
        dirichlet = groups(solver.dirichletNodes)
        flux = groups(solver.fluxNodes)
        dirichletCount = solver.dirichletNodes.count
        fluxCount = solver.fluxNodes.count
    }

    /// The boundary data at time `t` (ignored by steady problems).
    func values(time t: Double? = nil) -> BoundaryValues {
        func fill(_ groups: [Group], count: Int) -> [Double] {
            var values = [Double](repeating: 0, count: count)
            for g in groups {
                var c = g.coordinates
                if let t { c["t"] = [t] }
                for (i, v) in zip(g.nodes, g.expression.evaluate(c, count: g.nodes.count)) { values[i] = v }
            }
            return values
        }
        return BoundaryValues(dirichlet: fill(dirichlet, count: dirichletCount), flux: fill(flux, count: fluxCount))
    }
}

import Foundation
import TandemGeometry
import TandemSpec

extension ResolvedProblem {
    /// The interpreted problem in readable form, as `tandem check` prints it.
    public func summary() -> String {
        let p = problem
        let coordinates = Problem.coordinates(p.dimension).joined(separator: ", ")
        var lines: [String] = []
        lines.append("\(p.file): \(p.name)" + (p.summary.isEmpty ? "" : " — \(p.summary)"))
        lines.append("")
        switch p.pde {
        case .darcy:
            lines.append("PDE: −∇·(K ∇u) = f   (Darcy, \(p.dimension)-D; Poisson when K = 1)")
        }
        switch p.permeability {
        case let .expression(e): lines.append("  K(\(coordinates)) = \(e)")
        case let .random(field):
            let inner = "GRF(\(field.covariance.rawValue) covariance, length \(field.length), variance \(field.variance), \(field.terms) Karhunen–Loève terms)"
            lines.append("  K = " + (field.transform == .lognormal ? "exp(\(field.mean) + \(inner))" : "\(field.mean) + \(inner)") + ", one field per sample")
        }
        lines.append("  f(\(coordinates)) = \(p.source)")
        lines.append("  u = \(p.boundaryValue) on the boundary (Dirichlet)")
        lines.append("")
        lines.append("Geometries (\(p.geometries.count)):")
        for (i, g) in p.geometries.enumerated() {
            let box = shapes[i].boundingBox
            let measure = shapes[i].measure()
            let word = ["length", "area", "volume"][p.dimension - 1]
            let inside = masks[i].filter { $0 }.count
            lines.append(String(format: "  %@: %@, %@ ≈ %.4g, bounding box %@ – %@, %d grid points inside",
                                g.name, g.shape.kind.rawValue, word, measure, "\(box.lower)", "\(box.upper)", inside))
        }
        lines.append("")
        let h = grid.spacing.map { String(format: "%.4g", $0) }.joined(separator: " × ")
        lines.append("Reference grid: \(grid.pointsPerAxis.map(String.init).joined(separator: " × ")) points over \(grid.lower) – \(grid.upper), spacing \(h)")
        lines.append("  second-order finite differences; CHOLMOD (supernodal Cholesky), pattern analysed once per geometry")
        lines.append("  stair-stepped boundaries on curved domains (boundary values taken at the boundary grid points)")
        let solves = p.reference.samples * p.geometries.count
        lines.append("Will solve: \(p.reference.samples) sample\(p.reference.samples == 1 ? "" : "s") × \(p.geometries.count) geometr\(p.geometries.count == 1 ? "y" : "ies") = \(solves) linear systems, seed \(p.reference.seed)")
        return lines.joined(separator: "\n")
    }
}

import Foundation
import TandemGeometry
import TandemSpec

extension ResolvedProblem {
    /// The interpreted problem in readable form, as `tandem check` prints it.
    public func summary() -> String {
        let p = problem
        let coordinates = PDEProblem.coordinates(p.dimension).joined(separator: ", ")
        var lines: [String] = []
        lines.append("\(p.file): \(p.name)" + (p.summary.isEmpty ? "" : " — \(p.summary)"))
        lines.append("")
        let symbol: String
        switch p.pde {
        case .darcy:
            symbol = "K"
            lines.append("PDE: −∇·(K ∇u) = f   (Darcy, \(p.dimension)-D; Poisson when K = 1)")
        case .heat:
            symbol = "κ"
            lines.append(p.time == nil ? "PDE: −∇·(κ ∇u) = q   (steady heat, \(p.dimension)-D)" : "PDE: ∂u/∂t = ∇·(κ ∇u) + q   (heat, \(p.dimension)-D)")
        case .reactionDiffusion:
            symbol = "D"
            lines.append("PDE: ∂u/∂t = ∇·(D ∇u) + R(u)\(p.source == .number(0) ? "" : " + q")   (reaction–diffusion, \(p.dimension)-D)")
        }
        switch p.coefficient {
        case let .expression(e): lines.append("  \(symbol)(\(coordinates)) = \(e)")
        case let .random(field):
            let inner = "GRF(\(field.covariance.rawValue) covariance, length \(field.length), variance \(field.variance), \(field.terms) Karhunen–Loève terms)"
            lines.append("  \(symbol) = " + Self.describe(field, inner) + ", one field per sample")
        case let .file(spec):
            let grid = coefficientFile.map { " on a \($0.axes.map { String($0.count) }.joined(separator: " × ")) grid, \($0.extent)" } ?? ""
            lines.append("  \(symbol)(\(coordinates)) from \(spec.path), variable \(spec.variable)\(spec.sample > 0 ? ", sample \(spec.sample)" : "")\(grid); multilinear between its points, ∇\(symbol) by central differences")
        }
        if p.reactions.isEmpty || p.source != .number(0) {
            lines.append("  \(p.pde == .darcy ? "f" : "q")(\(coordinates)\(p.time == nil ? "" : ", t")) = \(p.source)")
        }
        for (i, r) in p.reactions.enumerated() {
            lines.append("  reaction family \(i) \"\(r.name)\": R(u) = \(r.expression)")
        }
        if !p.parameters.isEmpty {
            let varying = p.parameters.filter { $0.range.lowerBound < $0.range.upperBound }
            let fixed = p.parameters.filter { $0.range.lowerBound == $0.range.upperBound }
            if !varying.isEmpty {
                lines.append("  parameters, uniform per sample: " + varying.map { "\($0.name) ∈ [\($0.range.lowerBound), \($0.range.upperBound)]" }.joined(separator: ", "))
            }
            if !fixed.isEmpty {
                lines.append("  parameters, fixed: " + fixed.map { "\($0.name) = \($0.range.lowerBound)" }.joined(separator: ", "))
            }
        }
        if let initial = p.initial {
            switch initial {
            case let .expression(e): lines.append("  u(\(coordinates), 0) = \(e)")
            case let .random(field):
                let inner = "GRF(\(field.covariance.rawValue) covariance, length \(field.length), variance \(field.variance), \(field.terms) terms)"
                lines.append("  u(\(coordinates), 0) = " + Self.describe(field, inner) + ", one per sample")
            }
        }
        if let time = p.time {
            lines.append(time.outputTimes == nil
                ? "  t ∈ [0, \(time.end)]: \(time.steps) \(time.scheme.rawValue) steps, \(time.outputs + 1) output times"
                : "  t ∈ [0, \(time.end)]: \(time.stepsPerOutput.reduce(0, +)) \(time.scheme.rawValue) steps landing on the output times 0, \(time.outputTimes!.map { "\($0)" }.joined(separator: ", "))")
        }
        let reach = masks.indices.map { boundaryReach(geometry: $0) }
        let named = Set(p.boundaries.flatMap { $0.faces ?? [] })
        let restIsUsed = reach.contains { r in r.ownBoundary || r.onFace.indices.contains { r.onFace[$0] && !named.contains($0) } }
        for condition in p.boundaries.filter({ $0.faces != nil }) + (restIsUsed ? [p.restCondition] : []) {
            let text = condition.describe(coefficient: symbol)
            lines.append("  " + (named.isEmpty ? text.replacingOccurrences(of: "on the rest of the boundary", with: "on the whole boundary") : text))
        }
        if reach.contains(where: \.crossesBetweenPoints) {
            lines.append("  curved boundaries: crossing points between grid points (second order, Gibou et al. 2002)")
        }
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
        lines.append(p.time == nil
            ? "  second-order finite differences; CHOLMOD LLᵀ (simplicial below 10⁸ flops, else supernodal; `solve` reports which), pattern analysed once per geometry"
            : "  second-order finite differences; \(p.time!.scheme.rawValue) in time; " + (p.reactions.isEmpty ? "CHOLMOD LLᵀ, factorised once per sample" : "Newton's method with UMFPACK LU each step"))
        let solves = p.reference.samples * p.geometries.count
        lines.append("Will solve: \(p.reference.samples) sample\(p.reference.samples == 1 ? "" : "s") × \(p.geometries.count) geometr\(p.geometries.count == 1 ? "y" : "ies") = \(solves) \(p.time == nil ? "linear systems" : "time integrations"), seed \(p.reference.seed)")
        if p.reactions.count > p.reference.samples {
            let covered = p.reactions.prefix(p.reference.samples).map { "\"\($0.name)\"" }.joined(separator: ", ")
            lines.append("  note: sample k uses reaction family k mod \(p.reactions.count), so \(p.reference.samples) sample\(p.reference.samples == 1 ? "" : "s") cover\(p.reference.samples == 1 ? "s" : "") only \(covered); raise reference.samples to \(p.reactions.count) or more to solve every family")
        }
        lines.append("")
        if !p.declaresModel {
            lines.append("Model: none declared (`tandem solve` needs none; add [model] to train)")
        } else {
            lines.append(contentsOf: p.modelKind == .pinn ? pinnSummary() : operatorSummary())
        }
        return lines.joined(separator: "\n")
    }

    /// Profile names: `quick`, `paper`, then the others alphabetically.
    static func profileOrder<S: Sequence>(_ names: S) -> [String] where S.Element == String {
        names.sorted { a, b in
            let rank = { (n: String) in n == "quick" ? 0 : n == "paper" ? 1 : 2 }
            return rank(a) != rank(b) ? rank(a) < rank(b) : a < b
        }
    }

    /// What `tandem train` would do with a PINN's `[model]` and `[training]`: the network, the
    /// residual as understood (with the jets it needs), the conditions as losses, each profile.
    func pinnSummary() -> [String] {
        let p = problem, m = p.pinnModel!
        let features = m.fourierFeatures == 0 ? "" : "Fourier features [sin 2πxB, cos 2πxB], B: \(p.pinnAxes.count)×\(m.fourierFeatures) ~ N(0, \(m.fourierScale)²) → \(2 * m.fourierFeatures) → "
        var lines = ["Model (tandem train): PINN, MLP (\(p.pinnAxes.joined(separator: ", "))) → \(features)\(m.layers.map(String.init).joined(separator: " → ")) → u, \(m.activation.rawValue)"]
        if let residual = try? p.pinnResidual() {
            let request = PINNProblem.request(for: residual.variables, axes: p.pinnAxes)
            let names = PINNProblem.jetNames(request, axes: p.pinnAxes)
            lines.append("  residual\(p.residual == nil ? " (from the \(p.pde.rawValue) equation)" : ""): \(residual) = 0")
            lines.append("  Taylor-mode jets through the network: \(names.joined(separator: ", "))")
        }
        if m.hardBoundary, let g = p.hardBoundaryValue {
            lines.append("  hard boundary condition: u = \(g) + φ·N with φ the geometry's smooth distance (R-functions); the boundary loss only checks it")
        }
        lines.append("  \(m.hardBoundary ? "boundary conditions (exact by construction; the loss only monitors them)" : "conditions as losses"): \(p.boundaries.isEmpty ? "u = 0 on the boundary" : p.boundaries.map { $0.describe(coefficient: ["darcy": "K", "heat": "κ", "reaction-diffusion": "D"][p.pde.rawValue]!) }.joined(separator: "; "))\(p.time == nil ? "" : m.hardBoundary ? "; initial condition as a loss: u(·, 0) = u₀" : "; u(·, 0) = u₀")")
        for name in Self.profileOrder(p.pinnTrainingProfiles.keys) {
            guard let t = p.pinnTrainingProfiles[name] else { continue }
            let points = "\(t.collocation) collocation (\(t.sampling.rawValue)\(t.resampleEvery > 0 ? ", resampled every \(t.resampleEvery)" : "")\(t.refineEvery > 0 ? ", +\(t.refineAdd) of \(t.refineCandidates) by residual every \(t.refineEvery)" : "")), \(t.boundaryPoints) boundary" + (p.time == nil ? "" : ", \(t.initialPoints) initial")
            let weights = t.multitask.map { "multi-task strategy over the terms: \($0.explanation)" }
                ?? ("weights \(t.weighting.rawValue) residual \(t.weights.residual), boundary \(t.weights.boundary)" + (p.time == nil ? "" : ", initial \(t.weights.initial)"))
            lines.append("  \(name): \(t.steps) Adam steps lr \(t.learningRate)\(t.decayRate < 1 ? " ×\(t.decayRate) every \(t.decayEvery)" : ""), then \(t.lbfgsIterations) L-BFGS iterations; \(points); \(weights)")
        }
        return lines
    }

    /// What `tandem train` and `tandem transfer` would do with the file's `[model]`, `[training]`, `[transfer]`.
    func operatorSummary() -> [String] {
        let p = problem, m = p.model
        var lines: [String] = []
        let branch: String
        switch m.branchInput {
        case .fields: branch = "CNN over \(m.maskChannel ? "[standardised log K, mask]" : "[standardised log K] (no mask channel)"), filters \(m.filters), \(m.kernel)×\(m.kernel) kernels, head \(m.branchLayers)"
        case .parameters: branch = "dense over the geometry family's parameters, hidden \(m.branchLayers)"
        case .functionalForm: branch = "dense over [polynomial coefficients of R(u) to degree \(m.encodingDegree) ‖ initial condition], hidden \(m.branchLayers)\(m.layerNorm ? ", LayerNorm" : "")"
        }
        let scaling = m.outputScaling == .global ? "; outputs standardised globally" : ""
        if let f = m.fourier {
            lines.append("Model (tandem train): Fourier neural operator over \(m.maskChannel ? "[standardised log K, mask, x, y]" : "[standardised log K, x, y]"), \(f.blocks) blocks of width \(f.width), modes \(f.modes[0]) × \(f.modes[1]) (\(2 * f.modes[0]) × \(f.modes[1]) kept), padding \(f.padding), projection \(f.projection), \(m.activation.rawValue)\(scaling)")
        } else if let pod = m.pod {
            lines.append("Model (tandem train): POD-DeepONet, \(m.activation.rawValue); branch: \(branch) → the coefficients of the training outputs' POD modes reaching \(pod.energy) of the energy (at most \(pod.maximumModes))\(scaling)")
        } else {
            lines.append("Model (tandem train): DeepONet, latent \(m.latent), \(m.activation.rawValue); branch: \(branch); trunk hidden \(m.trunkLayers)\(m.conditionedTrunk ? " over the point and the branch input (conditioned)" : "")\(scaling)")
        }
        for name in Self.profileOrder(p.trainingProfiles.keys) {
            guard let t = p.trainingProfiles[name] else { continue }
            let split: String
            switch t.split {
            case let .random(f): split = "random \(Int((f * 100).rounded()))% train"
            case let .geometry(train): split = "train on \(train.joined(separator: ", "))"
            case let .parameter(parameter, values): split = "train where \(parameter) ∈ {\(values.map { String($0) }.joined(separator: ", "))}"
            case let .samples(train, test): split = "\(train) train, \(test) test samples"
            }
            lines.append("  \(name): \(t.samples) samples\(t.geometries.map { " on \($0.joined(separator: ", "))" } ?? "")\(t.families.map { " of family \($0.joined(separator: ", "))" } ?? ""), \(t.steps) steps, batch \(t.batch)\(t.points.map { ", \($0) points" } ?? ""), \(t.optimizer.rawValue) lr \(t.rateDescription), loss \(t.loss.rawValue); split: \(split)")
            if let multitask = t.multitask {
                lines.append("    multi-task: per-task losses (one per \(p.pde == .reactionDiffusion ? "reaction family" : "geometry family")), each the mean over its own samples and mask, from batches holding every task; \(multitask.explanation)")
            }
        }
        if let transfer = p.transferProfiles["paper"] {
            lines.append("Transfer (tandem transfer): to \(transfer.geometry), trainable \(transfer.trainable.joined(separator: ", "))\(transfer.anchorStrength > 0 ? ", L2-SP toward the source weights with α = \(transfer.anchorStrength)" : "")")
            for name in Self.profileOrder(p.transferProfiles.keys) {
                guard let t = p.transferProfiles[name]?.training, case let .samples(train, test) = t.split else { continue }
                lines.append("  \(name): \(train) training and \(test) test samples, \(t.steps) steps, batch \(t.batch), loss \(t.loss.rawValue)")
            }
        }
        return lines
    }

    static func describe(_ field: PDEProblem.RandomField, _ inner: String) -> String {
        switch field.transform {
        case .lognormal: return "exp(\(field.mean) + \(inner))"
        case .gaussian: return "\(field.mean) + \(inner)"
        case .logistic: return "1/(1 + exp(−(\(field.mean) + \(inner))))"
        }
    }
}

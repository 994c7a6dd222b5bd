import TandemExpressions
/// Physics-informed networks: `[model] kind = "pinn"`, its `[training]` settings, and the
/// residual `[pde] residual` (the PINN family writes the PDE kind's own equation when there is none).
extension PDEProblem {
    /// `[model]` with `kind = "pinn"`: an MLP from `(x[, y[, z]][, t])` to `u`.
    public struct PINNModel: Sendable, Equatable {
        /// Hidden widths.
        public var layers: [Int]
        /// A smooth activation (Taylor-mode jets need σ' and σ''): tanh, sin, silu, gelu, sigmoid or softplus.
        public var activation: ActivationName
        /// Impose the Dirichlet condition exactly by the output transform `u = g + φ·N`, `φ` the
        /// geometry's smooth distance function (every condition must be Dirichlet with one value `g`).
        public var hardBoundary: Bool
        /// Random Fourier features in front of the network, `γ(x) = [sin 2πxB, cos 2πxB]` with
        /// `B: [inputs, fourierFeatures]` drawn from `N(0, fourierScale²)`; 0 = none.
        public var fourierFeatures: Int = 0
        /// The standard deviation `σ` of the Fourier frequencies (in cycles per unit length).
        public var fourierScale: Double = 1
    }

    /// The one Dirichlet value `g` a hard boundary condition imposes: every `[[boundary]]` must be
    /// Dirichlet with the same value (`u = 0` when there is none).
    public var hardBoundaryValue: Expression? {
        guard boundaries.allSatisfy({ $0.kind == .dirichlet }) else { return nil }
        let values = boundaries.map(\.value)
        guard let first = values.first else { return .number(0) }
        return values.allSatisfy { $0 == first } ? first : nil
    }

    /// `[training]` of a PINN (with a profile's overrides applied).
    public struct PINNTraining: Sendable, Equatable {
        /// How loss terms are weighted.
        public enum Weighting: String, CaseIterable, Sendable {
            /// The declared weights throughout.
            case fixed
            /// Learning-rate annealing (Wang, Teng & Perdikaris 2021, arXiv:2001.04536): every
            /// `annealEvery` steps, `λ̂ₖ = max|∇θ L_r| / mean|∇θ λₖLₖ|`, `λₖ ← (1 − α)λₖ + αλ̂ₖ`.
            case annealing
        }
        /// Adam steps.
        public var steps: Int
        /// Adam's initial learning rate.
        public var learningRate: Double
        /// Exponential decay factor per `decayEvery` steps (staircase); 1 = constant.
        public var decayRate: Double
        /// Steps between decays.
        public var decayEvery: Int
        /// Interior (residual) points.
        public var collocation: Int
        /// Points on the boundary (for transient problems: over all times).
        public var boundaryPoints: Int
        /// Points at `t = 0` (transient problems).
        public var initialPoints: Int
        /// How collocation points are spread (spelled as `TandemGeometry.Shape.Sampling`, which
        /// the PINN setup maps it onto by raw value).
        public enum Sampling: String, CaseIterable, Sendable {
            /// Independent uniform points.
            case uniform
            /// The scrambled Halton sequence.
            case halton
            /// The scrambled Sobol sequence.
            case sobol
            /// Latin hypercube.
            case latinHypercube = "latin-hypercube"
        }
        /// How collocation points are spread.
        public var sampling: Sampling
        /// Steps between draws of new collocation points; 0 keeps the first draw.
        public var resampleEvery: Int
        /// Residual-based adaptive refinement: every `refineEvery` steps (0: never), the `refineAdd`
        /// points of largest |residual| among `refineCandidates` fresh ones join the collocation set.
        public var refineEvery: Int, refineCandidates: Int, refineAdd: Int
        /// Loss weights of the residual, boundary and initial terms.
        public var weights: (residual: Double, boundary: Double, initial: Double)
        /// Fixed weights or learning-rate annealing.
        public var weighting: Weighting
        /// Steps between annealing updates, and its moving-average factor `α`.
        public var annealEvery: Int, annealAlpha: Double
        /// `[training.multitask]`: a strategy for the loss terms in place of `weighting`.
        public var multitask: MultiTaskSpec?
        /// L-BFGS iterations after Adam, on the final collocation set (0: none).
        public var lbfgsIterations: Int
        /// Steps between checkpoints.
        public var checkpointEvery: Int
        /// Seed of initialisation and point sampling.
        public var seed: UInt64

        /// Equality of every setting.
        public static func == (a: PINNTraining, b: PINNTraining) -> Bool {
            a.steps == b.steps && a.learningRate == b.learningRate && a.decayRate == b.decayRate && a.decayEvery == b.decayEvery
                && a.collocation == b.collocation && a.boundaryPoints == b.boundaryPoints && a.initialPoints == b.initialPoints
                && a.sampling == b.sampling && a.resampleEvery == b.resampleEvery && a.refineEvery == b.refineEvery
                && a.refineCandidates == b.refineCandidates && a.refineAdd == b.refineAdd && a.weights == b.weights
                && a.weighting == b.weighting && a.annealEvery == b.annealEvery && a.annealAlpha == b.annealAlpha && a.multitask == b.multitask
                && a.lbfgsIterations == b.lbfgsIterations && a.checkpointEvery == b.checkpointEvery && a.seed == b.seed
        }
    }

    /// `[inverse]`: coefficients learned together with the network from observations.
    public struct Inverse: Sendable, Equatable {
        /// The observations file (NetCDF), as written in the problem file: 1-D variables named
        /// after the axes (`x`, `y`, `z`, `t`) and `u`, one entry per observation. Relative paths
        /// are relative to the problem file.
        public var observations: String
        /// The unknowns (parameters of `[inputs.parameters]`, whose values there are the truth the
        /// report compares with) and the values training starts from.
        public var unknowns: [String: Double]
        /// Weight of the data term `mean (u(xₖ) − uₖ)²` in the loss.
        public var dataWeight: Double
        /// The unknowns' Adam learning rate as a multiple of the network's (`learning_rate_factor`).
        public var learningRateFactor: Double = 1

        /// The unknowns' names, sorted.
        public var names: [String] { unknowns.keys.sorted() }
    }

    /// The PINN's input axes: the coordinates, then `t` for transient problems.
    public var pinnAxes: [String] { Self.coordinates(dimension) + (time == nil ? [] : ["t"]) }

    /// The name of a derivative of `u` in residual expressions: `u_x`, `u_xx`, `u_xy`, `u_t`
    /// (``DerivativeNames/name(_:)``).
    public static func derivativeName(_ axes: [String]) -> String { DerivativeNames.name(axes) }

    /// The derivative names a residual over `axes` may use (``DerivativeNames/all(axes:)``).
    public static func derivativeNames(axes: [String]) -> [String] { DerivativeNames.all(axes: axes) }

    /// The names a residual may use for a coefficient read from a file — `K, K_x, K_y` (by kind
    /// and dimension) — or none.
    public var coefficientFieldNames: [String] {
        guard case .file = coefficient else { return [] }
        let symbol = pde.coefficientSymbol
        return [symbol] + Self.coordinates(dimension).map { symbol + "_" + $0 }
    }

    /// Decodes `[model]` of kind pinn and checks that the problem is one instance a PINN can solve.
    static func decodePINNModel(_ t: SpecTable, problem: PDEProblem) throws -> PINNModel {
        let layers = try t.ints("layers") ?? [64, 64, 64, 64]
        guard !layers.isEmpty, layers.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else { throw t.error("layers", "expected hidden widths between 1 and 4096, got \(layers)") }
        let activation = try t.choice("activation", ActivationName.self) ?? .tanh
        guard [.tanh, .sin, .silu, .gelu, .sigmoid, .softplus].contains(activation) else {
            throw t.error("activation", "\(activation.rawValue) has no second derivative for the residual; expected tanh, sin, silu, gelu, sigmoid or softplus")
        }
        let hard = try t.bool("hard_boundary") ?? false
        let features = try t.int("fourier_features") ?? 0
        guard (0...4096).contains(features) else { throw t.error("fourier_features", "expected a number of features between 0 (none) and 4096, got \(features)") }
        let scale = try t.double("fourier_scale") ?? 1
        guard scale > 0, scale.isFinite else { throw t.error("fourier_scale", "expected a positive standard deviation of the frequencies, got \(scale)") }
        try t.finish()
        if hard && problem.hardBoundaryValue == nil {
            throw t.error("hard_boundary", "needs every [[boundary]] to be Dirichlet with one value expression (u = g everywhere on the boundary); this file has \(problem.boundaries.map { "\($0.kind.rawValue) \($0.value)" }.joined(separator: ", "))")
        }
        if case .random = problem.initial { throw problem.error(at: "pde.initial", "is a random field; a PINN solves one problem instance, so give an expression") }
        if let ranged = problem.parameters.first(where: { $0.range.lowerBound != $0.range.upperBound }) {
            throw problem.error(at: "inputs.parameters.\(ranged.name)", "is a range; a PINN solves one problem instance, so give a number")
        }
        guard problem.geometries.count == 1 else {
            throw problem.error(at: "geometry", "declares \(problem.geometries.count) geometries; a PINN solves on one")
        }
        return PINNModel(layers: layers, activation: activation, hardBoundary: hard, fourierFeatures: features, fourierScale: scale)
    }

    /// Decodes `[inverse]`: the observations file and the unknowns with their starting values.
    static func decodeInverse(_ t: SpecTable, problem: PDEProblem) throws -> Inverse {
        let observations = try t.requiredString("observations", "the NetCDF file of observations (variables \(problem.pinnAxes.joined(separator: ", ")) and u)")
        guard let table = try t.table("unknowns"), !table.table.keys.isEmpty else {
            throw t.missing("unknowns", "a table of the parameters to learn with their starting values, e.g. { D = 0.02, rho = 0.5 }")
        }
        var unknowns: [String: Double] = [:]
        for name in table.table.keys.sorted() {
            guard problem.parameters.contains(where: { $0.name == name }) else {
                throw table.error(name, "is not a parameter of [inputs.parameters] (\(problem.parameters.map(\.name).joined(separator: ", "))); declare it there with its true value")
            }
            if case let .expression(k) = problem.coefficient, k.variables.contains(name),
               let flux = problem.boundaries.first(where: { $0.kind != .dirichlet }) {
                throw table.error(name, "is in the coefficient \(k), which a \(flux.kind.rawValue) condition uses with its true value; learning it needs Dirichlet conditions only")
            }
            guard let start = try table.double(name), start.isFinite else { throw table.error(name, "expected a starting value") }
            unknowns[name] = start
        }
        try table.finish()
        let weight = try t.double("data_weight") ?? 1
        guard weight > 0, weight.isFinite else { throw t.error("data_weight", "expected a positive weight, got \(weight)") }
        let factor = try t.double("learning_rate_factor") ?? 1
        guard factor > 0, factor.isFinite else { throw t.error("learning_rate_factor", "expected a positive multiple of the training learning rate, got \(factor)") }
        try t.finish()
        return Inverse(observations: observations, unknowns: unknowns, dataWeight: weight, learningRateFactor: factor)
    }

    /// Decodes a PINN's `[training]` and its profiles (`[training.quick]`, …).
    static func decodePINNTraining(_ t: SpecTable?, problem: PDEProblem) throws -> [String: PINNTraining] {
        try ProblemHeader.decodeProfiles(t, ignoring: ["weights", "multitask"]) { table, base in try readPINNTraining(table, over: base, problem: problem) }
    }

    static func readPINNTraining(_ t: SpecTable?, over base: PINNTraining?, problem: PDEProblem) throws -> PINNTraining {
        let sampling = try t?.choice("sampling", PINNTraining.Sampling.self, noun: "sampling") ?? base?.sampling ?? .latinHypercube
        var weights = base?.weights ?? (1, 1, 1)
        if let w = try t?.table("weights") {
            func weight(_ key: String, _ fallback: Double) throws -> Double {
                let v = try w.double(key) ?? fallback
                guard v > 0, v.isFinite else { throw w.error(key, "expected a positive weight, got \(v)") }
                return v
            }
            weights = (try weight("residual", weights.0), try weight("boundary", weights.1), try weight("initial", weights.2))
            try w.finish()
        }
        let alpha = try t.positiveNumber("anneal_alpha", base?.annealAlpha ?? 0.1)
        guard alpha <= 1 else { throw t!.error("anneal_alpha", "expected a factor in (0, 1], got \(alpha)") }
        let training = PINNTraining(
            steps: try t.integer("steps", base?.steps ?? 5000, minimum: 0),
            learningRate: try t.positiveNumber("learning_rate", base?.learningRate ?? 1e-3),
            decayRate: try t.positiveNumber("decay_rate", base?.decayRate ?? 1),
            decayEvery: try t.integer("decay_every", base?.decayEvery ?? 1000),
            collocation: try t.integer("collocation", base?.collocation ?? 4096),
            boundaryPoints: try t.integer("boundary_points", base?.boundaryPoints ?? 256),
            initialPoints: try t.integer("initial_points", base?.initialPoints ?? 256),
            sampling: sampling,
            resampleEvery: try t.integer("resample_every", base?.resampleEvery ?? 0, minimum: 0),
            refineEvery: try t.integer("refine_every", base?.refineEvery ?? 0, minimum: 0),
            refineCandidates: try t.integer("refine_candidates", base?.refineCandidates ?? 10000),
            refineAdd: try t.integer("refine_add", base?.refineAdd ?? 100),
            weights: weights,
            weighting: try t?.choice("weighting", PINNTraining.Weighting.self) ?? base?.weighting ?? .fixed,
            annealEvery: try t.integer("anneal_every", base?.annealEvery ?? 100),
            annealAlpha: alpha,
            multitask: try MultiTaskSpec.read(try t?.table("multitask"), over: base?.multitask,
                                              seed: UInt64(try t.integer("seed", Int(base?.seed ?? problem.header.seed ?? 0), minimum: 0))),
            lbfgsIterations: try t.integer("lbfgs_iterations", base?.lbfgsIterations ?? 0, minimum: 0),
            checkpointEvery: try t.integer("checkpoint_every", base?.checkpointEvery ?? 500),
            seed: UInt64(try t.integer("seed", Int(base?.seed ?? problem.header.seed ?? 0), minimum: 0)))
        if training.refineEvery > 0, training.resampleEvery > 0 {
            throw t!.error("refine_every", "adaptive refinement adds to a fixed collocation set; set resample_every = 0 or refine_every = 0")
        }
        return training
    }
}

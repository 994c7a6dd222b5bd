import TandemExpressions
import Foundation
import TOMLKit

/// The PDE payload of a problem file (``Problem/Payload/pde(_:)``): what to solve, on which
/// geometries, with which inputs, and the DeepONet or PINN trained on it.
///
/// It needs `[pde]` and at least one `[[geometry]]`; `[reference]`, `[time]`, `[inputs]`,
/// `[[boundary]]`, `[[reaction]]`, `[model]`, `[training]`, `[inverse]` and `[transfer]` are
/// read here too. See `docs/problem-file.md` for every key.
public struct PDEProblem: Sendable {
    /// The PDEs the reference solvers support.
    public enum PDEKind: String, CaseIterable, Sendable {
        /// `−∇·(K∇u) = f` (Poisson when `K = 1`).
        case darcy
        /// `∂T/∂t = ∇·(κ∇T) + q`, or its steady form `−∇·(κ∇T) = q` when there is no `[time]`.
        case heat
        /// `∂u/∂t = ∇·(D∇u) + R(u)` with `R` a polynomial in `u`.
        case reactionDiffusion = "reaction-diffusion"

        /// The problem-file key of the diffusion coefficient.
        public var coefficientKey: String {
            switch self {
            case .darcy: return "permeability"
            case .heat: return "conductivity"
            case .reactionDiffusion: return "diffusivity"
            }
        }

        /// The coefficient's symbol in NetCDF files and residuals: `K`, `kappa` or `D`.
        public var coefficientSymbol: String {
            switch self {
            case .darcy: return "K"
            case .heat: return "kappa"
            case .reactionDiffusion: return "D"
            }
        }
    }

    /// One `[[boundary]]` table: a condition on named faces of the grid box, or on the rest of
    /// the boundary.
    public struct BoundaryCondition: Sendable {
        /// The condition's type.
        public enum Kind: String, CaseIterable, Sendable {
            /// `u = value`.
            case dirichlet
            /// `K ∂u/∂n = value`, `n` the outward normal.
            case neumann
            /// `K ∂u/∂n + α·u = value`.
            case robin
        }
        /// Dirichlet, Neumann or Robin.
        public var kind: Kind
        /// The box faces (`2·d + side`: 0 x-min, 1 x-max, 2 y-min, …), or `nil` for the rest of
        /// the boundary.
        public var faces: [Int]?
        /// The value `g`, an expression of the coordinates (and `t` for transient problems).
        public var value: Expression
        /// `α` of a Robin condition.
        public var alpha: Double?

        /// `x-min`, `x-max`, `y-min`, … for face `2·d + side`.
        public static func faceName(_ face: Int) -> String {
            "\(["x", "y", "z"][face / 2])-\(face % 2 == 0 ? "min" : "max")"
        }

        /// The condition as a formula, e.g. `K ∂u/∂n + 2·u = 0 on x-min, y-max`.
        public func describe(coefficient: String) -> String {
            let place = faces.map { "on " + $0.map(Self.faceName).joined(separator: ", ") } ?? "on the rest of the boundary"
            switch kind {
            case .dirichlet: return "u = \(value) \(place) (Dirichlet)"
            case .neumann: return "\(coefficient) ∂u/∂n = \(value) \(place) (Neumann)"
            case .robin: return "\(coefficient) ∂u/∂n + \(alpha!)·u = \(value) \(place) (Robin)"
            }
        }
    }

    /// A reaction family: `R(u)` as an expression of `u` and the file's parameters.
    public struct Reaction: Sendable {
        /// The family name.
        public var name: String
        /// `R(u)`.
        public var expression: Expression
    }

    /// Time integration settings (`[time]`).
    public struct Time: Sendable {
        /// The time discretisation.
        public enum Scheme: String, CaseIterable, Sendable {
            case backwardEuler = "backward-euler"
            case crankNicolson = "crank-nicolson"
        }
        /// Final time.
        public var end: Double
        /// Time steps over `[0, end]`.
        public var steps: Int
        /// Backward Euler or Crank–Nicolson.
        public var scheme: Scheme
        /// The number of output times after `t = 0`.
        public var outputs: Int
        /// `[time] output_times`: the output times after `t = 0`, increasing, in `(0, end]`;
        /// `nil` for `outputs` evenly spaced times.
        public var outputTimes: [Double]?

        /// - Parameter outputTimes: explicit output times (their count replaces `outputs`).
        public init(end: Double, steps: Int, scheme: Scheme, outputs: Int, outputTimes: [Double]? = nil) {
            self.end = end
            self.steps = steps
            self.scheme = scheme
            self.outputs = outputTimes?.count ?? outputs
            self.outputTimes = outputTimes
        }

        /// Every time written: `t = 0`, then the explicit list or `outputs` evenly spaced times
        /// `end·k/outputs`.
        public var times: [Double] {
            [0] + (outputTimes ?? (1...outputs).map { end * Double($0) / Double(outputs) })
        }

        /// The steps from each output time to the next: `steps/outputs` each when evenly spaced;
        /// with an explicit list, `⌈length/Δt⌉` equal steps per interval, `Δt = end/steps`, so
        /// the integration lands on every listed time.
        public var stepsPerOutput: [Int] {
            guard outputTimes != nil else { return Array(repeating: steps / outputs, count: outputs) }
            let t = times, dt = end / Double(steps)
            return (1..<t.count).map { k in Swift.max(1, Int(((t[k] - t[k - 1]) / dt - 1e-9).rounded(.up))) }
        }
    }

    /// An initial condition: an expression of the coordinates, or a random field per sample.
    public enum Initial: Sendable {
        case expression(Expression)
        case random(RandomField)
    }

    /// A coefficient field: an expression of the coordinates (and parameters), a random field
    /// per sample, or a field read from a NetCDF file.
    public enum Coefficient: Sendable {
        case expression(Expression)
        case random(RandomField)
        case file(CoefficientFile)
    }

    /// A coefficient given on a rectilinear grid in a NetCDF file: a variable whose last
    /// dimensions are the coordinate axes (`…, y, x`, each with a 1-D coordinate variable of
    /// increasing values), optionally after a leading sample dimension — the layout
    /// `tandem solve` writes. Values between grid points are interpolated multilinearly.
    public struct CoefficientFile: Sendable, Equatable {
        /// The file, as written in the problem file (relative paths are relative to it).
        public var path: String
        /// The variable holding the coefficient.
        public var variable: String
        /// The index along a leading sample dimension, if the variable has one.
        public var sample: Int
    }

    /// A random coefficient: `K = exp(mean + GRF)` (`lognormal`) or `K = mean + GRF` (`gaussian`).
    public struct RandomField: Sendable {
        /// `lognormal`: `exp(mean + a)`; `gaussian`: `mean + a`; `logistic`: `1/(1 + e^{−(mean + a)})`, in (0, 1).
        public enum Transform: String, CaseIterable, Sendable { case lognormal, gaussian, logistic }
        /// The covariance function.
        public enum Covariance: String, CaseIterable, Sendable { case squaredExponential = "squared-exponential", spherical }
        /// How the Gaussian field becomes the coefficient.
        public var transform: Transform
        /// The covariance function.
        public var covariance: Covariance
        /// Correlation length.
        public var length: Double
        /// Pointwise variance of the Gaussian field.
        public var variance: Double
        /// Karhunen–Loève terms kept.
        public var terms: Int
        /// Added to the field before the transform.
        public var mean: Double
    }

    /// A named geometry.
    public struct Geometry: Sendable {
        /// The geometry name, unique in the file (a family member's name carries its parameter
        /// values: `plate(n=2, p=0.9)`).
        public var name: String
        /// Its declaration, with a family's parameters substituted.
        public var shape: ShapeSpec
        /// The family this geometry belongs to (the `[[geometry]]` table's name), or its own name.
        public var family: String
        /// The family parameters of this member, in the order of ``Problem/familyParameters``
        /// for its family; empty for a single geometry.
        public var parameters: [(name: String, value: Double)]
    }

    /// The reference discretisation and sampling.
    public struct Reference: Sendable {
        /// Grid points per axis.
        public var grid: [Int]
        /// The grid's box; `nil` means the union of the geometries' bounding boxes.
        public var lower: [Double]?
        /// Upper corner of the grid box (see `lower`).
        public var upper: [Double]?
        /// Samples `tandem solve` computes by default.
        public var samples: Int
        /// Random seed by default.
        public var seed: UInt64
    }

    /// Which equation.
    public var pde: PDEKind
    /// `K` (darcy), `κ` (heat) or `D` (reaction–diffusion).
    public var coefficient: Coefficient
    /// `f` or `q`; for transient heat it may depend on `t`.
    public var source: Expression
    /// Reaction families (reaction–diffusion); each sample uses family `sample mod count`.
    public var reactions: [Reaction]
    /// Parameters of the reactions, with the range each is drawn from (uniformly, per sample).
    public var parameters: [(name: String, range: ClosedRange<Double>)]
    /// The initial condition of transient problems.
    public var initial: Initial?
    /// `nil` for a steady problem.
    public var time: Time?
    /// The geometries, in file order.
    public var geometries: [Geometry]
    /// The boundary conditions, in file order (see ``condition(onFace:)``).
    public var boundaries: [BoundaryCondition]
    /// Grid, samples and seed.
    public var reference: Reference
    /// The operator trained on the reference data (`[model]`).
    public var model: Model
    /// Training settings by profile (`paper` is `[training]` itself, `quick` its
    /// `[training.quick]` overrides; without overrides both are the same).
    public var trainingProfiles: [String: Training]
    /// `[model] kind`: a DeepONet (``model``, ``trainingProfiles``) or a PINN (``pinnModel``,
    /// ``pinnTrainingProfiles``).
    public var modelKind: Problem.ModelKind
    /// Whether the file has a `[model]` table (only `tandem train` needs one).
    public var declaresModel: Bool
    /// The PINN of `[model] kind = "pinn"`, else `nil`.
    public var pinnModel: PINNModel?
    /// A PINN's `[training]` profiles by name (`paper` is the table itself); empty for DeepONets.
    public var pinnTrainingProfiles: [String: PINNTraining]
    /// `[pde] residual`: the residual a PINN drives to zero, over `u`, its derivatives
    /// (`u_x`, `u_xx`, `u_xy`, `u_t`, …), the coordinates and the parameters; `nil` to use the PDE
    /// kind's equation, written by the PINN family as a conservation law (`TandemPINN.ConservationLaw`).
    public var residual: Expression?
    /// `[inverse]` of a PINN problem: unknown coefficients learned from observations.
    public var inverse: Inverse?
    /// Transfer to a new geometry by profile (`[transfer]` and `[transfer.quick]`); empty when
    /// the file has no `[transfer]` table.
    public var transferProfiles: [String: Transfer]
    /// The file's header: name, description, default seed, text and origin.
    public var header: ProblemHeader

    /// The problem's name.
    public var name: String { header.name }
    /// One-line description.
    public var summary: String { header.summary }
    /// The file's text, kept for provenance.
    public var text: String { header.text }
    /// The file's name, for messages.
    public var file: String { header.file }
    /// The directory of the file it was read from (relative paths in the file are relative to
    /// it); `nil` for a problem decoded from text.
    public var directory: String? { header.directory }

    /// An error about `keyPath` in this file, located at its line.
    public func error(at keyPath: String, _ message: String) -> ProblemFileError { header.error(at: keyPath, message) }

    /// Profile `name` of `profiles` (decoded from the table at `keyPath`).
    /// - Throws: ``ProblemFileError`` at `keyPath` listing the profiles the file has.
    public func profile<Profile>(_ name: String, of profiles: [String: Profile], at keyPath: String) throws -> Profile {
        try header.profile(name, of: profiles, at: keyPath)
    }

    /// The spatial dimension (1, 2 or 3).
    public var dimension: Int { geometries[0].shape.dimension }

    /// Coordinate names for `dimension`: `x`, `x y` or `x y z`.
    public static func coordinates(_ dimension: Int) -> [String] { Array(["x", "y", "z"].prefix(dimension)) }

    /// Decodes the PDE payload from the file's root table (which ``Problem`` finishes).
    init(_ root: SpecTable, header: ProblemHeader) throws {
        self.header = header
        let context = root.context

        let geometryTables = try root.tables("geometry")
        guard !geometryTables.isEmpty else { throw context.error("geometry", "missing; expected at least one [[geometry]] table") }
        var geometries: [Geometry] = []
        for t in geometryTables {
            guard geometries.count < Self.maximumGeometries else {
                throw t.error("name", "is geometry \(geometries.count + 1); at most \(Self.maximumGeometries) are supported in one file")
            }
            let geometryName = try t.requiredString("name", "a name for the geometry")
            if geometries.contains(where: { $0.family == geometryName }) { throw t.error("name", "duplicate geometry name \"\(geometryName)\"") }
            var members: [[(name: String, value: Double)]] = [[]]
            if let family = try t.table("family") {
                var columns: [(name: String, values: [Double])] = []
                for name in family.table.keys.sorted() {
                    guard !["x", "y", "z", "t", "u", "i", "pi", "e"].contains(name) else {
                        throw family.error(name, "is a reserved name; choose another family parameter name")
                    }
                    guard let values = try family.doubles(name), !values.isEmpty else {
                        throw family.error(name, "expected a non-empty array of values")
                    }
                    columns.append((name, values))
                }
                // Counted before the product is formed: 10⁸ designs must be refused, not built.
                let count = columns.reduce(1.0) { $0 * Double($1.values.count) }
                guard count + Double(geometries.count) <= Double(Self.maximumGeometries) else {
                    throw t.error("family", "declares \(Self.format(count)) geometries; at most \(Self.maximumGeometries) are supported in one file")
                }
                for (name, values) in columns { members = members.flatMap { m in values.map { m + [(name, $0)] } } }
                try family.finish()
            }
            for member in members {
                t.bindings = Dictionary(uniqueKeysWithValues: member.map { ($0.name, $0.value) })
                let label = member.isEmpty ? geometryName
                    : "\(geometryName)(" + member.map { "\($0.name)=\(Self.format($0.value))" }.joined(separator: ", ") + ")"
                geometries.append(Geometry(name: label, shape: try ShapeSpec.decode(t), family: geometryName, parameters: member))
            }
            t.bindings = [:]
            try t.finish()
        }
        let dimension = geometries[0].shape.dimension
        for (i, g) in geometries.enumerated() where g.shape.dimension != dimension {
            throw context.error("geometry[\(i)]", "is \(g.shape.dimension)-D but geometry[0] is \(dimension)-D; all geometries share one dimension")
        }
        self.geometries = geometries
        let coordinates = Set(Self.coordinates(dimension))

        guard let pde = try root.table("pde") else { throw context.error("pde", "missing; expected a [pde] table") }
        let kind = try pde.choice("kind", PDEKind.self) ?? { throw pde.missing("kind", "one of \(PDEKind.allCases.map(\.rawValue).joined(separator: ", "))") }()
        self.pde = kind
        let inputs = try root.table("inputs")
        let timeTable = try root.table("time")
        if let t = timeTable {
            guard kind != .darcy else { throw t.error("end", "darcy problems are steady; remove [time] or use kind = \"heat\"") }
            let end = try t.requiredDouble("end", "the final time, a positive number")
            guard end > 0 else { throw t.error("end", "expected a positive number, got \(end)") }
            let steps = try t.int("steps") ?? 100
            guard steps >= 1, steps <= Self.maximumSteps else {
                throw t.error("steps", "expected a positive integer of at most \(Self.maximumSteps), got \(steps)")
            }
            let outputTimes = try t.doubles("output_times", count: 1...100_000)
            if let outputTimes {
                guard !t.has("outputs") else { throw t.error("output_times", "give outputs (a count of evenly spaced times) or output_times (a list), not both") }
                guard outputTimes.allSatisfy({ $0 > 0 && $0 <= end }) else {
                    throw t.error("output_times", "expected times in (0, end = \(end)]; t = 0 is always written first, got \(outputTimes)")
                }
                if let k = outputTimes.indices.dropFirst().first(where: { outputTimes[$0] <= outputTimes[$0 - 1] }) {
                    throw t.error("output_times", "expected increasing times, but \(outputTimes[k]) follows \(outputTimes[k - 1])")
                }
            }
            let outputs = try t.int("outputs") ?? min(steps, 20)
            guard outputs <= 100_000 else { throw t.error("outputs", "expected at most 100000 output times, got \(outputs)") }
            guard outputTimes != nil || (outputs >= 1 && steps % outputs == 0) else {
                throw t.error("outputs", "expected a positive divisor of steps (\(steps)), got \(outputs); for times that do not divide [0, end] evenly list them as output_times")
            }
            self.time = Time(end: end, steps: steps, scheme: try t.choice("scheme", Time.Scheme.self) ?? .crankNicolson, outputs: outputs,
                             outputTimes: outputTimes)
            try t.finish()
        } else {
            if kind == .reactionDiffusion { throw context.error("time", "missing; reaction-diffusion problems need a [time] table") }
            self.time = nil
        }
        let withTime = coordinates.union(self.time == nil ? [] : ["t"])
        self.source = try pde.expression("source", variables: withTime) ?? .number(0)

        // Parameters: fixed numbers or [low, high] ranges.
        var parameters: [(name: String, range: ClosedRange<Double>)] = []
        if let table = try inputs?.table("parameters") {
            for name in table.table.keys.sorted() {
                guard !coordinates.contains(name), !["t", "u", "pi", "e"].contains(name) else {
                    throw table.error(name, "is a reserved name; choose another parameter name")
                }
                if let value = try? table.double(name) {
                    guard value.isFinite else { throw table.error(name, "expected a finite number, got \(value)") }
                    parameters.append((name, value...value))
                } else if let range = try table.doubles(name, count: 2...2) {
                    guard range.allSatisfy(\.isFinite) else { throw table.error(name, "expected finite bounds, got [\(range[0]), \(range[1])]") }
                    guard range[0] <= range[1] else { throw table.error(name, "range [\(range[0]), \(range[1])] must be increasing") }
                    parameters.append((name, range[0]...range[1]))
                }
            }
            try table.finish()
        }
        self.parameters = parameters

        let coefficientKey = kind.coefficientKey
        if try pde.string(coefficientKey) == "random" {
            guard let field = try inputs?.table(coefficientKey) else {
                throw pde.error(coefficientKey, "is \"random\" but there is no [inputs.\(coefficientKey)] table")
            }
            self.coefficient = .random(try Self.randomField(field))
        } else if try pde.string(coefficientKey) == "file" {
            guard let table = try inputs?.table(coefficientKey) else {
                throw pde.error(coefficientKey, "is \"file\" but there is no [inputs.\(coefficientKey)] table with the file and variable")
            }
            let path = try table.requiredString("file", "the NetCDF file holding the coefficient (relative to the problem file)")
            let variable = try table.string("variable") ?? kind.coefficientSymbol
            let sample = try table.int("sample") ?? 0
            guard sample >= 0 else { throw table.error("sample", "expected an index from 0, got \(sample)") }
            try table.finish()
            self.coefficient = .file(CoefficientFile(path: path, variable: variable, sample: sample))
            let symbol = kind.coefficientSymbol
            if let clash = parameters.first(where: { $0.name == symbol || $0.name.hasPrefix(symbol + "_") }) {
                throw inputs!.error("parameters.\(clash.name)", "clashes with the coefficient read from a file, which residuals call \(symbol) (and \(symbol)_x, …); rename the parameter")
            }
        } else {
            // A coefficient expression may use the parameters (an inverse problem can learn them).
            self.coefficient = .expression(try pde.expression(coefficientKey, variables: coordinates.union(parameters.map(\.name))) ?? .number(1))
        }
        let reactionVariables = Set(["u"] + parameters.map(\.name))
        var reactions: [Reaction] = []
        if kind == .reactionDiffusion {
            let tables = try root.tables("reaction")
            guard !tables.isEmpty else { throw context.error("reaction", "missing; expected one or more [[reaction]] tables with an expression R(u)") }
            for t in tables {
                let name = try t.requiredString("name", "a name for the reaction family")
                guard let expression = try t.expression("expression", variables: reactionVariables) else {
                    throw t.missing("expression", "R(u) as an expression of u and the parameters")
                }
                do {
                    _ = try expression.polynomialCoefficients(in: "u", bindings: Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.range.lowerBound) }))
                } catch let e as ExpressionError {
                    throw t.error("expression", e.message)
                }
                reactions.append(Reaction(name: name, expression: expression))
                try t.finish()
            }
        }
        self.reactions = reactions

        if kind == .darcy {
            self.initial = nil
        } else if self.time != nil {
            if try pde.string("initial") == "random" {
                guard let field = try inputs?.table("initial") else { throw pde.error("initial", "is \"random\" but there is no [inputs.initial] table") }
                self.initial = .random(try Self.randomField(field))
            } else {
                self.initial = .expression(try pde.expression("initial", variables: coordinates) ?? .number(0))
            }
        } else {
            self.initial = nil
        }
        let axes = Self.coordinates(dimension) + (self.time == nil ? [] : ["t"])
        var fieldNames: [String] = []
        if case .file = self.coefficient { fieldNames = [kind.coefficientSymbol] + Self.coordinates(dimension).map { kind.coefficientSymbol + "_" + $0 } }
        self.residual = try pde.expression(
            "residual", variables: Set(axes + Self.derivativeNames(axes: axes) + parameters.map(\.name) + fieldNames))
        try pde.finish()
        try inputs?.finish()

        var boundaries: [BoundaryCondition] = []
        let faceNames = (0..<2 * dimension).map(BoundaryCondition.faceName)
        for b in try root.tables("boundary") {
            let kind = try b.choice("kind", BoundaryCondition.Kind.self) ?? { throw b.missing("kind", "one of dirichlet, neumann, robin") }()
            var faces: [Int]?
            if let names = try b.strings("on") {
                guard !names.isEmpty else { throw b.error("on", "expected one or more box faces (\(faceNames.joined(separator: ", "))), got []") }
                faces = try names.map { name in
                    guard let f = faceNames.firstIndex(of: name) else {
                        throw b.error("on", "unknown face \"\(name)\"; expected one of \(faceNames.joined(separator: ", "))")
                    }
                    if let other = boundaries.firstIndex(where: { $0.faces?.contains(f) == true }) {
                        throw b.error("on", "face \(name) already has a condition (boundary[\(other)])")
                    }
                    return f
                }
                if Set(faces!).count != faces!.count { throw b.error("on", "a face is listed twice") }
            } else {
                guard kind == .dirichlet else {
                    throw b.error("on", "missing; \(kind.rawValue) conditions apply to faces of the grid box (\(faceNames.joined(separator: ", "))); the rest of the boundary, curved parts included, takes a Dirichlet condition")
                }
                if let other = boundaries.firstIndex(where: { $0.faces == nil }) {
                    throw b.error("on", "missing, but boundary[\(other)] already covers the rest of the boundary; name the faces this condition applies to")
                }
            }
            let value = try b.expression("value", variables: coordinates.union(self.time == nil ? [] : ["t"])) ?? .number(0)
            var alpha: Double?
            if kind == .robin {
                let a = try b.requiredDouble("alpha", "the Robin coefficient α > 0 in K ∂u/∂n + α u = value")
                guard a > 0 else { throw b.error("alpha", "expected a positive number, got \(a)") }
                alpha = a
            } else if b.has("alpha") {
                throw b.error("alpha", "applies only to kind = \"robin\"")
            }
            boundaries.append(BoundaryCondition(kind: kind, faces: faces, value: value, alpha: alpha))
            try b.finish()
        }
        self.boundaries = boundaries

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
        let seed = try reference?.int("seed") ?? Int(header.seed ?? 0)
        guard seed >= 0 else { throw context.error("reference.seed", "expected a non-negative integer, got \(seed)") }
        let memoryLimit = try reference?.double("memory_limit_gb") ?? Self.defaultMemoryLimit
        guard memoryLimit > 0, memoryLimit.isFinite else { throw context.error("reference.memory_limit_gb", "expected a positive number of gigabytes, got \(memoryLimit)") }
        try reference?.finish()
        self.reference = Reference(grid: grid, lower: lower, upper: upper, samples: samples, seed: UInt64(seed))
        let needed = Self.memoryEstimate(grid: grid, geometries: geometries.count, times: time?.times.count ?? 1, samples: samples)
        guard needed <= memoryLimit * 1e9 else {
            let what = "\(grid.map(String.init).joined(separator: " × ")) points × \(geometries.count) geometr\(geometries.count == 1 ? "y" : "ies")"
                + (time.map { " × \($0.times.count) stored times" } ?? "") + " × \(samples) sample\(samples == 1 ? "" : "s")"
            throw context.error("reference.grid", "\(what) would need about \(String(format: "%.3g", needed / 1e9)) GB (masks, factorisations, solutions, the training set), "
                + "over the limit of \(Self.format(memoryLimit)) GB; use a coarser grid or fewer geometries, times or samples, or raise [reference] memory_limit_gb if the machine has the memory")
        }
        // Model and training depend on the rest of the problem (its kind, geometries, samples).
        self.model = Model(branchInput: .fields, branchLayers: [], filters: [], kernel: 1, trunkLayers: [], latent: 1,
                           activation: .relu, layerNorm: false, encodingDegree: 0, maskChannel: true, conditionedTrunk: false, outputScaling: .point)
        self.trainingProfiles = [:]
        self.transferProfiles = [:]
        self.modelKind = .deeponet
        self.declaresModel = false
        self.pinnModel = nil
        self.pinnTrainingProfiles = [:]
        self.inverse = nil
        let modelTable = try root.table("model")
        self.declaresModel = modelTable != nil
        self.modelKind = try modelTable?.choice("kind", Problem.ModelKind.self) ?? .deeponet
        if modelKind == .edaPINN {
            throw context.error("model.kind", "eda-pinn trains on physiological signals: it needs a [signals] table instead of [pde]")
        }
        if modelKind == .pinn {
            self.pinnModel = try Self.decodePINNModel(modelTable!, problem: self)
            self.pinnTrainingProfiles = try Self.decodePINNTraining(try root.table("training"), problem: self)
            if let t = try root.table("inverse") { self.inverse = try Self.decodeInverse(t, problem: self) }
        } else {
            if root.has("inverse") { throw context.error("inverse", "applies to [model] kind = \"pinn\" only") }
            self.model = try Self.decodeModel(modelTable, problem: self)
            self.trainingProfiles = try Self.decodeTraining(try root.table("training"), problem: self)
        }
        self.transferProfiles = try Self.decodeTransfer(try root.table("transfer"), problem: self)
    }

    /// The most geometries a file may declare, family members included.
    public static let maximumGeometries = 4096
    /// The most time steps a `[time]` table may declare.
    public static let maximumSteps = 100_000_000
    /// Gigabytes a problem may need (``memoryEstimate(grid:geometries:times:samples:)``) unless
    /// `[reference] memory_limit_gb` allows more.
    public static let defaultMemoryLimit = 16.0

    /// A rough lower bound, in bytes, on what solving the reference data and training an operator
    /// on it hold at once, for `n` grid points, `g` geometries, `T` stored times and `S` samples:
    /// `g·n·(9 + 12·fill(n))` (masks, level sets, one sparse factorisation per geometry, with
    /// `fill(n)` = 3 in 1-D, `4·log₂ n` in 2-D, `2·n^{1/3}` in 3-D, the growth of nested-dissection
    /// Cholesky factors) `+ 128·g·T·n` (a batch of 16 samples' solutions) `+ 12·S·g·T·n` (the
    /// training set's targets, masks and points in single precision).
    public static func memoryEstimate(grid: [Int], geometries: Int, times: Int, samples: Int) -> Double {
        let n = grid.reduce(1.0) { $0 * Double($1) }, g = Double(geometries), t = Double(times), s = Double(samples)
        let fill = grid.count == 1 ? 3 : grid.count == 2 ? 4 * Foundation.log2(n) : 2 * Foundation.cbrt(n)
        return g * n * (9 + 12 * fill) + 128 * g * t * n + 12 * s * g * t * n
    }

    /// The condition on box face `face` (`2·d + side`): the one naming it, else the rest-of-the-
    /// boundary condition, else `u = 0`.
    public func condition(onFace face: Int) -> BoundaryCondition {
        boundaries.first { $0.faces?.contains(face) == true } ?? restCondition
    }

    /// The Dirichlet condition on the boundary parts no `on` names (curved parts included);
    /// `u = 0` when the file declares none.
    public var restCondition: BoundaryCondition {
        boundaries.first { $0.faces == nil } ?? BoundaryCondition(kind: .dirichlet, faces: nil, value: .number(0), alpha: nil)
    }

    /// A number as short as it reads: `2`, `0.9`.
    static func format(_ x: Double) -> String {
        x == x.rounded() && Swift.abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// The names of the family parameters geometry `family` declares (empty for a single geometry).
    public func familyParameters(_ family: String) -> [String] {
        geometries.first { $0.family == family }?.parameters.map(\.name) ?? []
    }

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

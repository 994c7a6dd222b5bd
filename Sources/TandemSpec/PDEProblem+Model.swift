/// The `[model]` and `[training]` sections: the operator to train on the reference data and how.
extension PDEProblem {
    /// Activation functions, spelled as in problem files (each maps to one `TandemNN.Activation`).
    public enum ActivationName: String, CaseIterable, Sendable {
        case identity, tanh, sigmoid, relu, leakyRelu = "leaky-relu", elu, selu, gelu, silu, softplus, sin
        case geluTanh = "gelu-tanh"
    }

    /// `[model]`: a DeepONet, or (`kind = "fno"`) a Fourier neural operator.
    public struct Model: Sendable, Equatable {
        /// The Fourier neural operator's architecture (`kind = "fno"`; Li et al., ICLR 2021).
        public struct Fourier: Sendable, Equatable {
            /// Kept frequencies `[m₁, m₂]`: `2m₁` row and `m₂` column modes (`modes`, default `[12, 12]`).
            public var modes: [Int]
            /// Channels of the Fourier blocks (`width`, default 32).
            public var width: Int
            /// Number of Fourier blocks (`blocks`, default 4).
            public var blocks: Int
            /// Hidden width of the pointwise projection (`projection`, default 128).
            public var projection: Int
            /// Zero padding at the high end of each axis (`padding`, default 8 grid points).
            public var padding: Int
        }
        /// What feeds the branch.
        public enum BranchInput: String, CaseIterable, Sendable {
            /// 2-D fields `[standardised log K, mask]` through a CNN (Darcy, heat with a random coefficient).
            case fields
            /// The geometry family's parameters through dense layers (mask in the loss only).
            case parameters
            /// `[polynomial coefficients of R ‖ initial condition]` through dense layers (reaction–diffusion).
            case functionalForm = "functional-form"
        }
        /// Branch input; by default from the problem (functional form for reaction–diffusion,
        /// parameters for geometry families, fields otherwise).
        public var branchInput: BranchInput
        /// Hidden widths of the branch's dense layers (the CNN's head).
        public var branchLayers: [Int]
        /// CNN filters per block (fields only).
        public var filters: [Int]
        /// CNN kernel size, odd (fields only).
        public var kernel: Int
        /// Hidden widths of the trunk.
        public var trunkLayers: [Int]
        /// Latent width `p`.
        public var latent: Int
        /// Activation between layers.
        public var activation: ActivationName
        /// LayerNorm in the branch's dense layers.
        public var layerNorm: Bool
        /// Degree of the polynomial encoding of reaction families (functional form).
        public var encodingDegree: Int
        /// Fields: give the CNN the geometry mask as a second channel (the mask always enters
        /// the loss and the metrics); `false` only for the ablation without it.
        public var maskChannel: Bool
        /// Dense branches: the trunk also sees the branch input (`G(a)(y) = Σ b(a)·t(y, a)`), so
        /// that features can move with a geometry parameter; `false` (the paper's DeepONet) by default.
        public var conditionedTrunk: Bool
        /// How outputs are standardised before the loss (``OutputScaling``).
        public enum Scaling: String, CaseIterable, Sendable {
            /// `μ`, `σ` per point (Kumar et al. 2025): the network learns the deviation from the
            /// training functions' mean at each point.
            case point
            /// One `μ`, `σ` over all points: no point-wise prior, e.g. for parameterised geometries
            /// whose features (holes) move to positions no training function had.
            case global
        }
        /// Output standardisation; `point` unless the file says otherwise.
        public var outputScaling: Scaling
        /// Set for `kind = "fno"`; the DeepONet keys do not apply then.
        public var fourier: Fourier? = nil
        /// The POD basis of a POD-DeepONet (`kind = "pod-deeponet"`; Lu et al., CMAME 2022).
        public struct POD: Sendable, Equatable {
            /// Keep the fewest modes whose `Σ σ_k²` reaches this fraction of the total (`pod_energy`,
            /// default 0.9999).
            public var energy: Double
            /// But never more than this many (`pod_modes`, default 200).
            public var maximumModes: Int
        }
        /// Set for `kind = "pod-deeponet"`; the trunk keys (`trunk_layers`, `latent`,
        /// `conditioned_trunk`) do not apply then.
        public var pod: POD? = nil
    }

    /// `[training]` (with a profile's overrides applied).
    public struct Training: Sendable, Equatable {
        /// How functions are split into training and test sets.
        public enum Split: Sendable, Equatable {
            /// A random fraction for training.
            case random(trainFraction: Double)
            /// Whole geometries (by name) for training, the others for testing.
            case geometry(train: [String])
            /// Geometries whose family parameter `name` takes one of `train` values for training.
            case parameter(name: String, train: [Double])
            /// Samples `0..<train` for training, the next `test` for testing (transfer).
            case samples(train: Int, test: Int)
        }
        /// What training minimises.
        public enum Loss: String, CaseIterable, Sendable {
            /// Mean squared error of the standardised outputs over the points inside the geometry.
            case mse
            /// Mean over the batch of the per-sample relative L2 error `‖p − u‖ / ‖u‖` of the
            /// physical outputs inside the geometry (the transfer loss of Kumar et al. 2025).
            case relativeL2 = "relative-l2"
        }
        /// Data augmentation of the training batches.
        public enum Augmentation: String, CaseIterable, Sendable {
            /// The samples as they are.
            case none
            /// Each training function mapped, per step, by a random one of the grid symmetries
            /// (reflections, and transposes on a square grid) under which its geometry's mask is
            /// invariant — its input fields and its solution alike. Exact for isotropic problems
            /// whose source and boundary values are symmetric too (Darcy with `source = "1"`).
            case symmetries
        }
        /// Reference samples to generate (or reuse).
        public var samples: Int
        /// Optimizer steps.
        public var steps: Int
        /// Functions per step.
        public var batch: Int
        /// Query points per step, drawn at random from each function's points (the same for every
        /// function of the batch); `nil` uses all points.
        public var points: Int?
        /// The first-order optimizers of a run.
        public enum OptimizerKind: String, CaseIterable, Sendable {
            /// Adam with the profile's learning-rate schedule.
            case adam
            /// Lion at `lion_learning_rate`.
            case lion
            /// Adam, then Lion from `switch_step`.
            case adamThenLion = "adam-then-lion"
        }
        /// Adam, Lion, or Adam then Lion (switching at `switchStep`).
        public var optimizer: OptimizerKind
        /// Initial learning rate.
        public var learningRate: Double
        /// Exponential decay factor per `decayEvery` steps (staircase); 1 = constant.
        public var decayRate: Double
        /// Steps between decays.
        public var decayEvery: Int
        /// A piecewise-constant rate instead of the exponential decay: `rates[i]` before step
        /// `boundaries[i]`, the last rate after the last boundary (`decay = "piecewise"`).
        public var piecewise: Piecewise?
        /// Step at which `adam-then-lion` switches.
        public var switchStep: Int
        /// Learning rate after the switch to Lion.
        public var lionLearningRate: Double
        /// Steps between checkpoints.
        public var checkpointEvery: Int
        /// Training and test sets.
        public var split: Split
        /// The geometries whose functions are used (training and test); `nil` for all. Geometries
        /// left out stay in the reference data, e.g. for a later transfer.
        public var geometries: [String]?
        /// The reaction families whose samples are used; `nil` for all (a single-task model of
        /// one family, for comparison with the multi-task model).
        public var families: [String]?
        /// Seed of initialisation and batching.
        public var seed: UInt64
        /// The loss.
        public var loss: Loss
        /// `augment`: how training batches are augmented (default none).
        public var augment: Augmentation = .none
        /// `[training.multitask]`: per-task losses (one per reaction family or geometry, each the
        /// mean over its own samples and mask, from batches that hold every task) combined by a
        /// strategy; `nil` pools the batch's rows.
        public var multitask: MultiTaskSpec? = nil

        /// Reference samples the split reads: `samples`, or training plus test samples for a transfer.
        public var samplesNeeded: Int {
            if case let .samples(train, test) = split { return train + test }
            return samples
        }
    }

    /// A piecewise-constant learning rate: `rates.count == boundaries.count + 1`, boundaries
    /// increasing and positive, rates positive.
    public struct Piecewise: Sendable, Equatable {
        /// Steps at which the rate changes.
        public var boundaries: [Int]
        /// The rate before the first boundary, between boundaries, and after the last.
        public var rates: [Double]

        /// A schedule of `rates` changing at `boundaries` (checked where a file is read).
        public init(boundaries: [Int], rates: [Double]) {
            self.boundaries = boundaries
            self.rates = rates
        }
    }

    /// `[transfer]`: fine-tuning a trained model on a geometry it has not seen, with most of its
    /// parameters frozen.
    public struct Transfer: Sendable, Equatable {
        /// The new geometry (one of `[[geometry]]`).
        public var geometry: String
        /// Parameter names (or prefixes ending at a dot) that fine-tuning may change; the rest stay
        /// frozen, e.g. `["branch.convolutions.0", "branch.head", "trunk.layers.4"]`.
        public var trainable: [String]
        /// Samples, steps, optimizer and loss of the fine-tuning; `split` is `.samples`.
        public var training: Training
        /// The L2-SP penalty `α·Σ‖θ − θ⁰‖²` over the trainable parameters, pulling them toward the
        /// source model's `θ⁰` (Li, Grandvalet & Davoine, "Explicit inductive bias for transfer
        /// learning with convolutional networks", ICML 2018); `l2sp`, default 0 (none).
        public var anchorStrength: Double = 0
    }
    /// Decodes `[model]`, with defaults for a problem of this kind.
    static func decodeModel(_ t: SpecTable?, problem: PDEProblem) throws -> Model {
        if problem.modelKind == .fno, let t { return try decodeFourierModel(t, problem: problem) }
        let defaultInput: Model.BranchInput = problem.pde == .reactionDiffusion ? .functionalForm
            : problem.geometries.contains { !$0.parameters.isEmpty } ? .parameters : .fields
        func widths(_ key: String, _ fallback: [Int]) throws -> [Int] {
            let w = try t?.ints(key) ?? fallback
            guard w.allSatisfy({ $0 >= 1 && $0 <= 65536 }) else { throw t!.error(key, "expected positive widths, got \(w)") }
            return w
        }
        let isPOD = problem.modelKind == .podDeepONet
        var pod: Model.POD?
        if isPOD {
            pod = Model.POD(energy: try t?.double("pod_energy") ?? 0.9999, maximumModes: try t?.int("pod_modes") ?? 200)
            guard pod!.energy > 0, pod!.energy <= 1 else { throw t!.error("pod_energy", "expected a fraction in (0, 1], got \(pod!.energy)") }
            guard pod!.maximumModes >= 1, pod!.maximumModes <= 65536 else { throw t!.error("pod_modes", "expected a positive number of modes, got \(pod!.maximumModes)") }
        }
        var model = Model(
            branchInput: try t?.choice("branch_input", Model.BranchInput.self) ?? defaultInput,
            branchLayers: try widths("branch_layers", [128, 128]),
            filters: try widths("filters", [16, 32, 64, 64]),
            kernel: try t?.int("kernel") ?? 5,
            trunkLayers: isPOD ? [] : try widths("trunk_layers", [128, 128, 128]),
            latent: isPOD ? 1 : try t?.int("latent") ?? 128,
            activation: try t?.choice("activation", ActivationName.self) ?? .relu,
            layerNorm: try t?.bool("layer_norm") ?? false,
            encodingDegree: try t?.int("encoding_degree") ?? 4,
            maskChannel: try t?.bool("mask_channel") ?? true,
            conditionedTrunk: isPOD ? false : try t?.bool("conditioned_trunk") ?? false,
            outputScaling: try t?.choice("output_scaling", Model.Scaling.self) ?? .point)
        model.pod = pod
        if let t {
            guard model.kernel >= 1, model.kernel % 2 == 1 else { throw t.error("kernel", "expected an odd positive kernel size, got \(model.kernel)") }
            guard model.latent >= 1 else { throw t.error("latent", "expected a positive integer, got \(model.latent)") }
            guard (0...ReferenceLimits.maximumDegree).contains(model.encodingDegree) else {
                throw t.error("encoding_degree", "expected 0 to \(ReferenceLimits.maximumDegree), got \(model.encodingDegree)")
            }
            switch model.branchInput {
            case .fields where problem.dimension != 2:
                throw t.error("branch_input", "fields go through a 2-D CNN; this problem is \(problem.dimension)-D (use parameters)")
            case .functionalForm where problem.pde != .reactionDiffusion:
                throw t.error("branch_input", "functional-form encodes reaction families; this is a \(problem.pde.rawValue) problem")
            case .parameters where !problem.geometries.contains(where: { !$0.parameters.isEmpty }):
                throw t.error("branch_input", "parameters needs a geometry family ([geometry.family])")
            default: break
            }
            if model.conditionedTrunk, model.branchInput == .fields {
                throw t.error("conditioned_trunk", "the trunk can be conditioned on a dense branch's input vector (parameters, functional-form), not on fields")
            }
            try t.finish()
        }
        return model
    }

    /// Decodes `[model]` with `kind = "fno"`: the input is the fields `[standardised log K, mask]`
    /// of a steady 2-D problem, and only the FNO's keys (and `activation`, `mask_channel`,
    /// `output_scaling`) apply.
    static func decodeFourierModel(_ t: SpecTable, problem: PDEProblem) throws -> Model {
        guard problem.dimension == 2 else { throw t.error("kind", "a Fourier neural operator works on 2-D grids; this problem is \(problem.dimension)-D") }
        guard problem.time == nil else { throw t.error("kind", "the Fourier neural operator maps a coefficient field to a steady solution; this problem has [time]") }
        func positive(_ key: String, _ fallback: Int) throws -> Int {
            let value = try t.int(key) ?? fallback
            guard value >= 1, value <= 4096 else { throw t.error(key, "expected a positive integer up to 4096, got \(value)") }
            return value
        }
        let modes = try t.ints("modes") ?? [12, 12]
        guard modes.count == 2, modes.allSatisfy({ $0 >= 1 }) else { throw t.error("modes", "expected two positive integers [rows, columns], got \(modes)") }
        let padding = try t.int("padding") ?? 8
        guard padding >= 0, padding <= 4096 else { throw t.error("padding", "expected 0 or more grid points, got \(padding)") }
        let grid = problem.reference.grid  // x first
        guard 2 * modes[0] <= grid[1] + padding, modes[1] <= (grid[0] + padding) / 2 else {
            throw t.error("modes", "\(modes) modes need a padded grid of at least \(2 * modes[0]) rows and \(2 * modes[1]) columns; the grid with padding is \(grid[1] + padding) × \(grid[0] + padding)")
        }
        let fourier = Model.Fourier(modes: modes, width: try positive("width", 32), blocks: try positive("blocks", 4),
                                    projection: try positive("projection", 128), padding: padding)
        let model = Model(branchInput: .fields, branchLayers: [], filters: [], kernel: 1, trunkLayers: [], latent: 1,
                          activation: try t.choice("activation", ActivationName.self) ?? .geluTanh, layerNorm: false, encodingDegree: 0,
                          maskChannel: try t.bool("mask_channel") ?? true, conditionedTrunk: false,
                          outputScaling: try t.choice("output_scaling", Model.Scaling.self) ?? .point, fourier: fourier)
        try t.finish()
        return model
    }

    /// Decodes `[training]` and its profiles (`[training.quick]`, …); `profile` picks the overrides.
    static func decodeTraining(_ t: SpecTable?, problem: PDEProblem) throws -> [String: Training] {
        try ProblemHeader.decodeProfiles(t, ignoring: ["multitask"]) { table, base in try readTraining(table, over: base, problem: problem) }
    }

    /// Decodes `[transfer]` and its profiles; empty without the table.
    static func decodeTransfer(_ t: SpecTable?, problem: PDEProblem) throws -> [String: Transfer] {
        guard let t else { return [:] }
        func read(_ t: SpecTable, over base: Transfer?) throws -> Transfer {
            let known = problem.geometries.map(\.name)
            let geometry = try t.string("geometry") ?? base?.geometry
            guard let geometry else { throw t.missing("geometry", "the name of the geometry to transfer to") }
            guard known.contains(geometry) else {
                throw t.error("geometry", "unknown geometry \"\(geometry)\"; expected one of \(known.joined(separator: ", "))")
            }
            let trainable = try t.strings("trainable") ?? base?.trainable
            guard let trainable, !trainable.isEmpty else {
                throw t.missing("trainable", "the parameter names fine-tuning may change, e.g. [\"branch.head\", \"trunk.layers.4\"]")
            }
            var training = try readTraining(t, over: base?.training, problem: problem, transfer: true)
            let test = try t.int("test_samples") ?? { if case let .samples(_, test)? = base?.training.split { return test } else { return 100 } }()
            guard test >= 1 else { throw t.error("test_samples", "expected a positive integer, got \(test)") }
            training.split = .samples(train: training.samples, test: test)
            training.geometries = [geometry]
            let strength = try t.double("l2sp") ?? base?.anchorStrength ?? 0
            guard strength >= 0, strength.isFinite else { throw t.error("l2sp", "expected a non-negative penalty weight, got \(strength)") }
            return Transfer(geometry: geometry, trainable: trainable, training: training, anchorStrength: strength)
        }
        return try ProblemHeader.decodeProfiles(t, ignoring: ["multitask"]) { table, base in try read(table!, over: base) }
    }

    /// One `[training]`-like table over `base`; with `transfer`, `samples` counts training
    /// samples on the new geometry, the loss defaults to relative L2, and split keys are unknown.
    static func readTraining(_ t: SpecTable?, over base: Training?, problem: PDEProblem, transfer: Bool = false) throws -> Training {
        let optimizer = try t?.choice("optimizer", Training.OptimizerKind.self, noun: "optimizer") ?? base?.optimizer ?? .adam
        var split = base?.split ?? .random(trainFraction: 0.8)
        if !transfer, let kind = try t?.string("split") {
            switch kind {
            case "random":
                let f = try t!.double("train_fraction") ?? 0.8
                guard f > 0, f < 1 else { throw t!.error("train_fraction", "expected a fraction in (0, 1), got \(f)") }
                split = .random(trainFraction: f)
            case "geometry":
                guard let names = try t!.strings("train_geometries"), !names.isEmpty else {
                    throw t!.missing("train_geometries", "the names of the training geometries")
                }
                let known = problem.geometries.map(\.name)
                if let bad = names.first(where: { !known.contains($0) }) {
                    throw t!.error("train_geometries", "unknown geometry \"\(bad)\"; expected names from \(known.joined(separator: ", "))")
                }
                guard names.count < known.count else { throw t!.error("train_geometries", "leaves no geometry for testing") }
                split = .geometry(train: names)
            case "parameter":
                let name = try t!.requiredString("split_parameter", "a geometry family parameter")
                let values = problem.geometries.compactMap { $0.parameters.first { $0.name == name }?.value }
                guard !values.isEmpty else { throw t!.error("split_parameter", "no geometry family declares \"\(name)\"") }
                guard let train = try t!.doubles("train_values"), !train.isEmpty else {
                    throw t!.missing("train_values", "the values of \(name) used for training")
                }
                if let bad = train.first(where: { v in !values.contains { Swift.abs($0 - v) < 1e-12 } }) {
                    throw t!.error("train_values", "\(name) = \(bad) is not among the family's values")
                }
                split = .parameter(name: name, train: train)
            default:
                throw t!.error("split", "unknown split \"\(kind)\"; expected random, geometry, parameter")
            }
        }
        var geometries = base?.geometries
        if !transfer, let names = try t?.strings("geometries") {
            let known = problem.geometries.map(\.name)
            if let bad = names.first(where: { !known.contains($0) }) {
                throw t!.error("geometries", "unknown geometry \"\(bad)\"; expected names from \(known.joined(separator: ", "))")
            }
            guard !names.isEmpty else { throw t!.error("geometries", "expected at least one geometry name") }
            geometries = names
        }
        if case let .geometry(train) = split, let geometries, let bad = train.first(where: { !geometries.contains($0) }) {
            throw t!.error("train_geometries", "\"\(bad)\" is not among training.geometries \(geometries)")
        }
        var families = base?.families
        if !transfer, let names = try t?.strings("families") {
            let known = problem.reactions.map(\.name)
            guard !known.isEmpty else { throw t!.error("families", "the problem declares no [[reaction]] families") }
            if let bad = names.first(where: { !known.contains($0) }) {
                throw t!.error("families", "unknown family \"\(bad)\"; expected names from \(known.joined(separator: ", "))")
            }
            guard !names.isEmpty else { throw t!.error("families", "expected at least one family name") }
            families = names
        }
        let steps = try t.integer("steps", base?.steps ?? 10000)
        let piecewise = try readPiecewise(t, over: base?.piecewise)
        let seed = UInt64(try t.integer("seed", Int(base?.seed ?? problem.header.seed ?? 0), minimum: 0))
        let multitask = try MultiTaskSpec.read(try t?.table("multitask"), over: base?.multitask, seed: seed)
        return Training(
            samples: try t.integer("samples", base?.samples ?? (transfer ? 100 : problem.reference.samples)),
            steps: steps,
            batch: try t.integer("batch", base?.batch ?? 32),
            points: try t?.int("points").map { v in
                guard v >= 1 else { throw t!.error("points", "expected a positive number of points per step, got \(v)") }
                return v
            } ?? base?.points,
            optimizer: optimizer,
            learningRate: try piecewise?.rates[0] ?? t.positiveNumber("learning_rate", base?.learningRate ?? 1e-3),
            decayRate: try t.positiveNumber("decay_rate", base?.decayRate ?? 1),
            decayEvery: try t.integer("decay_every", base?.decayEvery ?? 1000),
            piecewise: piecewise,
            switchStep: try t.integer("switch_step", base?.switchStep ?? steps / 2, minimum: 0),
            lionLearningRate: try t.positiveNumber("lion_learning_rate", base?.lionLearningRate ?? 1e-4),
            checkpointEvery: try t.integer("checkpoint_every", base?.checkpointEvery ?? 500),
            split: split,
            geometries: geometries,
            families: families,
            seed: seed,
            loss: try t?.choice("loss", Training.Loss.self) ?? base?.loss ?? (transfer ? .relativeL2 : .mse),
            augment: try t?.choice("augment", Training.Augmentation.self, noun: "augmentation") ?? base?.augment ?? .none,
            multitask: multitask)
    }
}

extension PDEProblem {
    /// `decay = "exponential" | "piecewise"` with `boundaries` and `learning_rates` for the latter;
    /// a table that says nothing keeps `base`'s choice.
    static func readPiecewise(_ t: SpecTable?, over base: Piecewise?) throws -> Piecewise? {
        guard let t else { return base }
        let decays = ["exponential", "piecewise"]
        let decay = try t.string("decay") ?? (t.has("boundaries") || t.has("learning_rates") ? "piecewise" : base == nil ? "exponential" : "piecewise")
        guard decays.contains(decay) else {
            throw t.error("decay", "unknown decay \"\(decay)\"; expected one of \(decays.joined(separator: ", "))")
        }
        guard decay == "piecewise" else {
            for key in ["boundaries", "learning_rates"] where t.has(key) {
                throw t.error(key, "only a piecewise decay has \(key); this table's decay is exponential (decay_rate, decay_every)")
            }
            return nil
        }
        for key in ["learning_rate", "decay_rate", "decay_every"] where t.has(key) {
            throw t.error(key, "a piecewise decay takes boundaries and learning_rates, not \(key)")
        }
        guard let boundaries = try t.ints("boundaries") ?? base?.boundaries else {
            throw t.missing("boundaries", "the steps at which a piecewise learning rate changes, e.g. [5000, 10000]")
        }
        guard boundaries.allSatisfy({ $0 >= 1 }), zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw t.error("boundaries", "expected increasing positive steps, got \(boundaries)")
        }
        guard let rates = try t.doubles("learning_rates") ?? base?.rates else {
            throw t.missing("learning_rates", "one rate more than boundaries, e.g. [1e-3, 1e-4, 1e-5]")
        }
        guard rates.count == boundaries.count + 1 else {
            throw t.error("learning_rates", "expected \(boundaries.count + 1) rates (one more than the \(boundaries.count) boundaries), got \(rates.count)")
        }
        guard rates.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw t.error("learning_rates", "expected positive rates, got \(rates)") }
        return Piecewise(boundaries: boundaries, rates: rates)
    }
}

/// Limits shared by the problem file and the dataset it produces.
public enum ReferenceLimits {
    /// The largest polynomial degree of a reaction term (`reaction_coefficients` holds degree + 1 values).
    public static let maximumDegree = 8
}

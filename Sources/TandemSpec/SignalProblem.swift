import Foundation

/// A problem about physiological signals (the `[signals]` table): where the recordings come from
/// (a synthetic cohort, an Empatica E4 session, a WESAD download), how they are prepared for the
/// model, the EDA network of `[model] kind = "eda-pinn"` and its `[training]` profiles. Keys are
/// listed in `docs/problem-file.md`.
public struct SignalProblem: Sendable {
    /// Where the recordings come from.
    public enum Source: String, CaseIterable, Sendable {
        /// ``Cohort``: generated with known dynamics, labels and parameters.
        case synthetic
        /// One Empatica E4 session folder (`EDA.csv`, optional `TEMP.csv`, `ACC.csv`); no labels:
        /// EDA is fitted on the first part of the time and forecast on the rest.
        case e4
        /// A WESAD download: subject folders `SX/` with `SX_quest.csv` and the unzipped `SX_E4_Data/`.
        case wesad
    }

    /// Groups of input features of the network, per point.
    public enum Feature: String, CaseIterable, Sendable {
        /// `t / duration` of the recording.
        case time
        /// Time since the current block (condition) started, `/ time_scale`.
        case block
        /// The block's context `u` and the previous block's (standardised).
        case context
        /// Sensor features of the trailing window: EDA mean, slope and standard deviation,
        /// accelerometer magnitude and temperature where recorded (subject-normalised).
        case window
    }

    /// `[signals.cohort]`: the synthetic cohort (see `TandemPDE.EDACohort`).
    public struct Cohort: Sendable, Equatable {
        /// Subjects, condition names, their block durations (s) and mean context vectors.
        public var subjects: Int, conditions: [String], durations: [Double], contextMeans: [[Double]]
        /// Names of the components of `u`.
        public var contextNames: [String]
        /// Standard deviations of `u`: subject offset and per-block draw, per component.
        public var subjectSpread: [Double], blockSpread: [Double]
        /// The truth: `γα₀` (1/s) and `γβ` (µS/s per unit of `u`), and the subjects' relative spread.
        public var decay: Double, gains: [Double], parameterSpread: Double
        /// Mean SCR amplitude (µS), bursts per minute per condition, noise standard deviation (µS).
        public var phasicAmplitude: Double, burstRates: [Double], noise: Double
        /// Sampling rate of EDA (Hz); whether to draw accelerometer and temperature channels.
        public var rate: Double, accelerometer: Bool, temperature: Bool
        /// Seed of the cohort.
        public var seed: UInt64
    }

    /// `[model]` of kind `eda-pinn`.
    public struct Model: Sendable, Equatable {
        /// Hidden widths of the shared trunk.
        public var layers: [Int]
        /// A smooth activation (the residual needs the network's time derivative).
        public var activation: PDEProblem.ActivationName
    }

    /// The loss terms a run trains.
    public enum Task: String, CaseIterable, Sendable {
        /// Mean squared error of the normalised EDA.
        case eda
        /// Cross-entropy of the emotion classes.
        case emotion
        /// Mean squared residual of the ODE on collocation points.
        case physics
    }

    /// `[training]` of an EDA network (with a profile's overrides applied).
    public struct Training: Sendable, Equatable {
        /// Adam steps, learning rate, staircase decay factor per `decayEvery` steps.
        public var steps: Int, learningRate: Double, decayRate: Double, decayEvery: Int
        /// Data points and collocation points per step.
        public var batch: Int, collocation: Int
        /// The tasks trained (ablations drop some), and their weights for fixed weighting.
        public var tasks: [Task], weights: [Task: Double]
        /// `[training.multitask]`: a strategy in place of the fixed weights.
        public var multitask: MultiTaskSpec?
        /// Subject-wise cross-validation folds (labelled cohorts); 1 with `forecast`.
        public var folds: Int
        /// Without subjects to hold out (an E4 session): train on this fraction of the time,
        /// forecast the rest.
        public var forecast: Double
        /// Steps between checkpoints; seed of initialisation and batches.
        public var checkpointEvery: Int, seed: UInt64
        /// Steps during which the residual trains only the ODE's parameters (the network learns
        /// from the data alone), before the joint phase.
        public var physicsWarmup: Int
        /// The ODE parameters' Adam learning rate as a multiple of the network's.
        public var physicsLearningRateFactor: Double
    }

    /// Where the data comes from.
    public var source: Source
    /// The E4 session folder or WESAD root (relative to the problem file unless absolute).
    public var path: String?
    /// WESAD subjects to use (all folders `S*` when empty).
    public var subjects: [String]
    /// The cohort (source synthetic).
    public var cohort: Cohort?
    /// Points per second the model sees (each the mean of the samples in its `1/rate` s).
    public var rate: Double
    /// Seconds of the trailing window of ``Feature/window``.
    public var window: Double
    /// The input features.
    public var features: [Feature]
    /// `T` (s) of the convention `γ = 1/T`.
    public var timeScale: Double
    /// The network.
    public var model: Model
    /// Training settings by profile.
    public var trainingProfiles: [String: Training]
    /// The file's header, for messages.
    public var header: ProblemHeader

    /// An error about `keyPath` in this file, located at its line.
    public func error(at keyPath: String, _ message: String) -> ProblemFileError { header.error(at: keyPath, message) }

    /// The path of ``path`` resolved against the problem file's directory.
    public var resolvedPath: String? {
        guard let path else { return nil }
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: header.directory ?? FileManager.default.currentDirectoryPath).appendingPathComponent(path).path
    }

    init(_ root: SpecTable, header: ProblemHeader) throws {
        self.header = header
        let t = try root.table("signals")!
        source = try t.choice("source", Source.self, noun: "source") ?? .synthetic
        path = try t.string("path")
        subjects = try t.strings("subjects") ?? []
        if source != .synthetic && path == nil {
            throw t.missing("path", source == .e4 ? "the E4 session folder (EDA.csv, TEMP.csv, ACC.csv)" : "the WESAD folder holding S2/, S3/, …")
        }
        if source == .synthetic, path != nil { throw t.error("path", "is for source = \"e4\" or \"wesad\"; a synthetic cohort is described by [signals.cohort]") }
        rate = try Optional(t).positiveNumber("rate", 1)
        guard rate <= 1000 else { throw t.error("rate", "expected at most 1000 points per second, got \(rate)") }
        window = try Optional(t).positiveNumber("window", 30)
        timeScale = try Optional(t).positiveNumber("time_scale", 60)
        let defaultFeatures: [Feature] = source == .e4 ? [.time] : [.time, .block, .context]
        let names = try t.strings("features") ?? defaultFeatures.map(\.rawValue)
        features = try names.enumerated().map { i, name in
            guard let f = Feature(rawValue: name) else {
                throw root.context.error("signals.features[\(i)]", "unknown feature group \"\(name)\"; expected one of \(Feature.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return f
        }
        guard !features.isEmpty else { throw t.error("features", "is empty; give at least one of \(Feature.allCases.map(\.rawValue).joined(separator: ", "))") }
        if source == .e4, let f = features.first(where: { $0 == .block || $0 == .context }) {
            throw t.error("features", "\(f.rawValue) needs protocol blocks; an E4 session has none (use time and window)")
        }
        let cohortTable = try t.table("cohort")
        if source == .synthetic {
            cohort = try Self.decodeCohort(cohortTable, seed: header.seed ?? 0)
        } else if cohortTable != nil {
            throw root.context.error("signals.cohort", "describes a synthetic cohort; this file reads source = \"\(source.rawValue)\"")
        }
        try t.finish()
        model = try Self.decodeModel(try root.table("model"), root: root)
        let labelled = source != .e4
        trainingProfiles = try ProblemHeader.decodeProfiles(try root.table("training"), ignoring: ["weights", "multitask"]) { table, base in
            try Self.readTraining(table, over: base, labelled: labelled, seed: header.seed ?? 0)
        }
    }

    static func decodeCohort(_ t: SpecTable?, seed: UInt64) throws -> Cohort {
        let conditions = try t?.strings("conditions") ?? ["baseline", "stress", "amusement", "meditation"]
        let c = conditions.count
        guard c >= 2, Set(conditions).count == c else { throw t!.error("conditions", "expected at least two distinct condition names, got \(conditions)") }
        func perCondition(_ key: String, _ fallback: [Double], minimum: Double) throws -> [Double] {
            let v = try t?.doubles(key) ?? fallback
            guard v.count == c else { throw t?.error(key, "expected \(c) numbers, one per condition (\(conditions.joined(separator: ", "))), got \(v.count)") ?? ProblemFileError(file: "", line: nil, keyPath: key, message: "default needs \(c) conditions") }
            if let bad = v.first(where: { !($0 >= minimum) || !$0.isFinite }) { throw t!.error(key, "expected numbers ≥ \(minimum), got \(bad)") }
            return v
        }
        let defaultsApply = c == 4
        let gains = try t?.doubles("gains") ?? [0.002, 0.010, 0.010]
        let m = gains.count
        guard m >= 1, gains.allSatisfy(\.isFinite) else { throw t!.error("gains", "expected at least one finite gain γβ (µS/s per unit of u)") }
        func perComponent(_ key: String, _ fallback: [Double]) throws -> [Double] {
            let v = try t?.doubles(key) ?? fallback
            guard v.count == m, v.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw t?.error(key, "expected \(m) non-negative numbers, one per component of u (as many as gains)") ?? ProblemFileError(file: "", line: nil, keyPath: key, message: "defaults need 3 gains")
            }
            return v
        }
        var means = [[5, 3, 1.8], [4, 7, 3.2], [7, 5, 1.6], [6, 2, 1.4]]
        if let rows = try t?.table("context") {
            means = try conditions.map { name in
                guard let row = try rows.doubles(name), row.count == m else { throw rows.missing(name, "the mean context vector of \(name): \(m) numbers") }
                return row
            }
            try rows.finish()
        } else if !defaultsApply || m != 3 {
            throw (t ?? nil)!.missing("context", "a table of mean context vectors, one per condition: { \(conditions.map { "\($0) = […]" }.joined(separator: ", ")) }")
        }
        let names = try t?.strings("context_names") ?? (m == 3 ? ["valence", "arousal", "anxiety"] : (1...m).map { "u\($0)" })
        guard names.count == m else { throw t!.error("context_names", "expected \(m) names, one per component of u") }
        let cohort = Cohort(
            subjects: try t.integer("subjects", 15, minimum: 2), conditions: conditions,
            durations: try perCondition("durations", defaultsApply ? [300, 240, 180, 180] : [], minimum: 1), contextMeans: means, contextNames: names,
            subjectSpread: try perComponent("subject_spread", m == 3 ? [0.4, 0.4, 0.15] : []), blockSpread: try perComponent("block_spread", m == 3 ? [0.3, 0.3, 0.1] : []),
            decay: try t.positiveNumber("decay", 0.02), gains: gains, parameterSpread: try perValue(t, "parameter_spread", 0.01),
            phasicAmplitude: try perValue(t, "phasic_amplitude", 0.05), burstRates: try perCondition("burst_rates", defaultsApply ? [1, 4, 2.5, 0.7] : [], minimum: 0),
            noise: try perValue(t, "noise", 0.03), rate: try t.positiveNumber("rate", 4),
            accelerometer: try t?.bool("accelerometer") ?? true, temperature: try t?.bool("temperature") ?? true,
            seed: UInt64(try t.integer("seed", Int(seed), minimum: 0)))
        let samples = Double(cohort.subjects) * cohort.durations.reduce(0, +) * cohort.rate
        guard cohort.subjects <= 100_000, samples <= 2e8 else {
            throw (t ?? nil)!.error("subjects", String(format: "%d subjects × %.0f s at %g Hz are %.3g EDA samples; at most 2e8 are generated (about 5 GB with the other channels)", cohort.subjects, cohort.durations.reduce(0, +), cohort.rate, samples))
        }
        try t?.finish()
        return cohort
    }

    /// A non-negative finite number at `key`, or `fallback`.
    static func perValue(_ t: SpecTable?, _ key: String, _ fallback: Double) throws -> Double {
        let v = try t?.double(key) ?? fallback
        guard v >= 0, v.isFinite else { throw t!.error(key, "expected a non-negative number, got \(v)") }
        return v
    }

    static func decodeModel(_ t: SpecTable?, root: SpecTable) throws -> Model {
        guard let t else { throw root.missing("model", "a [model] table with kind = \"eda-pinn\"") }
        let layers = try t.ints("layers") ?? [64, 64, 64]
        guard !layers.isEmpty, layers.allSatisfy({ (1...4096).contains($0) }) else { throw t.error("layers", "expected hidden widths between 1 and 4096, got \(layers)") }
        let activation = try t.choice("activation", PDEProblem.ActivationName.self) ?? .tanh
        guard [.tanh, .sin, .silu, .gelu, .sigmoid, .softplus].contains(activation) else {
            throw t.error("activation", "\(activation.rawValue) has no derivative for the residual; expected tanh, sin, silu, gelu, sigmoid or softplus")
        }
        if let kind = try t.string("kind"), kind != Problem.ModelKind.edaPINN.rawValue {
            throw t.error("kind", "a [signals] problem trains kind = \"eda-pinn\", got \"\(kind)\"")
        }
        try t.finish()
        return Model(layers: layers, activation: activation)
    }

    static func readTraining(_ t: SpecTable?, over base: Training?, labelled: Bool, seed: UInt64) throws -> Training {
        let all: [Task] = labelled ? [.eda, .emotion, .physics] : [.eda, .physics]
        var tasks = base?.tasks ?? all
        if let names = try t?.strings("tasks") {
            tasks = try names.enumerated().map { i, name in
                guard let task = Task(rawValue: name), all.contains(task) else {
                    throw t!.context.error("\(t!.keyPath("tasks"))[\(i)]", "unknown task \"\(name)\"; expected \(all.map(\.rawValue).joined(separator: ", "))\(labelled ? "" : " (an E4 session has no emotion labels)")")
                }
                return task
            }
            guard !tasks.isEmpty, Set(tasks).count == tasks.count else { throw t!.error("tasks", "expected distinct tasks, at least one") }
        }
        var weights = base?.weights ?? [.eda: 1, .emotion: 1, .physics: 1]
        if let w = try t?.table("weights") {
            for task in Task.allCases {
                if let v = try w.double(task.rawValue) {
                    guard v > 0, v.isFinite else { throw w.error(task.rawValue, "expected a positive weight, got \(v)") }
                    weights[task] = v
                }
            }
            try w.finish()
        }
        let trainingSeed = UInt64(try t.integer("seed", Int(base?.seed ?? seed), minimum: 0))
        let forecast = try t?.double("forecast") ?? base?.forecast ?? 0.8
        guard forecast > 0, forecast < 1 else { throw t!.error("forecast", "expected a fraction of the time in (0, 1), got \(forecast)") }
        let folds = try t.integer("folds", base?.folds ?? (labelled ? 5 : 1), minimum: 1)
        if !labelled, folds != 1 { throw t!.error("folds", "an E4 session is one subject: it trains once on the first \(forecast) of the time (folds = 1)") }
        return Training(
            steps: try t.integer("steps", base?.steps ?? 3000, minimum: 0), learningRate: try t.positiveNumber("learning_rate", base?.learningRate ?? 2e-3),
            decayRate: try t.positiveNumber("decay_rate", base?.decayRate ?? 1), decayEvery: try t.integer("decay_every", base?.decayEvery ?? 1000),
            batch: try t.integer("batch", base?.batch ?? 512), collocation: try t.integer("collocation", base?.collocation ?? 512),
            tasks: tasks, weights: weights,
            multitask: try MultiTaskSpec.read(try t?.table("multitask"), over: base?.multitask, seed: trainingSeed),
            folds: folds, forecast: forecast,
            checkpointEvery: try t.integer("checkpoint_every", base?.checkpointEvery ?? 500), seed: trainingSeed,
            physicsWarmup: try t.integer("physics_warmup", base?.physicsWarmup ?? 500, minimum: 0),
            physicsLearningRateFactor: try t.positiveNumber("physics_learning_rate_factor", base?.physicsLearningRateFactor ?? 100))
    }
}

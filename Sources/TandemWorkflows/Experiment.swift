import TandemSpec

/// Where an experiment reports to while it works: lines of text, progress, and whether to stop.
/// The command-line tool renders them; tests collect them.
public struct ExperimentEvents: Sendable {
    /// A step of a long task: a fraction done and a line describing it.
    public struct Progress: Sendable {
        /// From 0 to 1.
        public let fraction: Double
        /// `"step 120/300  loss 1.2e-02  …"`.
        public let text: String
        /// Whether this is the task's last update.
        public let isFinal: Bool

        /// An update.
        public init(fraction: Double, text: String, isFinal: Bool) {
            self.fraction = fraction
            self.text = text
            self.isFinal = isFinal
        }
    }

    /// A line for the user (standard output).
    public var message: @Sendable (String) -> Void
    /// Progress of solving reference samples or of training.
    public var progress: @Sendable (Progress) -> Void
    /// Asked between samples and steps: `true` ends the work cleanly (a checkpoint or a complete file).
    public var shouldStop: @Sendable () -> Bool

    /// Events sent to these closures; by default nothing is shown and nothing stops.
    public init(message: @escaping @Sendable (String) -> Void = { _ in }, progress: @escaping @Sendable (Progress) -> Void = { _ in },
                shouldStop: @escaping @Sendable () -> Bool = { false }) {
        self.message = message
        self.progress = progress
        self.shouldStop = shouldStop
    }

    /// The solver's progress as ``ReferenceDataset/Progress``.
    public var samples: ReferenceDataset.Progress {
        let progress = self.progress
        return { done, total, seconds in
            let rate = Double(done) / Swift.max(seconds, 1e-9)
            progress(Progress(fraction: Double(done) / Double(Swift.max(total, 1)),
                              text: String(format: "%d/%d samples  %.1f/s  ETA %.1f s", done, total, rate, Double(total - done) / Swift.max(rate, 1e-9)),
                              isFinal: done == total))
        }
    }
}

/// How a piece of work ended.
public enum ExperimentOutcome: Sendable, Equatable {
    /// Done.
    case finished
    /// Stopped on request; the message says what was kept and how to continue.
    case interrupted(String)
}

/// One kind of model a problem file can declare, with everything the commands do with it:
/// explain the problem (`check`), prepare its data and train it (`train`: ``prepareData(_:)``
/// then ``train(_:)``), measure it against
/// the reference solver (`compare`) and apply it to new inputs (`predict`).
///
/// Each model family conforms once (``OperatorExperiment``, ``PINNExperiment``) and is listed in
/// ``ExperimentRegistry``; the commands dispatch through the registry and never ask which kind
/// they hold. `docs/architecture.md` says how to add a family.
public protocol Experiment {
    /// The `[model] kind` this experiment trains.
    static var kind: Problem.ModelKind { get }
    /// Every `[model] kind` it trains (by default ``kind`` alone).
    static var kinds: [Problem.ModelKind] { get }

    /// What `tandem check` prints for a problem of this kind — a summary of what the file
    /// declares — after checking what the file alone cannot (geometry on the grid, a distance
    /// function for hard conditions, an observations file, …).
    /// - Throws: ``ProblemFileError`` and the checks' own errors.
    static func describe(_ problem: Problem, problemFile: String) throws -> [String]

    /// A new run of the problem at `problemPath` in `directory`, or the run there continued
    /// with `resume`.
    /// - Throws: ``ProblemFileError`` (unknown profile, …), ``RunDirectoryError``.
    init(problemPath: String, directory: String, profile: String, resume: Bool) throws
    /// The trained run in `directory`.
    /// - Throws: ``RunDirectoryError``, ``ProblemFileError``.
    init(trainedRun directory: String) throws

    /// What training needs before it starts (reference data from the solver, …), made or reused.
    func prepareData(_ events: ExperimentEvents) throws -> ExperimentOutcome
    /// Training, from the start or from the checkpoint, reporting as it goes.
    func train(_ events: ExperimentEvents) throws -> ExperimentOutcome
    /// The trained model against the reference solver: errors, timings, figures and reports in
    /// the run directory; returns what to print.
    func compare(_ events: ExperimentEvents) throws -> [String]
    /// The trained model on the inputs in `input` (NetCDF), written to `output`; returns what to print.
    func predict(input: String, output: String) throws -> [String]
    /// ``predict(input:output:)`` as the model of data set `dataset` (runs trained on several
    /// data sets: which one's encoding and energy reference); `nil` is the run's default.
    func predict(input: String, output: String, dataset: String?) throws -> [String]
}

/// A command option that the run it was given does not take.
public struct UnsupportedOption: Error, CustomStringConvertible {
    /// What was asked and what takes it.
    public let description: String
}

extension Experiment {
    /// ``kind`` alone.
    public static var kinds: [Problem.ModelKind] { [kind] }

    /// Runs without data sets to choose from refuse a `dataset` and predict as ``predict(input:output:)``.
    /// - Throws: ``UnsupportedOption`` when `dataset` is given.
    public func predict(input: String, output: String, dataset: String?) throws -> [String] {
        if let dataset { throw UnsupportedOption(description: "--dataset \(dataset): only runs of an [atoms] problem choose a data set; this is a \(Self.kind.rawValue) run") }
        return try predict(input: input, output: output)
    }

    /// ``prepareData(_:)``, then ``train(_:)`` unless preparing was interrupted.
    public func prepareAndTrain(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        let prepared = try prepareData(events)
        guard prepared == .finished else { return prepared }
        return try train(events)
    }
}

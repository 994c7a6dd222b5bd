import TandemSpec

/// The experiments Tandem knows, by the `[model] kind` they train: what the commands dispatch through.
public enum ExperimentRegistry {
    /// Every experiment; each model kind has exactly one.
    public static let experiments: [any Experiment.Type] = [OperatorExperiment.self, PINNExperiment.self, EDAExperiment.self, AtomsExperiment.self]

    /// The experiment for `kind`.
    public static func experiment(for kind: Problem.ModelKind) -> any Experiment.Type {
        guard let experiment = experiments.first(where: { $0.kinds.contains(kind) }) else {
            preconditionFailure("no experiment registered for [model] kind \(kind.rawValue)")
        }
        return experiment
    }

    /// A new (or resumed) run of the problem file at `problemPath`; the files it names must lie
    /// inside its directory unless `allowOutsidePaths` (``TandemSpec/Problem/requireFilesInside(allowOutside:)``).
    /// - Throws: ``ProblemFileError``, ``RunDirectoryError``.
    public static func run(problemPath: String, directory: String?, profile: String, resume: Bool,
                           allowOutsidePaths: Bool = false) throws -> any Experiment {
        let problem = try Problem(contentsOf: problemPath)
        try problem.requireFilesInside(allowOutside: allowOutsidePaths)
        return try experiment(for: problem.modelKind).init(problemPath: problemPath, directory: directory ?? "runs/\(problem.name)",
                                                          profile: profile, resume: resume)
    }

    /// `tandem train`: a new (or resumed) run of the problem file prepared and trained. Under
    /// `mpirun`, rank 0 alone prepares the run directory and its data (the other ranks wait),
    /// then every rank opens the run and trains its share of each batch (``Trainer/distribute(over:)``);
    /// only rank 0 reports through `events`. An error on rank 0 while preparing stops every rank.
    /// - Throws: what ``run(problemPath:directory:profile:resume:allowOutsidePaths:)``,
    ///   ``Experiment/prepareData(_:)`` and ``Experiment/train(_:)`` throw.
    public static func train(problemPath: String, directory: String?, profile: String, resume: Bool, allowOutsidePaths: Bool = false,
                             events: ExperimentEvents) throws -> ExperimentOutcome {
        let world = try Communicator.world()
        guard world.isDistributed else {
            let experiment = try run(problemPath: problemPath, directory: directory, profile: profile, resume: resume, allowOutsidePaths: allowOutsidePaths)
            return try experiment.prepareAndTrain(events)
        }
        var prepared: Result<ExperimentOutcome, Error> = .success(.finished)
        if world.isRoot {
            prepared = Result {
                try run(problemPath: problemPath, directory: directory, profile: profile, resume: resume, allowOutsidePaths: allowOutsidePaths)
                    .prepareData(events)
            }
        }
        // Every rank learns whether rank 0 is ready (this is also where the others wait).
        let failed: Bool
        switch prepared {
        case .success(.finished): failed = try world.any(false)
        default: failed = try world.any(true)
        }
        if failed {
            if world.isRoot { return try prepared.get() }
            throw AnotherRankFailed(what: "preparing the run")
        }
        let quiet = ExperimentEvents(shouldStop: events.shouldStop)
        let experiment = try run(problemPath: problemPath, directory: directory, profile: profile, resume: resume, allowOutsidePaths: allowOutsidePaths)
        return try experiment.train(world.isRoot ? events : quiet)
    }

    /// The trained run in `directory`, whatever its kind.
    /// - Throws: ``RunDirectoryError/notARun(directory:)``, ``ProblemFileError``.
    public static func trainedRun(_ directory: String) throws -> any Experiment {
        let (problem, _) = try RunDirectory(directory).trained()
        return try experiment(for: problem.modelKind).init(trainedRun: directory)
    }

    /// What `tandem check` prints for the problem file at `path` (see ``Experiment/describe(_:problemFile:)``).
    /// The files it names must lie inside its directory unless `allowOutsidePaths`.
    /// - Throws: ``ProblemFileError`` and the kind's own checks.
    public static func describe(problemFile path: String, allowOutsidePaths: Bool = false) throws -> [String] {
        let problem = try Problem(contentsOf: path)
        try problem.requireFilesInside(allowOutside: allowOutsidePaths)
        return try experiment(for: problem.modelKind).describe(problem, problemFile: path)
    }
}

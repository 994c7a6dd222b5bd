import Foundation
import TandemCore
import TandemIO
import TandemMultiTask
import TandemNN
import TandemPINN
import TandemSpec
import TandemTraining

/// An EDA run's directory: `problem.toml`, `profile`, `prepared.nc` (the recordings on the
/// model's grid, from `tandem train`), one `fold-K/` per cross-validation fold (its
/// `checkpoint.safetensors`, `loss.csv`, `training.json`); `tandem compare` adds `metrics.json`,
/// `report.md` and `figures/`.
///
/// Labelled data trains one model per fold, testing on subjects it never saw (subject-wise
/// cross-validation); an unlabelled E4 session trains once on the first `forecast` of its time
/// and is tested on the rest.
public struct EDARun {
    /// The run directory.
    public let directory: String
    /// The problem.
    public let problem: SignalProblem
    /// The profile's name and settings.
    public let profile: String, training: SignalProblem.Training

    /// One fold: its test and training sessions, where its files go, and for a forecast the
    /// time that separates fitting from forecasting.
    public struct Fold: Sendable {
        /// 1-based.
        public let index: Int
        /// Session indices.
        public let test: [Int], train: [Int]
        /// `fold-<index>` in the run.
        public let directory: String
        /// For a forecast, the split time (s); `nil` for subject-wise folds.
        public let forecastStart: Double?
    }

    /// A file in the run directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Sets up (or, with `resume`, reopens) a run of the problem at `problemPath`.
    /// - Throws: ``ProblemFileError``, ``RunDirectoryError``.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        let file = try Problem(contentsOf: problemPath)
        problem = try file.signalProblem(for: "an EDA network")
        training = try problem.header.profile(profile, of: problem.trainingProfiles, at: "training")
        self.directory = directory
        self.profile = profile
        _ = try RunDirectory.prepare(directory, header: problem.header, problemPath: problemPath, profile: profile, resume: resume)
    }

    /// Reopens a trained run.
    /// - Throws: ``RunDirectoryError`` when `directory` holds no trained EDA run.
    public init(directory: String) throws {
        let (file, profile) = try RunDirectory(directory).trained()
        guard file.modelKind == .edaPINN else { throw RunDirectoryError.wrongKind(directory: directory, holds: file.modelKind.rawValue, expected: "EDA network") }
        problem = try file.signalProblem(for: "an EDA network")
        guard let training = problem.trainingProfiles[profile] else { throw problem.error(at: "training", "no profile \"\(profile)\" for the run in \(directory)") }
        self.directory = directory
        self.profile = profile
        self.training = training
    }

    /// `prepared.nc`, written from the problem's source unless it already holds this problem's data.
    /// - Returns: the dataset and whether it was made now.
    /// - Throws: ``TandemIO/SignalFileError`` from the readers, NetCDF errors.
    public func prepareDataset() throws -> (dataset: EDADataset, made: Bool) {
        let prepared = path("prepared.nc")
        if let reader = try? FieldFileReader(path: prepared), (try? reader.attribute("tandem_problem")) == problem.header.text {
            return (try EDADataset(contentsOf: prepared), false)
        }
        let dataset = try EDADataset(problem)
        try dataset.write(to: prepared, problemText: problem.header.text)
        return (dataset, true)
    }

    /// The prepared recordings.
    /// - Throws: NetCDF errors (no `prepared.nc`: train first).
    public func dataset() throws -> EDADataset { try EDADataset(contentsOf: path("prepared.nc")) }

    /// The folds: subject-wise when the data is labelled, else one forecast split.
    public func folds(_ dataset: EDADataset) -> [Fold] {
        if dataset.classes.isEmpty {
            let duration = Double(dataset.sessions[0].eda.count) / dataset.sessions[0].rate
            return [Fold(index: 1, test: [0], train: [0], directory: path("fold-1"), forecastStart: training.forecast * duration)]
        }
        let tests = dataset.folds(training.folds, seed: training.seed)
        return tests.enumerated().map { k, test in
            Fold(index: k + 1, test: test, train: dataset.sessions.indices.filter { !test.contains($0) }, directory: path("fold-\(k + 1)"), forecastStart: nil)
        }
    }

    /// The points of session `s` a fold trains on (`testing == false`) or tests on.
    public func points(_ dataset: EDADataset, fold: Fold, session s: Int, testing: Bool) -> [Int] {
        let session = dataset.sessions[s]
        if let cut = fold.forecastStart { return session.eda.indices.filter { (session.time($0) >= cut) == testing } }
        return session.pointsInBlocks
    }

    /// The fold's inputs: contexts standardised over its training subjects, each subject's
    /// signal over its own points (a forecast: over the fitted part only).
    public func features(_ dataset: EDADataset, fold: Fold) -> EDAFeatures {
        EDAFeatures(dataset: dataset, groups: problem.features, timeScale: problem.timeScale, window: problem.window, training: fold.train) { s in
            points(dataset, fold: fold, session: s, testing: false)
        }
    }

    /// The fold's objective.
    public func objective(_ dataset: EDADataset, fold: Fold) -> EDAObjective {
        let features = features(dataset, fold: fold)
        let points = fold.train.flatMap { s in self.points(dataset, fold: fold, session: s, testing: false).map { (session: s, point: $0) } }
        let intervals = fold.train.flatMap { s -> [(session: Int, start: Double, end: Double)] in
            if let cut = fold.forecastStart { return [(s, 0, cut)] }
            return dataset.sessions[s].blocks.map { (s, $0.start, $0.end) }
        }
        return EDAObjective(dataset: dataset, features: features, training: training, points: points, intervals: intervals)
    }

    /// The network `[model]` declares for these inputs, from the training seed (`α₀ = 1`, `β = 0`).
    public func makeModel(inputs: Int, dataset: EDADataset) -> EDANetwork<Double> {
        var g = SeededGenerator(seed: training.seed)
        return EDANetwork(inputs: inputs, layers: problem.model.layers, activation: problem.model.activation.activation,
                          classes: dataset.classes.count, contextSize: dataset.contextNames.count, using: &g)
    }

    /// `"trunk 7→64→64 tanh; heads eda, emotion (4 classes); ODE with 3 inputs"`.
    public static func describe(_ model: EDANetwork<Double>) -> String {
        "trunk " + model.trunk.widths.map(String.init).joined(separator: "→") + " " + model.trunk.layers[0].activation.rawValue
            + "; heads eda" + (model.emotion.map { ", emotion (\($0.outputSize) classes)" } ?? "") + "; ODE with \(model.gains.shape[0]) inputs"
    }

    /// The strategy for the tasks: `[training.multitask]`, or the fixed `[training.weights]`.
    func multitask(_ objective: EDAObjective) throws -> MultiTaskSettings {
        let logEvery = Swift.max(1, training.steps / 200)
        if let spec = training.multitask {
            return try spec.settings(taskNames: objective.taskNames, declaredWeights: objective.declaredWeights, logEvery: logEvery, header: problem.header)
        }
        return MultiTaskSettings(strategy: FixedWeighting(weights: objective.declaredWeights), diagnosticsEvery: MultiTaskSpec.defaultDiagnosticsEvery(logEvery: logEvery))
    }

    /// A fold's trainer, resumed from its checkpoint when `resume` and one exists.
    public func trainer(_ dataset: EDADataset, fold: Fold, resume: Bool) throws -> EDATrainer {
        let objective = objective(dataset, fold: fold)
        guard objective.pointCount > 0, !objective.intervals.isEmpty else {
            throw problem.error(at: "signals", "fold \(fold.index) has no training points (\(fold.train.count) training subject(s)\(fold.forecastStart.map { String(format: ", fitted part %.1f s", $0) } ?? "")); use more data or fewer folds")
        }
        let model = makeModel(inputs: objective.features.count, dataset: dataset)
        try FileManager.default.createDirectory(atPath: fold.directory, withIntermediateDirectories: true)
        let trainer = EDATrainer(model: model, objective: objective, plan: EDAObjective.plan(training, multitask: try multitask(objective)),
                                 directory: fold.directory,
                                 metadata: RunDirectory.metadata(header: problem.header, model: Self.describe(model), profile: profile)
                                    .merging(["tandem.fold": "\(fold.index)"]) { $1 },
                                 identity: RunDirectory.identity + [("tandem.fold", "fold")])
        if let world = try RunFiles.distributed() { try trainer.distribute(over: world) }
        if resume && FileManager.default.fileExists(atPath: fold.directory + "/checkpoint.safetensors") { try trainer.resume() }
        return trainer
    }

    /// A fold's trained network.
    /// - Throws: ``TandemTraining/TrainingError/incompatibleCheckpoint(_:)`` when its checkpoint
    ///   holds another network; file errors when the fold has none.
    public func trainedModel(_ dataset: EDADataset, fold: Fold, inputs: Int) throws -> EDANetwork<Double> {
        var model = makeModel(inputs: inputs, dataset: dataset)
        let checkpoint = try Checkpoint<Double>.read(from: fold.directory + "/checkpoint.safetensors")
        guard checkpoint.metadata["tandem.model"] == Self.describe(model) else {
            throw TrainingError.incompatibleCheckpoint("\(fold.directory) holds \(checkpoint.metadata["tandem.model"] ?? "an unknown model"); the problem file declares \(Self.describe(model))")
        }
        try model.loadParameters(Dictionary(uniqueKeysWithValues: checkpoint.parameters.map { ($0.key, $0.value) }))
        return model
    }
}

extension EDARun {
    /// Writes a fold's inputs as the network sees them, for baselines on the same features and
    /// folds (`Benchmarks/accuracy/eda_baselines.py`): `fold-K/features.nc` with `x_train`
    /// `[train, feature]`, `eda_train` (µS), `label_train` (−1: none), `session_train`, and the
    /// same for `test`; attribute `features` names the columns.
    /// - Throws: ``TandemIO/NetCDFError``.
    public func writeFeatures(_ dataset: EDADataset, fold: Fold, features: EDAFeatures) throws {
        typealias V = FieldFileWriter.Variable
        func rows(testing: Bool) -> (x: [Double], eda: [Double], label: [Double], session: [Double], time: [Double]) {
            var out: (x: [Double], eda: [Double], label: [Double], session: [Double], time: [Double]) = ([], [], [], [], [])
            for s in testing ? fold.test : fold.train {
                let session = dataset.sessions[s]
                for i in points(dataset, fold: fold, session: s, testing: testing) {
                    let t = session.time(i)
                    out.x += features.input(session: s, time: t).x
                    out.eda.append(session.eda[i])
                    out.label.append(Double(session.block(at: t).flatMap { session.blocks[$0].label } ?? -1))
                    out.session.append(Double(s))
                    out.time.append(t)
                }
            }
            return out
        }
        let train = rows(testing: false), test = rows(testing: true)
        var variables: [V] = []
        for part in ["train", "test"] {
            variables += [V("x_\(part)", dimensions: [part, "feature"], units: "1", longName: "network inputs"),
                          V("eda_\(part)", dimensions: [part], units: "uS", longName: "measured EDA"),
                          V("label_\(part)", dimensions: [part], units: "1", longName: "class index (-1: none)"),
                          V("session_\(part)", dimensions: [part], units: "1", longName: "session index"),
                          V("time_\(part)", dimensions: [part], units: "s", longName: "time in the recording")]
        }
        let writer = try FieldFileWriter(path: fold.directory + "/features.nc",
                                         dimensions: [.init("train", length: train.eda.count), .init("test", length: Swift.max(test.eda.count, 1)),
                                                      .init("feature", length: features.count)],
                                         coordinates: [], variables: variables,
                                         attributes: ["features": features.names.joined(separator: ","), "classes": dataset.classes.joined(separator: ","),
                                                      "fold": "\(fold.index)"])
        for (part, r) in [("train", train), ("test", test)] where !r.eda.isEmpty {
            try writer.write("x_\(part)", values: r.x)
            try writer.write("eda_\(part)", values: r.eda)
            try writer.write("label_\(part)", values: r.label)
            try writer.write("session_\(part)", values: r.session)
            try writer.write("time_\(part)", values: r.time)
        }
        try writer.close()
    }
}

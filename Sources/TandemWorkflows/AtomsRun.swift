import Foundation
import TandemAtoms
import TandemCore
import TandemIO
import TandemNN
import TandemSpec
import TandemTraining

/// The trainer of an atomistic model.
public typealias AtomsTrainer<Model: AtomisticModel> = Trainer<AtomsObjective<Model>>

/// An atomistic model that `[model]` of an atoms problem declares, built from its settings.
public protocol AtomsProblemModel: AtomisticModel where Scalar == Double {
    /// The network `model` declares, for `elements`, encoding `datasets` data sets (0: none).
    /// - Throws: ``TandemAtoms/AtomsError`` for settings the model refuses.
    init(_ model: AtomsProblem.Model, elements: [String], datasets: Int, using generator: inout SeededGenerator) throws
    /// The model in words; a checkpoint must hold the same to be loaded.
    var summary: String { get }
}

extension SchNet: AtomsProblemModel where Scalar == Double {
    /// SchNet with `features`, `interactions`, `radial` and `cutoff` of `[model]`.
    public init(_ model: AtomsProblem.Model, elements: [String], datasets: Int, using generator: inout SeededGenerator) throws {
        try self.init(elements: elements, features: model.features, blocks: model.interactions, radialCount: model.radial,
                      cutoff: model.cutoff, datasets: datasets, using: &generator)
    }

    /// `"SchNet 64 features × 3 interactions, 25 radial functions, cut-off 5 Å, elements Cu, Au; dataset encoding of 3"`.
    public var summary: String {
        "SchNet \(embedding.table.shape[1]) features × \(interactions.count) interactions, \(radialCount) radial functions, cut-off \(Figures.label(cutoff)) Å, elements \(elements.joined(separator: ", "))"
            + (datasets > 0 ? "; dataset encoding of \(datasets)" : "")
    }
}

extension DPA3: AtomsProblemModel where Scalar == Double {
    /// DPA3 with `features` (nodes), `edge_features`, `angle_features`, `interactions` (layers),
    /// `radial`, `cutoff` and `angle_cutoff` of `[model]`.
    public init(_ model: AtomsProblem.Model, elements: [String], datasets: Int, using generator: inout SeededGenerator) throws {
        try self.init(elements: elements, nodeFeatures: model.features, edgeFeatures: model.edgeFeatures, angleFeatures: model.angleFeatures,
                      layers: model.interactions, radialCount: model.radial, cutoff: model.cutoff, angleCutoff: model.angleCutoff,
                      datasets: datasets, using: &generator)
    }

    /// `"DPA3-style 64/32/16 node/edge/angle features × 3 layers, 16 radial functions, cut-offs 5/4 Å, elements Cu, Au; dataset encoding of 3"`.
    public var summary: String {
        let f = featureSizes
        return "DPA3-style \(f.node)/\(f.edge)/\(f.angle) node/edge/angle features × \(layers.count) layers, \(radialCount) radial functions, cut-offs \(Figures.label(cutoff))/\(Figures.label(angleCutoff)) Å, elements \(elements.joined(separator: ", "))"
            + (datasets > 0 ? "; dataset encoding of \(datasets)" : "")
    }
}

/// An atoms run's directory: `problem.toml`, `profile`, `data/` (each data set's training and
/// held-out frames as extended XYZ, `NAME.train.xyz` and `NAME.test.xyz`, from `tandem train`),
/// the model's `checkpoint.safetensors`, `loss.csv` and `training.json` — one set of them per
/// data set in `model-NAME/` when the encoding is `single` — and from `tandem compare`
/// `metrics.json`, `report.md` and `figures/`.
public struct AtomsRun {
    /// The run directory.
    public let directory: String
    /// The problem.
    public let problem: AtomsProblem
    /// The profile's name and settings.
    public let profile: String, training: AtomsProblem.Training

    /// One model of the run and the data sets it learns (all of them, or one with `single`).
    public struct Member: Sendable {
        /// `"model"`, or the data set's name.
        public let name: String
        /// Indices into the problem's data sets.
        public let datasets: [Int]
        /// Where its checkpoint and history go.
        public let directory: String
    }

    /// One data set's frames, split.
    public struct Split: Sendable {
        /// The data set's name.
        public let name: String
        /// Training and held-out frames.
        public let train: [AtomicFrame], test: [AtomicFrame]
    }

    /// A file in the run directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Sets up (or, with `resume`, reopens) a run of the problem at `problemPath`.
    /// - Throws: ``ProblemFileError``, ``RunDirectoryError``.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        problem = try Problem(contentsOf: problemPath).atomsProblem(for: "an atomistic model")
        training = try problem.header.profile(profile, of: problem.trainingProfiles, at: "training")
        try Self.validate(problem)
        self.directory = directory
        self.profile = profile
        _ = try RunDirectory.prepare(directory, header: problem.header, problemPath: problemPath, profile: profile, resume: resume)
    }

    /// Reopens a trained run.
    /// - Throws: ``RunDirectoryError`` when `directory` holds no trained atoms run.
    public init(directory: String) throws {
        let (file, profile) = try RunDirectory(directory).trained()
        guard file.modelKind == .schnet || file.modelKind == .dpa3 else {
            throw RunDirectoryError.wrongKind(directory: directory, holds: file.modelKind.rawValue, expected: "atomistic (SchNet or DPA3)")
        }
        problem = try file.atomsProblem(for: "an atomistic model")
        guard let training = problem.trainingProfiles[profile] else { throw problem.error(at: "training", "no profile \"\(profile)\" for the run in \(directory)") }
        self.directory = directory
        self.profile = profile
        self.training = training
    }

    /// What the file alone cannot check: element symbols, and EMT parameters for generated data.
    /// - Throws: ``ProblemFileError`` at the key.
    public static func validate(_ problem: AtomsProblem) throws {
        if let bad = problem.elements.first(where: { ChemicalElements.atomicNumber(of: $0) == nil }) {
            throw problem.error(at: "atoms.elements", "\"\(bad)\" is not an element symbol")
        }
        for (i, set) in problem.datasets.enumerated() {
            guard let g = set.generation else { continue }
            if let missing = g.composition.keys.sorted().first(where: { EMT.table[$0] == nil }) {
                throw problem.error(at: "atoms.dataset[\(i)].composition", "EMT has no parameters for \(missing); it knows \(EMT.table.keys.sorted().joined(separator: ", "))")
            }
        }
    }

    /// The models the run trains.
    public var members: [Member] {
        if problem.model.encoding == .single {
            return problem.datasets.enumerated().map { Member(name: $1.name, datasets: [$0], directory: path("model-\($1.name)")) }
        }
        return [Member(name: "model", datasets: Array(problem.datasets.indices), directory: directory)]
    }

    // MARK: Data

    /// The text recording what `data/` was made from: the problem file, the split's fraction and seed.
    var dataStamp: String { problem.header.text + "\n# split: test_fraction \(training.testFraction), seed \(training.seed)\n" }

    /// `data/`: every data set's frames, generated or read, split and written — unless `data/`
    /// already holds what this problem and profile make.
    /// - Returns: the splits and whether they were made now.
    /// - Throws: what ``AtomsData/frames(_:dataset:progress:)`` throws; file errors.
    public func prepareData(progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> (splits: [Split], made: Bool) {
        let stamp = path("data/stamp.txt")
        if (try? String(contentsOfFile: stamp, encoding: .utf8)) == dataStamp, let splits = try? data() { return (splits, false) }
        try FileManager.default.createDirectory(atPath: path("data"), withIntermediateDirectories: true)
        var splits: [Split] = []
        for (i, set) in problem.datasets.enumerated() {
            let frames = try AtomsData.frames(problem, dataset: i) { progress(set.name, $0, $1) }
            let (train, test) = AtomsData.split(count: frames.count, testFraction: training.testFraction, seed: training.seed &+ UInt64(i))
            let split = Split(name: set.name, train: train.map { frames[$0] }, test: test.map { frames[$0] })
            try ExtendedXYZ.write(split.train, to: path("data/\(set.name).train.xyz"))
            try ExtendedXYZ.write(split.test, to: path("data/\(set.name).test.xyz"))
            splits.append(split)
        }
        try dataStamp.write(toFile: stamp, atomically: true, encoding: .utf8)
        return (splits, true)
    }

    /// The data sets' frames from `data/`.
    /// - Throws: ``TandemIO/DataFileError`` (no `data/`: train first).
    public func data() throws -> [Split] {
        try problem.datasets.map { set in
            Split(name: set.name, train: try ExtendedXYZ.read(path: path("data/\(set.name).train.xyz")),
                  test: try ExtendedXYZ.read(path: path("data/\(set.name).test.xyz")))
        }
    }

    /// Frames as a training data set of the model's elements.
    /// - Throws: ``TandemAtoms/AtomsError`` (unlabelled frames, atoms too close).
    public func dataset(_ name: String, _ frames: [AtomicFrame]) throws -> AtomsDataset {
        try AtomsDataset(name: name, frames: frames.map { ($0.species, $0.positions, $0.cell, $0.periodic, $0.energy, $0.forces) }, elements: problem.elements)
    }

    // MARK: Models

    /// The network `[model]` declares for `member`, from the training seed, with its energy
    /// shifts fitted on the member's training frames (per data set when encoded, pooled else).
    /// - Throws: ``TandemAtoms/AtomsError``.
    public func makeModel<Model: AtomsProblemModel>(_: Model.Type, _ member: Member, training data: [AtomsDataset]) throws -> Model {
        var g = SeededGenerator(seed: training.seed)
        let encoded = problem.model.encoding == .dataset
        var model = try Model(problem.model, elements: problem.elements, datasets: encoded ? member.datasets.count : 0, using: &g)
        let z = problem.elements.count
        if encoded {
            for (d, set) in data.enumerated() { model.energyShifts[d] = Model.fitEnergyShifts(counts: set.elementCounts(z), energies: set.energies) }
        } else {
            model.energyShifts[0] = Model.fitEnergyShifts(counts: data.flatMap { $0.elementCounts(z) }, energies: data.flatMap(\.energies))
        }
        return model
    }

    /// The training data sets of `member`.
    /// - Throws: ``TandemAtoms/AtomsError``.
    public func trainingData(_ member: Member, _ splits: [Split]) throws -> [AtomsDataset] {
        try member.datasets.map { try dataset(splits[$0].name, splits[$0].train) }
    }

    /// The member's trainer, resumed from its checkpoint when `resume` and one exists.
    /// - Throws: ``TandemAtoms/AtomsError``; checkpoint errors.
    public func trainer<Model: AtomsProblemModel>(_ type: Model.Type, _ member: Member, _ splits: [Split], resume: Bool) throws -> AtomsTrainer<Model> {
        let data = try trainingData(member, splits)
        let model = try makeModel(type, member, training: data)
        let rate = LearningRateSchedule.exponential(initial: training.learningRate, decayRate: training.decayRate, decaySteps: training.decayEvery, staircase: true)
        let weights = member.datasets.enumerated().map { k, d in problem.datasets[d].weight ?? Double(data[k].count) }
        let schedule = try MultiDatasetSchedule(weights: weights, learningRate: rate,
                                                energyPrefactor: (training.energyPrefactor[0], training.energyPrefactor[1]),
                                                forcePrefactor: (training.forcePrefactor[0], training.forcePrefactor[1]))
        let objective = AtomsObjective<Model>(datasets: data, schedule: schedule, batch: training.batch, seed: training.seed,
                                               encoded: problem.model.encoding == .dataset)
        let plan = TrainingPlan(steps: training.steps, phases: [OptimizerPhase<Double>(start: 0, optimizer: Adam<Double>(schedule: rate))],
                                checkpointEvery: training.checkpointEvery)
        try FileManager.default.createDirectory(atPath: member.directory, withIntermediateDirectories: true)
        let trainer = AtomsTrainer(model: model, objective: objective, plan: plan, directory: member.directory,
                                   metadata: RunDirectory.metadata(header: problem.header, model: model.summary, profile: profile)
                                       .merging(["tandem.member": member.name]) { $1 },
                                   identity: RunDirectory.identity + [("tandem.member", "model")])
        if let world = try RunFiles.distributed() { try trainer.distribute(over: world) }
        if resume && FileManager.default.fileExists(atPath: member.directory + "/checkpoint.safetensors") { try trainer.resume() }
        return trainer
    }

    /// The member's trained network: its checkpoint's parameters and the energy shifts of
    /// `training.json` (refitted to the trained network when training ended; else fitted on the
    /// training frames, as training started).
    /// - Throws: ``TandemTraining/TrainingError/incompatibleCheckpoint(_:)`` when its checkpoint
    ///   holds another network; file errors when it has none.
    public func trainedModel<Model: AtomsProblemModel>(_ type: Model.Type, _ member: Member, _ splits: [Split]) throws -> Model {
        var model = try makeModel(type, member, training: try trainingData(member, splits))
        let checkpoint = try Checkpoint<Double>.read(from: member.directory + "/checkpoint.safetensors")
        guard checkpoint.metadata["tandem.model"] == model.summary else {
            throw TrainingError.incompatibleCheckpoint("\(member.directory) holds \(checkpoint.metadata["tandem.model"] ?? "an unknown model"); the problem file declares \(model.summary)")
        }
        try model.loadParameters(Dictionary(uniqueKeysWithValues: checkpoint.parameters.map { ($0.key, $0.value) }))
        // The shifts refitted at the end of training, when it ended.
        if let data = FileManager.default.contents(atPath: member.directory + "/training.json"),
           let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let shifts = json["energy_shifts"] as? [[Double]],
           shifts.count == model.energyShifts.count, shifts.allSatisfy({ $0.count == problem.elements.count }) {
            model.energyShifts = shifts
        }
        return model
    }

    /// The member that learned data set `d`, and `d`'s index among its data sets.
    public func member(for d: Int) -> (member: Member, local: Int) {
        let member = members.first { $0.datasets.contains(d) }!
        return (member, member.datasets.firstIndex(of: d)!)
    }
}

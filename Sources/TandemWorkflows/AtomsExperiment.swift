import Foundation
import TandemAtoms
import TandemCore
import TandemIO
import TandemSpec
import TandemTraining

/// An atomistic graph network trained across data sets: the data generated or read once
/// (`data/`), one model with a dataset encoding (or pooled, or one per data set) on the one
/// trainer, and the comparison with the held-out labels — errors per data set, parity plots,
/// learning curves, timings, and energy conservation in molecular dynamics beside the reference
/// potential's.
public struct AtomsExperiment: Experiment {
    /// `[model] kind = "schnet"` (and ``kinds``).
    public static var kind: Problem.ModelKind { .schnet }
    /// `schnet` and `dpa3`.
    public static var kinds: [Problem.ModelKind] { [.schnet, .dpa3] }
    /// The run.
    public let run: AtomsRun
    let resume: Bool

    /// What the file declares: elements, data sets, the network and the profiles.
    public static func describe(_ problem: Problem, problemFile: String) throws -> [String] {
        let p = try problem.atomsProblem(for: "an atomistic model")
        try AtomsRun.validate(p)
        var lines = ["\(p.header.name): \(p.header.summary)", "Elements: \(p.elements.joined(separator: ", "))"]
        for (i, d) in p.datasets.enumerated() {
            let offset = d.energyOffset == 0 ? "" : String(format: ", energies shifted by %+.4g eV/atom", d.energyOffset)
            let weight = d.weight.map { ", weight \(Figures.label($0))" } ?? ""
            switch d.source {
            case .emt:
                let g = d.generation!
                let a = try g.latticeConstant ?? AtomsData.vegardLatticeConstant(g.composition)
                let composition = g.composition.sorted { $0.key < $1.key }.map { "\($0.key) \(Figures.label($0.value))" }.joined(separator: ", ")
                lines.append("Data set \(d.name): \(d.frames!) frames by EMT Langevin dynamics, fcc \(g.repeats.map(String.init).joined(separator: "×")) cells (\(4 * g.repeats.reduce(1, *)) atoms: \(composition)), a = \(String(format: "%.4f", a)) Å, T = \(g.temperatures.map(Figures.label).joined(separator: ", ")) K, strains \(g.strains.map(Figures.label).joined(separator: ", ")), a frame every \(g.interval) steps of \(Figures.label(g.timestep)) fs after \(g.equilibration)\(offset)\(weight)")
            case .deepmd, .extxyz:
                let path = p.resolve(d.path!)
                let exists = FileManager.default.fileExists(atPath: path)
                lines.append("Data set \(d.name): \(d.source == .deepmd ? "DeePMD-kit system(s)" : "extended XYZ") \(path)\(exists ? "" : " (not found there yet)")\(d.frames.map { ", at most \($0) frames" } ?? "")\(offset)\(weight)")
            }
        }
        let m = p.model
        let encoding: String
        switch m.encoding {
        case .dataset: encoding = "one model, dataset encoding (one-hot into the fitting net, shifts per data set)"
        case .pooled: encoding = "one model for the pooled data sets (one set of shifts)"
        case .single: encoding = "one model per data set"
        }
        if m.kind == .dpa3 {
            lines.append("Model: DPA3-style line graph, \(m.features)/\(m.edgeFeatures)/\(m.angleFeatures) node/edge/angle features × \(m.interactions) layers, \(m.radial) radial functions, cut-offs \(Figures.label(m.cutoff)) Å (edges) and \(Figures.label(m.angleCutoff)) Å (angles); \(encoding)")
        } else {
            lines.append("Model: SchNet, \(m.features) features × \(m.interactions) interactions, \(m.radial) radial functions, cut-off \(Figures.label(m.cutoff)) Å; \(encoding)")
        }
        for name in p.trainingProfiles.keys.sorted() {
            let t = p.trainingProfiles[name]!
            lines.append("Profile \(name): \(t.steps) Adam steps (learning rate \(Figures.label(t.learningRate)) × \(Figures.label(t.decayRate)) every \(t.decayEvery)), \(t.batch) frames per step, prefactors energy \(t.energyPrefactor.map(Figures.label).joined(separator: "→")), force \(t.forcePrefactor.map(Figures.label).joined(separator: "→")); \(Int((100 * t.testFraction).rounded()))% of each data set held out")
        }
        return lines
    }

    /// A new or resumed run.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        run = try AtomsRun(problemPath: problemPath, directory: directory, profile: profile, resume: resume)
        self.resume = resume
    }

    /// A trained run.
    public init(trainedRun directory: String) throws {
        run = try AtomsRun(directory: directory)
        resume = false
    }

    /// `data/` from the data sets (or reused), with progress while generating.
    public func prepareData(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        let start = Date()
        let (splits, made) = try run.prepareData { name, done, total in
            events.progress(.init(fraction: Double(done) / Double(Swift.max(total, 1)), text: "\(name): \(done)/\(total) frames", isFinal: done == total))
        }
        for s in splits {
            let atoms = Set((s.train + s.test).map(\.count)).sorted().map(String.init).joined(separator: "/")
            events.message("data set \(s.name): \(s.train.count) training + \(s.test.count) held-out frames of \(atoms) atoms")
        }
        events.message(String(format: "data: %@ (%.1f s)", made ? "written to \(run.path("data"))" : "reused from \(run.path("data"))", Date().timeIntervalSince(start)))
        return .finished
    }

    /// Every member in turn (completed ones are kept on `--resume`), with progress.
    public func train(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        run.problem.model.kind == .dpa3 ? try train(DPA3<Double>.self, events) : try train(SchNet<Double>.self, events)
    }

    func train<Model: AtomsProblemModel>(_ type: Model.Type, _ events: ExperimentEvents) throws -> ExperimentOutcome {
        let splits = try run.data()
        let members = run.members
        for (k, member) in members.enumerated() {
            let trainer = try run.trainer(type, member, splits, resume: resume)
            if k == 0 {
                events.message("model: \(trainer.model.summary) (\(trainer.model.parameterCount) parameters)")
                events.message("profile \(run.profile): \(run.training.steps) Adam steps\(members.count > 1 ? " per model × \(members.count) models" : ""), \(run.training.batch) frames per step")
            }
            if resume && trainer.isComplete { events.message("\(member.name): already trained"); continue }
            let names = trainer.objective.taskNames
            let report = try trainer.run(progress: { p in
                let done = (Double(k) + Double(p.step) / Double(Swift.max(p.steps, 1))) / Double(members.count)
                // A data set not drawn yet has no loss to show.
                let terms = zip(names, p.tasks).map { $1.isNaN ? "\($0) –" : String(format: "%@ %.2e", $0, $1) }.joined(separator: "  ")
                events.progress(.init(fraction: done, text: String(format: "%@%@ %d/%d  loss %.3e  [%@]  %.1f steps/s", members.count > 1 ? "\(member.name): " : "", p.phase, p.step, p.steps, p.loss, terms, p.rate),
                                      isFinal: p.step == p.steps && k == members.count - 1))
            }, shouldStop: events.shouldStop)
            if report.interrupted {
                return .interrupted("interrupted: \(member.name), checkpoint at step \(report.step) in \(member.directory); continue with --resume")
            }
            var model = trainer.model
            let refit = try trainer.objective.refitEnergyShifts(&model)
            let json: [String: Any] = ["steps": report.step, "seconds": report.seconds, "loss": report.loss,
                                       "steps_per_second": Double(report.step) / Swift.max(report.seconds, 1e-9),
                                       "datasets": names, "energy_shifts": model.energyShifts, "elements": run.problem.elements,
                                       "training_energy_rmse_before_refit": refit.before, "training_energy_rmse_after_refit": refit.after]
            try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: member.directory + "/training.json"))
            events.message(String(format: "%@: %d steps in %.1f s (%.2f steps/s), loss %.3e; energy shifts refitted to the trained network: training energy RMSE %.2f → %.2f meV/atom",
                                  member.name, report.step, report.seconds, Double(report.step) / Swift.max(report.seconds, 1e-9), report.loss,
                                  1000 * refit.before, 1000 * refit.after))
        }
        events.message("run: \(run.directory) (data/, checkpoint.safetensors, loss.csv); next: tandem compare \(run.directory)")
        return .finished
    }

    /// Every data set's held-out (and training) frames through its model: errors, parity plots,
    /// learning curves, timings and an NVE check; `metrics.json`, `report.md`, `figures/`.
    public func compare(_ events: ExperimentEvents) throws -> [String] {
        run.problem.model.kind == .dpa3 ? try compare(DPA3<Double>.self, events) : try compare(SchNet<Double>.self, events)
    }

    func compare<Model: AtomsProblemModel>(_ type: Model.Type, _ events: ExperimentEvents) throws -> [String] {
        let splits = try run.data()
        var models: [String: Model] = [:]
        var evaluations: [AtomsEvaluation] = []
        for (d, split) in splits.enumerated() {
            let (member, local) = run.member(for: d)
            if models[member.name] == nil { models[member.name] = try run.trainedModel(type, member, splits) }
            let model = models[member.name]!
            let encoding = run.problem.model.encoding == .dataset ? local : 0
            events.message("evaluating \(split.name) (\(split.test.count) held-out frames)")
            evaluations.append(try AtomsEvaluation(name: split.name, model: model, encoding: encoding, split: split,
                                                   generation: run.problem.datasets[d].generation, offset: run.problem.datasets[d].energyOffset))
        }
        let report = AtomsReport(run: run, evaluations: evaluations, modelDescription: models.values.first!.summary)
        let written = try report.write()
        return ["\(run.problem.header.name), profile \(run.profile): \(report.modelDescription), \(run.problem.model.encoding.rawValue) encoding", report.table(),
                "wrote \(written.count) files in \(run.directory): \(written.joined(separator: ", "))"]
    }

    /// The first data set's model and encoding on the frames of an extended XYZ file.
    public func predict(input: String, output: String) throws -> [String] {
        try predict(input: input, output: output, dataset: nil)
    }

    /// The model of data set `dataset` (by default the first), in its encoding and energy
    /// reference, on every frame of the extended XYZ file `input`: energies and forces written
    /// to `output` (extended XYZ).
    /// - Throws: ``ProblemFileError`` for an unknown data set; the reader's and the model's errors.
    public func predict(input: String, output: String, dataset: String?) throws -> [String] {
        run.problem.model.kind == .dpa3 ? try predict(DPA3<Double>.self, input: input, output: output, dataset: dataset)
            : try predict(SchNet<Double>.self, input: input, output: output, dataset: dataset)
    }

    func predict<Model: AtomsProblemModel>(_ type: Model.Type, input: String, output: String, dataset: String?) throws -> [String] {
        let names = run.problem.datasets.map(\.name)
        let d: Int
        if let dataset {
            guard let index = names.firstIndex(of: dataset) else { throw run.problem.error(at: "atoms.dataset", "the run has no data set \"\(dataset)\"; it has \(names.joined(separator: ", "))") }
            d = index
        } else {
            d = 0
        }
        let splits = try run.data()
        let (member, local) = run.member(for: d)
        let model = try run.trainedModel(type, member, splits)
        let potential = ModelPotential(model: model, dataset: run.problem.model.encoding == .dataset ? local : 0)
        var frames = try ExtendedXYZ.read(path: input)
        let start = Date()
        for f in frames.indices {
            let frame = frames[f]
            let lattice = try Lattice(vectors: frame.cell ?? [1, 0, 0, 0, 1, 0, 0, 0, 1], periodic: frame.cell == nil ? [false, false, false] : frame.periodic)
            let result = try potential.evaluate(positions: frame.positions, species: frame.species, lattice: lattice, stress: false)
            frames[f].energy = result.energy
            frames[f].forces = result.forces
            frames[f].virial = nil
        }
        let seconds = Date().timeIntervalSince(start)
        try ExtendedXYZ.write(frames, to: output)
        return [String(format: "wrote %@: energies and forces of %d frames in the encoding of %@ (%.3g ms per frame)", output, frames.count, names[d],
                       1000 * seconds / Double(Swift.max(frames.count, 1)))]
    }
}

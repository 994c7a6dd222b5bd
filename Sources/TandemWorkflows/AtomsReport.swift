import Foundation
import TandemAtoms
import TandemCore
import TandemIO
import TandemNN
import TandemSpec

/// Errors of a model on a set of labelled frames: root-mean-square and mean absolute errors of
/// the energy per atom (meV/atom) and of the force components (meV/Å).
public struct AtomsErrors: Sendable, Equatable {
    /// Frames evaluated.
    public var frames: Int
    /// Energy per atom: RMSE and MAE (meV/atom).
    public var energyRMSE: Double, energyMAE: Double
    /// Force components: RMSE and MAE (meV/Å).
    public var forceRMSE: Double, forceMAE: Double

    /// `√mean(ΔE/N)²`, `mean|ΔE/N|` over frames and `√mean(ΔF²)`, `mean|ΔF|` over every component, in meV.
    public init(energies: [(reference: Double, predicted: Double)], forces: [(reference: Double, predicted: Double)]) {
        func rms(_ v: [(reference: Double, predicted: Double)]) -> Double {
            1000 * (v.reduce(0.0) { $0 + ($1.predicted - $1.reference) * ($1.predicted - $1.reference) } / Double(Swift.max(v.count, 1))).squareRoot()
        }
        func mae(_ v: [(reference: Double, predicted: Double)]) -> Double {
            1000 * v.reduce(0.0) { $0 + abs($1.predicted - $1.reference) } / Double(Swift.max(v.count, 1))
        }
        frames = energies.count
        (energyRMSE, energyMAE, forceRMSE, forceMAE) = (rms(energies), mae(energies), rms(forces), mae(forces))
    }
}

/// One data set's frames through its model: held-out and training errors, the pairs for parity
/// plots, timings, and for generated data an NVE run with the model beside one with EMT.
public struct AtomsEvaluation: Sendable {
    /// The data set.
    public let name: String
    /// Errors on the held-out frames and on (at most 100 of) the training frames.
    public let test: AtomsErrors, train: AtomsErrors
    /// The data set's training and held-out frame counts.
    public let trainingFrames: Int, testFrames: Int
    /// Held-out `(reference, predicted)` energies per atom (eV) and force components (eV/Å).
    public let energies: [(reference: Double, predicted: Double)], forces: [(reference: Double, predicted: Double)]
    /// The held-out frames' root-mean-square force component (meV/Å): the error of predicting no force.
    public let forceScale: Double
    /// Milliseconds per held-out frame (energy and forces) of the model and, for EMT data, of EMT.
    public let modelMilliseconds: Double, referenceMilliseconds: Double?
    /// NVE energy drift (meV/atom/ps, the slope of a least-squares line through the total energy)
    /// with the model and with EMT from the same start; `nil` without a reference potential.
    public let drift: (model: Double, reference: Double, picoseconds: Double)?
    /// Why the model's NVE run stopped early, if it did.
    public let driftNote: String?

    /// Time step (fs) and steps of the NVE check.
    public static let nveTimestep = 1.0, nveSteps = 500

    /// Evaluates `model` in encoding `encoding` on `split`; `generation` (EMT data) adds the
    /// reference timing and the NVE check; `offset` is the data set's energy offset per atom.
    /// - Throws: the model's and EMT's errors.
    public init<Model: AtomisticModel>(name: String, model: Model, encoding: Int, split: AtomsRun.Split, generation: AtomsProblem.Generation?, offset: Double) throws where Model.Scalar == Double {
        self.name = name
        (trainingFrames, testFrames) = (split.train.count, split.test.count)
        let potential = ModelPotential(model: model, dataset: encoding)
        func evaluate(_ frames: [AtomicFrame]) throws -> (energies: [(reference: Double, predicted: Double)], forces: [(reference: Double, predicted: Double)], seconds: Double) {
            var energies: [(reference: Double, predicted: Double)] = [], forces: [(reference: Double, predicted: Double)] = []
            let start = Date()
            for frame in frames {
                let result = try potential.evaluate(positions: frame.positions, species: frame.species, lattice: try Self.lattice(frame), stress: false)
                let n = Double(frame.count)
                energies.append((frame.energy! / n, result.energy / n))
                forces += zip(frame.forces!, result.forces).map { ($0, $1) }
            }
            return (energies, forces, Date().timeIntervalSince(start))
        }
        let held = try evaluate(split.test)
        let stride = Swift.max(1, split.train.count / 100)
        let fitted = try evaluate(Swift.Array(Swift.stride(from: 0, to: split.train.count, by: stride).map { split.train[$0] }))
        test = AtomsErrors(energies: held.energies, forces: held.forces)
        train = AtomsErrors(energies: fitted.energies, forces: fitted.forces)
        (energies, forces) = (held.energies, held.forces)
        forceScale = 1000 * (held.forces.reduce(0.0) { $0 + $1.reference * $1.reference } / Double(Swift.max(held.forces.count, 1))).squareRoot()
        modelMilliseconds = 1000 * held.seconds / Double(Swift.max(split.test.count, 1))
        guard let generation, let first = split.test.first else {
            (referenceMilliseconds, drift, driftNote) = (nil, nil, nil)
            return
        }
        let emt = EMT()
        let start = Date()
        for frame in split.test { _ = try emt.evaluate(positions: frame.positions, species: frame.species, lattice: try Self.lattice(frame), stress: false) }
        referenceMilliseconds = 1000 * Date().timeIntervalSince(start) / Double(split.test.count)
        let temperature = generation.temperatures.max() ?? 300
        let reference = try Self.nve(emt, frame: first, temperature: temperature, seed: generation.seed)
        do {
            let learned = try Self.nve(potential, frame: first, temperature: temperature, seed: generation.seed)
            drift = (learned.slope, reference.slope, learned.picoseconds)
            driftNote = learned.picoseconds < reference.picoseconds ? "stopped after \(Figures.label(learned.picoseconds)) ps: \(learned.note ?? "")" : nil
        } catch {
            drift = nil
            driftNote = "the model's NVE run failed: \(error)"
        }
    }

    static func lattice(_ frame: AtomicFrame) throws -> Lattice {
        try Lattice(vectors: frame.cell ?? [1, 0, 0, 0, 1, 0, 0, 0, 1], periodic: frame.cell == nil ? [false, false, false] : frame.periodic)
    }

    /// ``nveSteps`` velocity-Verlet steps from `frame` with Maxwell–Boltzmann velocities at
    /// `temperature`: the slope of the total energy per atom (meV/atom/ps) and the time covered;
    /// stops early (with a note) when the energy leaves finite values or moves by more than 1 eV/atom.
    static func nve(_ potential: any Potential, frame: AtomicFrame, temperature: Double, seed: UInt64) throws -> (slope: Double, picoseconds: Double, note: String?) {
        var md = try MolecularDynamics(potential: potential, species: frame.species, positions: frame.positions, lattice: try lattice(frame))
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        md.setTemperature(temperature, using: &generator)
        let n = Double(frame.count)
        var times: [Double] = [], energies: [Double] = []
        let e0 = (md.potentialEnergy + md.kineticEnergy) / n
        var note: String?
        for step in 1...nveSteps {
            try md.runNVE(steps: 1, timestep: nveTimestep)
            let e = (md.potentialEnergy + md.kineticEnergy) / n
            guard e.isFinite, abs(e - e0) < 1 else { note = "the total energy moved by more than 1 eV/atom"; break }
            times.append(Double(step) * nveTimestep / 1000)
            energies.append(e)
        }
        guard times.count >= 2 else { return (.nan, times.last ?? 0, note) }
        let tm = times.reduce(0, +) / Double(times.count), em = energies.reduce(0, +) / Double(energies.count)
        let slope = zip(times, energies).reduce(0.0) { $0 + ($1.0 - tm) * ($1.1 - em) } / times.reduce(0.0) { $0 + ($1 - tm) * ($1 - tm) }
        return (1000 * slope, times.last!, note)
    }
}

/// What `tandem compare` writes for an atoms run: `metrics.json`, `report.md` (the table below),
/// `figures/parity-NAME.png` (energy per atom and force components, predicted against reference,
/// held-out frames) and `figures/learning-curves.png` (training loss against step).
public struct AtomsReport {
    /// The run.
    public let run: AtomsRun
    /// One evaluation per data set.
    public let evaluations: [AtomsEvaluation]
    /// The model, described.
    public let modelDescription: String

    /// The Markdown table: held-out and training errors, force scale, timings, NVE drift.
    public func table() -> String {
        var rows = ["| data set | frames train/test | energy RMSE (meV/atom) | force RMSE (meV/Å) | rms force (meV/Å) | training-frame energy / force RMSE | model ms/frame | EMT ms/frame | NVE drift model / EMT (meV/atom/ps) |",
                    "|---|---|---|---|---|---|---|---|---|"]
        for e in evaluations {
            let drift = e.drift.map { String(format: "%.3g / %.3g", $0.model, $0.reference) } ?? "–"
            rows.append(String(format: "| %@ | %d/%d | %.2f | %.1f | %.0f | %.2f / %.1f | %.2f | %@ | %@ |", e.name, e.trainingFrames, e.testFrames,
                               e.test.energyRMSE, e.test.forceRMSE, e.forceScale, e.train.energyRMSE, e.train.forceRMSE, e.modelMilliseconds,
                               e.referenceMilliseconds.map { String(format: "%.2f", $0) } ?? "–", drift))
        }
        let notes = evaluations.compactMap { e in e.driftNote.map { "- \(e.name): \($0)" } }
        return (rows + (notes.isEmpty ? [] : [""] + notes)).joined(separator: "\n")
    }

    /// Writes everything; returns the names written.
    /// - Throws: file and figure errors.
    public func write() throws -> [String] {
        try FileManager.default.createDirectory(atPath: run.path("figures"), withIntermediateDirectories: true)
        var names: [String] = []
        let problem = run.problem.header.name
        for e in evaluations {
            let energy = Figures.parity([Figures.Series(name: "held-out frames", points: e.energies.map { (x: $0.reference, y: $0.predicted) })],
                                        title: "\(e.name): energy", xLabel: "reference (eV/atom)", yLabel: "predicted (eV/atom)")
            // At most 20,000 force components (evenly spaced) keep the figure readable.
            let stride = Swift.max(1, e.forces.count / 20_000)
            let forces = Figures.parity([Figures.Series(name: "force components", points: Swift.stride(from: 0, to: e.forces.count, by: stride).map { (x: e.forces[$0].reference, y: e.forces[$0].predicted) })],
                                        title: "\(e.name): forces", xLabel: "reference (eV/A)", yLabel: "predicted (eV/A)")
            var image = RasterImage(width: energy.width + forces.width, height: energy.height)
            image.draw(energy, x: 0, y: 0)
            image.draw(forces, x: energy.width, y: 0)
            try image.writePNG(to: run.path("figures/parity-\(e.name).png"))
            names.append("figures/parity-\(e.name).png")
        }
        var curves: [Figures.Series] = []
        for member in run.members {
            guard let text = try? String(contentsOfFile: member.directory + "/loss.csv", encoding: .utf8) else { continue }
            let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            guard let header = lines.first else { continue }
            for (c, column) in header.enumerated() where c >= 3 {
                let points = lines.dropFirst().compactMap { r -> (x: Double, y: Double)? in
                    guard r.count > c, let x = Double(r[0]), let y = Double(r[c]) else { return nil }
                    return (x, y)
                }
                curves.append(Figures.Series(name: column, points: points))
            }
        }
        if !curves.isEmpty {
            try Figures.lineChart(curves, title: "\(problem): training loss per data set", xLabel: "step", yLabel: "loss of the drawn batch", logY: true)
                .writePNG(to: run.path("figures/learning-curves.png"))
            names.append("figures/learning-curves.png")
        }
        let metrics: [String: Any] = [
            "model": modelDescription, "encoding": run.problem.model.encoding.rawValue, "profile": run.profile,
            "datasets": evaluations.map { e -> [String: Any] in
                var row: [String: Any] = ["name": e.name, "test_frames": e.test.frames,
                                          "energy_rmse_mev_per_atom": e.test.energyRMSE, "energy_mae_mev_per_atom": e.test.energyMAE,
                                          "force_rmse_mev_per_angstrom": e.test.forceRMSE, "force_mae_mev_per_angstrom": e.test.forceMAE,
                                          "rms_force_mev_per_angstrom": e.forceScale,
                                          "train_energy_rmse_mev_per_atom": e.train.energyRMSE, "train_force_rmse_mev_per_angstrom": e.train.forceRMSE,
                                          "model_ms_per_frame": e.modelMilliseconds]
                if let r = e.referenceMilliseconds { row["reference_ms_per_frame"] = r }
                if let d = e.drift, d.model.isFinite { row["nve_drift_model_mev_per_atom_per_ps"] = d.model; row["nve_drift_reference_mev_per_atom_per_ps"] = d.reference }
                if let note = e.driftNote { row["nve_note"] = note }
                return row
            },
        ]
        try JSONSerialization.data(withJSONObject: metrics, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: run.path("metrics.json")))
        names.append("metrics.json")
        let report = """
        # \(problem) — profile \(run.profile)

        \(modelDescription), \(run.problem.model.encoding.rawValue) encoding. Errors on each data set's held-out frames
        (training-frame errors on at most 100 of its training frames); NVE: \(AtomsEvaluation.nveSteps) velocity-Verlet
        steps of \(Figures.label(AtomsEvaluation.nveTimestep)) fs from the first held-out frame, the drift being the slope of
        the total energy per atom.

        \(table())

        Figures: \(names.filter { $0.hasSuffix(".png") }.joined(separator: ", ")).

        """
        try report.write(toFile: run.path("report.md"), atomically: true, encoding: .utf8)
        names.append("report.md")
        return names
    }
}

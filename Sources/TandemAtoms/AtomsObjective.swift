import TandemCore
import TandemNN
import TandemTraining

/// A labelled data set of configurations for training: frames as read, with their element
/// indices in the model's element list and their lattices.
public struct AtomsDataset: Sendable {
    /// The data set's name (its task name in training).
    public let name: String
    /// Positions `[atoms, 3]` (Å), element indices, lattice, energy (eV) and forces (eV/Å) of each frame.
    public let positions: [[Double]], types: [[Int]], lattices: [Lattice], energies: [Double], forces: [[Double]]

    /// The shortest distance between two atoms a frame may have (Å): closer than this, a
    /// configuration is not physical (no two nuclei come within 0.5 Å; H₂'s bond is 0.74 Å).
    public static let minimumDistance = 0.5

    /// A data set from frames labelled with energies and forces.
    /// - Throws: ``AtomsError`` for a frame without energy or forces or with a non-finite one, an
    ///   element not in `elements`, or two atoms closer than ``minimumDistance`` (naming the frame
    ///   and the atoms).
    public init(name: String, frames: [(species: [String], positions: [Double], cell: [Double]?, periodic: [Bool], energy: Double?, forces: [Double]?)],
                elements: [String]) throws {
        self.name = name
        var positions: [[Double]] = [], types: [[Int]] = [], lattices: [Lattice] = [], energies: [Double] = [], forces: [[Double]] = []
        for (index, frame) in frames.enumerated() {
            guard let energy = frame.energy, let f = frame.forces, f.count == frame.positions.count else {
                throw AtomsError("\(name): frame \(index) has no energy or forces to train on")
            }
            guard energy.isFinite, f.allSatisfy(\.isFinite), frame.positions.allSatisfy(\.isFinite) else {
                throw AtomsError("\(name): frame \(index) has a non-finite energy, force or position (NaN or infinity); expected finite numbers")
            }
            types.append(try frame.species.map { s in
                guard let t = elements.firstIndex(of: s) else { throw AtomsError("\(name): frame \(index) has '\(s)', which the model does not know") }
                return t
            })
            let lattice = try Lattice(vectors: frame.cell ?? [1, 0, 0, 0, 1, 0, 0, 0, 1], periodic: frame.cell == nil ? [false, false, false] : frame.periodic)
            let close = try NeighborList(positions: frame.positions, lattice: lattice, cutoff: Self.minimumDistance)
            if close.count > 0 {
                throw AtomsError("\(name): frame \(index): atoms \(close.first[0]) and \(close.second[0]) are \(close.distances[0]) Å apart, closer than the physical minimum of \(Self.minimumDistance) Å")
            }
            lattices.append(lattice)
            positions.append(frame.positions)
            energies.append(energy)
            forces.append(f)
        }
        (self.positions, self.types, self.lattices, self.energies, self.forces) = (positions, types, lattices, energies, forces)
    }

    /// The number of frames.
    public var count: Int { energies.count }

    /// How many atoms of each of `elementCount` elements each frame has (for the energy shifts).
    public func elementCounts(_ elementCount: Int) -> [[Double]] {
        types.map { t in (0..<elementCount).map { z in Double(t.filter { $0 == z }.count) } }
    }
}

/// Energies and forces of several data sets through one ``AtomisticModel`` (``SchNet``,
/// ``DPA3``) with a dataset encoding
/// (or pooled, without), trained by Tandem's ``Trainer``: each step draws one data set by
/// ``MultiDatasetSchedule`` and a batch of its frames, and minimises
/// `p_E(t) · mean((ΔE/N)²) + p_F(t) · mean(ΔF²)` with the schedule's prefactors. The tasks are the
/// data sets: a step reports the loss of the one it drew.
public final class AtomsObjective<Model: AtomisticModel>: TrainingObjective {
    /// The model's scalar.
    public typealias Scalar = Model.Scalar
    /// The data sets (the tasks).
    public let datasets: [AtomsDataset]
    /// How steps draw data sets and weigh energies and forces.
    public let schedule: MultiDatasetSchedule
    /// Frames per step and the seed of the draws.
    public let batch: Int, seed: UInt64
    /// Whether data set `d` is encoded as `d` (true) or every data set as 0 (a pooled model).
    public let encoded: Bool

    /// An objective over `datasets`.
    public init(datasets: [AtomsDataset], schedule: MultiDatasetSchedule, batch: Int, seed: UInt64, encoded: Bool) {
        (self.datasets, self.schedule, self.batch, self.seed, self.encoded) = (datasets, schedule, batch, seed, encoded)
    }

    /// The data sets' names: each data set is a task.
    public var taskNames: [String] { datasets.map(\.name) }
    /// Step losses come from one data set's small batch: progress shows their running average.
    public var smoothsLoss: Bool { true }
    /// `step, phase, loss` and one column per data set.
    public var historyHeader: [String] { ["step", "phase", "loss"] + datasets.map(\.name) }
    /// What to change when a run diverges.
    public var divergenceAdvice: String { "lower the learning rate or the force prefactor" }

    /// `p_E · mean_f((ΔE_f/N_f)²) + p_F · mean_f(mean(ΔF_f²))` over frames `frames` of data set
    /// `d`, the frames evaluated as one batch (``AtomisticModel/energiesAndForces(positions:frames:createGraph:)``).
    func loss(of model: Model, dataset d: Int, frames: [Int], prefactors: (energy: Double, force: Double)) throws -> Tensor<Scalar> {
        let set = datasets[d]
        var positions: [Scalar] = [], reference: [Scalar] = [], weights: [Scalar] = [], batch: [AtomisticFrame] = []
        var energies: [Scalar] = [], atoms: [Scalar] = []
        for f in frames {
            let count = set.types[f].count
            positions += set.positions[f].map { Scalar($0) }
            reference += set.forces[f].map { Scalar($0) }
            // Each frame's mean over its 3·N components.
            weights += [Scalar](repeating: Scalar(1.0 / Double(3 * count)), count: count)
            batch.append(.init(types: set.types[f], lattice: set.lattices[f], dataset: encoded ? d : 0))
            energies.append(Scalar(set.energies[f]))
            atoms.append(Scalar(count))
        }
        let (e, forces) = try model.energiesAndForces(positions: positions, frames: batch, createGraph: true)
        let de = (e - Tensor(shape: [frames.count], scalars: energies)) / Tensor(shape: [frames.count], scalars: atoms)
        let df = forces - Tensor(shape: forces.shape, scalars: reference)
        let n = Scalar(frames.count)
        let forceTerm = ((df * df).sum(alongAxis: 1) * Tensor(shape: [weights.count], scalars: weights)).sum()
        return Scalar(prefactors.energy) * (de * de).sum() / n + Scalar(prefactors.force) * forceTerm / n
    }

    /// The energies of every frame of data set `d` under `model` (eV), in batches of 16 frames,
    /// without a graph.
    public func energies(of model: Model, dataset d: Int) throws -> [Double] {
        let set = datasets[d]
        return try stride(from: 0, to: set.count, by: 16).flatMap { start -> [Double] in
            let frames = Array(start..<Swift.min(set.count, start + 16))
            let batch = frames.map { AtomisticFrame(types: set.types[$0], lattice: set.lattices[$0], dataset: encoded ? d : 0) }
            let positions = Tensor<Scalar>(shape: [batch.reduce(0) { $0 + $1.types.count }, 3], scalars: frames.flatMap { set.positions[$0].map { Scalar($0) } })
            return try withoutGradient { try model.energies(positions: positions, frames: batch) }.scalars.map(Double.init)
        }
    }

    /// The energy shifts refitted to the trained network (DeePMD-kit's `change-bias`): the
    /// least-squares per-element correction of the residuals `E − E_model` over each data set's
    /// frames (pooled: over all), added to the shifts. A force loss leaves a constant energy per
    /// atom of each element almost free (forces do not see it, and the energy term is weighted
    /// far less early in training); this puts it where the energies say. Returns the change of
    /// the root-mean-square energy error per atom (eV/atom), before → after.
    @discardableResult
    public func refitEnergyShifts(_ model: inout Model) throws -> (before: Double, after: Double) {
        let z = model.elements.count
        var residuals: [[Double]] = [], counts: [[[Double]]] = []
        for d in datasets.indices {
            let predicted = try energies(of: model, dataset: d)
            residuals.append(zip(datasets[d].energies, predicted).map { $0 - $1 })
            counts.append(datasets[d].elementCounts(z))
        }
        func rms(_ r: [[Double]]) -> Double {
            let perAtom = datasets.indices.flatMap { d in zip(r[d], datasets[d].types).map { $0 / Double($1.count) } }
            return (perAtom.reduce(0) { $0 + $1 * $1 } / Double(Swift.max(perAtom.count, 1))).squareRoot()
        }
        let before = rms(residuals)
        let groups: [[Int]] = encoded ? datasets.indices.map { [$0] } : [Array(datasets.indices)]
        for (row, group) in groups.enumerated() {
            let correction = Model.fitEnergyShifts(counts: group.flatMap { counts[$0] }, energies: group.flatMap { residuals[$0] })
            for k in 0..<z { model.energyShifts[row][k] += correction[k] }
            for d in group {
                residuals[d] = zip(residuals[d], counts[d]).map { r, c in r - (0..<z).reduce(0.0) { $0 + c[$1] * correction[$1] } }
            }
        }
        return (before, rms(residuals))
    }

    /// The data set and frames of `step`, drawn from generators seeded by `(seed, step)`.
    func draw(step: Int) -> (dataset: Int, frames: [Int]) {
        let d = schedule.dataset(at: step, seed: seed)
        var generator = SeededGenerator(seed: seed ^ 0xA5A5_5A5A &+ UInt64(step) &* 0x2545_F491_4F6C_DD1D)
        let count = datasets[d].count
        return (d, (0..<Swift.min(batch, count)).map { _ in Int(generator.next() % UInt64(count)) })
    }

    /// The loss of `step` on the data set and frames it draws; that data set's task value is the
    /// loss, the others are `nil`.
    public func loss(of model: Model, step: Int) throws -> ObjectiveValue<Scalar> {
        let (d, frames) = draw(step: step)
        let total = try loss(of: model, dataset: d, frames: frames, prefactors: schedule.prefactors(at: step))
        var tasks = [Scalar?](repeating: nil, count: datasets.count)
        tasks[d] = total.scalars[0]
        return ObjectiveValue(total: total, tasks: tasks)
    }

    /// Every frame of every data set, at the prefactors' limits.
    public func fullBatchLoss(of model: Model) throws -> ObjectiveValue<Scalar> {
        let limits = (schedule.energyPrefactor.limit, schedule.forcePrefactor.limit)
        // Each data set's mean over its frames, from batches of at most `batch` frames (memory).
        let parts = try datasets.indices.map { d -> Tensor<Scalar> in
            let count = datasets[d].count
            let chunks = try stride(from: 0, to: count, by: batch).map { start -> Tensor<Scalar> in
                let frames = Array(start..<Swift.min(count, start + batch))
                return try loss(of: model, dataset: d, frames: frames, prefactors: limits) * Scalar(Double(frames.count) / Double(count))
            }
            return chunks.dropFirst().reduce(chunks[0], +)
        }
        return ObjectiveValue(total: parts.dropFirst().reduce(parts[0], +) / Scalar(parts.count), tasks: parts.map { $0.scalars[0] })
    }

    /// `step, phase, loss` and the drawn data set's loss in its column (empty for the others).
    public func historyRow(_ record: TrainingRecord<Scalar>, model: Model) -> [String] {
        [String(record.step), record.phase, "\(record.loss)"] + record.tasks.map { $0.map { "\($0)" } ?? "" }
    }
}

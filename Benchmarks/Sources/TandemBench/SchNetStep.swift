import TandemAtoms
import TandemCore
import TandemNN
import TandemTraining

/// One training step of SchNet as `atoms-emt-metals` trains it — 64 features, 3 interactions,
/// 25 Gaussians, a 5 Å cosine cut-off — on a batch of 4 frames of 32 Cu atoms (2 × 2 × 2 fcc
/// cells, a = 3.61 Å, displaced by 0.05 Å, labelled by EMT): neighbour lists, energies, forces
/// (−∂E/∂r with a graph), the energy + force loss, its parameter gradient (double backward) and
/// an Adam update. The median of `repeats` steps after 3 warm-up steps. The same step as
/// `Benchmarks/peers/schnetpack_step.py` times with schnetpack.
func schnetStepMeasurement<S: TensorScalar>(_: S.Type, repeats: Int) throws -> Measurement {
    let (crystal, lattice) = try fccCopper(2, 2, 2)
    let species = Array(repeating: "Cu", count: crystal.count / 3)
    var g = SeededGenerator(seed: 21)
    let emt = EMT()
    let frames = try (0..<8).map { _ -> (species: [String], positions: [Double], cell: [Double]?, periodic: [Bool], energy: Double?, forces: [Double]?) in
        let r = crystal.map { $0 + 0.05 * g.nextStandardNormal() }
        let label = try emt.evaluate(positions: r, species: species, lattice: lattice, stress: false)
        return (species, r, lattice.vectors, lattice.periodic, label.energy, label.forces)
    }
    let data = try AtomsDataset(name: "cu", frames: frames, elements: ["Cu"])
    var model = try SchNet<S>(elements: ["Cu"], features: 64, blocks: 3, radialCount: 25, cutoff: 5, using: &g)
    model.energyShifts[0] = SchNet<S>.fitEnergyShifts(counts: data.elementCounts(1), energies: data.energies)
    let rate = LearningRateSchedule.constant(1e-4)
    let objective = AtomsObjective<SchNet<S>>(datasets: [data], schedule: try MultiDatasetSchedule(weights: [1], learningRate: rate, energyPrefactor: (1, 1), forcePrefactor: (1, 1)),
                                      batch: 4, seed: 3, encoded: false)
    var adam = Adam<S>(schedule: rate)
    var step = 0
    func train() throws {
        let (_, gradients) = try valueWithGradient(at: model) { m in try objective.loss(of: m, step: step).total }
        adam.update(&model, along: gradients)
        step += 1
    }
    for _ in 0..<3 { try train() }
    let times = try (0..<Swift.max(3, repeats)).map { _ in try seconds { try train() } }
    return Measurement(name: "schnet_step_cu32x4", precision: S.self == Float.self ? "F32" : "F64", batch: 4,
                       medianMilliseconds: median(times) * 1e3, gflops: nil, note: "4 frames × 32 Cu atoms, 64 features, 3 interactions, 25 Gaussians, 5 Å")
}

import XCTest
import TandemAtoms
import TandemCore
import TandemNN

/// SchNet's energy is invariant under rigid motions and permutations, its forces are the energy's
/// derivatives, the force loss differentiates through them (double backward), and a few Adam steps
/// on EMT energies and forces lower that loss.
final class SchNetTests: XCTestCase {
    private func model() throws -> SchNet<Double> {
        var g = SeededGenerator(seed: 1)
        return try SchNet<Double>(elements: ["Cu", "Au"], features: 16, blocks: 2, radialCount: 12, cutoff: 4.5, using: &g).withRandomReadout(seed: 1)
    }

    func testAnUntrainedModelPredictsTheShiftsAlone() throws {
        var g = SeededGenerator(seed: 3)
        var net = try SchNet<Double>(elements: ["Cu", "Au"], features: 8, blocks: 1, radialCount: 6, cutoff: 4.5, using: &g)
        net.energyShifts = [[-3.5, -3.8]]
        let (frame, lattice) = try EMTTests.structures()[1]
        let types = try net.types(of: frame.species)
        let (e, f) = try net.energyAndForces(positions: frame.positions, types: types, lattice: lattice)
        XCTAssertEqual(e.scalars[0], types.reduce(0.0) { $0 + [-3.5, -3.8][$1] }, accuracy: 1e-12)
        XCTAssertEqual(f.scalars.map(abs).max(), 0)
    }

    func testForcesAreTheEnergysDerivativesAndTheEnergyIsInvariant() throws {
        let (frame, lattice) = try EMTTests.structures()[1]   // the sheared CuAu crystal
        let net = try model()
        let types = try net.types(of: frame.species)
        let (e, f) = try net.energyAndForces(positions: frame.positions, types: types, lattice: lattice)
        func energy(_ r: [Double]) throws -> Double {
            try net.energy(positions: Tensor(shape: [types.count, 3], scalars: r), types: types, lattice: lattice).scalars[0]
        }
        for k in stride(from: 0, to: frame.positions.count, by: 11) {
            var plus = frame.positions, minus = frame.positions
            plus[k] += 1e-5
            minus[k] -= 1e-5
            XCTAssertEqual(f.scalars[k], -(try energy(plus) - energy(minus)) / 2e-5, accuracy: 1e-7)
        }
        // A translation, and a permutation of the atoms.
        XCTAssertEqual(try energy(frame.positions.enumerated().map { $0.element + [0.7, -1.3, 2.1][$0.offset % 3] }), e.scalars[0], accuracy: 1e-9)
        let order = Array((0..<types.count).reversed())
        let permuted = order.flatMap { frame.positions[(3 * $0)..<(3 * $0 + 3)] }
        let permutedEnergy = try net.energy(positions: Tensor(shape: [types.count, 3], scalars: permuted), types: order.map { types[$0] }, lattice: lattice)
        XCTAssertEqual(permutedEnergy.scalars[0], e.scalars[0], accuracy: 1e-9)
        // A rotation of a molecule (no cell).
        let (cluster, none) = try EMTTests.structures()[2]
        var g = SeededGenerator(seed: 4)
        var gold = try SchNet<Double>(elements: ["Pt"], features: 8, blocks: 1, radialCount: 8, cutoff: 4, using: &g).withRandomReadout(seed: 4)
        gold.energyShifts = [[-1.5]]
        let ptTypes = Array(repeating: 0, count: cluster.count)
        let (c, s) = (Foundation.cos(0.7), Foundation.sin(0.7))
        let rotated = stride(from: 0, to: cluster.positions.count, by: 3).flatMap { p -> [Double] in
            let (x, y, z) = (cluster.positions[p], cluster.positions[p + 1], cluster.positions[p + 2])
            return [c * x - s * y, s * x + c * y, z]
        }
        let e0 = try gold.energy(positions: Tensor(shape: [13, 3], scalars: cluster.positions), types: ptTypes, lattice: none).scalars[0]
        let e1 = try gold.energy(positions: Tensor(shape: [13, 3], scalars: rotated), types: ptTypes, lattice: none).scalars[0]
        XCTAssertEqual(e0, e1, accuracy: 1e-9)
        XCTAssertThrowsError(try net.types(of: ["Cu", "Fe"])) { XCTAssertTrue("\($0)".contains("'Fe' is not among them")) }
    }

    func testEnergyShiftsByLeastSquares() {
        // E = 2·(−3) + 1·(−7) and 1·(−3) + 3·(−7) exactly, plus a third frame.
        let shifts = SchNet<Double>.fitEnergyShifts(counts: [[2, 1], [1, 3], [4, 4]], energies: [-13, -24, -40])
        XCTAssertEqual(shifts[0], -3, accuracy: 1e-6)
        XCTAssertEqual(shifts[1], -7, accuracy: 1e-6)
    }

    func testTrainingOnEnergiesAndForcesLowersTheLoss() throws {
        let emt = EMT()
        let (frame, lattice) = try EMTTests.structures()[1]
        var net = try model()
        let types = try net.types(of: frame.species)
        // Four configurations of the CuAu crystal, displaced, labelled by EMT.
        var g = SeededGenerator(seed: 9)
        let data = try (0..<4).map { _ -> ([Double], Double, [Double]) in
            let r = frame.positions.map { $0 + 0.05 * g.nextStandardNormal() }
            let label = try emt.evaluate(positions: r, species: frame.species, lattice: lattice)
            return (r, label.energy, label.forces)
        }
        let counts = (0..<2).map { z in Double(types.filter { $0 == z }.count) }
        net.energyShifts[0] = SchNet<Double>.fitEnergyShifts(counts: data.map { _ in counts }, energies: data.map(\.1))
        func loss(_ m: SchNet<Double>) throws -> Tensor<Double> {
            var total = Tensor<Double>(0)
            for (r, energy, forces) in data {
                let (e, f) = try m.energyAndForces(positions: r, types: types, lattice: lattice, createGraph: true)
                let de = (e - energy) / Double(types.count)
                let df = f - Tensor(shape: [types.count, 3], scalars: forces)
                total = total + de * de + (df * df).mean()
            }
            return total / Double(data.count)
        }
        var optimizer = Adam<Double>(learningRate: 3e-3)
        let first = try valueWithGradient(at: net, of: loss)
        // The parameter gradient of the force term is the double backward; check one entry by differences.
        let name = "interactions.0.filter.0.weight"
        var bumped = net, lowered = net
        try bumped.loadParameters([name: net.namedParameters[name]! + Tensor(shape: [12, 16], scalars: (0..<192).map { $0 == 5 ? 1e-6 : 0 })], requireAll: false)
        try lowered.loadParameters([name: net.namedParameters[name]! - Tensor(shape: [12, 16], scalars: (0..<192).map { $0 == 5 ? 1e-6 : 0 })], requireAll: false)
        let fd = (try loss(bumped).scalars[0] - loss(lowered).scalars[0]) / 2e-6
        XCTAssertEqual(first.gradients[name]!.scalars[5], fd, accuracy: 1e-6 * Swift.max(1, abs(fd)))
        var last = first.value
        optimizer.update(&net, along: first.gradients)
        for _ in 0..<30 {
            let step = try valueWithGradient(at: net, of: loss)
            last = step.value
            optimizer.update(&net, along: step.gradients)
        }
        print("SchNet on 4 EMT CuAu frames: energy + force loss \(first.value) → \(last) after 31 Adam steps")
        XCTAssertLessThan(last, 0.5 * first.value, "loss \(first.value) → \(last) after 31 Adam steps")
    }
}

/// The dataset encoding and the multi-dataset schedule.
final class MultiDatasetTests: XCTestCase {
    func testEncodedDatasetsShareTheDescriptorAndDifferInTheHead() throws {
        var g = SeededGenerator(seed: 12)
        var net = try SchNet<Double>(elements: ["Cu", "Au"], features: 12, blocks: 1, radialCount: 10, cutoff: 4.5, datasets: 3, using: &g).withRandomReadout(seed: 12)
        XCTAssertEqual(net.head[0].inputSize, 15)
        XCTAssertEqual(net.energyShifts.count, 3)
        net.energyShifts[2] = [0.25, 0.5]
        let (frame, lattice) = try EMTTests.structures()[1]
        let types = try net.types(of: frame.species)
        let energies = try (0..<3).map { try net.energyAndForces(positions: frame.positions, types: types, lattice: lattice, dataset: $0) }
        XCTAssertNotEqual(energies[0].energy.scalars[0], energies[1].energy.scalars[0], "the code changes the head's input")
        // Forces with an encoding are still the energy's derivatives.
        var plus = frame.positions, minus = frame.positions
        plus[4] += 1e-5
        minus[4] -= 1e-5
        func e(_ r: [Double]) throws -> Double {
            try net.energy(positions: Tensor(shape: [types.count, 3], scalars: r), types: types, lattice: lattice, dataset: 2).scalars[0]
        }
        XCTAssertEqual(energies[2].forces.scalars[4], -(try e(plus) - e(minus)) / 2e-5, accuracy: 1e-7)
        XCTAssertThrowsError(try net.energy(positions: Tensor(shape: [types.count, 3], scalars: frame.positions), types: types, lattice: lattice, dataset: 3))
    }

    func testDrawsFollowTheWeightsAndPrefactorsFollowTheRate() throws {
        let rate = LearningRateSchedule.exponential(initial: 1e-3, decayRate: 0.5, decaySteps: 100, staircase: true)
        let schedule = try MultiDatasetSchedule(weights: [4, 1, 3], learningRate: rate)
        var counts = [0, 0, 0]
        for step in 0..<40_000 { counts[schedule.dataset(at: step, seed: 5)] += 1 }
        for (count, p) in zip(counts, [0.5, 0.125, 0.375]) { XCTAssertEqual(Double(count) / 40_000, p, accuracy: 0.01) }
        XCTAssertEqual(schedule.dataset(at: 123, seed: 5), schedule.dataset(at: 123, seed: 5))
        let start = schedule.prefactors(at: 0), later = schedule.prefactors(at: 250)
        XCTAssertEqual(start.energy, 0.02, accuracy: 1e-12)
        XCTAssertEqual(start.force, 1000, accuracy: 1e-9)
        XCTAssertEqual(later.energy, 1 + (0.02 - 1) * 0.25, accuracy: 1e-12)
        XCTAssertEqual(later.force, 1 + 999 * 0.25, accuracy: 1e-9)
        XCTAssertThrowsError(try MultiDatasetSchedule(weights: [1, 0], learningRate: rate))
    }
}

extension SchNet where Scalar == Double {
    /// The model with its last head layer drawn at random (it starts at zero), so that checks
    /// of forces and derivatives see a model whose energy depends on the positions.
    func withRandomReadout(seed: UInt64) -> SchNet {
        var g = SeededGenerator(seed: seed)
        var copy = self
        copy.head[1] = Dense(inputSize: head[1].inputSize, outputSize: 1, using: &g)
        return copy
    }
}

import Foundation
import XCTest
import TandemAtoms
import TandemCore
import TandemNN
import TandemTraining
import TandemTestSupport

/// Two EMT data sets — Cu, and CuAu with its energy reference moved by +0.2 eV/atom — trained in
/// one encoded SchNet through Tandem's trainer: the loss falls, the tasks are the data sets, and a
/// stopped and resumed run repeats an uninterrupted one exactly.
final class AtomsTrainingTests: TemporaryDirectoryTestCase {
    static func datasets() throws -> [AtomsDataset] {
        let emt = EMT()
        let structures = try EMTTests.structures()
        var g = SeededGenerator(seed: 31)
        func frames(_ index: Int, count: Int, reference: Double) throws
            -> [(species: [String], positions: [Double], cell: [Double]?, periodic: [Bool], energy: Double?, forces: [Double]?)] {
            let (frame, lattice) = structures[index]
            return try (0..<count).map { _ in
                let r = frame.positions.map { $0 + 0.04 * g.nextStandardNormal() }
                let label = try emt.evaluate(positions: r, species: frame.species, lattice: lattice)
                return (frame.species, r, frame.cell, frame.periodic, label.energy + reference * Double(frame.count), label.forces)
            }
        }
        return [try AtomsDataset(name: "cu", frames: frames(0, count: 6, reference: 0), elements: ["Cu", "Au"]),
                try AtomsDataset(name: "cuau-shifted", frames: frames(1, count: 6, reference: 0.2), elements: ["Cu", "Au"])]
    }

    private func trainer(_ name: String, steps: Int) throws -> Trainer<AtomsObjective<SchNet<Double>>> {
        let data = try Self.datasets()
        var g = SeededGenerator(seed: 2)
        var model = try SchNet<Double>(elements: ["Cu", "Au"], features: 12, blocks: 1, radialCount: 10, cutoff: 4.5, datasets: 2, using: &g)
        for (d, set) in data.enumerated() {
            model.energyShifts[d] = SchNet<Double>.fitEnergyShifts(counts: set.elementCounts(2), energies: set.energies)
        }
        let rate = LearningRateSchedule.exponential(initial: 3e-3, decayRate: 0.5, decaySteps: 10, staircase: true)
        let objective = AtomsObjective<SchNet<Double>>(
            datasets: data, schedule: try MultiDatasetSchedule(weights: [1, 1], learningRate: rate, energyPrefactor: (1, 1), forcePrefactor: (1, 1)),
            batch: 2, seed: 7, encoded: true)
        let plan = TrainingPlan(steps: steps, phases: [OptimizerPhase<Double>(start: 0, optimizer: Adam<Double>(schedule: rate))],
                                refinementIterations: 0, checkpointEvery: 5, logEvery: 5)
        let path = directory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return Trainer(model: model, objective: objective, plan: plan, directory: path, metadata: [:])
    }

    func testTrainsBothDataSetsAndResumesExactly() throws {
        let whole = try trainer("whole", steps: 20)
        let before = try whole.objective.fullBatchLoss(of: whole.model)
        _ = try whole.run()
        let after = try whole.objective.fullBatchLoss(of: whole.model)
        print("encoded SchNet on two EMT data sets: full-batch loss \(before.total.scalar) → \(after.total.scalar) in 20 steps; per data set \(before.tasks) → \(after.tasks)")
        XCTAssertLessThan(after.total.scalar, before.total.scalar)
        let header = try String(contentsOfFile: whole.history.path, encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(header, "step,phase,loss,cu,cuau-shifted")

        let first = try trainer("parts", steps: 20)
        var calls = 0
        _ = try first.run(shouldStop: { calls += 1; return calls > 10 })
        let second = try trainer("parts", steps: 20)
        try second.resume()
        XCTAssertEqual(second.step, 10)
        _ = try second.run()
        for (name, tensor) in whole.model.namedParameters {
            XCTAssertEqual(second.model.namedParameters[name]?.scalars, tensor.scalars, name)
        }
    }

    func testRefittedShiftsCentreEachDataSetsResiduals() throws {
        let t = try trainer("refit", steps: 6)
        _ = try t.run()
        var model = t.model
        // Move one data set's shifts away: the refit brings its mean residual back to zero.
        model.energyShifts[1] = model.energyShifts[1].map { $0 + 0.3 }
        let (before, after) = try t.objective.refitEnergyShifts(&model)
        XCTAssertLessThan(after, before)
        for d in 0..<2 {
            let residuals = zip(t.objective.datasets[d].energies, try t.objective.energies(of: model, dataset: d)).map { $0 - $1 }
            XCTAssertEqual(residuals.reduce(0, +) / Double(residuals.count), 0, accuracy: 1e-6, "data set \(d)")
        }
        let again = try t.objective.refitEnergyShifts(&model)
        XCTAssertEqual(again.before, after, accuracy: 1e-9, "a second refit changes nothing")
        XCTAssertEqual(again.after, after, accuracy: 1e-9)
    }

    func testFramesWithoutLabelsOrUnknownElementsAreRefused() {
        XCTAssertThrowsError(try AtomsDataset(name: "x", frames: [(["Cu"], [0, 0, 0], nil, [false, false, false], nil, nil)], elements: ["Cu"])) {
            XCTAssertEqual("\($0)", "x: frame 0 has no energy or forces to train on")
        }
        XCTAssertThrowsError(try AtomsDataset(name: "y", frames: [(["Fe"], [0, 0, 0], nil, [false, false, false], -1, [0, 0, 0])], elements: ["Cu"])) {
            XCTAssertEqual("\($0)", "y: frame 0 has 'Fe', which the model does not know")
        }
        XCTAssertThrowsError(try AtomsDataset(name: "z", frames: [(["Cu", "Cu"], [0, 0, 0, 0.3, 0, 0], nil, [false, false, false], -1, [0, 0, 0, 0, 0, 0])], elements: ["Cu"])) {
            XCTAssertTrue("\($0)".hasPrefix("z: frame 0: atoms 0 and 1 are 0.3"), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("closer than the physical minimum of 0.5 Å"), "\($0)")
        }
        var g = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try SchNet<Double>(elements: ["Cu"], cutoff: 25, using: &g)) {
            XCTAssertEqual("\($0)", "SchNet: a cut-off of 25.0 Å is outside (0, 20.0] Å")
        }
    }
}

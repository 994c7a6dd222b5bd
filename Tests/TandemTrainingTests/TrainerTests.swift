import Foundation
import TandemCore
import TandemNN
import TandemTraining
import TandemTestSupport
import XCTest

/// A least-squares fit of `y = sin(3x)` by a small MLP, with a fresh seeded batch every step:
/// enough of an objective to exercise every part of the trainer.
final class SineFit: TrainingObjective {
    var failAt: Int?
    var prepared: [Int] = []
    var refinementPrepared = false
    var counter = 0

    var taskNames: [String] { ["left", "right"] }
    var historyHeader: [String] { ["step", "phase", "loss", "left", "right", "counter"] }

    func batch(_ step: Int) -> (x: Tensor<Double>, y: Tensor<Double>) {
        var generator = SeededGenerator(seed: 17 &+ UInt64(step) &* 0x9E37_79B9)
        let x = Tensor<Double>.randomUniform(shape: [32, 1], lower: -1, upper: 1, using: &generator)
        return (x, sin(x * 3))
    }

    func prepare(step: Int, model: MLP<Double>) throws {
        prepared.append(step)
        counter += 1
    }

    func prepareRefinement(afterSteps steps: Int, model: MLP<Double>) throws { refinementPrepared = true }

    func value(_ model: MLP<Double>, _ x: Tensor<Double>, _ y: Tensor<Double>) -> ObjectiveValue<Double> {
        let e = model(x) - y
        let left = x.scalars.map { $0 < 0 ? 1.0 : 0.0 }
        let squares = (e * e).scalars
        let l = zip(squares, left).map { $0 * $1 }.reduce(0, +) / max(left.reduce(0, +), 1)
        let r = zip(squares, left).map { $0 * (1 - $1) }.reduce(0, +) / max(Double(left.count) - left.reduce(0, +), 1)
        return ObjectiveValue(total: (e * e).mean(), tasks: [l, r])
    }

    func loss(of model: MLP<Double>, step: Int) throws -> ObjectiveValue<Double> {
        let (x, y) = batch(step)
        if step == failAt { return ObjectiveValue(total: (model(x) - y).sum() * .nan, tasks: [nil, nil]) }
        return value(model, x, y)
    }

    func fullBatchLoss(of model: MLP<Double>) throws -> ObjectiveValue<Double> {
        let x = Tensor<Double>(shape: [64, 1], scalars: (0..<64).map { -1 + 2 * Double($0) / 63 })
        return value(model, x, sin(x * 3))
    }

    /// The mean squared error on each half of the interval, recorded.
    func halves(_ model: MLP<Double>, _ x: Tensor<Double>, _ y: Tensor<Double>) -> [Tensor<Double>] {
        let e = model(x) - y
        let left = x.scalars.map { $0 < 0 ? 1.0 : 0.0 }
        return [left, left.map { 1 - $0 }].map { side in
            ((e * e) * Tensor(shape: [side.count, 1], scalars: side)).sum() / max(side.reduce(0, +), 1)
        }
    }

    func taskLosses(of model: MLP<Double>, step: Int) throws -> [Tensor<Double>] {
        let (x, y) = batch(step)
        return halves(model, x, y)
    }

    func fullBatchTaskLosses(of model: MLP<Double>) throws -> [Tensor<Double>] {
        let x = Tensor<Double>(shape: [64, 1], scalars: (0..<64).map { -1 + 2 * Double($0) / 63 })
        return halves(model, x, sin(x * 3))
    }

    /// The output layer serves the right half alone (to exercise task-specific parameters).
    var rightHead: String?
    func task(ofParameter name: String) -> Int? { rightHead.map { name.hasPrefix($0) ? 1 : nil } ?? nil }

    func historyRow(_ record: TrainingRecord<Double>, model: MLP<Double>) -> [String] {
        [String(record.step), record.phase, "\(record.loss)"] + record.tasks.map { $0.map { "\($0)" } ?? "" } + ["\(counter)"]
    }

    func checkpointState() -> [String: String] { ["test.counter": String(counter)] }
    func restore(checkpointState state: [String: String]) throws { counter = Int(state["test.counter"] ?? "") ?? -1 }
}

final class TrainerTests: TemporaryDirectoryTestCase {

    func model() -> MLP<Double> {
        var generator = SeededGenerator(seed: 3)
        return MLP<Double>(widths: [1, 16, 16, 1], activation: .tanh, using: &generator)
    }

    func plan(steps: Int = 40, switchAt: Int? = nil, refinement: Int = 0) -> TrainingPlan<Double> {
        var phases = [OptimizerPhase<Double>(start: 0, optimizer: Adam<Double>(learningRate: 1e-2))]
        if let switchAt { phases.append(OptimizerPhase(start: switchAt, optimizer: Lion<Double>(schedule: .constant(1e-3)))) }
        return TrainingPlan(steps: steps, phases: phases, refinementIterations: refinement, checkpointEvery: 10, logEvery: 5)
    }

    func trainer(_ name: String, _ plan: TrainingPlan<Double>, objective: SineFit = SineFit()) -> Trainer<SineFit> {
        let path = directory.appendingPathComponent(name).path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return Trainer(model: model(), objective: objective, plan: plan, directory: path, metadata: ["test.run": name],
                       identity: [("test.run", "run")])
    }

    func testTrainingLowersTheLossAndLogsEveryPhase() throws {
        let t = trainer("fit", plan(steps: 200, switchAt: 150, refinement: 30))
        let before = try t.objective.fullBatchLoss(of: t.model).total.scalar
        let report = try t.run()
        XCTAssertEqual(report.step, 200)
        XCTAssertNotNil(report.refinement)
        XCTAssertTrue(t.objective.refinementPrepared)
        XCTAssertLessThan(report.loss, before / 10)
        XCTAssertEqual(t.objective.prepared, Array(0..<200), "prepare runs before every first-order step")
        let rows = try String(contentsOfFile: t.history.path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows[0].joined(separator: ","), "step,phase,loss,left,right,counter")
        let phases = rows.dropFirst().map { String($0[1]) }
        XCTAssertEqual(phases.first, "adam")
        XCTAssertTrue(phases.contains("lion"))
        XCTAssertEqual(phases.last, "lbfgs")
        XCTAssertEqual(rows.first { $0[1] == "lion" }?.first, "155", "Lion makes the updates from step 150 on")
        let checkpoint = try Checkpoint<Double>.read(from: t.checkpointPath)
        XCTAssertEqual(checkpoint.optimizerName, "lion")
        XCTAssertNotNil(checkpoint.metadata["tandem.lbfgs"])
        XCTAssertEqual(checkpoint.metadata["test.counter"], "200")
    }

    /// 25 steps, a stop, a resume and 15 more give the parameters of 40 uninterrupted steps, bit
    /// for bit, also across the switch from Adam to Lion; the objective's state travels too.
    func testResumedRunsRepeatUninterruptedOnesExactly() throws {
        let whole = trainer("whole", plan(switchAt: 30))
        _ = try whole.run()

        let first = trainer("parts", plan(switchAt: 30))
        var calls = 0
        let stopped = try first.run(shouldStop: { calls += 1; return calls > 25 })
        XCTAssertTrue(stopped.interrupted)
        XCTAssertEqual(stopped.step, 25)
        let second = trainer("parts", plan(switchAt: 30))
        try second.resume()
        XCTAssertEqual(second.step, 25)
        XCTAssertEqual(second.objective.counter, 25)
        _ = try second.run()
        XCTAssertEqual(second.step, 40)
        for (name, tensor) in whole.model.namedParameters {
            XCTAssertEqual(second.model.namedParameters[name]?.scalars, tensor.scalars, name)
        }
        // Rows after the checkpoint at 25 were dropped and logged again: each step appears once.
        let steps = try String(contentsOfFile: second.history.path, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } }
        XCTAssertEqual(steps, ["5", "10", "15", "20", "25", "30", "35", "40"])
    }

    /// A stop request during L-BFGS is honoured after the current iteration: the iterate is
    /// checkpointed with the iterations done, and a resumed run finishes L-BFGS with the rest
    /// (it used to run on for the whole phase, and a second interrupt lost it).
    func testStopDuringLBFGSCheckpointsWithinAnIteration() throws {
        let t = trainer("lbfgs", plan(steps: 40, refinement: 30))
        var calls = 0
        // 40 Adam steps and the check before L-BFGS ask 41 times; then once per iteration: the
        // 47th call (after the sixth iteration) stops.
        let stopped = try t.run(shouldStop: { calls += 1; return calls >= 47 })
        XCTAssertTrue(stopped.interrupted)
        XCTAssertEqual(stopped.refinement?.reason, .interrupted)
        XCTAssertEqual(stopped.refinement?.iterations, 6)
        let checkpoint = try Checkpoint<Double>.read(from: t.checkpointPath)
        XCTAssertEqual(checkpoint.metadata["tandem.lbfgs_iterations"], "6")
        XCTAssertNil(checkpoint.metadata["tandem.lbfgs"])
        for (name, tensor) in t.model.namedParameters { XCTAssertEqual(checkpoint.parameters[name]?.scalars, tensor.scalars, name) }
        let interruptedLoss = try t.objective.fullBatchLoss(of: t.model).total.scalar

        let resumed = trainer("lbfgs", plan(steps: 40, refinement: 30))
        try resumed.resume()
        XCTAssertEqual(resumed.refinementIterationsDone, 6)
        XCTAssertFalse(resumed.isComplete)
        let report = try resumed.run()
        XCTAssertFalse(report.interrupted)
        XCTAssertNotEqual(report.refinement?.reason, .interrupted)
        XCTAssertLessThanOrEqual(report.refinement?.iterations ?? 99, 24)
        XCTAssertTrue(resumed.isComplete)
        XCTAssertLessThanOrEqual(report.loss, interruptedLoss)
        XCTAssertNotNil(try Checkpoint<Double>.read(from: t.checkpointPath).metadata["tandem.lbfgs"])
        // The history keeps the six iterations logged before the stop, once each.
        let rows = try String(contentsOfFile: resumed.history.path, encoding: .utf8).split(separator: "\n").dropFirst()
        let lbfgs = rows.filter { $0.contains(",lbfgs,") }.compactMap { Int($0.prefix { $0 != "," }) }
        XCTAssertEqual(Array(lbfgs.prefix(6)), Array(41...46))
        XCTAssertEqual(lbfgs, lbfgs.sorted())
        XCTAssertEqual(Set(lbfgs).count, lbfgs.count)
    }

    func testResumingAnotherRunIsRefusedNamingBothSides() throws {
        let t = trainer("mine", plan(steps: 10))
        _ = try t.run()
        let other = Trainer(model: model(), objective: SineFit(), plan: plan(steps: 10), directory: directory.appendingPathComponent("mine").path,
                            metadata: ["test.run": "theirs"], identity: [("test.run", "run")])
        XCTAssertThrowsError(try other.resume()) { error in
            XCTAssertEqual("\(error)", "cannot resume: \(t.checkpointPath) was written for a different run: it has \"mine\", this run has \"theirs\"")
        }
    }

    func testDivergenceStopsAndKeepsTheLastGoodCheckpoint() throws {
        let objective = SineFit()
        objective.failAt = 23
        let t = trainer("diverge", plan(), objective: objective)
        XCTAssertThrowsError(try t.run()) { error in
            guard case let .diverged(step, _, checkpoint, _)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(step, 23)
            XCTAssertEqual(checkpoint, 20)
        }
        let kept = try Checkpoint<Double>.read(from: t.checkpointPath)
        XCTAssertEqual(kept.metadata["tandem.training_step"], "20")
        XCTAssertTrue(kept.parameters.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    }

    /// The seam between gradients and update: a transform that zeroes the gradients leaves Adam
    /// nothing to do, and it sees every step.
    func testGradientTransformSeesEveryStepBeforeTheUpdate() throws {
        let t = trainer("seam", plan(steps: 12))
        final class Seen { var steps: [Int] = [] }
        let seen = Seen()
        t.transformGradients = { gradients, step in
            seen.steps.append(step)
            for key in gradients.keys { gradients[key] = gradients[key]! * 0 }
        }
        let start = t.model.namedParameters
        _ = try t.run()
        XCTAssertEqual(seen.steps, Array(0..<12))
        for (name, tensor) in start { XCTAssertEqual(t.model.namedParameters[name]?.scalars, tensor.scalars, name) }
    }
}

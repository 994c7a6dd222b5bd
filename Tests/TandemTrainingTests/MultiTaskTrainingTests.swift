import Foundation
import TandemCore
import TandemMultiTask
import TandemNN
import TandemTestSupport
import TandemTraining
import XCTest

/// The trainer under a multi-task strategy: the update is the strategy's combination of the
/// per-task gradients, the strategy's state is checkpointed and resumption stays exact.
final class MultiTaskTrainingTests: TemporaryDirectoryTestCase {
    func model() -> MLP<Double> {
        var generator = SeededGenerator(seed: 3)
        return MLP<Double>(widths: [1, 16, 16, 1], activation: .tanh, using: &generator)
    }

    func trainer(_ name: String, _ strategy: any MultiTaskStrategy, steps: Int = 40, objective: SineFit = SineFit()) -> Trainer<SineFit> {
        let path = directory.appendingPathComponent(name).path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let plan = TrainingPlan<Double>(steps: steps, phases: [OptimizerPhase(start: 0, optimizer: Adam<Double>(learningRate: 1e-2))],
                                        refinementIterations: 5, checkpointEvery: 10, logEvery: 5,
                                        multitask: MultiTaskSettings(strategy: strategy, diagnosticsEvery: 10))
        return Trainer(model: model(), objective: objective, plan: plan, directory: path, metadata: ["test.run": name], identity: [("test.run", "run")])
    }

    /// What reaches the optimizer is `Σ βₖ gₖ` on shared parameters and `Σ wₖ gₖ` on the
    /// task-specific head, with β from the strategy on the step's own task gradients.
    func testTheUpdateIsTheStrategysCombinationOfTaskGradients() throws {
        let objective = SineFit()
        objective.rightHead = "layers.2"
        let t = trainer("seam", PCGrad(seed: 1), steps: 1, objective: objective)
        final class Seen { var gradients: OrderedDictionaryBox? }
        let seen = Seen()
        t.transformGradients = { g, _ in seen.gradients = OrderedDictionaryBox(g) }
        let start = t.model
        _ = try t.run()
        let (_, perTask) = try valueWithTaskGradients(at: start) { m in try objective.taskLosses(of: m, step: 0) }
        let isShared = { (name: String) in !name.hasPrefix("layers.2") }
        let summary = TaskGradients.summary(perTask, isShared: isShared)
        XCTAssertLessThan(summary.cosine(0, 1), 1)
        let beta = PCGrad.coefficients(gram: summary.gram, orders: PCGrad(seed: 1).orders(step: 0, taskCount: 2))
        for (name, g) in seen.gradients!.value {
            let coefficients = isShared(name) ? beta : [1, 1]
            let expected = zip(perTask[0][name]!.scalars, perTask[1][name]!.scalars).map { coefficients[0] * $0 + coefficients[1] * $1 }
            for (a, b) in zip(g.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-12 * Swift.max(1, Swift.abs(b)), name) }
        }
        XCTAssertEqual(t.combination?.shared, beta)
    }

    /// Stateful strategies (Adam on GradNorm's logits, DWA's loss windows, Nash's warm start)
    /// resume bit for bit, through the L-BFGS phase that uses the last weights.
    func testResumeUnderStatefulStrategiesIsExact() throws {
        let strategies: [any MultiTaskStrategy] = [GradNorm(alpha: 1.5, learningRate: 0.05), DynamicWeightAverage(temperature: 2, window: 4),
                                                   UncertaintyWeighting(learningRate: 0.05), NashMTL(updateEvery: 3), MGDA(normalization: .l2)]
        for strategy in strategies {
            let whole = trainer("whole-\(strategy.name)", strategy)
            _ = try whole.run()
            let first = trainer("parts-\(strategy.name)", strategy)
            var calls = 0
            _ = try first.run(shouldStop: { calls += 1; return calls > 23 })
            let second = trainer("parts-\(strategy.name)", strategy)
            try second.resume()
            XCTAssertEqual(second.step, 23)
            _ = try second.run()
            XCTAssertEqual(second.strategyState, whole.strategyState, strategy.name)
            for (name, tensor) in whole.model.namedParameters {
                XCTAssertEqual(second.model.namedParameters[name]?.scalars, tensor.scalars, "\(strategy.name) \(name)")
            }
        }
    }

    func testHistoryCarriesWeightsNormsAndCosines() throws {
        let t = trainer("history", UncertaintyWeighting(learningRate: 0.05), steps: 20)
        _ = try t.run()
        let rows = try String(contentsOfFile: t.history.path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(Array(rows[0].suffix(5)), ["weight_left", "weight_right", "grad_norm_left", "grad_norm_right", "cos_left_right"])
        // Diagnostics every 10 steps land on the rows of steps 10 and 20; the others leave them empty.
        for row in rows.dropFirst() where row[1] == "adam" {
            XCTAssertEqual(Double(row[row.count - 5])! > 0, true)
            let diagnosed = row[0] == "10" || row[0] == "20"
            XCTAssertEqual(Double(row[row.count - 1]) != nil, diagnosed, "row \(row[0])")
        }
    }

    /// Diagnostic gradient evaluations are observations: a run that records them every 3 steps
    /// ends with the parameters of one that never does, bit for bit.
    func testDiagnosticsDoNotChangeTheTrajectory() throws {
        func train(_ name: String, every: Int) throws -> Trainer<SineFit> {
            let path = directory.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let plan = TrainingPlan<Double>(steps: 30, phases: [OptimizerPhase(start: 0, optimizer: Adam<Double>(learningRate: 1e-2))],
                                            checkpointEvery: 10, logEvery: 3,
                                            multitask: MultiTaskSettings(strategy: UncertaintyWeighting(learningRate: 0.05), diagnosticsEvery: every))
            let t = Trainer(model: model(), objective: SineFit(), plan: plan, directory: path, metadata: [:])
            _ = try t.run()
            return t
        }
        let observed = try train("observed", every: 3), plain = try train("plain", every: 0)
        XCTAssertNotNil(observed.diagnostics)
        XCTAssertNil(plain.diagnostics)
        for (name, tensor) in plain.model.namedParameters {
            XCTAssertEqual(observed.model.namedParameters[name]?.scalars, tensor.scalars, name)
        }
    }

    func testCheckpointOfAnotherStrategyIsRefused() throws {
        let t = trainer("mixed", PCGrad(seed: 0), steps: 10)
        _ = try t.run()
        let other = trainer("mixed", PCGrad(seed: 1), steps: 10)
        XCTAssertThrowsError(try other.resume()) { error in
            XCTAssertTrue("\(error)".contains("pcgrad (seed 0)") && "\(error)".contains("pcgrad (seed 1)"), "\(error)")
        }
    }
}

/// Gradients captured from a closure.
struct OrderedDictionaryBox {
    let value: Trainer<SineFit>.Gradients
    init(_ value: Trainer<SineFit>.Gradients) { self.value = value }
}

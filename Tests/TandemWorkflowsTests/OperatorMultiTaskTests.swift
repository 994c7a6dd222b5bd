import Foundation
import TandemIO
import TandemOperators
import TandemSpec
import TandemTestSupport
import TandemTraining
import TandemWorkflows
import XCTest

/// An operator trained under `[training.multitask]`: per-task losses from stratified batches,
/// the strategy's diagnostics in the history and the report.
final class OperatorMultiTaskTests: TemporaryDirectoryTestCase {
    func run(_ strategy: String, name: String, profile: String = "paper") throws -> OperatorRun {
        let path = directory.appendingPathComponent("\(name).toml").path
        let text = TestProblems.tinyFisherOperator.replacingOccurrences(of: "[training.single]", with: "[training.multitask]\n\(strategy)\n\n[training.single]")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try OperatorRun(problemPath: path, directory: directory.appendingPathComponent(name).path, profile: profile, resume: false)
    }

    func testStratifiedTaskLossesAreEachTasksOwnMean() throws {
        let run = try run("strategy = \"mgda\"", name: "mgda")
        _ = try run.generateReference()
        let data = try run.dataset()
        let trainer = try run.trainer(dataset: data, resume: false)
        let objective = trainer.objective
        for step in [0, 7] {
            let batch = objective.taskBatch(at: step)
            XCTAssertEqual(batch.count, 8)
            XCTAssertEqual(Set(batch).count, 8)
            for t in 0..<2 {
                let own = batch.filter { data.tasks[$0] == t }
                XCTAssertEqual(own.count, 4, "batch 8 over 2 tasks")
                XCTAssertTrue(own.allSatisfy(data.train.contains))
                let losses = try objective.taskLosses(of: trainer.model, step: step)
                XCTAssertEqual(losses[t].scalar, objective.loss(on: own, model: trainer.model), accuracy: 1e-5)
            }
        }
        XCTAssertEqual(try trainer.run().step, 20)
        let header = try String(contentsOfFile: run.path("loss.csv"), encoding: .utf8).split(separator: "\n")[0]
        XCTAssertTrue(header.hasSuffix("weight_fisher,weight_cubic,grad_norm_fisher,grad_norm_cubic,cos_fisher_cubic"), String(header))
        let (model, scaling, step) = try run.trainedModel(dataset: data)
        let comparison = OperatorComparison(model: model, scaling: scaling, dataset: data, solverSecondsPerFunction: run.solverSecondsPerFunction)
        let written = try OperatorReport(run: run, dataset: data, comparison: comparison, modelDescription: OperatorModel.describe(model), step: step).write()
        XCTAssertTrue(written.files.contains("figures/gradient-cosines.png"))
        XCTAssertTrue(written.files.contains("figures/multitask-weights.png"))
        let report = try String(contentsOfFile: run.path("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("| fisher – cubic |"), report)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.path("metrics.json")))) as? [String: Any]
        XCTAssertNotNil((metrics?["multitask"] as? [String: Any])?["mean_cosines"])
    }

    func testAStrategyNeedsEveryTaskInTheTrainingSet() throws {
        let run = try run("strategy = \"pcgrad\"", name: "single", profile: "single")
        _ = try run.generateReference()
        XCTAssertThrowsError(try run.trainer(dataset: try run.dataset(), resume: false)) { error in
            XCTAssertTrue("\(error)".contains("training.multitask: every task needs training functions; fisher has none"), "\(error)")
        }
    }

    func testFixedWeightsNeedOnePerTask() throws {
        let run = try run("strategy = \"fixed\"\nweights = [1, 2, 3]", name: "fixed")
        _ = try run.generateReference()
        XCTAssertThrowsError(try run.trainer(dataset: try run.dataset(), resume: false)) { error in
            XCTAssertTrue("\(error)".contains("training.multitask.weights: expected 2 weights, one per task (fisher, cubic), got 3"), "\(error)")
        }
    }
}

import ArgumentParser
import Foundation
import TandemMultiTask

/// `tandem compare runs/NAME`: the trained operator against the reference solver.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a trained run against the reference solver: errors per task and geometry, timing, figures.")

    @Argument(help: "The run directory written by `tandem train`.") var directory: String

    func run() throws {
        if PINNRun.isPINN(directory: directory) { return try comparePINN() }
        let trained = try OperatorRun(directory: directory)
        let dataset = try trained.dataset(savedStandardisation: true)
        let (model, scaling, step) = try trained.trainedModel(dataset: dataset)
        let comparison = OperatorComparison(model: model, scaling: scaling, dataset: dataset,
                                            solverSecondsPerFunction: trained.solverSecondsPerFunction)
        let report = OperatorReport(run: trained, dataset: dataset, comparison: comparison,
                                    modelDescription: OperatorModel.describe(model), step: step)
        let written = try report.write()
        print("\(trained.resolved.problem.name), profile \(trained.profile), checkpoint at step \(step): \(dataset.test.count) test functions")
        print(report.table())
        print(report.timing())
        print("wrote \(written.files.count) files in \(directory): \(written.files.prefix(3).joined(separator: ", ")), figures/ (\(written.files.count - 3) PNG)")
    }

    /// A PINN run against the solver's solution of the same problem.
    func comparePINN() throws {
        let run = try PINNRun(directory: directory)
        let (model, step, _) = try run.trainedModel()
        let comparison = try PINNComparison(run: run, model: model, progress: sampleProgress(interactive: isatty(STDERR_FILENO) == 1))
        let report = PINNReport(run: run, comparison: comparison, modelDescription: PINNRun.describe(model), step: step)
        let written = try report.write()
        print("\(run.resolved.problem.name), profile \(run.profile): PINN \(PINNRun.describe(model)) against the reference solver")
        print(report.table())
        print("wrote \(written.count) files in \(directory): \(written.joined(separator: ", "))")
    }
}

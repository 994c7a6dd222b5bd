import ArgumentParser
import TandemWorkflows

/// `tandem compare runs/NAME`: the trained model against the reference solver.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a trained run against the reference solver (or the data it held out): errors per task, timing, figures.")

    @Argument(help: "The run directory written by `tandem train`.") var directory: String

    func run() throws {
        for line in try ExperimentRegistry.trainedRun(directory).compare(Terminal.events()) { print(line) }
    }
}

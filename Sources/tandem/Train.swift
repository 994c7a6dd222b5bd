import ArgumentParser
import TandemWorkflows

/// `tandem train FILE --out runs/NAME`: the problem file's model, trained as its kind trains.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the problem file's model: a neural operator (DeepONet, POD-DeepONet or FNO) on reference data (solved or reused), a PINN on its residual, the EDA network on its signals, or an atomistic network on its data sets.")

    @Argument(help: "The problem file (TOML).") var file: String
    @Option(name: .shortAndLong, help: "The run directory (default: runs/<problem name>).") var out: String?
    @OptionGroup var options: RunOptions
    @OptionGroup var paths: PathOptions

    func run() throws {
        let stop = StopRequest()
        try finish(ExperimentRegistry.train(problemPath: file, directory: out, profile: options.profile, resume: options.resume,
                                            allowOutsidePaths: paths.allowOutsidePaths, events: Terminal.events(stop: stop)))
    }
}

/// Exits with 130 (as after SIGINT) when the work was interrupted, saying what was kept.
func finish(_ outcome: ExperimentOutcome) throws {
    if case let .interrupted(message) = outcome {
        Terminal.warn(message)
        throw ExitCode(130)
    }
}

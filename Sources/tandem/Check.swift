import ArgumentParser
import TandemWorkflows

/// `tandem check FILE`: validates a problem file and prints what it means.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a problem file and print the interpreted problem.")

    @Argument(help: "The problem file (TOML).") var file: String
    @OptionGroup var paths: PathOptions

    func run() throws {
        for line in try ExperimentRegistry.describe(problemFile: file, allowOutsidePaths: paths.allowOutsidePaths) { print(line) }
    }
}

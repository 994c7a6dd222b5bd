import ArgumentParser
import Foundation
import TandemMultiTask
import TandemSpec

/// `tandem check FILE`: validates a problem file and prints what it means.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a problem file and print the interpreted problem.")

    @Argument(help: "The problem file (TOML).") var file: String

    func run() throws {
        let resolved = try ResolvedProblem(try Problem(contentsOf: file))
        print(resolved.summary())
    }
}

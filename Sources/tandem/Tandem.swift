import ArgumentParser
import Foundation
import TandemCore

@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Multi-task scientific machine learning, checked against a reference solver.",
        version: "0.1.0",
        subcommands: [Demo.self],
        defaultSubcommand: Demo.self)

    static func main() {
        BLASKernelSelection.reexecWithFastKernelsIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

import ArgumentParser
import Foundation
import TandemWorkflows

@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Multi-task scientific machine learning, checked against a reference solver.",
        version: "0.1.0",
        subcommands: [Demo.self, Check.self, Solve.self, Observe.self, Train.self, Transfer.self, Compare.self, Predict.self],
        defaultSubcommand: Demo.self)

    static func main() {
        NativeEnvironment.reexecWithPreferredSettingsIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard let status = ErrorReport.exitStatus(for: error) else { exit(withError: error) }
            if ErrorReport.shouldPrint(error) { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            Foundation.exit(status)
        }
    }
}

import ArgumentParser
import Foundation
import TandemCore
import TandemMultiTask
import TandemSpec

@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Multi-task scientific machine learning, checked against a reference solver.",
        version: "0.1.0",
        subcommands: [Demo.self, Check.self, Solve.self, Observe.self, Train.self, Transfer.self, Compare.self, Predict.self],
        defaultSubcommand: Demo.self)

    static func main() {
        BLASKernelSelection.reexecWithFastKernelsIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ProblemFileError {
            FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
            Foundation.exit(2)
        } catch let error as OperatorTrainingError {
            FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

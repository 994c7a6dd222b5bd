import ArgumentParser
import Foundation
import TandemWorkflows

@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Multi-task scientific machine learning, checked against a reference solver.",
        version: "0.1.0\n" + NativeEnvironment.kernelsDescription,
        subcommands: [Demo.self, Check.self, Solve.self, Observe.self, Train.self, Transfer.self, Compare.self, Predict.self],
        defaultSubcommand: Demo.self)

    static func main() {
        NativeEnvironment.reexecWithPreferredSettingsIfNeeded()
        do {
            try NativeEnvironment.validateGEMMPolicy()
            var command = try parseAsRoot()
            try requireOneProcessUnlessDistributed(command)
            try command.run()
        } catch {
            guard let status = ErrorReport.exitStatus(for: error) else { exit(withError: error) }
            if ErrorReport.shouldPrint(error) { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            Foundation.exit(status)
        }
    }
}

/// Under `mpirun` with several ranks only `solve` and `train` split their work; every other
/// command would run once per rank (and write the same files concurrently), so it stops, saying so.
func requireOneProcessUnlessDistributed(_ command: ParsableCommand) throws {
    guard Communicator.isLaunchedByMPI, !(command is Solve), !(command is Train) else { return }
    let world = try Communicator.world()
    guard world.isDistributed else { return }
    let name = type(of: command).configuration.commandName ?? String(describing: type(of: command)).lowercased()
    if world.isRoot {
        FileHandle.standardError.write(Data("error: tandem \(name) runs in one process; under mpirun only solve and train split their work across ranks (start it without mpirun)\n".utf8))
    }
    Foundation.exit(1)
}

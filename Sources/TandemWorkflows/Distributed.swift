import TandemDistributed

/// The processes of a run (``TandemDistributed/Communicator``), for the command-line tool, which
/// reaches MPI only through the workflows: `Communicator.world()` is every `mpirun` rank, or one
/// process without `mpirun`.
public typealias Communicator = TandemDistributed.Communicator

/// Which process writes a run's files: rank 0 under `mpirun`, else the only process. The other
/// ranks read what rank 0 prepared and train their shares.
enum RunFiles {
    /// Whether this process writes run files.
    static var writable: Bool { (try? Communicator.world())?.isRoot ?? true }

    /// The run's communicator for its trainer, when there are several processes.
    static func distributed() throws -> Communicator? {
        let world = try Communicator.world()
        return world.isDistributed ? world : nil
    }
}

import TandemDistributed

/// The processes of a run (``TandemDistributed/Communicator``), for the command-line tool, which
/// reaches MPI only through the workflows: `Communicator.world()` is every `mpirun` rank, or one
/// process without `mpirun`.
public typealias Communicator = TandemDistributed.Communicator

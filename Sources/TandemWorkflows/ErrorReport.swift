import TandemDistributed
import TandemCore
import TandemExpressions
import TandemGeometry
import TandemIO
import TandemNN
import TandemPDE
import TandemSparse
import TandemSpec
import TandemTraining

/// How a command ends on an error Tandem raises: its message, and the exit status.
public enum ErrorReport {
    /// The exit status for `error` when the tool prints it as `error: <message>` (2 for a
    /// problem file that cannot be used, 1 for a run that cannot train or go on, a file that cannot
    /// be read or written, a solve that fails), or `nil` for the
    /// errors the argument parser reports in its own way (`Error: <message>`, status 1).
    public static func exitStatus(for error: Error) -> Int32? {
        // Under MPI another rank's failure is reported by rank 0 (see ``AnotherRankFailed``).
        switch error {
        case is ProblemFileError: return 2
        case is TrainingError, is RunDirectoryError, is CheckpointError, is ParameterError, is NetCDFError, is FigureError,
             is SparseSolverError, is PDEError, is GeometryError, is TensorError, is ExpressionError, is DistributedError, is AnotherRankFailed:
            return 1
        default: return nil
        }
    }
}

extension ErrorReport {
    /// Whether this process should print `error`: everywhere without MPI; under `mpirun` rank 0
    /// prints every error, other ranks only their own (not that they stopped for another's).
    public static func shouldPrint(_ error: Error) -> Bool {
        guard let world = try? Communicator.world(), !world.isRoot else { return true }
        return !(error is AnotherRankFailed)
    }
}

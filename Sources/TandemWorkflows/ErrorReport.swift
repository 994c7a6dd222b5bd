import TandemSpec
import TandemTraining

/// How a command ends on an error Tandem raises: its message, and the exit status.
public enum ErrorReport {
    /// The exit status for `error` when the tool prints it as `error: <message>` (2 for a
    /// problem file that cannot be used, 1 for a run that cannot train or go on), or `nil` for the
    /// errors the argument parser reports in its own way (`Error: <message>`, status 1).
    public static func exitStatus(for error: Error) -> Int32? {
        switch error {
        case is ProblemFileError: return 2
        case is TrainingError, is RunDirectoryError: return 1
        default: return nil
        }
    }
}

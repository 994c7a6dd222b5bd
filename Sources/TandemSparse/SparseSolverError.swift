/// Why a sparse factorisation or solve failed, naming the matrix.
public enum SparseSolverError: Error, Equatable, CustomStringConvertible {
    /// Cholesky factorisation met a non-positive pivot at `column` (0-based).
    case notPositiveDefinite(matrix: String, column: Int)
    /// The matrix is singular to working precision.
    case singular(matrix: String, reason: String)
    /// The matrix cannot be used by this solver (shape, pattern, symmetry, values).
    case invalidMatrix(matrix: String, reason: String)
    case outOfMemory(matrix: String)
    /// A right-hand side of the wrong length.
    case dimensionMismatch(matrix: String, expected: Int, got: Int)
    /// The solution contains NaN or infinity although the factorisation succeeded.
    case nonFiniteSolution(matrix: String)
    /// Any other status the library reported, with its code.
    case libraryFailure(matrix: String, library: String, status: Int)

    /// The message, naming the matrix and the reason.
    public var description: String {
        switch self {
        case let .notPositiveDefinite(matrix, column):
            return "\(matrix): not positive definite at column \(column) (Cholesky pivot ≤ 0)"
        case let .singular(matrix, reason):
            return "\(matrix): singular matrix (\(reason))"
        case let .invalidMatrix(matrix, reason):
            return "\(matrix): invalid matrix: \(reason)"
        case let .outOfMemory(matrix):
            return "\(matrix): out of memory while factorising"
        case let .dimensionMismatch(matrix, expected, got):
            return "\(matrix): right-hand side has length \(got), expected \(expected)"
        case let .nonFiniteSolution(matrix):
            return "\(matrix): solution contains NaN or infinity"
        case let .libraryFailure(matrix, library, status):
            return "\(matrix): \(library) failed with status \(status)"
        }
    }
}

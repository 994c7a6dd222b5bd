/// The symbolic LU analysis of a square sparsity pattern (UMFPACK), for matrices that are not
/// symmetric positive definite (Newton Jacobians, advection). Computed once, reused for every
/// matrix with the same pattern.
///
/// Reference: Davis, "Algorithm 832: UMFPACK V4.3", ACM TOMS 30(2), 2004, doi:10.1145/992200.992206.
public final class LUPattern: @unchecked Sendable {
    let symbolic: UmfpackObject
    let template: SparseMatrix

    /// - Throws: ``SparseSolverError/invalidMatrix(matrix:reason:)`` for a non-square or empty matrix.
    public init(analyzing matrix: SparseMatrix) throws {
        guard matrix.rows == matrix.columns, matrix.rows > 0 else {
            throw SparseSolverError.invalidMatrix(matrix: matrix.name, reason: "LU needs a non-empty square matrix, got \(matrix.rows)×\(matrix.columns)")
        }
        template = matrix
        symbolic = try UMFPACK.symbolic(matrix)
    }

    /// The numeric factorisation `PAQ = LU`.
    /// - Throws: ``SparseSolverError/singular(matrix:reason:)`` for a singular matrix;
    ///   ``SparseSolverError/invalidMatrix(matrix:reason:)`` for another pattern.
    public func factorize(_ matrix: SparseMatrix) throws -> LUFactor {
        guard matrix.columnPointers == template.columnPointers, matrix.rowIndices == template.rowIndices else {
            throw SparseSolverError.invalidMatrix(matrix: matrix.name, reason: "its sparsity pattern differs from the analysed one")
        }
        return LUFactor(numeric: try UMFPACK.numeric(matrix, symbolic: symbolic), matrix: matrix)
    }
}

/// A numeric LU factor; solves `A·x = b`.
public final class LUFactor: @unchecked Sendable {
    let numeric: UmfpackObject
    let matrix: SparseMatrix

    init(numeric: UmfpackObject, matrix: SparseMatrix) {
        self.numeric = numeric
        self.matrix = matrix
    }

    /// `x = A⁻¹b`.
    public func solve(_ b: [Double]) throws -> [Double] {
        guard b.count == matrix.rows else { throw SparseSolverError.dimensionMismatch(matrix: matrix.name, expected: matrix.rows, got: b.count) }
        let x = try UMFPACK.solve(matrix, numeric: numeric, b)
        guard x.allSatisfy({ $0.isFinite }) else { throw SparseSolverError.nonFiniteSolution(matrix: matrix.name) }
        return x
    }
}

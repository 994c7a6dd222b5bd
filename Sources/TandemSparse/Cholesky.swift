/// The symbolic Cholesky analysis of a symmetric positive definite sparsity pattern (CHOLMOD):
/// ordering and elimination structure, computed once and reused for every matrix with the same
/// pattern (every sample, every time step).
///
/// ```swift
/// let pattern = try CholeskyPattern(analyzing: a)
/// let factor = try pattern.factorize(a)
/// let x = try factor.solve(b)
/// ```
/// Reference: Chen, Davis, Hager & Rajamanickam, "Algorithm 887: CHOLMOD", ACM TOMS 35(3), 2008,
/// doi:10.1145/1391989.1391995.
public final class CholeskyPattern: @unchecked Sendable {
    let symbolic: CholmodFactorHandle
    /// The analysed matrix's shape and pattern, to check later matrices against.
    let template: SparseMatrix
    let transpose: [Int]
    /// Which of CHOLMOD's two methods the analysis chose (see ``Method``).
    public let method: Method

    /// CHOLMOD's two ways to compute `LLᵀ`: column by column (simplicial), or in dense
    /// supernodal blocks through BLAS. Tandem takes the simplicial one below 10⁸ flops of
    /// CHOLMOD's own estimate and the supernodal one above.
    public enum Method: String, Sendable {
        case simplicial, supernodal

        /// "CHOLMOD simplicial LLᵀ" or "CHOLMOD supernodal LLᵀ".
        public var description: String { "CHOLMOD \(rawValue) LLᵀ" }
    }

    /// Analyses `matrix`, which must be square with a symmetric pattern.
    /// - Throws: ``SparseSolverError/invalidMatrix(matrix:reason:)`` for a non-square matrix or
    ///   an unsymmetric pattern; a CHOLMOD failure as a typed error.
    public init(analyzing matrix: SparseMatrix) throws {
        guard matrix.rows == matrix.columns else {
            throw SparseSolverError.invalidMatrix(matrix: matrix.name, reason: "Cholesky needs a square matrix, got \(matrix.rows)×\(matrix.columns)")
        }
        guard let transpose = matrix.transposeIndex() else {
            throw SparseSolverError.invalidMatrix(matrix: matrix.name, reason: "Cholesky needs a symmetric sparsity pattern; use LUPattern (UMFPACK)")
        }
        self.transpose = transpose
        self.template = matrix
        self.symbolic = try CHOLMOD.analyze(matrix)
        method = symbolic.factor!.pointee.is_super != 0 ? .supernodal : .simplicial
    }

    /// The numeric factorisation `A = LLᵀ` (with the analysed fill-reducing permutation).
    ///
    /// Safe to call concurrently: each factor has its own workspace.
    /// - Throws: ``SparseSolverError/notPositiveDefinite(matrix:column:)`` with the failing
    ///   column; ``SparseSolverError/invalidMatrix(matrix:reason:)`` when `matrix` has another
    ///   pattern than the analysed one or unsymmetric values.
    public func factorize(_ matrix: SparseMatrix) throws -> CholeskyFactor {
        guard matrix.columnPointers == template.columnPointers, matrix.rowIndices == template.rowIndices else {
            throw SparseSolverError.invalidMatrix(matrix: matrix.name, reason: "its sparsity pattern differs from the analysed one")
        }
        for k in matrix.values.indices {
            let a = matrix.values[k], b = matrix.values[transpose[k]]
            guard abs(a - b) <= 1e-12 * max(abs(a), abs(b)) else {
                throw SparseSolverError.invalidMatrix(matrix: matrix.name, reason: "values are not symmetric (entry \(k): \(a) vs \(b)); use LUPattern (UMFPACK)")
            }
        }
        return CholeskyFactor(handle: try CHOLMOD.factorize(matrix, symbolic: symbolic), size: matrix.rows, name: matrix.name)
    }
}

/// A numeric Cholesky factor; solves `A·x = b`.
public final class CholeskyFactor: @unchecked Sendable {
    let handle: CholmodFactorHandle
    /// The order of the factorised matrix.
    public let size: Int
    /// The matrix's name, for errors.
    public let name: String

    init(handle: CholmodFactorHandle, size: Int, name: String) {
        self.handle = handle
        self.size = size
        self.name = name
    }

    /// `x = A⁻¹b`.
    /// - Throws: ``SparseSolverError/dimensionMismatch(matrix:expected:got:)``;
    ///   ``SparseSolverError/nonFiniteSolution(matrix:)`` if the result is not finite.
    public func solve(_ b: [Double]) throws -> [Double] {
        guard b.count == size else { throw SparseSolverError.dimensionMismatch(matrix: name, expected: size, got: b.count) }
        let x = try CHOLMOD.solve(handle, b, matrix: name)
        guard x.allSatisfy({ $0.isFinite }) else { throw SparseSolverError.nonFiniteSolution(matrix: name) }
        return x
    }
}

import CSuiteSparse
import Foundation
import TandemCore

// The one file that talks to CHOLMOD (64-bit integer interface, `cholmod_l_*`).

/// A CHOLMOD workspace (`cholmod_common`). CHOLMOD calls sharing one are not thread-safe, so
/// every factor owns its own and guards it with a lock.
final class CholmodWorkspace: @unchecked Sendable {
    let common: UnsafeMutablePointer<cholmod_common>
    let lock = NSLock()

    init() {
        _ = AllocatorTuning.isApplied  // reuse large freed buffers (see TandemCore.AllocatorTuning)
        common = .allocate(capacity: 1)
        common.initialize(to: cholmod_common())
        cholmod_l_start(common)
        common.pointee.print = 0  // failures are reported as Swift errors, not printed
        // Always LLᵀ (`final_ll`): CHOLMOD's default simplicial factorisation is LDLᵀ, which goes
        // through on indefinite matrices without complaint. An SPD solver must refuse them.
        common.pointee.supernodal = Int32(CHOLMOD_AUTO)
        common.pointee.final_ll = 1
    }

    deinit {
        cholmod_l_finish(common)
        common.deinitialize(count: 1)
        common.deallocate()
    }

    var status: Int32 { common.pointee.status }
}

/// A `cholmod_factor` owned by Swift (symbolic or numeric).
final class CholmodFactorHandle: @unchecked Sendable {
    var factor: UnsafeMutablePointer<cholmod_factor>?
    let workspace: CholmodWorkspace

    init(_ factor: UnsafeMutablePointer<cholmod_factor>, workspace: CholmodWorkspace) {
        self.factor = factor
        self.workspace = workspace
    }

    deinit {
        cholmod_l_free_factor(&factor, workspace.common)
    }
}

/// Calls `body` with a `cholmod_sparse` view of `matrix` (no copy); `stype = −1` tells CHOLMOD
/// to use the lower triangle of a symmetric matrix (the triangle its factorisation works on, so
/// no transpose is needed).
func withCholmodSparse<R>(_ matrix: SparseMatrix, _ body: (UnsafeMutablePointer<cholmod_sparse>) -> R) -> R {
    matrix.columnPointers.withUnsafeBufferPointer { p in
        matrix.rowIndices.withUnsafeBufferPointer { i in
            matrix.values.withUnsafeBufferPointer { x in
                var sparse = cholmod_sparse()
                sparse.nrow = matrix.rows
                sparse.ncol = matrix.columns
                sparse.nzmax = max(matrix.nonzeroCount, 1)
                sparse.p = UnsafeMutableRawPointer(mutating: p.baseAddress)
                sparse.i = UnsafeMutableRawPointer(mutating: i.baseAddress)
                sparse.x = UnsafeMutableRawPointer(mutating: x.baseAddress)
                sparse.stype = -1
                sparse.itype = CHOLMOD_LONG
                sparse.xtype = CHOLMOD_REAL
                sparse.dtype = CHOLMOD_DOUBLE
                sparse.sorted = 1
                sparse.packed = 1
                return withUnsafeMutablePointer(to: &sparse, body)
            }
        }
    }
}

enum CHOLMOD {
    /// Factorisations below this many floating-point operations use the simplicial method.
    ///
    /// The supernodal method calls BLAS on many small dense blocks; when several samples are
    /// factorised at once, OpenBLAS serialises those calls on an internal lock (measured: ~8,000
    /// futex calls per 10⁴-unknown factorisation, and half the throughput of the simplicial method
    /// on 2-D grids). Larger factorisations (3-D grids) are faster supernodal.
    static let simplicialFlopLimit = 1e8

    /// Symbolic analysis (fill-reducing ordering, elimination tree, supernodes).
    static func analyze(_ matrix: SparseMatrix) throws -> CholmodFactorHandle {
        let workspace = CholmodWorkspace()
        var factor = withCholmodSparse(matrix) { cholmod_l_analyze($0, workspace.common) }
        guard factor != nil, workspace.status == CHOLMOD_OK else { throw error(workspace.status, matrix: matrix.name, column: nil) }
        if workspace.common.pointee.fl < simplicialFlopLimit, factor!.pointee.is_super != 0 {
            cholmod_l_free_factor(&factor, workspace.common)
            workspace.common.pointee.supernodal = Int32(CHOLMOD_SIMPLICIAL)
            factor = withCholmodSparse(matrix) { cholmod_l_analyze($0, workspace.common) }
            guard factor != nil, workspace.status == CHOLMOD_OK else { throw error(workspace.status, matrix: matrix.name, column: nil) }
        }
        return CholmodFactorHandle(factor!, workspace: workspace)
    }

    /// A numeric factorisation of `matrix` into a copy of `symbolic`.
    static func factorize(_ matrix: SparseMatrix, symbolic: CholmodFactorHandle) throws -> CholmodFactorHandle {
        let workspace = CholmodWorkspace()
        let copy: UnsafeMutablePointer<cholmod_factor>? = symbolic.workspace.lock.withLock {
            cholmod_l_copy_factor(symbolic.factor, workspace.common)
        }
        guard let copy else { throw error(workspace.status, matrix: matrix.name, column: nil) }
        let handle = CholmodFactorHandle(copy, workspace: workspace)
        _ = withCholmodSparse(matrix) { cholmod_l_factorize($0, copy, workspace.common) }
        let status = workspace.status
        if status == CHOLMOD_NOT_POSDEF {
            throw SparseSolverError.notPositiveDefinite(matrix: matrix.name, column: Int(copy.pointee.minor))
        }
        guard status == CHOLMOD_OK else { throw error(status, matrix: matrix.name, column: Int(copy.pointee.minor)) }
        return handle
    }

    /// Solves `A·x = b` with a numeric factor.
    static func solve(_ factor: CholmodFactorHandle, _ b: [Double], matrix: String) throws -> [Double] {
        try factor.workspace.lock.withLock {
            var rhs = b
            return try rhs.withUnsafeMutableBufferPointer { pb -> [Double] in
                var dense = cholmod_dense()
                dense.nrow = pb.count
                dense.ncol = 1
                dense.nzmax = pb.count
                dense.d = pb.count
                dense.x = UnsafeMutableRawPointer(pb.baseAddress)
                dense.xtype = CHOLMOD_REAL
                dense.dtype = CHOLMOD_DOUBLE
                var solution = cholmod_l_solve(CHOLMOD_A, factor.factor, &dense, factor.workspace.common)
                defer { cholmod_l_free_dense(&solution, factor.workspace.common) }
                guard let solution, factor.workspace.status == CHOLMOD_OK else {
                    throw error(factor.workspace.status, matrix: matrix, column: nil)
                }
                let values = solution.pointee.x.assumingMemoryBound(to: Double.self)
                return Array(UnsafeBufferPointer(start: values, count: pb.count))
            }
        }
    }

    static func error(_ status: Int32, matrix: String, column: Int?) -> SparseSolverError {
        switch status {
        case CHOLMOD_OUT_OF_MEMORY: return .outOfMemory(matrix: matrix)
        case CHOLMOD_INVALID: return .invalidMatrix(matrix: matrix, reason: "CHOLMOD rejected the input")
        case CHOLMOD_TOO_LARGE: return .invalidMatrix(matrix: matrix, reason: "too large for CHOLMOD's integer type")
        case CHOLMOD_DSMALL: return .singular(matrix: matrix, reason: "a pivot is tiny (at column \(column ?? -1))")
        default: return .libraryFailure(matrix: matrix, library: "CHOLMOD", status: Int(status))
        }
    }
}

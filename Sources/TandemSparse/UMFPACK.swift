import CSuiteSparse

// The one file that talks to UMFPACK (64-bit integer interface, `umfpack_dl_*`).

/// A UMFPACK symbolic or numeric object owned by Swift.
final class UmfpackObject: @unchecked Sendable {
    enum Kind { case symbolic, numeric }
    var pointer: UnsafeMutableRawPointer?
    let kind: Kind

    init(_ pointer: UnsafeMutableRawPointer?, kind: Kind) {
        self.pointer = pointer
        self.kind = kind
    }

    deinit {
        switch kind {
        case .symbolic: umfpack_dl_free_symbolic(&pointer)
        case .numeric: umfpack_dl_free_numeric(&pointer)
        }
    }
}

enum UMFPACK {
    static func withArrays<R>(_ m: SparseMatrix, _ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Double>) -> R) -> R {
        m.columnPointers.withUnsafeBufferPointer { p in
            m.rowIndices.withUnsafeBufferPointer { i in
                m.values.withUnsafeBufferPointer { x in body(p.baseAddress!, i.baseAddress ?? p.baseAddress!, x.baseAddress ?? UnsafePointer(bitPattern: 8)!) }
            }
        }
    }

    static func symbolic(_ m: SparseMatrix) throws -> UmfpackObject {
        var object: UnsafeMutableRawPointer?
        var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
        let status = withArrays(m) { p, i, x in umfpack_dl_symbolic(m.rows, m.columns, p, i, x, &object, nil, &info) }
        let handle = UmfpackObject(object, kind: .symbolic)
        guard status == UMFPACK_OK else { throw error(status, matrix: m.name) }
        return handle
    }

    static func numeric(_ m: SparseMatrix, symbolic: UmfpackObject) throws -> UmfpackObject {
        var object: UnsafeMutableRawPointer?
        var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
        let status = withArrays(m) { p, i, x in umfpack_dl_numeric(p, i, x, symbolic.pointer, &object, nil, &info) }
        let handle = UmfpackObject(object, kind: .numeric)
        guard status == UMFPACK_OK else { throw error(status, matrix: m.name) }
        return handle
    }

    static func solve(_ m: SparseMatrix, numeric: UmfpackObject, _ b: [Double]) throws -> [Double] {
        var x = [Double](repeating: 0, count: b.count)
        var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
        let status = withArrays(m) { p, i, values in
            x.withUnsafeMutableBufferPointer { px in
                umfpack_dl_solve(Int(UMFPACK_A), p, i, values, px.baseAddress, b, numeric.pointer, nil, &info)
            }
        }
        guard status == UMFPACK_OK else { throw error(status, matrix: m.name) }
        return x
    }

    static func error(_ status: Int, matrix: String) -> SparseSolverError {
        switch Int32(truncatingIfNeeded: status) {
        case UMFPACK_WARNING_singular_matrix: return .singular(matrix: matrix, reason: "UMFPACK found a zero pivot")
        case UMFPACK_ERROR_out_of_memory: return .outOfMemory(matrix: matrix)
        case UMFPACK_ERROR_invalid_matrix: return .invalidMatrix(matrix: matrix, reason: "UMFPACK rejected the CSC arrays")
        case UMFPACK_ERROR_n_nonpositive: return .invalidMatrix(matrix: matrix, reason: "the matrix has no rows or columns")
        case UMFPACK_ERROR_different_pattern: return .invalidMatrix(matrix: matrix, reason: "its pattern differs from the analysed one")
        default: return .libraryFailure(matrix: matrix, library: "UMFPACK", status: status)
        }
    }
}

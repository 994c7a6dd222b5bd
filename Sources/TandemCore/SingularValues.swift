import CBLAS

/// Singular value decompositions of dense matrices, by LAPACK `dgesdd` (divide and conquer;
/// Gu & Eisenstat 1995) from OpenBLAS.
public enum SingularValues {
    /// The thin SVD `A = U·Σ·Vᵀ` of the `rows × columns` matrix whose *columns* are given
    /// one after another (`a[j·rows + i] = A[i, j]`, column-major), keeping the `count` largest
    /// singular triplets.
    ///
    /// - Returns: the singular values `σ₁ ≥ σ₂ ≥ …` (all `min(rows, columns)` of them, for an
    ///   energy criterion) and the first `count` left singular vectors `u_k` (`rows` entries each,
    ///   unit length): for snapshots stored as columns these are the proper orthogonal modes.
    /// - Throws: ``TensorError/nonFinite(_:)`` when LAPACK reports a failure (naming `info`).
    public static func leftVectors(ofColumns a: [Double], rows: Int, columns: Int, count: Int) throws -> (values: [Double], vectors: [[Double]]) {
        let k = Swift.min(rows, columns)
        precondition(a.count == rows * columns && count >= 1 && count <= k, "SingularValues: need a rows × columns matrix and 1 ≤ count ≤ min(rows, columns)")
        var matrix = a
        var jobz = CChar(UInt8(ascii: "S"))
        var m = Int32(rows), n = Int32(columns), lda = Int32(rows), ldu = Int32(rows), ldvt = Int32(k)
        var values = [Double](repeating: 0, count: k)
        var u = [Double](repeating: 0, count: rows * k), vt = [Double](repeating: 0, count: k * columns)
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var info: Int32 = 0
        // Workspace query, then the decomposition.
        var workSize = Int32(-1), optimal = 0.0
        dgesdd_(&jobz, &m, &n, &matrix, &lda, &values, &u, &ldu, &vt, &ldvt, &optimal, &workSize, &iwork, &info, 1)
        workSize = Int32(Swift.min(optimal, Double(Int32.max)))
        var work = [Double](repeating: 0, count: Int(workSize))
        dgesdd_(&jobz, &m, &n, &matrix, &lda, &values, &u, &ldu, &vt, &ldvt, &work, &workSize, &iwork, &info, 1)
        guard info == 0 else {
            throw TensorError.nonFinite("LAPACK dgesdd failed on a \(rows) × \(columns) matrix (info \(info): \(info < 0 ? "argument \(-info) is invalid" : "the iteration did not converge"))")
        }
        return (values, (0..<count).map { j in Array(u[(j * rows)..<((j + 1) * rows)]) })
    }
}

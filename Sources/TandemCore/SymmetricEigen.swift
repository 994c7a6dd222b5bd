import CBLAS

/// Eigenpairs of a dense symmetric matrix, by LAPACK `dsyevr` (multiple relatively robust
/// representations; Dhillon & Parlett 2004, doi:10.1016/j.laa.2003.12.028) from OpenBLAS.
public enum SymmetricEigen {
    /// The `count` largest eigenvalues of the symmetric `n × n` matrix `a` (row-major; only one
    /// triangle is read) in decreasing order, with unit eigenvectors as the rows of `vectors`
    /// (`[count][n]`).
    /// - Throws: ``TensorError/nonFinite(_:)`` when LAPACK reports a failure.
    public static func largest(_ count: Int, of a: [Double], size n: Int) throws -> (values: [Double], vectors: [[Double]]) {
        precondition(a.count == n * n && count >= 1 && count <= n, "SymmetricEigen: need an n×n matrix and 1 ≤ count ≤ n")
        var matrix = a
        var jobz = CChar(UInt8(ascii: "V")), range = CChar(UInt8(ascii: "I")), uplo = CChar(UInt8(ascii: "L"))
        var order = Int32(n), lda = Int32(n), ldz = Int32(n)
        var lower = Int32(n - count + 1), upper = Int32(n)
        var vl = 0.0, vu = 0.0, abstol = 0.0
        var found: Int32 = 0, info: Int32 = 0
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * count)
        var support = [Int32](repeating: 0, count: 2 * max(count, 1))
        // Workspace query, then the computation.
        var workSize = Int32(-1), iworkSize = Int32(-1)
        var optimalWork = 0.0, optimalIwork: Int32 = 0
        dsyevr_(&jobz, &range, &uplo, &order, &matrix, &lda, &vl, &vu, &lower, &upper, &abstol, &found,
                &values, &vectors, &ldz, &support, &optimalWork, &workSize, &optimalIwork, &iworkSize, &info, 1, 1, 1)
        workSize = Int32(optimalWork)
        iworkSize = optimalIwork
        var work = [Double](repeating: 0, count: Int(workSize))
        var iwork = [Int32](repeating: 0, count: Int(iworkSize))
        dsyevr_(&jobz, &range, &uplo, &order, &matrix, &lda, &vl, &vu, &lower, &upper, &abstol, &found,
                &values, &vectors, &ldz, &support, &work, &workSize, &iwork, &iworkSize, &info, 1, 1, 1)
        guard info == 0, Int(found) == count else {
            throw TensorError.nonFinite("LAPACK dsyevr failed (info \(info), found \(found) of \(count) eigenpairs)")
        }
        // LAPACK returns ascending order, vectors as columns (column-major): reverse both.
        let order_ = (0..<count).reversed()
        return (order_.map { values[$0] }, order_.map { k in Array(vectors[(k * n)..<((k + 1) * n)]) })
    }
}

import CBLAS

/// Small dense linear systems through LAPACK from OpenBLAS.
public enum DenseSolve {
    /// The solution `x` of `A x = b` for a symmetric positive definite `n × n` matrix `A`
    /// (row-major; one triangle is read), by Cholesky factorisation (LAPACK `dposv`).
    /// - Returns: `nil` when `A` is not numerically positive definite (LAPACK's `info > 0`).
    public static func positiveDefinite(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        precondition(a.count == n * n && b.count == n, "DenseSolve.positiveDefinite: need an n×n matrix and n right-hand sides")
        guard n > 0 else { return [] }
        var matrix = a, x = b
        var uplo = CChar(UInt8(ascii: "L"))
        var order = Int32(n), columns = Int32(1), lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        dposv_(&uplo, &order, &columns, &matrix, &lda, &x, &ldb, &info, 1)
        return info == 0 ? x : nil
    }
}

import CBLAS
import RealModule

/// A floating-point type a ``Tensor`` can hold: `Float` (32-bit) or `Double` (64-bit).
///
/// Besides the elementary functions of swift-numerics (`Real`), a scalar type knows how to call
/// its own BLAS GEMM, so that `Tensor` code stays generic while the heavy loops run in OpenBLAS.
public protocol TensorScalar: Real, BinaryFloatingPoint, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// Short dtype name, as used in checkpoints (`"F32"`, `"F64"`).
    static var dtypeName: String { get }

    /// `C ← α·op(A)·op(B) + β·C` for row-major `A`, `B`, `C` in OpenBLAS (`?gemm`). Tensor code
    /// calls ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``, which sends each
    /// product to the faster backend for its shape (``GEMMDispatch``).
    ///
    /// - Parameters:
    ///   - transposeA, transposeB: whether `op` transposes the operand (no copy is made).
    ///   - m, n, k: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
    ///   - lda, ldb, ldc: leading dimensions (row strides) of the stored matrices.
    static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// `tanh` of every element of `x`, written to `out` (same count), by a vectorised kernel
    /// accurate to a few ulp (see `VectorMath`).
    static func vectorTanh(_ x: UnsafeBufferPointer<Self>, into out: UnsafeMutableBufferPointer<Self>)

    /// The kept Fourier modes `[2m₁, m₂, 2]` of `count` real planes `height × width` (read only),
    /// in FFTW, in this precision (``FourierTransform``; `rows` = m₁, `columns` = m₂).
    static func fourierModes(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                             real: UnsafePointer<Self>, modes: UnsafeMutablePointer<Self>)

    /// The real planes `height × width` synthesised from `count` sets of kept modes `[2m₁, m₂, 2]`
    /// (read only), in FFTW, in this precision (``FourierTransform``).
    static func fourierSynthesis(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                 modes: UnsafePointer<Self>, real: UnsafeMutablePointer<Self>)
}

extension Float: TensorScalar {
    /// `"F32"`.
    public static var dtypeName: String { "F32" }

    /// Vectorised `tanh` (see `VectorMath`).
    public static func vectorTanh(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        VectorMath.tanh(x, into: out)
    }

    /// BLAS `?gemm` for this precision (see the protocol requirement).
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

extension Double: TensorScalar {
    /// `"F64"`.
    public static var dtypeName: String { "F64" }

    /// Vectorised `tanh` (see `VectorMath`).
    public static func vectorTanh(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        VectorMath.tanh(x, into: out)
    }

    /// BLAS `?gemm` for this precision (see the protocol requirement).
    public static func blasGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

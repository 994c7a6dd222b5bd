import CFFTW
import Foundation

/// The truncated two-dimensional real discrete Fourier transforms of a Fourier neural operator,
/// pruned to the kept modes: the kernels of ``Tensor/fourierModes(_:)`` and
/// ``Tensor/fourierSynthesis(height:width:)``.
///
/// Both directions are unnormalised, as in FFTW. For a plane `x: [H, W]`, the kept modes are
/// `X[k, l] = Σ_{h<H, w<W} x[h, w]·e^{−2πi(kh/H + lw/W)}` at the `2m₁` rows
/// `k ∈ {0, …, m₁ − 1} ∪ {H − m₁, …, H − 1}` and the `m₂` columns `l < m₂`, laid out
/// `[2m₁, m₂, 2]` (real and imaginary parts last); the synthesis is
/// `x[h, w] = Σ_{k, l} c_l·Re(X[k, l]·e^{+2πi(kh/H + lw/W)})`, `c₀ = 1`, `c_l = 2` otherwise — the
/// real inverse transform (FFTW's c2r) of a half spectrum that is zero outside the kept modes.
///
/// A full 2-D transform would compute all `H × (W/2 + 1)` modes. Here it is split into its two
/// 1-D passes, each pruned to what is kept:
/// - along the rows, only the `m₂` kept columns are needed (of `W/2 + 1`): a DFT restricted to
///   them is the product of every row of every plane with one `W × 2m₂` matrix of cosines and
///   sines, a single GEMM over the batch (`[planes·H, W]·[W, 2m₂]`, BLAS; the synthesis multiplies
///   by its `c_l`-weighted transpose);
/// - along the columns, the `m₂` kept columns are transformed in place by FFTW (Frigo & Johnson,
///   "The design and implementation of FFTW3", Proc. IEEE 93(2), 2005), `H`-point complex DFTs,
///   and the `2m₁` kept rows read off.
/// With `m₂ = 12` on a 108-point grid the row GEMM does 2.9× the arithmetic of FFTW's real
/// transforms of the rows at several times their rate, and no pass touches the `W/2 + 1 − m₂`
/// discarded columns.
///
/// Column plans are made once per precision, direction, `H` and `m₂` with
/// `FFTW_ESTIMATE | FFTW_UNALIGNED` (planning never touches the arrays and any array may be
/// passed) under a lock, since FFTW's planner is not thread-safe; executing a plan on new arrays
/// is, and planes are split across ``Parallelism/workerCount`` threads when there are enough.
public enum FourierTransform {
    /// Cached plans, keyed by `precision, direction, H, m₂`.
    private final class Plans: @unchecked Sendable {
        let lock = NSLock()
        var plans: [[Int]: OpaquePointer] = [:]

        func plan(_ key: [Int], make: () -> OpaquePointer?) -> OpaquePointer {
            lock.lock()
            defer { lock.unlock() }
            if let plan = plans[key] { return plan }
            guard let plan = make() else { fatalError("FFTW could not plan \(key[3]) transforms of length \(key[2])") }
            plans[key] = plan
            return plan
        }
    }

    private static let cache = Plans()
    static let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED)

    /// The row DFT restricted to columns `l < m₂`, `[W, 2m₂]`: `D[w, 2l] = cos(2πlw/W)`,
    /// `D[w, 2l + 1] = −sin(2πlw/W)`, so that `x·D` holds `Σ_w x[w]·e^{−2πilw/W}` as interleaved
    /// real and imaginary parts. Transposed and scaled (`inverse`): `[2m₂, W]`, rows
    /// `c_l·cos(2πlw/W)` and `−c_l·sin(2πlw/W)`, so that `Z·D` is `Σ_l c_l·Re(Z[l]·e^{+2πilw/W})`.
    static func rowTransform<S: TensorScalar>(width: Int, columns: Int, inverse: Bool) -> [S] {
        var d = [S](repeating: 0, count: width * 2 * columns)
        for w in 0..<width {
            for l in 0..<columns {
                // The angle reduced exactly (lw mod W) before the trigonometry.
                let angle = 2 * Double.pi * Double((l * w) % width) / Double(width)
                let (c, s) = (Foundation.cos(angle), -Foundation.sin(angle))
                if inverse {
                    let weight: Double = l == 0 ? 1 : 2
                    (d[2 * l * width + w], d[(2 * l + 1) * width + w]) = (S(weight * c), S(weight * s))
                } else {
                    (d[w * 2 * columns + 2 * l], d[w * 2 * columns + 2 * l + 1]) = (S(c), S(s))
                }
            }
        }
        return d
    }

    /// The kept modes of `count` real planes `[H, W]` (read only) into `modes`, `count × 2m₁ × m₂ × 2`
    /// scalars (see the type).
    static func modes<S: FFTWScalar>(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                     real: UnsafePointer<S>, modes: UnsafeMutablePointer<S>) {
        let plan = cache.plan([S.fftwPrecision, 1, height, columns]) { S.planColumns(forward: true, height: height, columns: columns) }
        let d: [S] = rowTransform(width: width, columns: columns, inverse: false)
        let spectrum = UnsafeMutablePointer<S>.allocate(capacity: count * height * 2 * columns)
        defer { spectrum.deallocate() }
        d.withUnsafeBufferPointer { pd in
            S.gemm(transposeA: false, transposeB: false, m: count * height, n: 2 * columns, k: width,
                   alpha: 1, a: real, lda: width, b: pd.baseAddress!, ldb: 2 * columns, beta: 0, c: spectrum, ldc: 2 * columns)
        }
        let (plane, kept) = (height * 2 * columns, 2 * rows * columns * 2)
        let (source, target) = (UnsafeSendable(spectrum), UnsafeSendable(modes))
        Parallelism.forEachChunk(count: count, cost: count * height * width) { planes in
            for p in planes {
                let s = source.value + p * plane
                S.executeColumns(plan, spectrum: s)
                for r in 0..<(2 * rows) {
                    let k = r < rows ? r : height - 2 * rows + r
                    (target.value + p * kept + r * columns * 2).update(from: s + k * columns * 2, count: columns * 2)
                }
            }
        }
    }

    /// The real planes `[H, W]` of `count` sets of kept modes `[2m₁, m₂, 2]` (read only): the
    /// synthesis of the type's comment, column `l = 0` made Hermitian first
    /// (`(X[k, 0] + conj X[−k, 0])/2`), so that the result is the real part of the sum for any modes.
    static func synthesis<S: FFTWScalar>(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                         modes: UnsafePointer<S>, real: UnsafeMutablePointer<S>) {
        let plan = cache.plan([S.fftwPrecision, -1, height, columns]) { S.planColumns(forward: false, height: height, columns: columns) }
        let (plane, kept) = (height * 2 * columns, 2 * rows * columns * 2)
        let spectrum = UnsafeMutablePointer<S>.allocate(capacity: count * plane)
        defer { spectrum.deallocate() }
        let (source, target) = (UnsafeSendable(modes), UnsafeSendable(spectrum))
        Parallelism.forEachChunk(count: count, cost: count * height * width) { planes in
            var column = [S](repeating: 0, count: 2 * height)
            for p in planes {
                let s = target.value + p * plane
                s.initialize(repeating: 0, count: plane)
                for r in 0..<(2 * rows) {
                    let k = r < rows ? r : height - 2 * rows + r
                    (s + k * columns * 2).update(from: source.value + p * kept + r * columns * 2, count: columns * 2)
                }
                // Column 0: its Hermitian part, (X[k] + conj X[−k]) / 2.
                for k in 0..<height { (column[2 * k], column[2 * k + 1]) = (s[k * columns * 2], s[k * columns * 2 + 1]) }
                for k in 0..<height {
                    let m = (height - k) % height
                    s[k * columns * 2] = (column[2 * k] + column[2 * m]) / 2
                    s[k * columns * 2 + 1] = (column[2 * k + 1] - column[2 * m + 1]) / 2
                }
                S.executeColumns(plan, spectrum: s)
            }
        }
        let d: [S] = rowTransform(width: width, columns: columns, inverse: true)
        d.withUnsafeBufferPointer { pd in
            S.gemm(transposeA: false, transposeB: false, m: count * height, n: width, k: 2 * columns,
                   alpha: 1, a: spectrum, lda: 2 * columns, b: pd.baseAddress!, ldb: width, beta: 0, c: real, ldc: width)
        }
    }
}

/// The FFTW entry points of one precision (`fftw_` for `Double`, `fftwf_` for `Float`) that
/// ``FourierTransform`` uses: in-place 1-D complex transforms of length `H` of the `m₂` columns of
/// a plane `[H, m₂]` of complex numbers.
protocol FFTWScalar: TensorScalar {
    /// Distinguishes the precisions in the plan cache.
    static var fftwPrecision: Int { get }
    /// The in-place transforms of the `m₂` columns of `[H, m₂]` complex numbers.
    static func planColumns(forward: Bool, height: Int, columns: Int) -> OpaquePointer?
    /// Executes a column plan in place.
    static func executeColumns(_ plan: OpaquePointer, spectrum: UnsafeMutablePointer<Self>)
}

extension Float: FFTWScalar {
    static var fftwPrecision: Int { 32 }

    static func planColumns(forward: Bool, height: Int, columns: Int) -> OpaquePointer? {
        let complex = fftwf_alloc_complex(height * columns)
        defer { fftwf_free(complex) }
        var n = Int32(height)
        return fftwf_plan_many_dft(1, &n, Int32(columns), complex, nil, Int32(columns), 1, complex, nil, Int32(columns), 1,
                                   forward ? FFTW_FORWARD : FFTW_BACKWARD, FourierTransform.flags)
    }

    static func executeColumns(_ plan: OpaquePointer, spectrum: UnsafeMutablePointer<Float>) {
        spectrum.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { complex in fftwf_execute_dft(plan, complex, complex) }
    }
}

extension Double: FFTWScalar {
    static var fftwPrecision: Int { 64 }

    static func planColumns(forward: Bool, height: Int, columns: Int) -> OpaquePointer? {
        let complex = fftw_alloc_complex(height * columns)
        defer { fftw_free(complex) }
        var n = Int32(height)
        return fftw_plan_many_dft(1, &n, Int32(columns), complex, nil, Int32(columns), 1, complex, nil, Int32(columns), 1,
                                  forward ? FFTW_FORWARD : FFTW_BACKWARD, FourierTransform.flags)
    }

    static func executeColumns(_ plan: OpaquePointer, spectrum: UnsafeMutablePointer<Double>) {
        spectrum.withMemoryRebound(to: fftw_complex.self, capacity: 1) { complex in fftw_execute_dft(plan, complex, complex) }
    }
}

extension Float {
    /// The kept Fourier modes of real planes in single precision (see ``TensorScalar/fourierModes(count:height:width:rows:columns:real:modes:)``).
    public static func fourierModes(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                    real: UnsafePointer<Float>, modes: UnsafeMutablePointer<Float>) {
        FourierTransform.modes(count: count, height: height, width: width, rows: rows, columns: columns, real: real, modes: modes)
    }

    /// The synthesis of real planes from kept modes in single precision (see ``TensorScalar/fourierSynthesis(count:height:width:rows:columns:modes:real:)``).
    public static func fourierSynthesis(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                        modes: UnsafePointer<Float>, real: UnsafeMutablePointer<Float>) {
        FourierTransform.synthesis(count: count, height: height, width: width, rows: rows, columns: columns, modes: modes, real: real)
    }
}

extension Double {
    /// The kept Fourier modes of real planes in double precision (see ``TensorScalar/fourierModes(count:height:width:rows:columns:real:modes:)``).
    public static func fourierModes(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                    real: UnsafePointer<Double>, modes: UnsafeMutablePointer<Double>) {
        FourierTransform.modes(count: count, height: height, width: width, rows: rows, columns: columns, real: real, modes: modes)
    }

    /// The synthesis of real planes from kept modes in double precision (see ``TensorScalar/fourierSynthesis(count:height:width:rows:columns:modes:real:)``).
    public static func fourierSynthesis(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                        modes: UnsafePointer<Double>, real: UnsafeMutablePointer<Double>) {
        FourierTransform.synthesis(count: count, height: height, width: width, rows: rows, columns: columns, modes: modes, real: real)
    }
}

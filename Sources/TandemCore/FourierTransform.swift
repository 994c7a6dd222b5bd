import CFFTW
import Foundation

/// The truncated two-dimensional real discrete Fourier transforms of a Fourier neural operator,
/// pruned to the kept modes and computed in FFTW (Frigo & Johnson, "The design and implementation
/// of FFTW3", Proc. IEEE 93(2), 2005): the kernels of ``Tensor/fourierModes(_:)`` and
/// ``Tensor/fourierSynthesis(height:width:)``.
///
/// Both directions are unnormalised, as in FFTW. For a plane `x: [H, W]`, the kept modes are
/// `X[k, l] = Σ_{h<H, w<W} x[h, w]·e^{−2πi(kh/H + lw/W)}` at the `2m₁` rows
/// `k ∈ {0, …, m₁ − 1} ∪ {H − m₁, …, H − 1}` and the `m₂` columns `l < m₂`, laid out
/// `[2m₁, m₂, 2]` (real and imaginary parts last); the synthesis is
/// `x[h, w] = Σ_{k, l} X[k, l]·e^{+2πi(kh/H + lw/W)}` over the Hermitian extension of those modes.
///
/// A full 2-D transform would compute all `H × (W/2 + 1)` modes. Here the transform is split
/// into its two 1-D passes and the second is pruned: the forward direction runs the real
/// transforms of the `H` rows (r2c, every row is needed) and then the complex transforms of only
/// the `m₂` kept columns; the synthesis runs the `m₂` column transforms and then the `H` row
/// transforms (c2r) of a half spectrum that is zero beyond column `m₂`. With `m₂ = 12` of 55
/// columns on a 108-point grid this does about 60% of the work of the 2-D transform.
///
/// Plans are made once per precision, direction and size with `FFTW_ESTIMATE | FFTW_UNALIGNED`
/// (planning never touches the arrays and any array may be passed) under a lock, since FFTW's
/// planner is not thread-safe; executing a plan on new arrays is, and planes are split across
/// ``Parallelism/workerCount`` threads when there are enough of them.
public enum FourierTransform {
    /// Cached plans, keyed by `precision, pass, direction, H, W, m₂`.
    private final class Plans: @unchecked Sendable {
        let lock = NSLock()
        var plans: [[Int]: OpaquePointer] = [:]

        func plan(_ key: [Int], make: () -> OpaquePointer?) -> OpaquePointer {
            lock.lock()
            defer { lock.unlock() }
            if let plan = plans[key] { return plan }
            guard let plan = make() else { fatalError("FFTW could not plan a \(key[3]) × \(key[4]) transform") }
            plans[key] = plan
            return plan
        }
    }

    private static let cache = Plans()
    static let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED)

    /// The kept modes of `count` real planes `[H, W]` (read only) into `modes`, `count × 2m₁ × m₂ × 2`
    /// scalars (see the type).
    static func modes<S: FFTWScalar>(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                     real: UnsafePointer<S>, modes: UnsafeMutablePointer<S>) {
        let half = width / 2 + 1
        let rowPlan = cache.plan([S.fftwPrecision, 0, 1, height, width, 0]) { S.planRows(forward: true, height: height, width: width) }
        let columnPlan = cache.plan([S.fftwPrecision, 1, 1, height, width, columns]) {
            S.planColumns(forward: true, height: height, width: width, columns: columns)
        }
        let (n, kept) = (height * width, 2 * rows * columns * 2)
        let (source, target) = (UnsafeSendable(real), UnsafeSendable(modes))
        Parallelism.forEachChunk(count: count, cost: count * n) { planes in
            let spectrum = UnsafeMutablePointer<S>.allocate(capacity: 2 * height * half)
            defer { spectrum.deallocate() }
            for p in planes {
                S.executeRows(rowPlan, real: UnsafeMutablePointer(mutating: source.value + p * n), spectrum: spectrum, forward: true)
                S.executeColumns(columnPlan, spectrum: spectrum)
                for r in 0..<(2 * rows) {
                    let k = r < rows ? r : height - 2 * rows + r
                    (target.value + p * kept + r * columns * 2).update(from: spectrum + k * half * 2, count: columns * 2)
                }
            }
        }
    }

    /// The real planes `[H, W]` of `count` sets of kept modes `[2m₁, m₂, 2]` (read only): the
    /// synthesis of the type's comment, column `l = 0` made Hermitian first
    /// (`(X[k, 0] + conj X[−k, 0])/2`), so that the result is the real part of the sum for any modes.
    static func synthesis<S: FFTWScalar>(count: Int, height: Int, width: Int, rows: Int, columns: Int,
                                         modes: UnsafePointer<S>, real: UnsafeMutablePointer<S>) {
        let half = width / 2 + 1
        let rowPlan = cache.plan([S.fftwPrecision, 0, -1, height, width, 0]) { S.planRows(forward: false, height: height, width: width) }
        let columnPlan = cache.plan([S.fftwPrecision, 1, -1, height, width, columns]) {
            S.planColumns(forward: false, height: height, width: width, columns: columns)
        }
        let (n, kept) = (height * width, 2 * rows * columns * 2)
        let (source, target) = (UnsafeSendable(modes), UnsafeSendable(real))
        Parallelism.forEachChunk(count: count, cost: count * n) { planes in
            let spectrum = UnsafeMutablePointer<S>.allocate(capacity: 2 * height * half)
            defer { spectrum.deallocate() }
            var column = [S](repeating: 0, count: 2 * height)
            for p in planes {
                spectrum.initialize(repeating: 0, count: 2 * height * half)
                for r in 0..<(2 * rows) {
                    let k = r < rows ? r : height - 2 * rows + r
                    (spectrum + k * half * 2).update(from: source.value + p * kept + r * columns * 2, count: columns * 2)
                }
                // Column 0: its Hermitian part, (X[k] + conj X[−k]) / 2.
                for k in 0..<height { (column[2 * k], column[2 * k + 1]) = (spectrum[k * half * 2], spectrum[k * half * 2 + 1]) }
                for k in 0..<height {
                    let m = (height - k) % height
                    spectrum[k * half * 2] = (column[2 * k] + column[2 * m]) / 2
                    spectrum[k * half * 2 + 1] = (column[2 * k + 1] - column[2 * m + 1]) / 2
                }
                S.executeColumns(columnPlan, spectrum: spectrum)
                S.executeRows(rowPlan, real: target.value + p * n, spectrum: spectrum, forward: false)
            }
        }
    }
}

/// The FFTW entry points of one precision (`fftw_` for `Double`, `fftwf_` for `Float`) that
/// ``FourierTransform`` uses: 1-D transforms of the `H` rows of a plane (r2c forward, c2r
/// backward) and in-place 1-D complex transforms of the first `m₂` columns of its half spectrum
/// `[H, W/2 + 1]`.
protocol FFTWScalar: TensorScalar {
    /// Distinguishes the precisions in the plan cache.
    static var fftwPrecision: Int { get }
    /// The `H` row transforms of length `W`: real `[H, W]` ↔ half spectrum `[H, W/2 + 1]`.
    static func planRows(forward: Bool, height: Int, width: Int) -> OpaquePointer?
    /// The in-place transforms of length `H` of columns `0..<m₂` of a half spectrum `[H, W/2 + 1]`.
    static func planColumns(forward: Bool, height: Int, width: Int, columns: Int) -> OpaquePointer?
    /// Executes a row plan: `real → spectrum` forward, `spectrum → real` backward (`spectrum`
    /// is then overwritten).
    static func executeRows(_ plan: OpaquePointer, real: UnsafeMutablePointer<Self>, spectrum: UnsafeMutablePointer<Self>, forward: Bool)
    /// Executes a column plan in place.
    static func executeColumns(_ plan: OpaquePointer, spectrum: UnsafeMutablePointer<Self>)
}

extension Float: FFTWScalar {
    static var fftwPrecision: Int { 32 }

    static func planRows(forward: Bool, height: Int, width: Int) -> OpaquePointer? {
        let half = width / 2 + 1
        let real = fftwf_alloc_real(height * width), complex = fftwf_alloc_complex(height * half)
        defer { fftwf_free(real); fftwf_free(complex) }
        var n = Int32(width)
        return forward
            ? fftwf_plan_many_dft_r2c(1, &n, Int32(height), real, nil, 1, Int32(width), complex, nil, 1, Int32(half), FourierTransform.flags)
            : fftwf_plan_many_dft_c2r(1, &n, Int32(height), complex, nil, 1, Int32(half), real, nil, 1, Int32(width), FourierTransform.flags)
    }

    static func planColumns(forward: Bool, height: Int, width: Int, columns: Int) -> OpaquePointer? {
        let half = width / 2 + 1
        let complex = fftwf_alloc_complex(height * half)
        defer { fftwf_free(complex) }
        var n = Int32(height)
        return fftwf_plan_many_dft(1, &n, Int32(columns), complex, nil, Int32(half), 1, complex, nil, Int32(half), 1,
                                   forward ? FFTW_FORWARD : FFTW_BACKWARD, FourierTransform.flags)
    }

    static func executeRows(_ plan: OpaquePointer, real: UnsafeMutablePointer<Float>, spectrum: UnsafeMutablePointer<Float>, forward: Bool) {
        spectrum.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { complex in
            if forward { fftwf_execute_dft_r2c(plan, real, complex) } else { fftwf_execute_dft_c2r(plan, complex, real) }
        }
    }

    static func executeColumns(_ plan: OpaquePointer, spectrum: UnsafeMutablePointer<Float>) {
        spectrum.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { complex in fftwf_execute_dft(plan, complex, complex) }
    }
}

extension Double: FFTWScalar {
    static var fftwPrecision: Int { 64 }

    static func planRows(forward: Bool, height: Int, width: Int) -> OpaquePointer? {
        let half = width / 2 + 1
        let real = fftw_alloc_real(height * width), complex = fftw_alloc_complex(height * half)
        defer { fftw_free(real); fftw_free(complex) }
        var n = Int32(width)
        return forward
            ? fftw_plan_many_dft_r2c(1, &n, Int32(height), real, nil, 1, Int32(width), complex, nil, 1, Int32(half), FourierTransform.flags)
            : fftw_plan_many_dft_c2r(1, &n, Int32(height), complex, nil, 1, Int32(half), real, nil, 1, Int32(width), FourierTransform.flags)
    }

    static func planColumns(forward: Bool, height: Int, width: Int, columns: Int) -> OpaquePointer? {
        let half = width / 2 + 1
        let complex = fftw_alloc_complex(height * half)
        defer { fftw_free(complex) }
        var n = Int32(height)
        return fftw_plan_many_dft(1, &n, Int32(columns), complex, nil, Int32(half), 1, complex, nil, Int32(half), 1,
                                  forward ? FFTW_FORWARD : FFTW_BACKWARD, FourierTransform.flags)
    }

    static func executeRows(_ plan: OpaquePointer, real: UnsafeMutablePointer<Double>, spectrum: UnsafeMutablePointer<Double>, forward: Bool) {
        spectrum.withMemoryRebound(to: fftw_complex.self, capacity: 1) { complex in
            if forward { fftw_execute_dft_r2c(plan, real, complex) } else { fftw_execute_dft_c2r(plan, complex, real) }
        }
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

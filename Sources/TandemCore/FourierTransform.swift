import CFFTW
import Foundation

/// Batched two-dimensional real discrete Fourier transforms in FFTW (Frigo & Johnson, "The design
/// and implementation of FFTW3", Proc. IEEE 93(2), 2005), the kernels of
/// ``Tensor/fourierModes(_:)`` and ``Tensor/fourierSynthesis(height:width:)``.
///
/// Both directions are unnormalised, as in FFTW:
/// - forward (r2c): `X[k, l] = Σ_{h<H, w<W} x[h, w]·e^{−2πi(kh/H + lw/W)}` for `l ≤ W/2` (the half
///   spectrum, `H × (W/2 + 1)` complex numbers, stored as interleaved real and imaginary parts);
/// - backward (c2r): `x[h, w] = Σ_{k, l} X[k, l]·e^{+2πi(kh/H + lw/W)}` over the Hermitian
///   extension of the half spectrum.
///
/// Plans are made once per `(precision, direction, H, W)` with `FFTW_ESTIMATE | FFTW_UNALIGNED`
/// (planning never touches the arrays and any array may be passed) under a lock, since FFTW's
/// planner is not thread-safe; executing a plan on new arrays is, and planes are split across
/// ``Parallelism/workerCount`` threads when there are enough of them.
public enum FourierTransform {
    /// Cached plans, keyed by `precision, direction, H, W`.
    private final class Plans: @unchecked Sendable {
        let lock = NSLock()
        var plans: [[Int]: OpaquePointer] = [:]

        func plan(_ key: [Int], make: () -> OpaquePointer?) -> OpaquePointer {
            lock.lock()
            defer { lock.unlock() }
            if let plan = plans[key] { return plan }
            guard let plan = make() else { fatalError("FFTW could not plan a \(key[2]) × \(key[3]) transform") }
            plans[key] = plan
            return plan
        }
    }

    private static let cache = Plans()
    private static let flags = UInt32(FFTW_ESTIMATE) | UInt32(FFTW_UNALIGNED)

    /// Elements of one half spectrum, complex numbers counted twice (real and imaginary part).
    public static func halfSpectrumCount(height: Int, width: Int) -> Int { 2 * height * (width / 2 + 1) }

    /// Forward transforms of `count` real planes `[H, W]` into half spectra (see the type).
    /// `real` is read only.
    static func forward(count: Int, height: Int, width: Int, real: UnsafePointer<Double>, spectrum: UnsafeMutablePointer<Double>) {
        let plan = cache.plan([64, 1, height, width]) {
            let input = fftw_alloc_real(height * width), output = fftw_alloc_complex(height * (width / 2 + 1))
            defer { fftw_free(input); fftw_free(output) }
            return fftw_plan_dft_r2c_2d(Int32(height), Int32(width), input, output, flags)
        }
        let (n, s) = (height * width, halfSpectrumCount(height: height, width: width))
        Parallelism.forEachChunk(count: count, cost: count * n) { planes in
            for p in planes {
                (spectrum + p * s).withMemoryRebound(to: fftw_complex.self, capacity: s / 2) { out in
                    fftw_execute_dft_r2c(plan, UnsafeMutablePointer(mutating: real + p * n), out)
                }
            }
        }
    }

    /// Backward transforms of `count` half spectra into real planes (see the type); `spectrum`
    /// is overwritten.
    static func backward(count: Int, height: Int, width: Int, spectrum: UnsafeMutablePointer<Double>, real: UnsafeMutablePointer<Double>) {
        let plan = cache.plan([64, -1, height, width]) {
            let input = fftw_alloc_complex(height * (width / 2 + 1)), output = fftw_alloc_real(height * width)
            defer { fftw_free(input); fftw_free(output) }
            return fftw_plan_dft_c2r_2d(Int32(height), Int32(width), input, output, flags)
        }
        let (n, s) = (height * width, halfSpectrumCount(height: height, width: width))
        Parallelism.forEachChunk(count: count, cost: count * n) { planes in
            for p in planes {
                (spectrum + p * s).withMemoryRebound(to: fftw_complex.self, capacity: s / 2) { input in
                    fftw_execute_dft_c2r(plan, input, real + p * n)
                }
            }
        }
    }

    /// Single-precision ``forward(count:height:width:real:spectrum:)`` (`fftwf`).
    static func forward(count: Int, height: Int, width: Int, real: UnsafePointer<Float>, spectrum: UnsafeMutablePointer<Float>) {
        let plan = cache.plan([32, 1, height, width]) {
            let input = fftwf_alloc_real(height * width), output = fftwf_alloc_complex(height * (width / 2 + 1))
            defer { fftwf_free(input); fftwf_free(output) }
            return fftwf_plan_dft_r2c_2d(Int32(height), Int32(width), input, output, flags)
        }
        let (n, s) = (height * width, halfSpectrumCount(height: height, width: width))
        Parallelism.forEachChunk(count: count, cost: count * n) { planes in
            for p in planes {
                (spectrum + p * s).withMemoryRebound(to: fftwf_complex.self, capacity: s / 2) { out in
                    fftwf_execute_dft_r2c(plan, UnsafeMutablePointer(mutating: real + p * n), out)
                }
            }
        }
    }

    /// Single-precision ``backward(count:height:width:spectrum:real:)`` (`fftwf`).
    static func backward(count: Int, height: Int, width: Int, spectrum: UnsafeMutablePointer<Float>, real: UnsafeMutablePointer<Float>) {
        let plan = cache.plan([32, -1, height, width]) {
            let input = fftwf_alloc_complex(height * (width / 2 + 1)), output = fftwf_alloc_real(height * width)
            defer { fftwf_free(input); fftwf_free(output) }
            return fftwf_plan_dft_c2r_2d(Int32(height), Int32(width), input, output, flags)
        }
        let (n, s) = (height * width, halfSpectrumCount(height: height, width: width))
        Parallelism.forEachChunk(count: count, cost: count * n) { planes in
            for p in planes {
                (spectrum + p * s).withMemoryRebound(to: fftwf_complex.self, capacity: s / 2) { input in
                    fftwf_execute_dft_c2r(plan, input, real + p * n)
                }
            }
        }
    }
}

extension Float {
    /// Batched 2-D real DFTs in single precision (see ``TensorScalar/fourier2D(forward:count:height:width:real:spectrum:)``).
    public static func fourier2D(forward: Bool, count: Int, height: Int, width: Int,
                                 real: UnsafeMutablePointer<Float>, spectrum: UnsafeMutablePointer<Float>) {
        if forward {
            FourierTransform.forward(count: count, height: height, width: width, real: UnsafePointer(real), spectrum: spectrum)
        } else {
            FourierTransform.backward(count: count, height: height, width: width, spectrum: spectrum, real: real)
        }
    }
}

extension Double {
    /// Batched 2-D real DFTs in double precision (see ``TensorScalar/fourier2D(forward:count:height:width:real:spectrum:)``).
    public static func fourier2D(forward: Bool, count: Int, height: Int, width: Int,
                                 real: UnsafeMutablePointer<Double>, spectrum: UnsafeMutablePointer<Double>) {
        if forward {
            FourierTransform.forward(count: count, height: height, width: width, real: UnsafePointer(real), spectrum: spectrum)
        } else {
            FourierTransform.backward(count: count, height: height, width: width, spectrum: spectrum, real: real)
        }
    }
}

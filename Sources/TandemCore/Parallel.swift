import Dispatch
import Foundation

/// Splitting elementwise work across cores.
///
/// Large elementwise kernels (activations and their pullbacks on `[batch, width]` tensors) run
/// in contiguous chunks on all cores; below `minimumCount` elements a single thread is faster.
public enum Parallelism {
    /// The number of chunks large kernels are split into: `TANDEM_NUM_THREADS` when set; else the
    /// BLAS thread count at first use (`OPENBLAS_NUM_THREADS`, the core count under `tandem`), or
    /// 1 when every product runs in OpenBLAS (`TANDEM_GEMM=blas`).
    ///
    /// With every GEMM in OpenBLAS, splitting gave no reliable gain: between GEMM calls OpenBLAS's
    /// worker threads spin on the other cores, and the elementwise chunks compete with them. Since
    /// the skinny products of training run in libxsmm on Tandem's own threads (``GEMMDispatch``),
    /// the BLAS workers sleep, and two chunks on two cores made the Fisher PINN step 20–21 ms
    /// instead of 25–27 ms (Float32; 43 instead of 52–54 ms in Float64) and the MLP step at
    /// batch 1024 4.1–4.3 instead of 4.7–6.5 ms (`docs/benchmarks.md`).
    public static let workerCount: Int = {
        if let value = ProcessInfo.processInfo.environment["TANDEM_NUM_THREADS"], let n = Int(value), n >= 1 { return n }
        return GEMMDispatch.policy == .blas ? 1 : Swift.max(1, BLASRuntime.configuredThreadCount)
    }()
    /// The smallest element count worth splitting.
    public static let minimumCount = 1 << 15

    /// Calls `body` on disjoint ranges covering `0..<count`, concurrently when the work is large:
    /// `cost` elements in all (`count` by default; e.g. planes × plane size when each index is a
    /// whole plane), at most one chunk per index.
    @inline(__always)
    static func forEachChunk(count: Int, cost: Int? = nil, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.min(count, (cost ?? count) >= minimumCount ? workerCount : 1)
        if chunks <= 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let size = (count + chunks - 1) / chunks
                let start = chunk * size
                if start < count { box.value(start..<Swift.min(count, start + size)) }
            }
        }
    }
}

/// Carries a value into concurrently executing code whose safety the caller guarantees
/// (here: each chunk writes a disjoint range of one buffer).
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

import CBLAS

/// What the BLAS library underneath Tandem is and how it is configured.
///
/// OpenBLAS chooses its kernels when the library is loaded, from the `OPENBLAS_CORETYPE`
/// environment variable or its own CPU detection; the `tandem` command and the Makefile set
/// that variable to `SkylakeX` on CPUs with the needed AVX-512 subsets (see `docs/benchmarks.md`).
public enum BLASRuntime {
    /// The library's configuration string, e.g. `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64"`.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown BLAS" }
        return String(cString: config).trimmingCharacters(in: " ")
    }

    /// The name of the kernel family OpenBLAS selected for this CPU (e.g. `"SkylakeX"`, `"Haswell"`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The `OPENBLAS_THREAD_TIMEOUT` Tandem runs with: after a call, OpenBLAS's idle threads
    /// spin (calling `sched_yield`) for `2^timeout` cycles before they sleep; the library's default
    /// is 2²⁸ cycles, about a tenth of a second.
    ///
    /// Tandem's convolutions run single-threaded GEMMs on every core at once
    /// (``Tensor/convolved(with:bias:window:)``), and a BLAS worker still spinning from the
    /// previous call takes a core from them: 15% of the Darcy CNN step's samples were in
    /// `sched_yield`. With 2²⁰ cycles (about 0.3 ms) the workers stay awake between the
    /// back-to-back GEMMs of a dense step and sleep through a convolution: the CNN step went from
    /// 201–247 ms to 191–194 ms and the DeepONet step stayed at 3.8 ms (`docs/benchmarks.md`).
    /// The `tandem` command and the Makefile set it when the user has not.
    public static let preferredThreadTimeout = 20

    /// The number of threads BLAS calls may use.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The OpenBLAS core type this CPU supports safely and that beats the library's default
    /// choice, or `nil` when the default is already right.
    ///
    /// OpenBLAS 0.3.21 does not recognise recent AMD cores with AVX-512 and falls back to its
    /// Haswell kernels; its SkylakeX kernels need AVX-512 F, CD, BW, DQ and VL.
    /// - Parameter cpuFlags: the `flags` line of `/proc/cpuinfo`, split at spaces.
    public static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        let needed: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        return needed.isSubset(of: cpuFlags) ? "SkylakeX" : nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

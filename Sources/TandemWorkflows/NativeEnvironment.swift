import Foundation
import TandemCore

/// Sets up the native libraries' environment before they start, restarting the command once
/// when a variable must change (libraries read these only when they load).
///
/// - `OPENBLAS_CORETYPE`: OpenBLAS picks its kernels from it or from its own CPU detection; where
///   the detection is known to under-choose (see ``BLASRuntime/preferredCoreType(cpuFlags:)``),
///   the faster safe kernels are selected.
/// - `OMP_NUM_THREADS=1`: Debian's CHOLMOD runs a few small loops with OpenMP; Tandem already
///   solves samples concurrently, and those loops then only contend (measured: a third of
///   dataset-generation time spent spinning). OpenBLAS reads that variable too when
///   `OPENBLAS_NUM_THREADS` is unset, so that one is set to the core count alongside.
/// - `OPENBLAS_THREAD_TIMEOUT`: how long OpenBLAS's idle threads spin before sleeping
///   (``BLASRuntime/preferredThreadTimeout``), so that they do not compete with the convolutions'
///   own threads.
///
/// Variables the user has set are left alone.
public enum NativeEnvironment {
    /// Restarts the process once with the settings above when one must change; returns when
    /// nothing needs to (or the restart failed, keeping the libraries as they loaded).
    public static func reexecWithPreferredSettingsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["TANDEM_NO_REEXEC"] == nil else { return }
        var changes: [String: String] = [:]
        if environment["OMP_NUM_THREADS"] == nil {
            changes["OMP_NUM_THREADS"] = "1"
            // OpenBLAS falls back to OMP_NUM_THREADS for its own thread count: keep it at the core count.
            if environment["OPENBLAS_NUM_THREADS"] == nil {
                changes["OPENBLAS_NUM_THREADS"] = String(ProcessInfo.processInfo.activeProcessorCount)
            }
        }
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil {
            changes["OPENBLAS_THREAD_TIMEOUT"] = String(BLASRuntime.preferredThreadTimeout)
        }
        if environment["OPENBLAS_CORETYPE"] == nil,
            let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let coreType = BLASRuntime.preferredCoreType(cpuFlags: Set(flagsLine.split(separator: " ").map(String.init))),
            BLASRuntime.coreName.lowercased() != coreType.lowercased()
        {
            changes["OPENBLAS_CORETYPE"] = coreType
        }
        guard !changes.isEmpty else { return }
        for (key, value) in changes { setenv(key, value, 1) }
        setenv("TANDEM_NO_REEXEC", "1", 1)
        var cArguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArguments)
        // exec failed: carry on with the libraries as they loaded.
        for key in changes.keys { unsetenv(key) }
    }

    /// `OpenBLAS 0.3.21 …, kernels SkylakeX, 2 threads`: the BLAS in use, for reports.
    public static var blasDescription: String {
        "\(BLASRuntime.configuration), kernels \(BLASRuntime.coreName), \(BLASRuntime.threadCount) threads"
    }

    /// The BLAS and the GEMM dispatch in use (``GEMMDispatch/description``), for reports and
    /// `tandem --version`.
    public static var kernelsDescription: String {
        "BLAS: \(blasDescription)\n\(GEMMDispatch.description)"
    }

    /// Refuses a `TANDEM_GEMM` or `TANDEM_GEMM_THRESHOLDS` value Tandem cannot use (the library
    /// alone would fall back to the measured rule).
    public static func validateGEMMPolicy() throws {
        try GEMMDispatch.validate(environment: ProcessInfo.processInfo.environment)
    }
}

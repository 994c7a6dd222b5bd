import Foundation
import TandemCore

/// Makes OpenBLAS use its fastest safe kernels on this CPU.
///
/// OpenBLAS picks its kernels once, when the library loads, from `OPENBLAS_CORETYPE` or its own
/// CPU detection. When the detection is known to under-choose (see
/// ``BLASRuntime/preferredCoreType(cpuFlags:)``) and the user has not set the variable, the
/// command sets it and restarts itself once, so the library loads again with the better kernels.
enum BLASKernelSelection {
    static func reexecWithFastKernelsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["TANDEM_NO_REEXEC"] == nil,
            let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let coreType = BLASRuntime.preferredCoreType(cpuFlags: Set(flagsLine.split(separator: " ").map(String.init))),
            BLASRuntime.coreName.lowercased() != coreType.lowercased()
        else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        setenv("TANDEM_NO_REEXEC", "1", 1)
        let arguments = CommandLine.arguments
        var cArguments = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArguments)
        // exec failed: carry on with the kernels already loaded.
        unsetenv("OPENBLAS_CORETYPE")
    }
}

import Foundation

/// libFuzzer's driver (in the `-sanitize=fuzzer` runtime), called from a target's own main.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

nonisolated(unsafe) private var input: ((Data) -> Void)?

/// Runs libFuzzer with this process's arguments, calling `body` with each input; exits with
/// libFuzzer's status. `body` traps (or calls `fatalError`) on a defect.
public func fuzz(_ body: @escaping (Data) -> Void) -> Never {
    input = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv) { data, size in
        if let data { input?(Data(bytes: data, count: size)) }
        return 0
    })
}

import Foundation
import TandemSpec

/// One input: any bytes as a problem file. Every outcome but a decoded problem or a
/// ``ProblemFileError`` is a defect (a trap or abort is found by libFuzzer itself).
func fuzzProblemFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard let text = String(bytes: UnsafeBufferPointer(start: data, count: size), encoding: .utf8) else { return 0 }
    do {
        _ = try Problem(text: text, file: "fuzz.toml")
    } catch is ProblemFileError {
    } catch {
        fatalError("an error that is not a ProblemFileError: \(error)")
    }
    return 0
}

/// libFuzzer's driver (the `-sanitize=fuzzer` runtime), called from this executable's own main.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv, { fuzzProblemFile($0, $1) }))

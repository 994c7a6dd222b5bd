import Foundation
import TandemNN

/// One input: any bytes as a checkpoint file, read in both precisions. Every outcome but a
/// checkpoint or a ``CheckpointError`` is a defect.
func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Data(bytes: data, count: size)
    do {
        _ = try SafeTensors.decode(bytes)
    } catch is CheckpointError {
    } catch {
        fatalError("an error that is not a CheckpointError: \(error)")
    }
    let path = NSTemporaryDirectory() + "tandem-fuzz-\(getpid()).safetensors"
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }
    defer { try? FileManager.default.removeItem(atPath: path) }
    for read in [{ _ = try Checkpoint<Float>.read(from: path) }, { _ = try Checkpoint<Double>.read(from: path) }] {
        do {
            try read()
        } catch is CheckpointError {
        } catch {
            fatalError("an error that is not a CheckpointError: \(error)")
        }
    }
    return 0
}

/// libFuzzer's driver (the `-sanitize=fuzzer` runtime), called from this executable's own main.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv, { fuzzCheckpoint($0, $1) }))

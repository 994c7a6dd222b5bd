import FuzzSupport
import Foundation
import TandemNN

// One input: any bytes as a checkpoint file, decoded and read in both precisions. Every outcome
// but a checkpoint or a `CheckpointError` is a defect.
let path = NSTemporaryDirectory() + "tandem-fuzz-\(getpid()).safetensors"
fuzz { bytes in
    let reads: [() throws -> Void] = [
        { _ = try SafeTensors.decode(bytes) },
        { _ = try Checkpoint<Float>.read(from: path) },
        { _ = try Checkpoint<Double>.read(from: path) },
    ]
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return }
    defer { try? FileManager.default.removeItem(atPath: path) }
    for read in reads {
        do {
            try read()
        } catch is CheckpointError {
        } catch {
            fatalError("an error that is not a CheckpointError: \(error)")
        }
    }
}

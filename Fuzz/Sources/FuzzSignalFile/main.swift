import FuzzSupport
import Foundation
import TandemIO

// One input: a selector byte, then a file's bytes: an E4 channel with one column (`0`), an E4
// channel with three (`1`, ACC), or a WESAD quest file (anything else). Every outcome but a read
// file or a `SignalFileError` is a defect (a trap or abort is found by libFuzzer itself).
let path = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-fuzz-signal-\(getpid()).csv").path
fuzz { bytes in
    guard let selector = bytes.first else { return }
    guard FileManager.default.createFile(atPath: path, contents: bytes.dropFirst()) else { fatalError("cannot write \(path)") }
    do {
        switch selector {
        case UInt8(ascii: "0"): _ = try EmpaticaE4.read(path, columns: 1)
        case UInt8(ascii: "1"): _ = try EmpaticaE4.read(path, columns: 3)
        default: _ = try WESADQuest(contentsOf: path)
        }
    } catch is SignalFileError {
    } catch {
        fatalError("an error that is not a SignalFileError: \(error)")
    }
}

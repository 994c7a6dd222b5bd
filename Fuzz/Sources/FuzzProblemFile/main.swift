import FuzzSupport
import Foundation
import TandemSpec

// One input: any bytes as a problem file. Every outcome but a decoded problem or a
// `ProblemFileError` is a defect (a trap or abort is found by libFuzzer itself).
fuzz { bytes in
    guard let text = String(data: bytes, encoding: .utf8) else { return }
    do {
        _ = try Problem(text: text, file: "fuzz.toml")
    } catch is ProblemFileError {
    } catch {
        fatalError("an error that is not a ProblemFileError: \(error)")
    }
}

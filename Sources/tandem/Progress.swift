import Foundation
import TandemMultiTask

/// One progress line on standard error: a bar and a message, redrawn in place on a terminal.
func progressLine(_ message: String, fraction: Double, interactive: Bool, final: Bool) {
    fflush(nil)  // what was printed comes first in logs that capture both streams
    let width = 30, filled = max(0, min(width, Int(Double(width) * fraction)))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    FileHandle.standardError.write(((interactive ? "\r" : "") + "  \(bar) \(message)" + (interactive && !final ? "" : "\n")).data(using: .utf8)!)
}

/// The solver's progress: a bar redrawn in place on a terminal; in a log, the first update, one
/// line per 5% and the last.
func sampleProgress(interactive: Bool) -> ReferenceDataset.Progress {
    final class Shown: @unchecked Sendable { var step = -1 }  // updated from the one solving thread
    let shown = Shown()
    return { done, total, seconds in
        let step = 20 * done / max(total, 1)
        guard interactive || step != shown.step || done == total else { return }
        shown.step = step
        let rate = Double(done) / max(seconds, 1e-9)
        progressLine(String(format: "%d/%d samples  %.1f/s  ETA %.1f s", done, total, rate, Double(total - done) / max(rate, 1e-9)),
                     fraction: Double(done) / Double(max(total, 1)), interactive: interactive, final: done == total)
    }
}

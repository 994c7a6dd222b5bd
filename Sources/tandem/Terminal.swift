import Foundation
import TandemWorkflows

/// How the tool shows an experiment's events: lines on standard output, progress bars on
/// standard error (redrawn in place on a terminal; in a log, the first update, one line per 5%
/// and the last), and Ctrl-C as a request to stop cleanly.
enum Terminal {
    /// Events for the command line, stopping when `stop` is requested.
    static func events(stop: StopRequest? = nil) -> ExperimentEvents {
        let interactive = isatty(STDERR_FILENO) == 1
        final class Shown: @unchecked Sendable { var step = -1 }  // updated from the one working thread
        let shown = Shown()
        return ExperimentEvents(
            message: { print($0) },
            progress: { p in
                let step = Int(20 * p.fraction)
                guard interactive || step != shown.step || p.isFinal else { return }
                shown.step = p.isFinal ? -1 : step
                progressLine(p.text, fraction: p.fraction, interactive: interactive, final: p.isFinal)
            },
            shouldStop: { stop?.isRequested ?? false })
    }

    /// One progress line on standard error: a bar and a message.
    static func progressLine(_ message: String, fraction: Double, interactive: Bool, final: Bool) {
        fflush(nil)  // what was printed comes first in logs that capture both streams
        let width = 30, filled = max(0, min(width, Int(Double(width) * fraction)))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data(((interactive ? "\r" : "") + "  \(bar) \(message)" + (interactive && !final ? "" : "\n")).utf8))
    }

    /// A message on standard error, on a line of its own.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("\n\(message)\n".utf8))
    }
}

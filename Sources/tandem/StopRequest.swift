import Foundation

/// Set by the signal handler; read between batches. A `sig_atomic_t` store is the one thing a
/// signal handler may safely do.
nonisolated(unsafe) private var stopSignalReceived: sig_atomic_t = 0

/// Turns SIGINT and SIGTERM into a request to stop after the current batch or step, so output
/// files are always closed cleanly and training checkpoints. A second signal while stopping is
/// honoured immediately.
final class StopRequest: Sendable {
    init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in
                if stopSignalReceived != 0 {
                    signal(received, SIG_DFL)
                    raise(received)
                }
                stopSignalReceived = 1
            }
        }
    }

    var isRequested: Bool { stopSignalReceived != 0 }
}

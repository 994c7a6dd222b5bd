import CBLAS
import Foundation

extension BLASRuntime {
    /// The state of single-threaded sections: how many are open, and the thread count to
    /// restore when the last one closes. OpenBLAS's thread count is one process-wide setting, so
    /// sections that overlap in time (two convolutions on two threads, a dataset generation
    /// beside a training step) share it instead of saving and restoring it each on its own.
    private final class Sections: @unchecked Sendable {
        let lock = NSLock()
        var open = 0
        var saved = 1
    }

    private static let sections = Sections()

    /// The thread count BLAS calls use outside single-threaded sections: the library's setting,
    /// or the setting saved while a section is open.
    public static var configuredThreadCount: Int {
        sections.lock.lock()
        defer { sections.lock.unlock() }
        return sections.open > 0 ? sections.saved : threadCount
    }

    /// Runs `body` with BLAS calls single-threaded, for code that runs its own threads (one
    /// sample per core), and restores the thread count when the last overlapping section ends.
    ///
    /// Safe to call from several threads at once and to nest: the first section to open saves
    /// the count, the last to close restores it. While any section is open, every BLAS call in
    /// the process is single-threaded.
    public static func withSingleThreadedCalls<R>(_ body: () throws -> R) rethrows -> R {
        sections.lock.lock()
        if sections.open == 0 {
            sections.saved = threadCount
            openblas_set_num_threads(1)
        }
        sections.open += 1
        sections.lock.unlock()
        defer {
            sections.lock.lock()
            sections.open -= 1
            if sections.open == 0 { openblas_set_num_threads(Int32(sections.saved)) }
            sections.lock.unlock()
        }
        return try body()
    }
}

import Dispatch

/// Splitting elementwise work across cores.
///
/// Large elementwise kernels (activations and their pullbacks on `[batch, width]` tensors) run
/// in contiguous chunks on all cores; below `minimumCount` elements a single thread is faster.
public enum Parallelism {
    /// The number of chunks large kernels are split into (the active processor count).
    public static let workerCount = max(1, ProcessInfo.activeProcessorCountValue)
    /// The smallest element count worth splitting.
    public static let minimumCount = 1 << 15

    /// Calls `body` on disjoint ranges covering `0..<count`, concurrently when `count` is large.
    @inline(__always)
    static func forEachChunk(count: Int, _ body: (Range<Int>) -> Void) {
        let chunks = count >= minimumCount ? workerCount : 1
        if chunks == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let size = (count + chunks - 1) / chunks
                let start = chunk * size
                box.value(start..<Swift.min(count, start + size))
            }
        }
    }
}

/// Carries a value into concurrently executing code whose safety the caller guarantees
/// (here: each chunk writes a disjoint range of one buffer).
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

import Foundation

extension ProcessInfo {
    static var activeProcessorCountValue: Int { ProcessInfo.processInfo.activeProcessorCount }
}

import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import TandemCore
import XCTest

/// Single-threaded BLAS sections from many threads at once, nested and overlapping, always
/// leave the thread count as it was (saving and restoring it per caller raced: a section that
/// started inside another saved 1 and restored 1 for good).
final class BLASThreadSectionTests: XCTestCase {
    func testOverlappingSectionsRestoreTheThreadCount() {
        let before = BLASRuntime.threadCount
        BLASRuntime.threadCount = 2
        defer { BLASRuntime.threadCount = before }
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            BLASRuntime.withSingleThreadedCalls {
                XCTAssertEqual(BLASRuntime.threadCount, 1)
                XCTAssertEqual(BLASRuntime.configuredThreadCount, 2)
                if i % 3 == 0 { BLASRuntime.withSingleThreadedCalls { XCTAssertEqual(BLASRuntime.threadCount, 1) } }
                usleep(UInt32(50 + 37 * (i % 7)))
            }
        }
        XCTAssertEqual(BLASRuntime.threadCount, 2)
        XCTAssertEqual(BLASRuntime.configuredThreadCount, 2)
    }

    /// Convolutions on several threads at once (each splitting its batch over the cores) give
    /// the results of one at a time, and the thread count survives.
    func testConcurrentConvolutionsAgreeWithSerialOnes() {
        let before = BLASRuntime.threadCount
        BLASRuntime.threadCount = 2
        defer { BLASRuntime.threadCount = before }
        var generator = SeededGenerator(seed: 5)
        let x = Tensor<Double>.randomUniform(shape: [4, 2, 12, 12], lower: -1, upper: 1, using: &generator)
        let k = Tensor<Double>.randomUniform(shape: [3, 2, 3, 3], lower: -1, upper: 1, using: &generator)
        let window = Window2D(kernel: (3, 3), padding: (1, 1))
        let serial = x.convolved(with: k, window: window).scalars
        let results = UnsafeMutableBufferPointer<[Double]>.allocate(capacity: 8)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        let shared = UnsafeSendableBuffer(results)
        DispatchQueue.concurrentPerform(iterations: 8) { i in shared.buffer[i] = x.convolved(with: k, window: window).scalars }
        for r in results { XCTAssertEqual(r, serial) }
        XCTAssertEqual(BLASRuntime.threadCount, 2)
    }
}

/// A buffer whose elements distinct threads write, one index each.
struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

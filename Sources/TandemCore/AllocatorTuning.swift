#if canImport(Glibc)
import Glibc
#endif

/// How Tandem asks the C allocator to treat the large, short-lived buffers of tensor code.
///
/// A training step allocates and frees many arrays of megabytes. glibc serves such sizes with
/// fresh `mmap` regions and returns them on free, so every operation pays the kernel to map and
/// zero new pages (measured: half of a batch-8192 MLP step). Tandem therefore raises glibc's
/// mmap and trim thresholds once, on first use, so freed blocks are reused: resident memory
/// settles at the peak working set instead of churning. Set `TANDEM_MALLOC_DEFAULTS=1` in the
/// environment to keep the allocator's defaults.
public enum AllocatorTuning {
    /// Whether the thresholds were raised in this process.
    public static let isApplied: Bool = {
        #if canImport(Glibc)
        if getenv("TANDEM_MALLOC_DEFAULTS") != nil { return false }
        // `mallopt` is not in Swift's Glibc module; resolve it and call it with its C signature.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        // Parameter numbers from glibc's <malloc.h>.
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3
        // Blocks up to 32 MiB come from the heap; up to 1 GiB of freed memory stays for reuse.
        let mmap = mallopt(mmapThreshold, 32 << 20)
        let trim = mallopt(trimThreshold, 1 << 30)
        let pad = mallopt(topPad, 64 << 20)
        return mmap == 1 && trim == 1 && pad == 1
        #else
        return false
        #endif
    }()
}

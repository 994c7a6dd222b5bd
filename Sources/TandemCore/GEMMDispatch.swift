import CXSMM
import Dispatch
import Foundation

/// The library a matrix product runs in.
public enum GEMMBackend: String, Sendable, CaseIterable {
    /// OpenBLAS `?gemm` (its own threads, its own blocking).
    case blas
    /// libxsmm's JIT-generated small-matrix kernels, applied tile by tile, the tiles split across
    /// cores by Tandem.
    case smallMatrix = "xsmm"
}

/// Sends every matrix product `C ← α·op(A)·op(B) + β·C` to the kernel that is fastest for its
/// shape, layout and precision on this machine.
///
/// Training is made of skinny products — a layer `[batch, in]·[in, out]` with `in, out ≤ 256`, its
/// weight gradient `xᵀ·ḡ` with a long inner dimension, the convolutions' unfolded products — where a
/// general BLAS spends much of its time packing and partitioning for large matrices. Those go to
/// libxsmm (Heinecke, Henry, Hutchinson & Pabst, "LIBXSMM: Accelerating small matrix
/// multiplications by runtime code generation", SC16): kernels generated at run time for the exact
/// tile size, applied to tiles of `C` (``Thresholds/tileRows`` × ``Thresholds/tileColumns``) and
/// to chunks of the inner dimension (``Thresholds/innerChunk``), the tiles divided among
/// ``threadCount`` cores. Large, square-ish products stay with OpenBLAS. The rule is
/// ``backend(transposeA:transposeB:m:n:k:alpha:beta:)``; its thresholds were measured on the
/// shapes of `BENCH_ONLY=gemm-shapes make bench` (`docs/benchmarks.md`).
///
/// `TANDEM_GEMM` overrides the rule for the whole process: `auto` (the default), `blas`, or `xsmm`
/// (every product libxsmm can take). Results agree with BLAS to rounding (the tests compare every
/// layout, odd sizes and strides in both precisions), not bit for bit: the order of the sums
/// differs.
public enum GEMMDispatch {
    /// How products are sent to a backend.
    public enum Policy: String, Sendable, CaseIterable {
        /// By shape, with ``GEMMDispatch/thresholds``.
        case automatic = "auto"
        /// Every product through OpenBLAS.
        case blas
        /// Every product with `α = 1`, `β ∈ {0, 1}` through libxsmm (others through OpenBLAS).
        case xsmm
    }

    /// The name of the environment variable that sets ``policy``.
    public static let environmentVariable = "TANDEM_GEMM"

    /// The policy of this process: `TANDEM_GEMM` when set to a valid value, else `.automatic`
    /// (the `tandem` command refuses an invalid value before it starts, see ``policy(named:)``).
    public static let policy: Policy = (try? policy(named: ProcessInfo.processInfo.environment[environmentVariable])) ?? .automatic

    /// The policy a value of `TANDEM_GEMM` names; `nil` (unset) is `.automatic`.
    /// - Throws: ``GEMMPolicyError`` naming the valid values.
    public static func policy(named value: String?) throws -> Policy {
        guard let value, !value.isEmpty else { return .automatic }
        guard let policy = Policy(rawValue: value.lowercased()) else {
            throw GEMMPolicyError(variable: environmentVariable, value: value,
                                  expected: "one of " + Policy.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return policy
    }

    /// The shape limits of the automatic rule and the tiling of libxsmm products.
    public struct Thresholds: Sendable, Equatable {
        /// Rows of `C` per tile (the kernel's `N` in libxsmm's column-major terms).
        public var tileRows = 64
        /// Columns of `C` per tile (the kernel's `M`).
        public var tileColumns = 256
        /// Inner-dimension length per kernel call; longer products accumulate chunk by chunk.
        public var innerChunk = 256
        /// `Aᵀ·B` goes to libxsmm when `min(m, n)` is at most this (a weight gradient, any `k`:
        /// chunked along `k`, split across cores along `k` when `C` is a few tiles) …
        public var smallSide = 256
        /// … or when `k` and `min(m, n)` are at most this; `A·B` when `k` is at most this, `n` at
        /// most ``tileColumns`` and `m` at least ``minimumRows``.
        public var longestInner = 512
        /// The fewest rows of `C` an `A·B` product needs to go to libxsmm.
        public var minimumRows = 32
        /// `op(A)·Bᵀ` needs `Bᵀ` copied first (libxsmm 1.17 generates no kernel for a transposed
        /// first operand on x86): libxsmm only when `B` has at most this many elements …
        public var packedElements = 256 * 512
        /// … and `C` has at least this many rows per row of `Bᵀ` (the copy is then a small part).
        public var rowsPerPackedRow = 16
        /// Products of at least this many floating-point operations (`2·m·n·k`) are split across
        /// cores; below it one core is faster than waking another, and with several cores such a
        /// product goes to OpenBLAS (the DeepONet layer 64 × 128 · 128 × 128, 2.1·10⁶: 82 GFLOP/s
        /// in OpenBLAS on two threads, 52 in libxsmm split in two, 74 on one core).
        public var parallelWork = 1 << 22

        /// The values measured on this project's two-core machine (`docs/benchmarks.md`).
        public init() {}

        /// The measured values with some replaced, from `TANDEM_GEMM_THRESHOLDS`:
        /// `"name=value,name=value"` with the property names above (`tileRows=32,parallelWork=8388608`).
        /// - Throws: ``GEMMPolicyError`` naming the entry that is not a known name with a positive integer.
        public init(overrides text: String) throws {
            self.init()
            let names: [String: WritableKeyPath<Thresholds, Int>] = [
                "tileRows": \.tileRows, "tileColumns": \.tileColumns, "innerChunk": \.innerChunk,
                "smallSide": \.smallSide, "longestInner": \.longestInner, "minimumRows": \.minimumRows,
                "packedElements": \.packedElements, "rowsPerPackedRow": \.rowsPerPackedRow, "parallelWork": \.parallelWork,
            ]
            for entry in text.split(separator: ",") {
                let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let path = names[parts[0]], let value = Int(parts[1]), value > 0 else {
                    throw GEMMPolicyError(
                        variable: GEMMDispatch.thresholdsVariable, value: String(entry),
                        expected: "name=positive integer, names " + names.keys.sorted().joined(separator: ", "))
                }
                self[keyPath: path] = value
            }
        }
    }

    /// The name of the environment variable that replaces some of the ``thresholds``.
    public static let thresholdsVariable = "TANDEM_GEMM_THRESHOLDS"

    /// The limits in use: the measured ``Thresholds/init()``, with `TANDEM_GEMM_THRESHOLDS`'
    /// replacements when that variable is valid (the `tandem` command refuses an invalid one).
    public static let thresholds: Thresholds = {
        guard let text = ProcessInfo.processInfo.environment[thresholdsVariable], !text.isEmpty else { return Thresholds() }
        return (try? Thresholds(overrides: text)) ?? Thresholds()
    }()

    /// Checks `TANDEM_GEMM` and `TANDEM_GEMM_THRESHOLDS` in an environment.
    /// - Throws: ``GEMMPolicyError`` for the first invalid value.
    public static func validate(environment: [String: String]) throws {
        _ = try policy(named: environment[environmentVariable])
        if let text = environment[thresholdsVariable], !text.isEmpty { _ = try Thresholds(overrides: text) }
    }

    /// libxsmm initialised, once, with the process environment left as it was.
    ///
    /// libxsmm 1.17's initialisation puts `OMP_PROC_BIND=TRUE` into the environment when no
    /// affinity variable is set; every process Tandem starts afterwards would then pin its OpenMP
    /// threads (and OpenBLAS, counting the cores it may use, would run one thread). Tandem leaves
    /// a user's settings alone, and sets none behind their back: the variable is removed again
    /// unless it was there before.
    static let smallMatrixLibraryReady: Void = {
        let bindingWasSet = getenv("OMP_PROC_BIND") != nil
        libxsmm_init()
        if !bindingWasSet { unsetenv("OMP_PROC_BIND") }
    }()

    /// libxsmm's version and the instruction set its kernels target on this CPU
    /// (`"libxsmm 1.17, hsw"`; `LIBXSMM_TARGET` overrides the target).
    public static var smallMatrixLibrary: String {
        _ = smallMatrixLibraryReady
        let target = libxsmm_get_target_arch().map { String(cString: $0) } ?? "unknown"
        return "libxsmm \(LIBXSMM_CONFIG_VERSION), \(target)"
    }

    /// One line for reports: `GEMM auto (libxsmm 1.17, hsw for skinny products, OpenBLAS otherwise)`.
    public static var description: String {
        switch policy {
        case .automatic: return "GEMM auto (\(smallMatrixLibrary) for skinny products, OpenBLAS otherwise)"
        case .blas: return "GEMM blas (every product in OpenBLAS; \(environmentVariable)=blas)"
        case .xsmm: return "GEMM xsmm (every product in \(smallMatrixLibrary); \(environmentVariable)=xsmm)"
        }
    }

    /// The cores libxsmm products are split across: the BLAS thread count (`OPENBLAS_NUM_THREADS`,
    /// one inside ``BLASRuntime/withSingleThreadedCalls(_:)``), so one setting governs both.
    public static var threadCount: Int { BLASRuntime.threadCount }

    /// The backend a product goes to under ``policy``.
    ///
    /// - Parameters: as ``TensorScalar/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    public static func backend(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double, beta: Double
    ) -> GEMMBackend {
        backend(policy: policy, thresholds: thresholds, threads: threadCount, transposeA: transposeA, transposeB: transposeB,
                m: m, n: n, k: k, alpha: alpha, beta: beta)
    }

    /// The backend a product goes to under a given policy, thresholds and thread count (the rule
    /// itself).
    public static func backend(
        policy: Policy, thresholds t: Thresholds, threads: Int,
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double, beta: Double
    ) -> GEMMBackend {
        guard alpha == 1, beta == 0 || beta == 1, m > 0, n > 0, k > 0 else { return .blas }
        switch policy {
        case .blas: return .blas
        case .xsmm: return .smallMatrix
        case .automatic:
            // Below the splitting threshold a libxsmm product runs on one core, and OpenBLAS's
            // threads (awake from the previous call) are faster on several.
            if threads > 1, 2.0 * Double(m) * Double(n) * Double(k) < Double(t.parallelWork) { return .blas }
            if transposeB {
                return n * k <= t.packedElements && m >= t.rowsPerPackedRow * n && k <= t.longestInner
                    ? .smallMatrix : .blas
            }
            if transposeA {
                // Weight gradients (small C, long k: split along k) and the convolutions'
                // input gradients (short k, C tiled).
                let smallC = Swift.min(m, n) <= t.smallSide
                let shortInner = k <= t.longestInner && Swift.min(m, n) <= t.longestInner
                return smallC || shortInner ? .smallMatrix : .blas
            }
            // Layers: C narrow (one tile wide), k short, rows enough for a kernel. A wide C (a
            // convolution's band) is read by libxsmm in strided columns that BLAS packs instead.
            return n <= t.tileColumns && k <= t.longestInner && m >= t.minimumRows ? .smallMatrix : .blas
        }
    }
}

/// A `TANDEM_GEMM` or `TANDEM_GEMM_THRESHOLDS` value Tandem cannot use.
public struct GEMMPolicyError: Error, CustomStringConvertible {
    /// The environment variable.
    public let variable: String
    /// The value (or entry) found.
    public let value: String
    /// What was expected.
    public let expected: String
    /// The message: variable, value and what was expected.
    public var description: String { "\(variable): \(value) is not valid; expected \(expected)" }
}

extension TensorScalar {
    /// `C ← α·op(A)·op(B) + β·C` for row-major `A`, `B`, `C`, in the backend
    /// ``GEMMDispatch/backend(transposeA:transposeB:m:n:k:alpha:beta:)`` chooses.
    ///
    /// - Parameters:
    ///   - transposeA, transposeB: whether `op` transposes the operand (no copy of `A` is made;
    ///     a transposed `B` is copied once for libxsmm).
    ///   - m, n, k: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
    ///   - lda, ldb, ldc: leading dimensions (row strides) of the stored matrices.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        let backend = GEMMDispatch.backend(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            alpha: Double(alpha), beta: Double(beta))
        gemm(on: backend, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
             alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// The same product on a named backend (for tests and benchmarks that compare them). A
    /// libxsmm product with `α ≠ 1` or `β ∉ {0, 1}` runs in BLAS.
    public static func gemm(
        on backend: GEMMBackend, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        if backend == .smallMatrix, alpha == 1, beta == 0 || beta == 1, m > 0, n > 0, k > 0 {
            SmallMatrixProduct<Self>(
                transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, accumulate: beta == 1,
                thresholds: GEMMDispatch.thresholds, threads: GEMMDispatch.threadCount
            ).run(b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc)
        } else {
            blasGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                     alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

/// A libxsmm kernel `C ← A·op(B) (+ C)` in column-major terms, called with the three base pointers.
typealias SmallMatrixKernel = @convention(c) (UnsafeRawPointer, UnsafeRawPointer, UnsafeMutableRawPointer) -> Void

/// One product `C ← op(A)·B (+ C)` run tile by tile in libxsmm kernels.
///
/// Row-major `C = op(A)·B` is column-major `Cᵀ = Bᵀ·op(A)ᵀ`: libxsmm's `A` is Tandem's `B` (its
/// rows are libxsmm's columns, no transpose), libxsmm's `B` is Tandem's `A` (transposed when
/// `op(A) = Aᵀ`, libxsmm's `TRANS_B`). A tile of `C` rows `i₀…` and columns `j₀…` over inner indices
/// `l₀…` is the kernel `M = columns, N = rows, K = chunk` at `B + l₀·ldb + j₀`, `A + i₀·lda + l₀`
/// (or `A + l₀·lda + i₀` transposed) and `C + i₀·ldc + j₀`.
struct SmallMatrixProduct<S: TensorScalar>: @unchecked Sendable {
    // Unchecked: the pointers are read concurrently, and every tile writes its own part of `C`
    // (or its own partial copy).
    let transposeA: Bool
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<S>
    let lda: Int
    let accumulate: Bool
    let thresholds: GEMMDispatch.Thresholds
    let threads: Int
    /// The tile size in use: ``GEMMDispatch/Thresholds/tileRows`` × ``GEMMDispatch/Thresholds/tileColumns``,
    /// with fewer rows when that leaves a core without a tile and `k` is too short to split.
    private let rows: Int, columns: Int
    /// How many cores the product is split across, and whether along `k` (else by tiles).
    private let workers: Int, splitsInner: Bool

    init(transposeA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<S>, lda: Int, accumulate: Bool,
         thresholds: GEMMDispatch.Thresholds, threads: Int) {
        (self.transposeA, self.m, self.n, self.k, self.a, self.lda) = (transposeA, m, n, k, a, lda)
        (self.accumulate, self.thresholds, self.threads) = (accumulate, thresholds, threads)
        let work = 2.0 * Double(m) * Double(n) * Double(k)
        workers = work >= Double(thresholds.parallelWork) ? Swift.max(1, threads) : 1
        columns = thresholds.tileColumns
        let columnTiles = (n + columns - 1) / columns
        let tiles = (m + thresholds.tileRows - 1) / thresholds.tileRows * columnTiles
        let chunks = (k + thresholds.innerChunk - 1) / thresholds.innerChunk
        splitsInner = workers > 1 && tiles < workers && chunks >= 2 * workers
        if workers > 1, tiles < workers, !splitsInner {
            let rowTilesNeeded = (workers + columnTiles - 1) / columnTiles
            rows = Swift.max(8, ((m + rowTilesNeeded - 1) / rowTilesNeeded + 7) / 8 * 8)
        } else {
            rows = thresholds.tileRows
        }
    }

    /// Runs the product with `B` (`k × n`, or `n × k` when `transposeB`, which is copied to `k × n`).
    func run(b: UnsafePointer<S>, ldb: Int, transposeB: Bool, c: UnsafeMutablePointer<S>, ldc: Int) {
        guard transposeB else { return run(b: b, ldb: ldb, c: c, ldc: ldc) }
        let packed = UnsafeMutablePointer<S>.allocate(capacity: k * n)
        defer { packed.deallocate() }
        for j in 0..<n {
            let row = b + j * ldb
            for l in 0..<k { packed[l * n + j] = row[l] }
        }
        run(b: UnsafePointer(packed), ldb: n, c: c, ldc: ldc)
    }

    private var rowTiles: Int { (m + rows - 1) / rows }
    private var columnTiles: Int { (n + columns - 1) / columns }

    private func run(b: UnsafePointer<S>, ldb: Int, c: UnsafeMutablePointer<S>, ldc: Int) {
        let tiles = rowTiles * columnTiles
        let chunk = thresholds.innerChunk
        let chunks = (k + chunk - 1) / chunk

        if workers == 1 {
            for index in 0..<tiles {
                tile(index, inner: 0..<k, b: b, ldb: ldb, into: c, ldt: ldc, accumulate: accumulate)
            }
        } else if !splitsInner {
            // Tiles of C divided among the cores, each tile whole along k.
            let shared = UnsafeSendable((b, c))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let (b, c) = shared.value
                for index in (worker * tiles / workers)..<((worker + 1) * tiles / workers) {
                    tile(index, inner: 0..<k, b: b, ldb: ldb, into: c, ldt: ldc, accumulate: accumulate)
                }
            }
        } else {
            // Few tiles, long inner dimension (a weight gradient): the inner chunks divided among
            // the cores, each summing into its own copy of C (worker 0 into C itself), the copies
            // added at the end. Every worker has at least two chunks.
            let partials = UnsafeMutablePointer<S>.allocate(capacity: (workers - 1) * m * n)
            defer { partials.deallocate() }
            let shared = UnsafeSendable((b, c, partials))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let (b, c, partials) = shared.value
                let lower = worker * chunks / workers * chunk
                let upper = Swift.min(k, (worker + 1) * chunks / workers * chunk)
                let (target, ldt) = worker == 0 ? (c, ldc) : (partials + (worker - 1) * m * n, n)
                for index in 0..<tiles {
                    tile(index, inner: lower..<upper, b: b, ldb: ldb, into: target, ldt: ldt,
                         accumulate: worker == 0 && accumulate)
                }
            }
            for worker in 1..<workers {
                let partial = partials + (worker - 1) * m * n
                for i in 0..<m {
                    let row = c + i * ldc, add = partial + i * n
                    for j in 0..<n { row[j] += add[j] }
                }
            }
        }
    }

    /// Tile `index` of `C` (row-tile major) over the inner indices `inner`, written to `target`
    /// (row stride `ldt`), onto what is there when `accumulate`.
    private func tile(
        _ index: Int, inner: Range<Int>, b: UnsafePointer<S>, ldb: Int,
        into target: UnsafeMutablePointer<S>, ldt: Int, accumulate: Bool
    ) {
        let i0 = (index / columnTiles) * rows, j0 = (index % columnTiles) * columns
        let tileRows = Swift.min(rows, m - i0), tileColumns = Swift.min(columns, n - j0)
        var l0 = inner.lowerBound
        var add = accumulate
        while l0 < inner.upperBound {
            let length = Swift.min(thresholds.innerChunk, inner.upperBound - l0)
            let bTile = b + l0 * ldb + j0
            let aTile = transposeA ? a + l0 * lda + i0 : a + i0 * lda + l0
            let cTile = target + i0 * ldt + j0
            if let kernel = Self.kernel(m: tileColumns, n: tileRows, k: length, lda: ldb, ldb: lda, ldc: ldt,
                                        transposeB: transposeA, accumulate: add) {
                kernel(UnsafeRawPointer(bTile), UnsafeRawPointer(aTile), UnsafeMutableRawPointer(cTile))
            } else {
                S.blasGEMM(transposeA: transposeA, transposeB: false, m: tileRows, n: tileColumns, k: length,
                           alpha: 1, a: aTile, lda: lda, b: bTile, ldb: ldb, beta: add ? 1 : 0, c: cTile, ldc: ldt)
            }
            add = true
            l0 += length
        }
    }

    /// The libxsmm kernel for one tile, generated on first use (libxsmm keeps them, keyed by
    /// shape, in a thread-safe registry), or `nil` where libxsmm has none.
    static func kernel(m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, transposeB: Bool, accumulate: Bool) -> SmallMatrixKernel? {
        _ = GEMMDispatch.smallMatrixLibraryReady
        var (ldA, ldB, ldC) = (libxsmm_blasint(lda), libxsmm_blasint(ldb), libxsmm_blasint(ldc))
        var flags = Int32(bitPattern: (transposeB ? LIBXSMM_GEMM_FLAG_TRANS_B.rawValue : 0)
            | (accumulate ? 0 : LIBXSMM_GEMM_FLAG_BETA_0.rawValue))
        let pointer: OpaquePointer?
        if S.self == Double.self {
            var (alpha, beta) = (1.0, accumulate ? 1.0 : 0.0)
            pointer = libxsmm_dmmdispatch(libxsmm_blasint(m), libxsmm_blasint(n), libxsmm_blasint(k),
                                          &ldA, &ldB, &ldC, &alpha, &beta, &flags, nil)
        } else {
            var (alpha, beta): (Float, Float) = (1, accumulate ? 1 : 0)
            pointer = libxsmm_smmdispatch(libxsmm_blasint(m), libxsmm_blasint(n), libxsmm_blasint(k),
                                          &ldA, &ldB, &ldC, &alpha, &beta, &flags, nil)
        }
        return pointer.map { unsafeBitCast($0, to: SmallMatrixKernel.self) }
    }
}

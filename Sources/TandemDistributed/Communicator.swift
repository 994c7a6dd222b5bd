import Foundation

/// What can go wrong with MPI.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// The process was started by `mpirun` but no usable MPI library was found.
    case unavailable(String)
    /// An MPI call returned an error code.
    case failed(call: String, code: Int)
    /// Ranks disagree about something they must share (a checksum, a size).
    case mismatch(String)

    /// A sentence for the user.
    public var description: String {
        switch self {
        case let .unavailable(reason):
            return "this process was started by mpirun, but MPI cannot be used: \(reason) (install Open MPI: apt-get install openmpi-bin libopenmpi-dev)"
        case let .failed(call, code): return "\(call) failed with MPI error code \(code)"
        case let .mismatch(what): return "the MPI ranks disagree: \(what)"
        }
    }
}

/// The processes of one run and the collective operations among them: MPI's `MPI_COMM_WORLD`
/// when the process was started by `mpirun` (Open MPI), else a single process for which every
/// collective is the identity.
///
/// Tandem uses MPI in the data-parallel way (Gropp, Lusk & Skjellum, *Using MPI*, 3rd ed., 2014):
/// every rank holds the same model and problem, work is split by index
/// (``share(of:)``), and results meet in collectives — sums of gradients
/// (``sum(_:)``, one in-place `MPI_Allreduce`), a decision every rank must share
/// (``any(_:)``), data from one rank to all (``broadcast(_:from:)``).
public final class Communicator: @unchecked Sendable {
    /// This process's rank, from 0.
    public let rank: Int
    /// The number of processes.
    public let size: Int
    let library: OpenMPILibrary?

    /// Whether this process is rank 0, which alone prints and writes files.
    public var isRoot: Bool { rank == 0 }
    /// Whether there is more than one process.
    public var isDistributed: Bool { size > 1 }

    /// A communicator of one process (no MPI).
    public static let single = Communicator(rank: 0, size: 1, library: nil)

    init(rank: Int, size: Int, library: OpenMPILibrary?) {
        self.rank = rank
        self.size = size
        self.library = library
    }

    /// Whether this process was started by Open MPI's `mpirun` (it sets `OMPI_COMM_WORLD_SIZE`).
    public static var isLaunchedByMPI: Bool { ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil }

    private static let worldResult: Result<Communicator, DistributedError> = {
        guard isLaunchedByMPI else { return .success(.single) }
        switch OpenMPILibrary.open() {
        case let .failure(error): return .failure(error)
        case let .success(library):
            do {
                var already: Int32 = 0
                try library.check(library.initialized(&already), "MPI_Initialized")
                if already == 0 { try library.check(library.initialize(nil, nil), "MPI_Init") }
                var rank: Int32 = 0, size: Int32 = 0
                try library.check(library.rank(library.world, &rank), "MPI_Comm_rank")
                try library.check(library.size(library.world, &size), "MPI_Comm_size")
                // MPI must be finalised before the process exits, or mpirun reports an abnormal end.
                atexit { Communicator.finalizeWorld() }
                return .success(Communicator(rank: Int(rank), size: Int(size), library: library))
            } catch let error as DistributedError {
                return .failure(error)
            } catch {
                return .failure(.unavailable("\(error)"))
            }
        }
    }()

    /// The run's communicator: every `mpirun` rank, or ``single`` without `mpirun`.
    /// - Throws: ``DistributedError/unavailable(_:)`` when started by `mpirun` but Open MPI cannot be loaded.
    public static func world() throws -> Communicator { try worldResult.get() }

    static func finalizeWorld() {
        guard case let .success(world) = worldResult, let library = world.library else { return }
        var done: Int32 = 0
        _ = library.initialized(&done)
        if done != 0 { _ = library.finalize() }
    }

    /// The indices of `0..<count` this rank takes: a contiguous block, the first `count mod size`
    /// ranks one more.
    public func share(of count: Int) -> Range<Int> { Self.share(of: count, rank: rank, size: size) }

    /// The indices of `0..<count` that `rank` of `size` takes (see ``share(of:)``).
    public static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        let base = count / size, extra = count % size
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// The number of ranks on this host (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`; 1 without
    /// `mpirun`): they share its cores.
    public static var ranksOnThisHost: Int {
        Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1
    }

    /// Replaces `values` (`Float` or `Double`) by their elementwise sum over the ranks (one
    /// in-place `MPI_Allreduce`).
    public func sum<T: BinaryFloatingPoint>(_ values: inout [T]) throws {
        if T.self == Double.self {
            try allreduce(&values, type: library?.double, op: library?.sum)
        } else if T.self == Float.self {
            try allreduce(&values, type: library?.float, op: library?.sum)
        } else {
            preconditionFailure("Communicator.sum: \(T.self) has no MPI datatype here")
        }
    }

    /// Replaces `values` by their elementwise maximum over the ranks.
    public func maximum(_ values: inout [Double]) throws { try allreduce(&values, type: library?.double, op: library?.max) }

    /// Whether `flag` is true on any rank (a decision every rank must take together, such as
    /// stopping after Ctrl-C).
    public func any(_ flag: Bool) throws -> Bool {
        var value = [flag ? 1.0 : 0.0]
        try maximum(&value)
        return value[0] > 0
    }

    /// `values` as rank `root` has them, on every rank (`MPI_Bcast`; every rank must pass the
    /// same count).
    public func broadcast(_ values: inout [Double], from root: Int = 0) throws {
        guard let library, isDistributed, !values.isEmpty else { return }
        try Self.checkCount(values.count)
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { buffer in
            try library.check(library.broadcast(buffer.baseAddress, count, library.double, Int32(root), library.world), "MPI_Bcast")
        }
    }

    /// `values[range]` as rank `root` has them, on every rank; the rest of `values` is untouched.
    public func broadcast(_ values: inout [Double], range: Range<Int>, from root: Int) throws {
        guard let library, isDistributed, !range.isEmpty else { return }
        try Self.checkCount(range.count)
        precondition(range.lowerBound >= 0 && range.upperBound <= values.count, "broadcast range outside the buffer")
        try values.withUnsafeMutableBufferPointer { buffer in
            try library.check(library.broadcast(UnsafeMutableRawPointer(buffer.baseAddress! + range.lowerBound), Int32(range.count), library.double,
                                                Int32(root), library.world), "MPI_Bcast")
        }
    }

    /// Waits until every rank has reached this call.
    public func barrier() throws {
        guard let library, isDistributed else { return }
        try library.check(library.barrier(library.world), "MPI_Barrier")
    }

    /// Ends every rank at once (after an error on one rank that the others cannot learn of).
    public func abort(code: Int32) -> Never {
        if let library { _ = library.abort(library.world, code) }
        exit(code)
    }

    private func allreduce<T>(_ values: inout [T], type: OpaquePointer?, op: OpaquePointer?) throws {
        guard let library, let type, let op, isDistributed, !values.isEmpty else { return }
        try Self.checkCount(values.count)
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { buffer in
            try library.check(library.allreduce(OpenMPILibrary.inPlace, buffer.baseAddress, count, type, op, library.world), "MPI_Allreduce")
        }
    }

    static func checkCount(_ count: Int) throws {
        guard count <= Int(Int32.max) else { throw DistributedError.failed(call: "a collective of \(count) values (over MPI's 2³¹ − 1)", code: -1) }
    }
}

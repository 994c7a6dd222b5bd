import Foundation

// The one file that talks to MPI. Open MPI's library is opened at run time (`dlopen`) rather than
// linked, so that `tandem` builds and runs without MPI and says so only when a user starts it
// under `mpirun`. The handles below are Open MPI's ABI (libmpi.so.40, Open MPI 3–5): a
// communicator, datatype or operation is the address of a predefined global object, and
// `MPI_IN_PLACE` is the address 1.

/// Open MPI's library and the entry points Tandem calls.
final class OpenMPILibrary: @unchecked Sendable {
    typealias Handle = OpaquePointer
    let library: UnsafeMutableRawPointer
    let world: Handle, double: Handle, float: Handle, int64: Handle, byte: Handle, sum: Handle, max: Handle
    let initialize: @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32
    let initialized: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    let finalize: @convention(c) () -> Int32
    let rank: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    let size: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    let allreduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    let broadcast: @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
    let barrier: @convention(c) (Handle) -> Int32
    let abort: @convention(c) (Handle, Int32) -> Int32

    /// The library names tried, newest ABI first; `TANDEM_MPI_LIBRARY` (a path) replaces them,
    /// for an Open MPI installed outside the loader's path.
    static var names: [String] {
        ProcessInfo.processInfo.environment["TANDEM_MPI_LIBRARY"].map { [$0] } ?? ["libmpi.so.40", "libmpi.so"]
    }

    /// Opens Open MPI; `nil` with the loader's reason when it is not there.
    static func open() -> Result<OpenMPILibrary, DistributedError> {
        var reasons: [String] = []
        for name in names {
            // RTLD_GLOBAL: Open MPI loads its own components, which look up libmpi's symbols.
            guard let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            do {
                return .success(try OpenMPILibrary(handle))
            } catch let error as DistributedError {
                return .failure(error)
            } catch {
                return .failure(.unavailable("\(error)"))
            }
        }
        return .failure(.unavailable(reasons.joined(separator: "; ")))
    }

    private init(_ library: UnsafeMutableRawPointer) throws {
        self.library = library
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let address = dlsym(library, name) else {
                throw DistributedError.unavailable("the MPI library has no \(name): Tandem needs Open MPI (Debian's openmpi-bin, libopenmpi-dev)")
            }
            return address
        }
        func function<F>(_ name: String, as type: F.Type) throws -> F { unsafeBitCast(try symbol(name), to: type) }
        func object(_ name: String) throws -> Handle { OpaquePointer(try symbol(name)) }
        world = try object("ompi_mpi_comm_world")
        double = try object("ompi_mpi_double")
        float = try object("ompi_mpi_float")
        int64 = try object("ompi_mpi_int64_t")
        byte = try object("ompi_mpi_byte")
        sum = try object("ompi_mpi_op_sum")
        max = try object("ompi_mpi_op_max")
        initialize = try function("MPI_Init", as: type(of: initialize))
        initialized = try function("MPI_Initialized", as: type(of: initialized))
        finalize = try function("MPI_Finalize", as: type(of: finalize))
        rank = try function("MPI_Comm_rank", as: type(of: rank))
        size = try function("MPI_Comm_size", as: type(of: size))
        allreduce = try function("MPI_Allreduce", as: type(of: allreduce))
        broadcast = try function("MPI_Bcast", as: type(of: broadcast))
        barrier = try function("MPI_Barrier", as: type(of: barrier))
        abort = try function("MPI_Abort", as: type(of: abort))
    }

    /// `MPI_IN_PLACE`.
    static var inPlace: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: 1) }

    /// Throws when an MPI call did not return `MPI_SUCCESS`.
    func check(_ code: Int32, _ call: String) throws {
        guard code == 0 else { throw DistributedError.failed(call: call, code: Int(code)) }
    }
}

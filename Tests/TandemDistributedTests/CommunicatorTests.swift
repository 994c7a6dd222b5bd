import TandemDistributed
import XCTest

/// The communicator without `mpirun`, and the split of work by index.
final class CommunicatorTests: XCTestCase {
    /// The shares of `0..<count` over `size` ranks are contiguous, disjoint, cover every index in
    /// order and differ in length by at most one.
    func testSharesPartitionTheIndices() {
        for size in 1...7 {
            for count in 0...23 {
                let shares = (0..<size).map { Communicator.share(of: count, rank: $0, size: size) }
                XCTAssertEqual(shares.flatMap { Array($0) }, Array(0..<count), "count \(count), size \(size)")
                let lengths = shares.map(\.count)
                XCTAssertLessThanOrEqual(lengths.max()! - lengths.min()!, 1)
            }
        }
    }

    /// Without `mpirun` the world is one process and every collective is the identity.
    func testSingleProcessCollectivesAreIdentities() throws {
        guard !Communicator.isLaunchedByMPI else { throw XCTSkip("this test runs without mpirun") }
        let world = try Communicator.world()
        XCTAssertEqual(world.rank, 0)
        XCTAssertEqual(world.size, 1)
        XCTAssertTrue(world.isRoot)
        XCTAssertFalse(world.isDistributed)
        var values: [Double] = [1, -0.0, .nan, 3]
        try world.sum(&values)
        try world.broadcast(&values, range: 1..<3, from: 0)
        XCTAssertEqual(values.map(\.bitPattern), ([1, -0.0, .nan, 3] as [Double]).map(\.bitPattern))
        XCTAssertTrue(try world.any(true))
        XCTAssertFalse(try world.any(false))
        XCTAssertEqual(world.share(of: 5), 0..<5)
    }

    /// The message when `mpirun` started the process but Open MPI cannot be used.
    func testUnavailableSaysWhatToInstall() {
        let message = "\(DistributedError.unavailable("libmpi.so.40: cannot open shared object file"))"
        XCTAssertTrue(message.contains("started by mpirun"), message)
        XCTAssertTrue(message.contains("apt-get install openmpi-bin libopenmpi-dev"), message)
    }
}

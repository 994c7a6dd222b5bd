import Foundation
import TandemIO
import XCTest

/// `tandem solve` under `mpirun`: the samples are split across ranks and rank 0 writes the same
/// file as one process does.
final class MPICommandTests: XCTestCase {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// `mpirun`, or a skip that says why.
    func mpirun() throws -> URL {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        guard let path else { throw XCTSkip("mpirun is not installed (scripts/bootstrap.sh installs openmpi-bin)") }
        return path
    }

    /// Runs `tandem ARGUMENTS` directly (`ranks` = nil) or under `mpirun -np ranks`, with the same
    /// native settings either way: bit-identical results need the same BLAS threads and kernels.
    func run(_ arguments: [String], ranks: Int?) throws -> (status: Int32, output: String) {
        let process = Process()
        let tandem = try TandemCommand().executable
        if let ranks {
            process.executableURL = try mpirun()
            process.arguments = ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", tandem.path] + arguments
        } else {
            process.executableURL = tandem
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                             "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_THREAD_TIMEOUT": "20", "TANDEM_NO_REEXEC": "1"] {
            environment[key] = value
        }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Every numeric variable of two files, bit for bit (NaN where NaN).
    func assertSameFields(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let first = try FieldFileReader(path: a), second = try FieldFileReader(path: b)
        let names = try first.variableNames
        XCTAssertEqual(names, try second.variableNames, file: file, line: line)
        var compared = 0
        for name in names {
            guard let x = try? first.variable(name) else { continue }  // string labels
            let y = try second.variable(name)
            XCTAssertEqual(x.shape, y.shape, name, file: file, line: line)
            XCTAssertEqual(x.values.map(\.bitPattern), y.values.map(\.bitPattern), "\(name) differs", file: file, line: line)
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, 4, file: file, line: line)
    }

    func testSolveUnderTwoRanksWritesTheSingleProcessFile() throws {
        _ = try mpirun()
        for (problem, samples) in [("poisson-lshape", 3), ("fisher-multitask", 7)] {
            let file = repository.appendingPathComponent("problems/\(problem).toml").path
            let one = directory.appendingPathComponent("\(problem)-1.nc").path
            let two = directory.appendingPathComponent("\(problem)-2.nc").path
            let single = try run(["solve", file, "--out", one, "--samples", "\(samples)"], ranks: nil)
            XCTAssertEqual(single.status, 0, single.output)
            let distributed = try run(["solve", file, "--out", two, "--samples", "\(samples)"], ranks: 2)
            XCTAssertEqual(distributed.status, 0, distributed.output)
            // Rank 0 alone reports.
            XCTAssertEqual(distributed.output.components(separatedBy: "wrote \(two)").count, 2, distributed.output)
            XCTAssertTrue(distributed.output.contains("2 MPI ranks"), distributed.output)
            try assertSameFields(one, two)
        }
    }

    /// More ranks than samples: the idle ranks take part in every collective and write nothing.
    func testMoreRanksThanSamples() throws {
        _ = try mpirun()
        let file = repository.appendingPathComponent("problems/poisson-lshape.toml").path
        let one = directory.appendingPathComponent("one.nc").path, three = directory.appendingPathComponent("three.nc").path
        XCTAssertEqual(try run(["solve", file, "--out", one, "--samples", "2"], ranks: nil).status, 0)
        let distributed = try run(["solve", file, "--out", three, "--samples", "2"], ranks: 3)
        XCTAssertEqual(distributed.status, 0, distributed.output)
        try assertSameFields(one, three)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }
}

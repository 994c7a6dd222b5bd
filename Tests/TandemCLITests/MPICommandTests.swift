import Foundation
import TandemCore
import TandemIO
import TandemNN
import XCTest

/// `tandem solve` and `tandem train` under `mpirun`: samples and batches are split across ranks,
/// rank 0 writes, and the results are those of one process (bit for bit for solves; within the
/// rounding of the order of the sums for training).
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
    func run(_ arguments: [String], ranks: Int?, interruptAfter seconds: Double? = nil) throws -> (status: Int32, output: String) {
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
        if let seconds {
            // Ctrl-C as a user gives it: mpirun forwards SIGINT to every rank.
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { if process.isRunning { process.interrupt() } }
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A copy of the shipped problem `name` in the test directory with `changes` applied to its
    /// `[training.quick]` table and the other `tables` (later keys of a table with the same names dropped).
    func shortProblem(_ name: String, _ changes: [String: String], tables: Set<String> = ["training.quick"]) throws -> String {
        let text = try String(contentsOf: repository.appendingPathComponent("problems/\(name).toml"), encoding: .utf8)
        var lines: [String] = [], inQuick = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("[") {
                inQuick = tables.contains { line == "[\($0)]" }
                lines.append(line)
                if inQuick { lines += changes.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" } }
                continue
            }
            if inQuick, let key = line.split(separator: "=").first?.trimmingCharacters(in: .whitespaces), changes[key] != nil { continue }
            lines.append(line)
        }
        let path = directory.appendingPathComponent("\(name).toml").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The largest relative difference between the parameters of two checkpoints.
    func parameterDifference<S: TensorScalar & BinaryFloatingPoint>(_ a: String, _ b: String, as: S.Type) throws -> Double {
        let x = try Checkpoint<S>.read(from: a), y = try Checkpoint<S>.read(from: b)
        XCTAssertEqual(Array(x.parameters.keys), Array(y.parameters.keys))
        var worst = 0.0
        for (name, tensor) in x.parameters {
            let u = tensor.scalars.map { Double($0) }, v = y.parameters[name]!.scalars.map { Double($0) }
            let scale = Swift.max(u.map(abs).max() ?? 0, 1e-300)
            worst = Swift.max(worst, (zip(u, v).map { abs($0 - $1) }.max() ?? 0) / scale)
        }
        return worst
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

    /// Started as by mpirun but without a usable Open MPI: a clear error, nothing written; without
    /// mpirun the same command never looks for MPI.
    func testMissingMPILibraryIsAClearErrorOnlyUnderMPIRun() throws {
        let file = repository.appendingPathComponent("problems/poisson-lshape.toml").path
        let out = directory.appendingPathComponent("x.nc").path
        let process = Process()
        process.executableURL = try TandemCommand().executable
        process.arguments = ["solve", file, "--out", out]
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_COMM_WORLD_SIZE"] = "2"
        environment["TANDEM_MPI_LIBRARY"] = directory.appendingPathComponent("missing/libmpi.so.40").path
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1, output)
        XCTAssertTrue(output.contains("this process was started by mpirun, but MPI cannot be used"), output)
        XCTAssertTrue(output.contains("missing/libmpi.so.40"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        environment["OMPI_COMM_WORLD_SIZE"] = nil
        let plain = Process()
        plain.executableURL = process.executableURL
        plain.arguments = process.arguments
        plain.environment = environment
        plain.standardOutput = FileHandle.nullDevice
        plain.standardError = FileHandle.nullDevice
        try plain.run()
        plain.waitUntilExit()
        XCTAssertEqual(plain.terminationStatus, 0)
    }

    /// Commands that do not split their work refuse to run once per rank, saying so once.
    func testOtherCommandsRefuseSeveralRanks() throws {
        _ = try mpirun()
        let file = repository.appendingPathComponent("problems/poisson-lshape.toml").path
        let checked = try run(["check", file], ranks: 2)
        XCTAssertNotEqual(checked.status, 0, checked.output)
        XCTAssertEqual(checked.output.components(separatedBy: "error: tandem check runs in one process").count, 2, checked.output)
        XCTAssertEqual(try run(["check", file], ranks: 1).status, 0)
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

    /// A PINN (Float64) trained for 10 Adam steps and 3 L-BFGS iterations under 2 ranks ends
    /// with the parameters of one process, to the rounding of the sums' order; rank 0 alone
    /// writes the checkpoint (recording the rank count) and the history.
    func testPINNTrainingUnderTwoRanksMatchesOneProcess() throws {
        _ = try mpirun()
        let file = try shortProblem("fisher-pinn", ["steps": "10", "lbfgs_iterations": "3", "collocation": "256", "boundary_points": "64",
                                                    "initial_points": "64", "refine_every": "0"])
        let one = directory.appendingPathComponent("one").path, two = directory.appendingPathComponent("two").path
        let single = try run(["train", file, "--out", one], ranks: nil)
        XCTAssertEqual(single.status, 0, single.output)
        let distributed = try run(["train", file, "--out", two], ranks: 2)
        XCTAssertEqual(distributed.status, 0, distributed.output)
        XCTAssertEqual(distributed.output.components(separatedBy: "trained 10 Adam steps").count, 2, distributed.output)
        XCTAssertLessThanOrEqual(try parameterDifference(one + "/checkpoint.safetensors", two + "/checkpoint.safetensors", as: Double.self), 1e-12)
        XCTAssertEqual(try Checkpoint<Double>.read(from: two + "/checkpoint.safetensors").metadata["tandem.mpi_ranks"], "2")
        let history = try String(contentsOfFile: two + "/loss.csv", encoding: .utf8)
        XCTAssertEqual(history.components(separatedBy: "step,phase").count, 2)
        XCTAssertEqual(history.split(separator: "\n").count, try String(contentsOfFile: one + "/loss.csv", encoding: .utf8).split(separator: "\n").count)
    }

    /// An operator (Float32) under 2 ranks: the reference data is solved once (rank 0), each rank
    /// trains half of every batch, and after 10 steps the parameters are one process's to Float32
    /// rounding; `tandem compare` reads the run as any other.
    ///
    /// Adam hardly sees a gradient scaled by a constant, so the logged losses (the sums of the
    /// ranks' shares) are compared too: a share normalised by the rank's own batch instead of the
    /// whole one would double them. The MGDA profile covers the all-reduce of per-task gradients.
    func testOperatorTrainingUnderTwoRanksMatchesOneProcess() throws {
        _ = try mpirun()
        let file = try shortProblem("fisher-multitask", ["samples": "60", "steps": "10", "checkpoint_every": "5"],
                                    tables: ["training.quick", "training.quick-mgda"])
        for (profile, tolerance) in [("quick", 1e-4), ("quick-mgda", 1e-3)] {
            let one = directory.appendingPathComponent("one-\(profile)").path, two = directory.appendingPathComponent("two-\(profile)").path
            XCTAssertEqual(try run(["train", file, "--out", one, "--profile", profile], ranks: nil).status, 0)
            let distributed = try run(["train", file, "--out", two, "--profile", profile], ranks: 2)
            XCTAssertEqual(distributed.status, 0, distributed.output)
            XCTAssertLessThanOrEqual(try parameterDifference(one + "/checkpoint.safetensors", two + "/checkpoint.safetensors", as: Float.self),
                                     tolerance, profile)
            let (single, shared) = (try lossColumns(one + "/loss.csv"), try lossColumns(two + "/loss.csv"))
            XCTAssertEqual(single.count, shared.count, profile)
            for (a, b) in zip(single, shared) { XCTAssertEqual(a, b, accuracy: 1e-4 * Swift.max(abs(a), 1e-6), profile) }
            XCTAssertGreaterThanOrEqual(single.count, 10)
        }
        let compare = try run(["compare", directory.appendingPathComponent("two-quick").path], ranks: nil)
        XCTAssertEqual(compare.status, 0, compare.output)
    }

    /// Every loss column (`train_loss`, `train_loss_<task>`) of a history, row by row.
    func lossColumns(_ path: String) throws -> [Double] {
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = rows[0].map(String.init)
        let columns = header.indices.filter { header[$0].hasPrefix("train_loss") }
        return rows.dropFirst().flatMap { row in columns.compactMap { $0 < row.count ? Double(row[$0]) : nil } }
    }

    /// Ctrl-C under 2 ranks checkpoints on every rank's agreement; `--resume` under 2 ranks
    /// then ends bit for bit where an uninterrupted 2-rank run ends.
    func testInterruptedRunResumesExactlyUnderTwoRanks() throws {
        _ = try mpirun()
        let file = try shortProblem("fisher-pinn", ["steps": "1500", "lbfgs_iterations": "0", "collocation": "256", "boundary_points": "64",
                                                    "initial_points": "64", "refine_every": "0"])
        let straight = directory.appendingPathComponent("straight").path, stopped = directory.appendingPathComponent("stopped").path
        XCTAssertEqual(try run(["train", file, "--out", straight], ranks: 2).status, 0)
        let interrupted = try run(["train", file, "--out", stopped], ranks: 2, interruptAfter: 1.5)
        guard interrupted.output.contains("interrupted: checkpoint at step") else {
            throw XCTSkip("the run finished before the interrupt arrived: \(interrupted.output.suffix(300))")
        }
        let resumed = try run(["train", file, "--out", stopped, "--resume"], ranks: 2)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming at step"), resumed.output)
        XCTAssertEqual(try parameterDifference(straight + "/checkpoint.safetensors", stopped + "/checkpoint.safetensors", as: Double.self), 0)
    }

    /// The EDA network (Float64, three tasks under the file's fixed weights, five folds) under 2
    /// ranks: each fold's minibatch rows and collocation times split; every fold's parameters are
    /// one process's to the rounding of the sums' order.
    func testEDATrainingUnderTwoRanksMatchesOneProcess() throws {
        _ = try mpirun()
        let file = try shortProblem("eda-multitask", ["steps": "12", "decay_every": "6"])
        let one = directory.appendingPathComponent("one").path, two = directory.appendingPathComponent("two").path
        let single = try run(["train", file, "--out", one], ranks: nil)
        XCTAssertEqual(single.status, 0, single.output)
        let distributed = try run(["train", file, "--out", two], ranks: 2)
        XCTAssertEqual(distributed.status, 0, distributed.output)
        for fold in 1...5 {
            XCTAssertLessThanOrEqual(try parameterDifference("\(one)/fold-\(fold)/checkpoint.safetensors", "\(two)/fold-\(fold)/checkpoint.safetensors",
                                                             as: Double.self), 1e-10, "fold \(fold)")
        }
    }

    /// Two hosts: two network namespaces joined by a veth pair, one rank in each, MPI over TCP
    /// between their addresses (the launch agent enters the other namespace instead of ssh). The
    /// PINN trained there matches one process as on one host. Skipped, saying why, where network
    /// namespaces cannot be made (not root, no CAP_SYS_ADMIN, no iproute2).
    func testTwoHostsOverTCP() throws {
        let launcher = try mpirun()
        let id = String(ProcessInfo.processInfo.processIdentifier % 100_000)
        let a = "tnd\(id)a", b = "tnd\(id)b", addresses = ["10.77.0.1", "10.77.0.2"]
        func ip(_ arguments: [String]) -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            guard (try? process.run()) != nil else { return (127, "cannot run /usr/sbin/ip") }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let created = ip(["netns", "add", a])
        guard created.status == 0 else { throw XCTSkip("cannot create network namespaces here (\(created.output.trimmingCharacters(in: .whitespacesAndNewlines))); docs/scale-out.md has a measured run") }
        defer {
            _ = ip(["netns", "del", a])
            _ = ip(["netns", "del", b])
        }
        for step in [["netns", "add", b], ["link", "add", "tv\(id)a", "type", "veth", "peer", "name", "tv\(id)b"],
                     ["link", "set", "tv\(id)a", "netns", a], ["link", "set", "tv\(id)b", "netns", b],
                     ["-n", a, "addr", "add", addresses[0] + "/24", "dev", "tv\(id)a"], ["-n", b, "addr", "add", addresses[1] + "/24", "dev", "tv\(id)b"],
                     ["-n", a, "link", "set", "tv\(id)a", "up"], ["-n", b, "link", "set", "tv\(id)b", "up"],
                     ["-n", a, "link", "set", "lo", "up"], ["-n", b, "link", "set", "lo", "up"]] {
            let result = ip(step)
            XCTAssertEqual(result.status, 0, "ip \(step.joined(separator: " ")): \(result.output)")
            guard result.status == 0 else { return }
        }
        // Open MPI's launch agent: "agent HOST COMMAND…" runs the command on that host.
        let agent = directory.appendingPathComponent("netns-agent").path
        try """
            #!/bin/sh
            host=$1; shift
            case "$host" in
              \(addresses[0])) ns=\(a) ;;
              \(addresses[1])) ns=\(b) ;;
              *) echo "netns-agent: unknown host $host" >&2; exit 1 ;;
            esac
            exec /usr/sbin/ip netns exec "$ns" sh -c "$*"
            """.write(toFile: agent, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(agent, 0o755), 0)

        let file = try shortProblem("fisher-pinn", ["steps": "10", "lbfgs_iterations": "3", "collocation": "256", "boundary_points": "64",
                                                    "initial_points": "64", "refine_every": "0"])
        let one = directory.appendingPathComponent("one").path, two = directory.appendingPathComponent("two").path
        XCTAssertEqual(try run(["train", file, "--out", one], ranks: nil).status, 0)
        let tandem = try TandemCommand().executable.path
        let network = ["--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "10.77.0.0/24", "--mca", "oob_tcp_if_include", "10.77.0.0/24"]
        let distributed = ip(["netns", "exec", a, launcher.path, "-np", "2", "--host", addresses.map { $0 + ":1" }.joined(separator: ","),
                              "--mca", "plm_rsh_agent", agent] + network
                             + ["-x", "OPENBLAS_NUM_THREADS=1", "-x", "OMP_NUM_THREADS=1", "-x", "TANDEM_NO_REEXEC=1", "-x", "OMPI_ALLOW_RUN_AS_ROOT=1",
                                "-x", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", tandem, "train", file, "--out", two])
        XCTAssertEqual(distributed.status, 0, distributed.output)
        XCTAssertLessThanOrEqual(try parameterDifference(one + "/checkpoint.safetensors", two + "/checkpoint.safetensors", as: Double.self), 1e-12)
    }
}

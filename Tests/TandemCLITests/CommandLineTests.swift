import Foundation
import XCTest

/// Runs the built `tandem` executable as a user would.
struct TandemCommand {
    var executable: URL {
        get throws {
            // The test bundle sits beside the products it was built with.
            var directory = Bundle.main.bundleURL
            for _ in 0..<3 {
                let candidate = directory.appendingPathComponent("tandem")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
            throw XCTSkip("tandem executable not found near \(Bundle.main.bundleURL.path)")
        }
    }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        if !extra.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 } }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// The command line: help, the demo job, argument errors.
final class CommandLineTests: XCTestCase {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) { try TandemCommand().run(arguments) }

    /// `--version` names the BLAS and the GEMM dispatch in use; `TANDEM_GEMM` selects the
    /// dispatch, and a value that names none stops every command with the valid values.
    func testVersionNamesTheKernelsAndTANDEM_GEMMIsChecked() throws {
        let (status, output) = try run(["--version"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("BLAS: OpenBLAS"), output)
        XCTAssertTrue(output.contains("GEMM auto (libxsmm 1."), output)
        let (blasStatus, blasOutput) = try TandemCommand().run(["--version"], environment: ["TANDEM_GEMM": "blas"])
        XCTAssertEqual(blasStatus, 0, blasOutput)
        XCTAssertTrue(blasOutput.contains("GEMM blas (every product in OpenBLAS"), blasOutput)
        let (badStatus, badOutput) = try TandemCommand().run(["check", "problems/fisher-pinn.toml"], environment: ["TANDEM_GEMM": "mkl"])
        XCTAssertNotEqual(badStatus, 0)
        XCTAssertTrue(badOutput.contains("TANDEM_GEMM: mkl is not valid; expected one of auto, blas, xsmm"), badOutput)
    }

    func testHelpListsCommandsAndOptions() throws {
        let (status, output) = try run(["--help"])
        XCTAssertEqual(status, 0)
        XCTAssertTrue(output.contains("USAGE: tandem"), output)
        XCTAssertTrue(output.contains("demo"), output)
        let (demoStatus, demoHelp) = try run(["demo", "--help"])
        XCTAssertEqual(demoStatus, 0)
        for option in ["--steps", "--batch-size", "--seed", "--lbfgs-iterations"] {
            XCTAssertTrue(demoHelp.contains(option), "missing \(option) in:\n\(demoHelp)")
        }
    }

    /// Every command keeps its options (train and transfer share theirs through one option group).
    func testEveryCommandsHelpListsItsOptions() throws {
        let expected: [String: [String]] = [
            "check": ["<file>"], "solve": ["--out", "--samples", "--seed"], "observe": ["--count", "--noise", "--seed", "--out"],
            "train": ["--out", "--profile", "--resume"], "transfer": ["--out", "--profile", "--resume", "--from-scratch"],
            "compare": ["<directory>"], "predict": ["--input", "--out"],
        ]
        for (command, options) in expected {
            let (status, help) = try run([command, "--help"])
            XCTAssertEqual(status, 0, command)
            for option in options { XCTAssertTrue(help.contains(option), "tandem \(command) --help lacks \(option):\n\(help)") }
        }
        let (status, output) = try run(["train", "problems/fisher-pinn.toml", "--profile", ""])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--profile must name a profile"), output)
    }

    func testDemoTrainsAndReportsTheError() throws {
        let (status, output) = try run(["demo", "--steps", "200", "--lbfgs-iterations", "50", "--seed", "3"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("BLAS: OpenBLAS"), output)
        // The start-up environment keeps BLAS on every core (OMP_NUM_THREADS=1 is for CHOLMOD).
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil, ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] == nil {
            XCTAssertTrue(output.contains(", \(cores) threads"), output)
        }
        XCTAssertTrue(output.contains("L-BFGS on 2048 fixed points: stopped by maxIterations after 50 iterations"), output)
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.contains("relative L2 error") })
        let words = line.split(separator: " ")
        let index = try XCTUnwrap(words.firstIndex(of: "error"))
        let error = try XCTUnwrap(Double(words[index + 1].dropLast()), String(line))
        XCTAssertLessThan(error, 0.5, String(line))
        // The same seed reproduces the run exactly.
        let again = try run(["demo", "--steps", "200", "--lbfgs-iterations", "50", "--seed", "3"]).output
        XCTAssertEqual(again.split(separator: "\n").last { $0.contains("relative L2") }, line)
    }

    func testInvalidArgumentsAreRejectedWithAMessage() throws {
        let (status, output) = try run(["demo", "--steps", "0"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--steps must be positive, got 0"), output)
        let (unknownStatus, unknownOutput) = try run(["demo", "--stepz", "5"])
        XCTAssertNotEqual(unknownStatus, 0)
        XCTAssertTrue(unknownOutput.contains("--stepz"), unknownOutput)
    }
}

import ArgumentParser
import Foundation
import TandemMultiTask
import TandemSpec

/// `tandem solve FILE --out data.nc`: reference solutions to NetCDF.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute reference solutions for a problem file and write them to NetCDF.")

    @Argument(help: "The problem file (TOML).") var file: String
    @Option(name: .shortAndLong, help: "The NetCDF file to write.") var out: String
    @Option(help: "Number of samples (default: reference.samples in the file).") var samples: Int?
    @Option(help: "Random seed (default: reference.seed in the file).") var seed: UInt64?

    func validate() throws {
        if let samples, samples < 1 { throw ValidationError("--samples must be positive, got \(samples)") }
    }

    func run() throws {
        let problem = try Problem(contentsOf: file)
        let resolved = try ResolvedProblem(problem)
        let dataset = try ReferenceDataset(resolved)
        let count = samples ?? problem.reference.samples
        let seed = seed ?? problem.reference.seed
        let interactive = isatty(STDERR_FILENO) == 1
        let stop = StopRequest()
        let report = try dataset.generate(path: out, samples: count, seed: seed, progress: sampleProgress(interactive: interactive),
                                          shouldStop: { stop.isRequested })
        if report.interrupted {
            FileHandle.standardError.write("\ninterrupted: \(report.path) holds the \(report.samples) samples finished so far and is complete\n".data(using: .utf8)!)
            throw ExitCode(130)
        }
        print("wrote \(report.path)")
        print("  \(report.samples) samples × \(problem.geometries.count) geometries (\(abbreviated(problem.geometries.map(\.name)))) in \(String(format: "%.2f", report.seconds)) s")
        print("  grid \(resolved.grid.pointsPerAxis.map(String.init).joined(separator: "×")), unknowns per geometry \(abbreviated(report.unknownsPerGeometry.map(String.init)))")
        print("  largest relative residual ‖b − Au‖/‖b‖ = \(String(format: "%.2e", report.maximumResidual))")
        print("  variables: \(report.variables.joined(separator: ", "))")
    }
}

/// A long list shortened to its first three items, `…` and its last.
func abbreviated(_ items: [String]) -> String {
    items.count <= 6 ? items.joined(separator: ", ") : (items.prefix(3) + ["…", items.last!]).joined(separator: ", ")
}

/// Set by the signal handler; read between batches. A `sig_atomic_t` store is the one thing a
/// signal handler may safely do.
nonisolated(unsafe) private var stopSignalReceived: sig_atomic_t = 0

/// Turns SIGINT and SIGTERM into a request to stop after the current batch, so the output file
/// is always closed cleanly. A second signal while stopping is honoured immediately.
final class StopRequest: Sendable {
    init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in
                if stopSignalReceived != 0 {
                    signal(received, SIG_DFL)
                    raise(received)
                }
                stopSignalReceived = 1
            }
        }
    }

    var isRequested: Bool { stopSignalReceived != 0 }
}

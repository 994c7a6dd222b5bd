import ArgumentParser
import Foundation
import TandemWorkflows
import TandemSpec

/// `tandem solve FILE --out data.nc`: reference solutions to NetCDF; for an `[atoms]` problem,
/// `--out DIR`: each data set's labelled frames as `DIR/NAME.xyz`.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute reference solutions for a problem file and write them to NetCDF (an atoms problem: its data sets as extended XYZ in a folder).")

    @Argument(help: "The problem file (TOML).") var file: String
    @OptionGroup var paths: PathOptions
    @Option(name: .shortAndLong, help: "The NetCDF file to write (an atoms problem: the folder for NAME.xyz).") var out: String
    @Option(help: "Number of samples (default: reference.samples in the file).") var samples: Int?
    @Option(help: "Random seed (default: reference.seed in the file).") var seed: UInt64?

    func validate() throws {
        if let samples, samples < 1 { throw ValidationError("--samples must be positive, got \(samples)") }
    }

    func run() throws {
        let decoded = try Problem(contentsOf: file)
        try decoded.requireFilesInside(allowOutside: paths.allowOutsidePaths)
        if case let .atoms(atoms) = decoded.payload {
            guard samples == nil, seed == nil else { throw ValidationError("--samples and --seed are for PDE problems; an [atoms] problem sets frames and seeds per data set") }
            let events = Terminal.events(stop: StopRequest())
            for line in try AtomsData.write(atoms, to: out, progress: { name, done, total in
                events.progress(.init(fraction: Double(done) / Double(max(total, 1)), text: "\(name): \(done)/\(total) frames", isFinal: done == total))
            }) { print(line) }
            return
        }
        let problem = try decoded.pdeProblem(for: "tandem solve")
        let resolved = try ResolvedProblem(problem)
        let dataset = try ReferenceDataset(resolved)
        let count = samples ?? problem.reference.samples
        let seed = seed ?? problem.reference.seed
        let world = try Communicator.world()
        let stop = StopRequest()
        let events = Terminal.events(stop: stop)
        // Under mpirun every rank solves its share of the samples; rank 0 writes and prints.
        let report = try dataset.generate(path: out, samples: count, seed: seed, progress: world.isRoot ? events.samples : nil,
                                          shouldStop: events.shouldStop, communicator: world)
        guard world.isRoot else {
            if report.interrupted { throw ExitCode(130) }
            return
        }
        if report.interrupted {
            try finish(.interrupted("interrupted: \(report.path) holds the \(report.samples) samples finished so far and is complete"))
        }
        print("wrote \(report.path)")
        print("  \(report.samples) samples × \(problem.geometries.count) geometries (\(abbreviated(problem.geometries.map(\.name)))) in \(String(format: "%.2f", report.seconds)) s")
        print("  grid \(resolved.grid.pointsPerAxis.map(String.init).joined(separator: "×")), unknowns per geometry \(abbreviated(report.unknownsPerGeometry.map(String.init)))")
        print("  solver: \(dataset.solverDescription)\(world.isDistributed ? ", \(world.size) MPI ranks" : "")")
        print("  largest relative residual ‖b − Au‖/‖b‖ = \(String(format: "%.2e", report.maximumResidual))")
        print("  variables: \(report.variables.joined(separator: ", "))")
    }
}

/// A long list shortened to its first three items, `…` and its last.
func abbreviated(_ items: [String]) -> String {
    items.count <= 6 ? items.joined(separator: ", ") : (items.prefix(3) + ["…", items.last!]).joined(separator: ", ")
}

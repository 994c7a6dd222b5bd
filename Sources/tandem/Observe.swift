import ArgumentParser
import TandemSpec
import TandemWorkflows

/// `tandem observe FILE`: sparse noisy observations of the reference solution, for `[inverse]`.
struct Observe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve the problem and write sparse, noisy observations of its solution (for [inverse] problems).")

    @Argument(help: "The problem file (TOML).") var file: String
    @OptionGroup var paths: PathOptions
    @Option(help: "Number of observations (distinct grid points inside the geometry, at random output times).") var count = 50
    @Option(help: "Noise standard deviation relative to the RMS of the observed values (0.01 = 1%).") var noise = 0.01
    @Option(help: "Seed of the point choice and the noise.") var seed: UInt64 = 0
    @Option(name: .shortAndLong, help: "The NetCDF file to write (default: [inverse] observations of the file).") var out: String?

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be positive, got \(count)") }
        guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be a non-negative number, got \(noise)") }
    }

    func run() throws {
        let decoded = try Problem(contentsOf: file)
        try decoded.requireFilesInside(allowOutside: paths.allowOutsidePaths)
        let problem = try decoded.pdeProblem(for: "tandem observe")
        guard let path = out ?? problem.inverse.map({ PINNRun.observationsPath($0.observations, problemFile: file) }) else {
            throw ValidationError("\(file) has no [inverse] table naming the observations file; give --out")
        }
        let report = try ObservationSampler.write(resolved: try ResolvedProblem(problem), count: count, noise: noise, seed: seed, to: path)
        print("wrote \(report.path): \(report.count) observations of u, Gaussian noise σ = \(String(format: "%.3e", report.noiseStandardDeviation)) (\(noise) × RMS)")
    }
}

import Foundation
import TandemCore
import TandemIO
import TandemSpec

/// Sparse, noisy observations of the reference solution, for inverse problems: `tandem observe`.
public enum ObservationSampler {
    /// What was written.
    public struct Report: Sendable {
        /// The file written.
        public let path: String
        /// Observations written.
        public let count: Int
        /// The noise's standard deviation (absolute).
        public let noiseStandardDeviation: Double
    }

    /// Solves the problem (one sample, the file's parameters), draws `count` distinct points of
    /// the solver's grid inside the geometry (at random output times for transient problems),
    /// adds Gaussian noise with standard deviation `noise × RMS(u at those points)`, and writes
    /// 1-D variables named after the axes and `u` (CF attributes; `u_exact` without noise).
    /// - Throws: solver and NetCDF errors; ``ProblemFileError`` for a count larger than the grid.
    public static func write(resolved: ResolvedProblem, count: Int, noise: Double, seed: UInt64, to path: String) throws -> Report {
        let problem = resolved.problem
        guard problem.geometries.count == 1 else {
            throw problem.error(at: "geometry", "declares \(problem.geometries.count) geometries; observations are of one solution on one geometry (as a PINN solves)")
        }
        let scratch = path + ".reference.nc"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = try ReferenceDataset(resolved).generate(path: scratch, samples: 1, seed: problem.reference.seed)
        let grid = resolved.grid, n = grid.pointCount
        let times = problem.time?.times.count ?? 1
        let u = try FieldFileReader(path: scratch).values("u", expectedShape: [1, 1] + (problem.time == nil ? [] : [times]) + grid.pointsPerAxis.reversed())
        let inside = (0..<n).filter { resolved.masks[0][$0] }
        let candidates = inside.count * times
        guard count >= 1, count <= candidates else {
            throw problem.error(at: "reference.grid", "asked for \(count) observations; the grid has \(candidates) points inside the geometry\(times > 1 ? " over all output times" : "")")
        }
        var generator = SeededGenerator(seed: seed)
        var chosen = Set<Int>()
        while chosen.count < count { chosen.insert(Int(generator.next() % UInt64(candidates))) }
        let picks = chosen.sorted()
        var columns = [[Double]](repeating: [], count: problem.pinnAxes.count)
        var exact: [Double] = []
        for pick in picks {
            let (ti, p) = (pick / inside.count, inside[pick % inside.count])
            let x = grid.point(p)
            for a in 0..<problem.dimension { columns[a].append(x[a]) }
            if let time = problem.time { columns[problem.dimension].append(time.times[ti]) }
            exact.append(u[ti * n + p])
        }
        let rms = (exact.reduce(0) { $0 + $1 * $1 } / Double(exact.count)).squareRoot()
        let sigma = noise * rms
        let noisy = exact.map { $0 + sigma * generator.nextStandardNormal() }
        var variables = zip(problem.pinnAxes, columns).map { name, _ in
            FieldFileWriter.Variable(name, dimensions: ["observation"], units: "1", longName: name == "t" ? "time of the observation" : "coordinate \(name) of the observation")
        }
        variables.append(.init("u", dimensions: ["observation"], units: "1", longName: "observed solution (with noise)"))
        variables.append(.init("u_exact", dimensions: ["observation"], units: "1", longName: "reference solution at the observation, without noise"))
        let writer = try FieldFileWriter(
            path: path, dimensions: [.init("observation", length: count)], coordinates: [], variables: variables,
            attributes: ["title": "\(problem.name): \(count) observations of the reference solution", "tandem_problem": problem.text,
                         "tandem_noise": "Gaussian, standard deviation \(noise) × RMS(u) = \(sigma)", "tandem_seed": String(seed),
                         "tandem_version": TandemVersion.string])
        for (name, values) in zip(problem.pinnAxes, columns) { try writer.write(name, values: values) }
        try writer.write("u", values: noisy)
        try writer.write("u_exact", values: exact)
        try writer.close()
        return Report(path: path, count: count, noiseStandardDeviation: sigma)
    }
}

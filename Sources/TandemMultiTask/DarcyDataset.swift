import Dispatch
import Foundation
import TandemCore
import TandemGeometry
import TandemIO
import TandemPDE
import TandemSpec

/// Generates a problem's reference dataset: for each sample, the inputs drawn from the seeded
/// random fields and the solution on every geometry, streamed to a NetCDF file.
///
/// Samples are solved concurrently in batches; sample `k` draws from its own generator derived
/// from `(seed, k)`, so the data do not depend on the number of threads or the batch size.
public struct DarcyDataset: Sendable {
    public let resolved: ResolvedProblem
    let solvers: [DarcySolver]
    let field: GaussianRandomField?

    /// Progress after each batch: samples done, total, seconds elapsed.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ seconds: Double) -> Void

    /// What a run produced.
    public struct Report: Sendable {
        public let path: String
        public let samples: Int
        public let seconds: Double
        /// The largest relative residual `‖b − Au‖/‖b‖` over all solves.
        public let maximumResidual: Double
        public let unknownsPerGeometry: [Int]
        /// Whether the run was stopped early (by `shouldStop`); the file then holds the samples
        /// finished so far and is complete and readable.
        public let interrupted: Bool
    }

    public init(_ resolved: ResolvedProblem) throws {
        self.resolved = resolved
        let problem = resolved.problem
        solvers = try resolved.masks.enumerated().map { i, mask in
            do {
                return try DarcySolver(grid: resolved.grid, mask: mask)
            } catch {
                throw problem.error(at: "geometry[\(i)]", "\(error)")
            }
        }
        if case let .random(spec) = problem.permeability {
            let covariance: GaussianRandomField.Covariance = spec.covariance == .spherical ? .spherical : .squaredExponential
            field = try GaussianRandomField(grid: resolved.grid, covariance: covariance, lengthScale: spec.length, variance: spec.variance, terms: spec.terms)
        } else {
            field = nil
        }
    }

    /// The generator for sample `k`.
    static func generator(seed: UInt64, sample: Int) -> SeededGenerator {
        SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(sample + 1))
    }

    func coordinates() -> [String: [Double]] {
        let names = Problem.coordinates(resolved.grid.dimension)
        let points = (0..<resolved.grid.pointCount).map(resolved.grid.point)
        var result: [String: [Double]] = [:]
        for (d, name) in names.enumerated() { result[name] = points.map { $0[d] } }
        return result
    }

    /// Permeability for sample `k`.
    func permeability(sample: Int, seed: UInt64, coordinates: [String: [Double]]) -> [Double] {
        let problem = resolved.problem
        switch problem.permeability {
        case let .expression(e):
            return e.evaluate(coordinates, count: resolved.grid.pointCount)
        case let .random(spec):
            var g = Self.generator(seed: seed, sample: sample)
            let a = field!.sample(using: &g)
            return spec.transform == .lognormal ? a.map { Foundation.exp(spec.mean + $0) } : a.map { spec.mean + $0 }
        }
    }

    /// Solves `samples` samples and writes them to `path`.
    /// - Throws: ``ProblemFileError`` for inputs the solver rejects (e.g. a non-positive K from
    ///   the file's expression), solver errors naming the matrix, ``NetCDFError`` for the file.
    ///
    /// `shouldStop` is polled between batches (e.g. set from a signal handler); when it returns
    /// true the file is closed cleanly with the samples done so far.
    public func generate(
        path: String, samples: Int, seed: UInt64, progress: Progress? = nil, shouldStop: (@Sendable () -> Bool)? = nil
    ) throws -> Report {
        let problem = resolved.problem
        let grid = resolved.grid
        let names = Problem.coordinates(grid.dimension)
        let axes = Array(names.reversed())  // NetCDF order: (z, y, x), x fastest
        let coordinates = coordinates()
        let source = problem.source.evaluate(coordinates, count: grid.pointCount)
        let boundary = problem.boundaryValue.evaluate(coordinates, count: grid.pointCount)
        let writer = try FieldFileWriter(
            path: path,
            dimensions: [.init("sample", length: nil), .init("geometry", length: problem.geometries.count)]
                + axes.map { .init($0, length: grid.pointsPerAxis[names.firstIndex(of: $0)!]) },
            coordinates: names.enumerated().map { d, name in
                .init(dimension: name, values: grid.coordinates(axis: d), units: "1", longName: "\(name) coordinate")
            },
            variables: [
                .init("mask", dimensions: ["geometry"] + axes, units: "1", longName: "1 inside the geometry, 0 outside"),
                .init("f", dimensions: axes, units: "1", longName: "source term"),
                .init("K", dimensions: ["sample", "geometry"] + axes, units: "1", longName: "permeability"),
                .init("u", dimensions: ["sample", "geometry"] + axes, units: "1", longName: "solution (NaN outside the geometry)"),
            ],
            attributes: [
                "title": "Tandem reference solutions: \(problem.name)",
                "tandem_version": TandemVersion.string,
                "tandem_problem_file": problem.file,
                "tandem_problem": problem.text,
                "tandem_seed": String(seed),
                "tandem_geometries": problem.geometries.map(\.name).joined(separator: ","),
                "tandem_solver": "finite differences (second order), CHOLMOD supernodal Cholesky (SuiteSparse)",
                "tandem_pde": "-div(K grad u) = f, u = g on the boundary",
            ])
        try writer.write("mask", values: resolved.masks.flatMap { $0.map { $0 ? 1.0 : 0.0 } })
        try writer.write("f", values: source)

        let start = Date()
        // Samples run concurrently, one per core: BLAS calls inside each factorisation stay
        // single-threaded instead of contending with the other samples.
        let blasThreads = BLASRuntime.threadCount
        BLASRuntime.threadCount = 1
        defer { BLASRuntime.threadCount = blasThreads }
        let batch = Swift.max(2 * ProcessInfo.processInfo.activeProcessorCount, 4)
        var maximumResidual = 0.0
        var done = 0
        var interrupted = false
        while done < samples {
            if shouldStop?() == true {
                interrupted = true
                break
            }
            let count = Swift.min(batch, samples - done)
            let results = ResultBox(count: count)
            let first = done
            DispatchQueue.concurrentPerform(iterations: count) { i in
                let k = first + i
                do {
                    let permeability = self.permeability(sample: k, seed: seed, coordinates: coordinates)
                    var us: [Double] = [], residual = 0.0
                    for solver in solvers {
                        let solution = try solver.solve(permeability: permeability, source: source, boundary: boundary)
                        us += solution.values
                        residual = Swift.max(residual, solution.relativeResidual)
                    }
                    results.set(i, .success((permeability, us, residual)))
                } catch {
                    results.set(i, .failure(error))
                }
            }
            for i in 0..<count {
                let (permeability, us, residual) = try results.get(i)
                maximumResidual = Swift.max(maximumResidual, residual)
                let kAll = Array(repeating: permeability, count: solvers.count).flatMap { $0 }
                try writer.appendSample(["K": kAll, "u": us])
            }
            done += count
            progress?(done, samples, Date().timeIntervalSince(start))
        }
        try writer.close()
        return Report(path: path, samples: done, seconds: Date().timeIntervalSince(start),
                      maximumResidual: maximumResidual, unknownsPerGeometry: solvers.map(\.unknownPoints.count), interrupted: interrupted)
    }
}

/// Results of one batch, filled concurrently (each index by one worker).
final class ResultBox: @unchecked Sendable {
    private var results: [Result<([Double], [Double], Double), Error>?]
    private let lock = NSLock()
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<([Double], [Double], Double), Error>) { lock.withLock { results[i] = r } }
    func get(_ i: Int) throws -> ([Double], [Double], Double) { try lock.withLock { results[i]! }.get() }
}

/// Tandem's version, written into files it produces.
public enum TandemVersion {
    public static let string = "0.1.0"
}

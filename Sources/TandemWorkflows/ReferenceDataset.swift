import TandemExpressions
import Dispatch
import Foundation
import TandemDistributed
import TandemCore
import TandemGeometry
import TandemIO
import TandemPDE
import TandemSpec

/// Generates a problem's reference dataset: for each sample, the inputs drawn from the seeded
/// random fields and parameter ranges, and the solution on every geometry, streamed to NetCDF.
///
/// Samples are solved concurrently in batches; sample `k` draws from generators derived from
/// `(seed, k)`, so the data do not depend on the number of threads or the batch size.
public struct ReferenceDataset: Sendable {
    /// The problem with its shapes, grid and masks.
    public let resolved: ResolvedProblem
    let steadySolvers: [DarcySolver]
    let boundaryPlans: [BoundaryPlan]
    let coefficientField: GaussianRandomField?
    let initialField: GaussianRandomField?
    /// Reaction derivatives `R′(u)`, one per family.
    let reactionDerivatives: [TandemSpec.Expression]

    /// Progress after each batch: samples done, total, seconds elapsed.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ seconds: Double) -> Void

    /// What a run produced.
    public struct Report: Sendable {
        /// The NetCDF file written.
        public let path: String
        /// Samples written (fewer than asked when interrupted).
        public let samples: Int
        /// Wall-clock seconds spent solving and writing.
        public let seconds: Double
        /// The largest relative residual `‖b − Au‖/‖b‖` over all linear solves.
        public let maximumResidual: Double
        /// Interior unknowns of each geometry's linear systems.
        public let unknownsPerGeometry: [Int]
        /// Whether the run was stopped early (by `shouldStop`); the file then holds the samples
        /// finished so far and is complete and readable.
        public let interrupted: Bool
        /// The variables written, with their dimensions.
        public let variables: [String]
    }

    /// Prepares solvers and random fields for `resolved`.
    /// - Throws: ``ProblemFileError`` located at the geometry or reaction that cannot be set up.
    public init(_ resolved: ResolvedProblem) throws {
        self.resolved = resolved
        let problem = resolved.problem
        let faces = resolved.faceConditions
        // One solver per geometry, set up concurrently (numbering, stencil, CHOLMOD analysis).
        let setups = ResultBox<DarcySolver>(count: resolved.levelSets.count)
        DispatchQueue.concurrentPerform(iterations: resolved.levelSets.count) { i in
            setups.set(i, Result { try DarcySolver(grid: resolved.grid, levelSet: resolved.levelSets[i], faces: faces) })
        }
        steadySolvers = try (0..<resolved.levelSets.count).map { i in
            do {
                return try setups.get(i)
            } catch {
                throw problem.error(at: "geometry[\(i)]", "\(error)")
            }
        }
        boundaryPlans = steadySolvers.map { BoundaryPlan(solver: $0, problem: problem) }
        func field(_ coefficient: PDEProblem.RandomField?) throws -> GaussianRandomField? {
            guard let spec = coefficient else { return nil }
            let covariance = spec.covariance.covariance
            return try GaussianRandomField(grid: resolved.grid, covariance: covariance, lengthScale: spec.length, variance: spec.variance, terms: spec.terms)
        }
        if case let .random(spec) = problem.coefficient { coefficientField = try field(spec) } else { coefficientField = nil }
        if case let .random(spec) = problem.initial { initialField = try field(spec) } else { initialField = nil }
        reactionDerivatives = try problem.reactions.enumerated().map { i, r in
            do {
                return try r.expression.derivative(with: "u")
            } catch {
                throw problem.error(at: "reaction[\(i)].expression", "\(error)")
            }
        }
    }

    /// What solves the linear systems, as it runs: the discretisation and, per geometry, the
    /// factorisation CHOLMOD's analysis chose (or Newton with UMFPACK for reactions).
    public var solverDescription: String {
        let problem = resolved.problem
        let methods = steadySolvers.map(\.factorization).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let linear = problem.reactions.isEmpty ? methods.joined(separator: " / ") : "Newton's method with UMFPACK LU"
        return problem.time == nil
            ? "finite differences (second order), \(linear) (SuiteSparse)"
            : "finite differences (second order) in space, \(problem.time!.scheme.rawValue) in time, \(linear) (SuiteSparse)"
    }

    /// The generator for stream `stream` of sample `k`.
    static func generator(seed: UInt64, sample: Int, stream: UInt64) -> SeededGenerator {
        SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(sample + 1) &+ 0xD1B5_4A32_D192_ED03 &* stream)
    }

    static func transform(_ values: [Double], _ spec: PDEProblem.RandomField) -> [Double] {
        switch spec.transform {
        case .lognormal: return values.map { Foundation.exp(spec.mean + $0) }
        case .gaussian: return values.map { spec.mean + $0 }
        case .logistic: return values.map { 1 / (1 + Foundation.exp(-(spec.mean + $0))) }
        }
    }

    func pointCoordinates() -> [String: [Double]] {
        let names = PDEProblem.coordinates(resolved.grid.dimension)
        let points = (0..<resolved.grid.pointCount).map(resolved.grid.point)
        var result: [String: [Double]] = [:]
        for (d, name) in names.enumerated() { result[name] = points.map { $0[d] } }
        return result
    }

    /// The output times (transient problems): `t = 0` and the file's output times.
    var outputTimes: [Double] { resolved.problem.time?.times ?? [] }

    /// One sample's inputs and solutions.
    struct SampleResult {
        var coefficient: [Double]
        var solutions: [Double]  // geometries × (times ×) points
        var family: Int
        var parameters: [Double]
        var reactionCoefficients: [Double]
        var residual: Double
    }

    static let maximumDegree = ReferenceLimits.maximumDegree

    /// Sample `k`'s inputs and its solution on the geometries `geometries`.
    func solveSample(_ k: Int, geometries: Range<Int>, seed: UInt64, coordinates: [String: [Double]]) throws -> SampleResult {
        let problem = resolved.problem
        let grid = resolved.grid
        let n = grid.pointCount
        var params = Self.generator(seed: seed, sample: k, stream: 1)
        let parameterValues = problem.parameters.map { p in p.range.lowerBound + (p.range.upperBound - p.range.lowerBound) * params.nextUnitDouble() }
        var bindings: [String: Double] = [:]
        for (p, v) in zip(problem.parameters, parameterValues) { bindings[p.name] = v }
        var coefficient: [Double]
        switch problem.coefficient {
        case let .expression(e): coefficient = e.evaluate(coordinates.merging(bindings.mapValues { [$0] }) { a, _ in a }, count: n)
        case let .random(spec):
            var g = Self.generator(seed: seed, sample: k, stream: 0)
            coefficient = Self.transform(coefficientField!.sample(using: &g), spec)
        case .file:
            let field = resolved.coefficientFile!
            coefficient = (0..<n).map { field.value(at: grid.point($0)) }
        }
        let family = problem.reactions.isEmpty ? 0 : k % problem.reactions.count
        var reactionCoefficients = [Double](repeating: 0, count: Self.maximumDegree + 1)
        if !problem.reactions.isEmpty {
            let c = try problem.reactions[family].expression.polynomialCoefficients(in: "u", bindings: bindings, maximumDegree: Self.maximumDegree)
            for (i, v) in c.enumerated() { reactionCoefficients[i] = v }
        }
        var solutions: [Double] = []
        var residual = 0.0
        if let time = problem.time {
            var initial: [Double]
            switch problem.initial! {
            case let .expression(e): initial = e.evaluate(coordinates, count: n)
            case let .random(spec):
                var g = Self.generator(seed: seed, sample: k, stream: 2)
                initial = Self.transform(initialField!.sample(using: &g), spec)
            }
            let source: (Double) -> [Double] = { t in
                var c = coordinates
                c["t"] = [t]
                return problem.source.evaluate(c, count: n)
            }
            var reaction: TimeStepper.Reaction?
            if !problem.reactions.isEmpty {
                let r = problem.reactions[family].expression, dr = reactionDerivatives[family]
                let b = bindings
                reaction = TimeStepper.Reaction(
                    value: { u in var x = b; x["u"] = u; return r.evaluate(x) },
                    derivative: { u in var x = b; x["u"] = u; return dr.evaluate(x) })
            }
            for g in geometries {
                let (mask, solver, plan) = (resolved.masks[g], steadySolvers[g], boundaryPlans[g])
                let stepper = try TimeStepper(spatial: solver, diffusivity: coefficient)
                let q = problem.source == .number(0) ? nil : source
                let fields = time.outputTimes == nil
                    ? try stepper.integrate(initial: initial, timeStep: time.end / Double(time.steps), steps: time.steps, scheme: time.scheme.scheme,
                                            reaction: reaction, boundary: { plan.values(time: $0) }, source: q, recordEvery: time.steps / time.outputs)
                    : try stepper.integrate(initial: initial, through: Array(time.times.dropFirst()), steps: time.stepsPerOutput,
                                            scheme: time.scheme.scheme, reaction: reaction, boundary: { plan.values(time: $0) }, source: q)
                guard fields.allSatisfy({ zip($0, mask).allSatisfy { $0.isFinite || !$1 } }) else {
                    throw problem.error(at: "time", "the solution became NaN or infinite for sample \(k); reduce the time step")
                }
                solutions += fields.flatMap { $0 }
                residual = Swift.max(residual, stepper.maximumLinearResidual)
            }
        } else {
            let source = problem.source.evaluate(coordinates, count: n)
            for g in geometries {
                let (solver, plan) = (steadySolvers[g], boundaryPlans[g])
                let solution = try solver.solve(permeability: coefficient, source: source, boundary: plan.values())
                solutions += solution.values
                residual = Swift.max(residual, solution.relativeResidual)
            }
        }
        return SampleResult(coefficient: coefficient, solutions: solutions, family: family, parameters: parameterValues,
                            reactionCoefficients: reactionCoefficients, residual: residual)
    }

    /// The NetCDF variable of parameter `name`: the name itself, or `parameter_<name>` when the
    /// name is taken by another variable or dimension of the file (e.g. a parameter `D` in a
    /// reaction–diffusion file, whose diffusivity field is `D`).
    static func parameterVariable(_ name: String, taken: Set<String>) -> String {
        taken.contains(name) ? "parameter_\(name)" : name
    }

    /// Solves `samples` samples and writes them to `path`.
    ///
    /// `shouldStop` is polled between batches (e.g. set from a signal handler); when it returns
    /// true the file is closed cleanly with the samples done so far.
    /// - Throws: ``ProblemFileError`` for inputs the solver rejects, solver errors naming the
    ///   matrix, ``NetCDFError`` for the file.
    ///
    /// Under MPI (`communicator` of several ranks) every batch of samples is split by index
    /// across the ranks (``Communicator/share(of:)``), each rank's results reach rank 0 in one
    /// broadcast per rank, and rank 0 alone writes the file — the same file, bit for bit, as one
    /// process writes. A failed sample stops every rank (rank 0 solves it again to report why); a
    /// stop request on any rank stops all after the batch.
    public func generate(
        path: String, samples: Int, seed: UInt64, progress: Progress? = nil, shouldStop: (@Sendable () -> Bool)? = nil,
        communicator: Communicator = .single
    ) throws -> Report {
        let problem = resolved.problem
        let grid = resolved.grid
        let names = PDEProblem.coordinates(grid.dimension)
        let axes = Array(names.reversed())  // NetCDF order: (z, y, x), x fastest
        let coordinates = pointCoordinates()
        let times = outputTimes
        let timeAxis = times.isEmpty ? [] : ["t"]
        let coefficientName = ["darcy": "K", "heat": "kappa", "reaction-diffusion": "D"][problem.pde.rawValue]!
        var dimensions: [FieldFileWriter.Dimension] = [.init("sample", length: nil), .init("geometry", length: problem.geometries.count)]
        if !times.isEmpty { dimensions.append(.init("t", length: times.count)) }
        dimensions += axes.map { .init($0, length: grid.pointsPerAxis[names.firstIndex(of: $0)!]) }
        var coordinateVariables: [FieldFileWriter.Coordinate] = names.enumerated().map { d, name in
            .init(dimension: name, values: grid.coordinates(axis: d), units: "1", longName: "\(name) coordinate")
        }
        if !times.isEmpty { coordinateVariables.append(.init(dimension: "t", values: times, units: "1", longName: "time")) }
        var variables: [FieldFileWriter.Variable] = [
            .init("mask", dimensions: ["geometry"] + axes, units: "1", longName: "1 inside the geometry, 0 outside"),
            .init(coefficientName, dimensions: ["sample"] + axes, units: "1", longName: problem.pde.coefficientKey),
            .init("u", dimensions: ["sample", "geometry"] + timeAxis + axes, units: "1", longName: "solution (NaN outside the geometry)",
                  attributes: problem.reactions.isEmpty ? [:] : ["coordinates": "family_name"]),
            // The sample axis's coordinate: each sample's inputs come from the seed and this index.
            .init("sample", dimensions: ["sample"], units: "1", longName: "sample index"),
        ]
        if problem.time == nil { variables.append(.init("f", dimensions: axes, units: "1", longName: "source term")) }
        if !problem.reactions.isEmpty {
            dimensions.append(.init("power", length: Self.maximumDegree + 1))
            // The family as CF flags (index with its meanings) and as a string coordinate, so that
            // xarray selects by name: ds.set_xindex("family_name").sel(family_name="fisher").
            variables.append(.init("family", dimensions: ["sample"], units: "1", longName: "reaction family index (see tandem_reactions)",
                                   attributes: ["flag_meanings": problem.reactions.map { $0.name.replacingOccurrences(of: " ", with: "_") }.joined(separator: " ")],
                                   numericAttributes: ["flag_values": problem.reactions.indices.map(Double.init)]))
            variables.append(.labels("family_name", dimensions: ["sample"], longName: "reaction family"))
            variables.append(.init("reaction_coefficients", dimensions: ["sample", "power"], units: "1", longName: "coefficients c_k of R(u) = sum_k c_k u^k"))
        }
        // Geometry-family parameters, one value per geometry (NaN for geometries of other families).
        var familyParameters: [String] = []
        for g in problem.geometries { for p in g.parameters where !familyParameters.contains(p.name) { familyParameters.append(p.name) } }
        for name in familyParameters {
            variables.append(.init("geometry_\(name)", dimensions: ["geometry"], units: "1", longName: "geometry family parameter \(name)"))
        }
        let taken = Set(variables.map(\.name) + problem.pinnAxes + ["u", "mask", "sample", "geometry", "time", "power"])
        for p in problem.parameters {
            variables.append(.init(Self.parameterVariable(p.name, taken: taken), dimensions: ["sample"], units: "1",
                                   longName: "parameter \(p.name), uniform on [\(p.range.lowerBound), \(p.range.upperBound)]"))
        }
        var attributes = [
            "title": "Tandem reference solutions: \(problem.name)",
            "tandem_version": TandemVersion.string,
            "tandem_problem_file": problem.file,
            "tandem_problem": problem.text,
            "tandem_seed": String(seed),
            "tandem_geometries": problem.geometries.map(\.name).joined(separator: ";"),
            "tandem_pde": problem.pde.rawValue,
            "tandem_solver": solverDescription,
        ]
        if !problem.reactions.isEmpty {
            attributes["tandem_reactions"] = problem.reactions.map { "\($0.name): \($0.expression)" }.joined(separator: "; ")
        }
        // Rank 0 alone writes; the other ranks solve their shares and send them.
        let writer = communicator.isRoot
            ? try FieldFileWriter(path: path, dimensions: dimensions, coordinates: coordinateVariables, variables: variables, attributes: attributes)
            : nil
        try writer?.write("mask", values: resolved.masks.flatMap { $0.map { $0 ? 1.0 : 0.0 } })
        for name in familyParameters {
            try writer?.write("geometry_\(name)", values: problem.geometries.map { g in g.parameters.first { $0.name == name }?.value ?? .nan })
        }
        if problem.time == nil { try writer?.write("f", values: problem.source.evaluate(coordinates, count: grid.pointCount)) }

        // Reuse freed buffers instead of returning them to the kernel (see AllocatorTuning).
        _ = AllocatorTuning.isApplied
        let start = Date()
        // Samples run concurrently, one per core: BLAS calls inside each factorisation stay
        // single-threaded instead of contending with the other samples.
        return try BLASRuntime.withSingleThreadedCalls {
        // Ranks on one host share its cores.
        let cores = Swift.max(ProcessInfo.processInfo.activeProcessorCount / Communicator.ranksOnThisHost, 1)
        let batch = Swift.max(8 * cores * communicator.size / problem.geometries.count, 1)
        // Each batch is written (compressed, appended, flushed) on this thread after it is solved.
        // (Writing on a background queue while the next batch is solved was faster but crashed
        // reaction–diffusion runs in release builds; NetCDF-C and HDF5 are not thread-safe.)
        var maximumResidual = 0.0
        var done = 0
        var interrupted = false
        while done < samples {
            if try communicator.any(shouldStop?() == true) {
                interrupted = true
                break
            }
            let count = Swift.min(batch, samples - done)
            let first = done
            // This rank's samples of the batch (all of them without MPI).
            let mine = communicator.share(of: count)
            // One task per sample when there are enough samples to keep every core busy, else
            // one per (sample, geometry), so that few samples on many geometries use every
            // core too (each task then draws its sample's inputs again; they are cheap).
            let split = mine.count < 2 * cores ? problem.geometries.count : 1
            let geometriesPerTask = problem.geometries.count / split
            let results = ResultBox<SampleResult>(count: mine.count * split)
            DispatchQueue.concurrentPerform(iterations: mine.count * split) { task in
                let (i, part) = task.quotientAndRemainder(dividingBy: split)
                let geometries = part * geometriesPerTask..<(part + 1) * geometriesPerTask
                results.set(task, Result { try self.solveSample(first + mine.lowerBound + i, geometries: geometries, seed: seed, coordinates: coordinates) })
            }
            var solved: [Result<SampleResult, Error>] = (0..<mine.count).map { i in
                Result {
                    var r = try results.get(i * split)
                    for part in 1..<split where split > 1 {
                        let more = try results.get(i * split + part)
                        r.solutions += more.solutions
                        r.residual = Swift.max(r.residual, more.residual)
                    }
                    return r
                }
            }
            if communicator.isDistributed {
                solved = try exchange(solved, batch: first..<(first + count), seed: seed, coordinates: coordinates, communicator: communicator)
            }
            var rows: [(fields: [String: [Double]], labels: [String: [String]])] = []
            for i in 0..<count {
                let r = try solved[i].get()
                maximumResidual = Swift.max(maximumResidual, r.residual)
                var fields = [coefficientName: r.coefficient, "u": r.solutions, "sample": [Double(first + i)]]
                var labels: [String: [String]] = [:]
                if !problem.reactions.isEmpty {
                    fields["family"] = [Double(r.family)]
                    labels["family_name"] = [problem.reactions[r.family].name]
                    fields["reaction_coefficients"] = r.reactionCoefficients
                }
                for (p, v) in zip(problem.parameters, r.parameters) { fields[Self.parameterVariable(p.name, taken: taken)] = [v] }
                rows.append((fields, labels))
            }
            for (fields, labels) in rows { try writer?.appendSample(fields, labels: labels, flush: false) }
            try writer?.flush()
            done += count
            progress?(done, samples, Date().timeIntervalSince(start))
        }
        try writer?.close()
        let described = variables.map { "\($0.name)(\($0.dimensions.joined(separator: ", ")))" }
        return Report(path: path, samples: done, seconds: Date().timeIntervalSince(start), maximumResidual: maximumResidual,
                      unknownsPerGeometry: steadySolvers.map(\.unknownPoints.count), interrupted: interrupted, variables: described)
        }
    }
}

extension ReferenceDataset {
    /// Every rank's results for `batch` on every rank: each rank packs its share (one record
    /// per sample: status, residual, family, coefficient, solutions, parameters, reaction
    /// coefficients) and broadcasts it; broadcasts keep every bit (NaN outside the geometry,
    /// signed zeros). A sample that failed on its rank is solved again here on rank 0, which
    /// then throws its error; the other ranks throw ``AnotherRankFailed``.
    func exchange(_ mine: [Result<SampleResult, Error>], batch: Range<Int>, seed: UInt64, coordinates: [String: [Double]],
                  communicator: Communicator) throws -> [Result<SampleResult, Error>] {
        let problem = resolved.problem
        let n = resolved.grid.pointCount
        let fields = problem.geometries.count * Swift.max(outputTimes.count, 1) * n
        let width = 3 + n + fields + problem.parameters.count + Self.maximumDegree + 1
        var buffer = [Double](repeating: 0, count: batch.count * width)
        let share = communicator.share(of: batch.count)
        for (i, result) in mine.enumerated() {
            let offset = (share.lowerBound + i) * width
            guard case let .success(r) = result else {
                buffer[offset] = 1
                continue
            }
            precondition(r.coefficient.count == n && r.solutions.count == fields && r.reactionCoefficients.count == Self.maximumDegree + 1,
                         "sample record sizes")
            let record = [0, r.residual, Double(r.family)] + r.coefficient + r.solutions + r.parameters + r.reactionCoefficients
            buffer.replaceSubrange(offset..<(offset + width), with: record)
        }
        for rank in 0..<communicator.size {
            let theirs = Communicator.share(of: batch.count, rank: rank, size: communicator.size)
            try communicator.broadcast(&buffer, range: (theirs.lowerBound * width)..<(theirs.upperBound * width), from: rank)
        }
        var results: [Result<SampleResult, Error>] = []
        for i in 0..<batch.count {
            let record = buffer[(i * width)..<((i + 1) * width)]
            guard record.first == 0 else {
                if communicator.isRoot {
                    // The owner's error, reproduced (samples are deterministic by seed and index).
                    _ = try solveSample(batch.lowerBound + i, geometries: 0..<problem.geometries.count, seed: seed, coordinates: coordinates)
                }
                throw AnotherRankFailed(what: "sample \(batch.lowerBound + i)")
            }
            var at = record.startIndex + 3
            func take(_ count: Int) -> [Double] {
                defer { at += count }
                return Array(record[at..<(at + count)])
            }
            let coefficient = take(n), solutions = take(fields), parameters = take(problem.parameters.count)
            let reactions = take(Self.maximumDegree + 1)
            results.append(.success(SampleResult(coefficient: coefficient, solutions: solutions, family: Int(record[record.startIndex + 2]),
                                                 parameters: parameters, reactionCoefficients: reactions, residual: record[record.startIndex + 1])))
        }
        return results
    }
}

/// Work stopped on this rank because it failed on another (rank 0 reports the reason).
public struct AnotherRankFailed: Error, CustomStringConvertible {
    /// What failed: `"sample 12"`, `"preparing the run"`.
    public let what: String
    /// The message.
    public var description: String { "\(what) failed on another MPI rank; rank 0 reports why" }
}

/// Results of concurrent work, filled concurrently (each index by one worker).
final class ResultBox<Value>: @unchecked Sendable {
    private var results: [Result<Value, Error>?]
    private let lock = NSLock()
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<Value, Error>) { lock.withLock { results[i] = r } }
    func get(_ i: Int) throws -> Value { try lock.withLock { results[i]! }.get() }
}

/// Tandem's version, written into files it produces.
public enum TandemVersion {
    /// The version string.
    public static let string = "0.1.0"
}

import Foundation
import TandemCore
import TandemIO
import TandemOperators
import TandemSpec

extension OperatorDataset {
    /// Refuses a file whose coordinate variables are not the problem's grid (and output times):
    /// reversed, shifted or of another spacing, they would pair every value with the wrong point.
    /// A file without them is read by its shape.
    /// - Throws: ``ProblemFileError`` at `reference.grid` naming the axis and both sets of values.
    static func checkCoordinates(_ reader: FieldFileReader, path: String, resolved: ResolvedProblem) throws {
        let grid = resolved.grid, problem = resolved.problem
        var axes = PDEProblem.coordinates(grid.dimension).enumerated().map { ($1, grid.coordinates(axis: $0)) }
        if let time = problem.time { axes.append(("t", time.times)) }
        for (name, expected) in axes {
            // A file without coordinate variables (inputs written by hand) is read by its shape.
            guard (try? reader.variableNames)?.contains(name) == true else { continue }
            guard let values = try? reader.values(name, expectedShape: [expected.count]) else {
                throw problem.error(at: "reference.grid", "\(path): coordinate \(name) is not a variable of length \(expected.count), as the problem's grid needs")
            }
            let scale = Swift.max(expected.map(Swift.abs).max() ?? 1, 1)
            if let i = expected.indices.first(where: { !(Swift.abs(values[$0] - expected[$0]) <= 1e-9 * scale) }) {
                func show(_ v: [Double]) -> String { "\(v.first ?? .nan) … \(v.last ?? .nan)" }
                throw problem.error(at: "reference.grid", "\(path): coordinate \(name)[\(i)] is \(values[i]), the problem's grid has \(expected[i]) (file \(show(values)), problem \(show(expected)))")
            }
        }
    }

    /// Reads `path` (written by `tandem solve` for `resolved`) and arranges it for `model`.
    /// - Throws: ``ProblemFileError`` when the file does not match the problem (variables,
    ///   shapes, geometries), naming both sides; ``NetCDFError`` for unreadable files.
    /// - Parameter branchStatistics: the standardisation of the branch input (see
    ///   ``OperatorDataset/branchStatistics``) to apply instead of computing it from the training functions, as a
    ///   trained model needs for new data.
    /// - Parameter prediction: arrange every function of the file for prediction (all in
    ///   ``OperatorDataset/test``, none in ``OperatorDataset/train``); the solution `u` may then be missing (targets are 0), except
    ///   for the functional form, whose initial condition is `u` at `t = 0`.
    public init(path: String, resolved: ResolvedProblem, model: PDEProblem.Model, training: PDEProblem.Training,
                branchStatistics: [Double]? = nil, prediction: Bool = false) throws {
        let (split, seed) = (training.split, training.seed)
        let problem = resolved.problem
        let reader = try FieldFileReader(path: path)
        let grid = resolved.grid
        let n = grid.pointCount
        let geometryCount = problem.geometries.count
        let transient = problem.time != nil
        let times = transient ? problem.time!.times.count : 1
        guard !prediction || branchStatistics != nil else {
            throw problem.error(at: "model.branch_input", "prediction needs the branch standardisation the model was trained with")
        }
        let hasSolution = try !prediction || reader.variableNames.contains("u")
        let fileSamples: Int
        if hasSolution {
            fileSamples = try reader.shape(of: "u").shape.first ?? 0
        } else {
            guard model.branchInput != .functionalForm else {
                throw problem.error(at: "model.branch_input", "\(path) has no u; the functional-form branch reads the initial condition from u at t = 0")
            }
            let coefficientName = ["darcy": "K", "heat": "kappa", "reaction-diffusion": "D"][problem.pde.rawValue]!
            fileSamples = model.branchInput == .fields ? try reader.shape(of: coefficientName).shape.first ?? 0 : 1
        }
        let u: (dimensions: [String], shape: [Int], values: [Double])
        let expected = [fileSamples, geometryCount] + (transient ? [times] : []) + grid.pointsPerAxis.reversed()
        if hasSolution {
            u = try reader.variable("u")
        } else {
            u = (["sample", "geometry"], expected, [Double](repeating: 0, count: expected.reduce(1, *)))
        }
        guard u.shape == expected, u.shape[0] >= 1 else {
            throw problem.error(at: "reference", "\(path) holds u with shape \(u.shape); the problem file gives \(expected) (samples, geometries\(transient ? ", times" : ""), grid)")
        }
        let fileGeometries = try reader.attribute("tandem_geometries").split(separator: ";").map(String.init)
        guard fileGeometries == problem.geometries.map(\.name) else {
            throw problem.error(at: "geometry", "\(path) was solved on geometries \(fileGeometries); the problem file declares \(problem.geometries.map(\.name))")
        }
        let samples = prediction ? u.shape[0] : Swift.min(u.shape[0], training.samplesNeeded)
        let used = (0..<geometryCount).filter { training.geometries?.contains(problem.geometries[$0].name) ?? true }
        var usedSamples = Array(0..<samples)
        if let families = training.families, !prediction {
            let family = try reader.values("family", expectedShape: [u.shape[0]])
            let wanted = Set(families.compactMap { name in problem.reactions.firstIndex { $0.name == name } })
            usedSamples = usedSamples.filter { wanted.contains(Int(family[$0])) }
        }
        let functions = usedSamples.flatMap { s in used.map { (sample: s, geometry: $0) } }
        let geometryNames = problem.geometries.map(\.name)
        let gridPoints = grid.pointsPerAxis
        let fileMasks = try reader.values("mask", expectedShape: [geometryCount] + grid.pointsPerAxis.reversed())
        try Self.checkCoordinates(reader, path: path, resolved: resolved)

        // Points and targets.
        let d = grid.dimension
        let firstTime = transient ? 1 : 0
        var points: [Float] = []
        for ti in firstTime..<times {
            for p in 0..<n {
                points += grid.point(p).map(Float.init)
                if transient { points.append(Float(problem.time!.times[ti])) }
            }
        }
        let pointDimension = d + (transient ? 1 : 0)
        let timeCount = times - firstTime
        let m = (times - firstTime) * n
        var targets = [Float](repeating: 0, count: functions.count * m)
        var masks = [Float](repeating: 0, count: functions.count * m)
        for (f, (s, g)) in functions.enumerated() {
            for ti in firstTime..<times {
                let source = ((s * geometryCount + g) * times + ti) * n
                let destination = f * m + (ti - firstTime) * n
                for p in 0..<n where fileMasks[g * n + p] == 1 {
                    let value = u.values[source + p]
                    guard value.isFinite || !hasSolution else {
                        throw problem.error(at: "reference", "\(path): u is not finite inside geometry \(problem.geometries[g].name) (sample \(s))")
                    }
                    targets[destination + p] = Float(value)
                    masks[destination + p] = 1
                }
            }
        }

        // Tasks: reaction families, else geometries (families of geometries count as one task each).
        let tasks: [Int], taskNames: [String]
        if problem.pde == .reactionDiffusion {
            let family = try reader.values("family", expectedShape: [u.shape[0]])
            tasks = functions.map { Int(family[$0.sample]) }
            taskNames = problem.reactions.map(\.name)
        } else {
            let families = used.map { problem.geometries[$0].family }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            tasks = functions.map { families.firstIndex(of: problem.geometries[$0.geometry].family)! }
            taskNames = families
        }

        // Split.
        var train: [Int] = [], test: [Int] = []
        switch prediction ? .samples(train: 0, test: samples) : split {
        case let .random(fraction):
            // Whole samples are split (every geometry of a sample lands on the same side), from a
            // permutation of all the samples read, so that a run restricted to some families or
            // geometries trains and tests on the same samples as the full run.
            var generator = SeededGenerator(seed: seed &+ 0x5EED)
            var order = Array(0..<samples)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            let cut = Swift.max(1, Swift.min(order.count - 1, Int((Double(order.count) * fraction).rounded())))
            let trainSamples = Set(order[..<cut])
            for (f, fn) in functions.enumerated() {
                if trainSamples.contains(fn.sample) { train.append(f) } else { test.append(f) }
            }
        case let .samples(trainCount, testCount):
            guard samples >= trainCount + testCount else {
                throw problem.error(at: "transfer", "\(path) holds \(samples) samples; \(trainCount) training and \(testCount) test samples are needed")
            }
            for (f, fn) in functions.enumerated() {
                if fn.sample < trainCount { train.append(f) } else if fn.sample < trainCount + testCount { test.append(f) }
            }
        case let .geometry(names):
            for (f, fn) in functions.enumerated() {
                if names.contains(problem.geometries[fn.geometry].name) { train.append(f) } else { test.append(f) }
            }
        case let .parameter(name, values):
            for (f, fn) in functions.enumerated() {
                let v = problem.geometries[fn.geometry].parameters.first { $0.name == name }?.value
                if let v, values.contains(where: { Swift.abs($0 - v) < 1e-12 }) { train.append(f) } else { test.append(f) }
            }
        }
        guard (!train.isEmpty || prediction), !test.isEmpty else {
            throw problem.error(at: "training.split", "the split leaves \(train.count) training and \(test.count) test functions; both need at least one")
        }

        // Branch inputs.
        let branchInputs: [Float], branchShape: [Int], usedStatistics: [Double]
        switch model.branchInput {
        case .fields:
            guard d == 2 else { throw problem.error(at: "model.branch_input", "fields need a 2-D problem") }
            let coefficientName = ["darcy": "K", "heat": "kappa", "reaction-diffusion": "D"][problem.pde.rawValue]!
            let k = try reader.values(coefficientName, expectedShape: [u.shape[0]] + grid.pointsPerAxis.reversed())
            if let bad = k.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw problem.error(at: "reference", "\(path): \(coefficientName) is \(k[bad]) at sample \(bad / n), grid point \(bad % n); a coefficient field must be finite and positive")
            }
            let logK = k.map { Foundation.log(Swift.max($0, 1e-300)) }
            // Standardised with the training samples' mean and deviation.
            let trainSamples = Set(train.map { functions[$0].sample })
            var sum = 0.0, square = 0.0, count = 0.0
            for s in trainSamples { for p in 0..<n { sum += logK[s * n + p]; square += logK[s * n + p] * logK[s * n + p]; count += 1 } }
            let statistics = branchStatistics ?? [sum / count, Swift.max((square / count - (sum / count) * (sum / count)).squareRoot(), 1e-12)]
            guard statistics.count == 2 else {
                throw problem.error(at: "model.branch_input", "the saved input standardisation has \(statistics.count) values; fields need 2 (mean and deviation of log K)")
            }
            let (mean, deviation) = (statistics[0], statistics[1])
            usedStatistics = statistics
            // Channels: standardised log K, then (unless the model leaves it out) the mask.
            let channels = model.maskChannel ? 2 : 1
            var inputs = [Float](repeating: 0, count: functions.count * channels * n)
            for (f, (s, g)) in functions.enumerated() {
                for p in 0..<n {
                    inputs[f * channels * n + p] = Float((logK[s * n + p] - mean) / deviation)
                    if model.maskChannel { inputs[f * channels * n + n + p] = Float(fileMasks[g * n + p]) }
                }
            }
            branchInputs = inputs
            branchShape = [channels, grid.pointsPerAxis[1], grid.pointsPerAxis[0]]
        case .parameters:
            let names = problem.geometries.flatMap { $0.parameters.map(\.name) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let raw = functions.map { fn in names.map { name in problem.geometries[fn.geometry].parameters.first { $0.name == name }?.value ?? 0 } }
            let computed = names.indices.flatMap { j -> [Double] in
                let values = train.map { raw[$0][j] }
                let mean = values.reduce(0, +) / Double(values.count)
                let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
                return [mean, deviation > 1e-12 ? deviation : 1]
            }
            let statistics = branchStatistics ?? computed
            guard statistics.count == computed.count else {
                throw problem.error(at: "model.branch_input", "the saved input standardisation has \(statistics.count) values; \(names.count) parameters need \(computed.count)")
            }
            usedStatistics = statistics
            let scale = names.indices.map { (statistics[2 * $0], statistics[2 * $0 + 1]) }
            branchInputs = raw.flatMap { row in row.enumerated().map { Float(($1 - scale[$0].0) / scale[$0].1) } }
            branchShape = [names.count]
        case .functionalForm:
            let width = ReferenceLimits.maximumDegree + 1
            let coefficients = try reader.values("reaction_coefficients", expectedShape: [u.shape[0], width])
            // The constant term R(0) is left out when no sample has one (every family vanishes at
            // u = 0, as Fisher–KPP and its relatives do): degree 4 then gives 4 coefficients.
            let largest = coefficients.map(Swift.abs).max() ?? 0
            let constant = (0..<samples).contains { Swift.abs(coefficients[$0 * width]) > 1e-12 * Swift.max(largest, 1) }
            let powers = (constant ? 0 : 1)...model.encodingDegree
            var inputs: [Float] = []
            for (s, g) in functions {
                inputs += powers.map { Float(coefficients[s * width + $0]) }
                let initial = ((s * geometryCount + g) * times) * n
                inputs += (0..<n).map { p in fileMasks[g * n + p] == 1 ? Float(u.values[initial + p]) : 0 }
            }
            branchInputs = inputs
            branchShape = [powers.count + n]
            usedStatistics = []
        }
        self.init(functions: functions, branchInputs: branchInputs, branchShape: branchShape, points: points, pointDimension: pointDimension,
                  targets: targets, masks: masks, tasks: tasks, taskNames: taskNames, train: train, test: test,
                  branchStatistics: usedStatistics, hasSolution: hasSolution, geometryNames: geometryNames, gridPoints: gridPoints, timeCount: timeCount)
    }
}

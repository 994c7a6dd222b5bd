import Foundation
import TandemIO
import TandemOperators
import TandemSpec

/// Operator predictions as NetCDF, in the conventions of the solver's files: one `function`
/// per (sample, geometry) with its `sample` and `geometry_index`, the prediction `u` on the
/// solver's grid (NaN outside the geometry), the geometry `mask`, and, when the reference is
/// known, `u_reference`, `abs_error` and the per-sample `relative_l2`.
public enum PredictionFile {
    /// Writes `predictions` (`[functions, m]`, physical units) of `dataset`'s `functions` to
    /// `path`; with the dataset's solution also `u_reference`, `abs_error` and `relative_l2`.
    public static func write(to path: String, run: OperatorRun, dataset: OperatorDataset, functions: [Int], predictions: [Float],
                             relativeErrors: [Double]?, attributes extra: [String: String]) throws {
        let problem = run.resolved.problem
        let grid = run.resolved.grid
        let names = PDEProblem.coordinates(grid.dimension)
        let axes = Array(names.reversed())
        let count = functions.count
        let transient = problem.time != nil
        var dimensions: [FieldFileWriter.Dimension] = [.init("function", length: count), .init("geometry", length: problem.geometries.count)]
        if transient { dimensions.append(.init("t", length: dataset.timeCount)) }
        dimensions += axes.map { .init($0, length: grid.pointsPerAxis[names.firstIndex(of: $0)!]) }
        var coordinates: [FieldFileWriter.Coordinate] = names.enumerated().map { d, name in
            .init(dimension: name, values: grid.coordinates(axis: d), units: "1", longName: "\(name) coordinate")
        }
        if transient {
            coordinates.append(.init(dimension: "t", values: Array(problem.time!.times.dropFirst()), units: "1", longName: "time"))
        }
        let field = ["function"] + (transient ? ["t"] : []) + axes
        let withReference = dataset.hasSolution && relativeErrors != nil
        var variables: [FieldFileWriter.Variable] = [
            .init("sample", dimensions: ["function"], units: "1", longName: "reference sample index"),
            .init("geometry_index", dimensions: ["function"], units: "1", longName: "geometry index (see tandem_geometries)"),
            .init("u", dimensions: field, units: "1", longName: "network prediction (NaN outside the geometry)"),
            .init("mask", dimensions: ["geometry"] + axes, units: "1", longName: "1 inside the geometry, 0 outside"),
        ]
        if withReference {
            variables += [
                .init("u_reference", dimensions: field, units: "1", longName: "reference solution (NaN outside the geometry)"),
                .init("abs_error", dimensions: field, units: "1", longName: "absolute error |u - u_reference|"),
                .init("relative_l2", dimensions: ["function"], units: "1", longName: "per-sample relative L2 error"),
            ]
        }
        var attributes = [
            "title": "Tandem operator predictions: \(problem.name)",
            "tandem_version": TandemVersion.string,
            "tandem_problem": problem.text,
            "tandem_geometries": problem.geometries.map(\.name).joined(separator: ";"),
            "tandem_profile": run.profile,
        ]
        attributes.merge(extra) { $1 }
        let writer = try FieldFileWriter(path: path, dimensions: dimensions, coordinates: coordinates, variables: variables, attributes: attributes)
        let m = dataset.pointCount
        var prediction = [Double](repeating: .nan, count: count * m), reference = prediction, error = prediction
        for (row, f) in functions.enumerated() {
            for j in 0..<m where dataset.masks[f * m + j] == 1 {
                let p = Double(predictions[row * m + j]), u = Double(dataset.targets[f * m + j])
                prediction[row * m + j] = p
                reference[row * m + j] = u
                error[row * m + j] = Swift.abs(p - u)
            }
        }
        try writer.write("sample", values: functions.map { Double(dataset.functions[$0].sample) })
        try writer.write("geometry_index", values: functions.map { Double(dataset.functions[$0].geometry) })
        try writer.write("u", values: prediction)
        if withReference {
            try writer.write("u_reference", values: reference)
            try writer.write("abs_error", values: error)
            try writer.write("relative_l2", values: relativeErrors!)
        }
        try writer.write("mask", values: run.resolved.masks.flatMap { $0.map { $0 ? 1.0 : 0.0 } })
        try writer.close()
    }
}

/// `tandem predict`: a trained run applied to new inputs.
public struct OperatorPrediction {
    /// The inputs, arranged as for training (all functions to predict).
    public let dataset: OperatorDataset
    /// The comparison when the input file holds solutions, else `nil`.
    public let comparison: OperatorComparison?
    /// Physical predictions `[functions, m]`, 0 outside the geometry.
    public let predictions: [Float]
    /// Network seconds per function.
    public let secondsPerFunction: Double

    /// Predicts every function of `input` (a file in `tandem solve`'s layout for the run's problem,
    /// e.g. solved with another seed; the solution `u` may be absent) and writes `output`.
    /// - Throws: ``ProblemFileError`` when the input does not fit the problem (naming both sides);
    ///   checkpoint and NetCDF errors.
    public init(run: OperatorRun, input: String, output: String) throws {
        let scaling = try OutputScaling.read(from: run.path("scaling.safetensors"))
        let dataset = try OperatorDataset(path: input, resolved: run.resolved, model: run.resolved.problem.model, training: run.training,
                                          branchStatistics: scaling.branchStatistics, prediction: true)
        let (model, _, step) = try run.trainedModel(dataset: dataset)
        let extra = ["tandem_model": OperatorModel.describe(model), "tandem_checkpoint_step": String(step), "tandem_input": input]
        if dataset.hasSolution {
            let comparison = OperatorComparison(model: model, scaling: scaling, dataset: dataset, solverSecondsPerFunction: run.solverSecondsPerFunction)
            (self.comparison, predictions, secondsPerFunction) = (comparison, comparison.predictions, comparison.inferenceSeconds)
        } else {
            let (raw, seconds) = OperatorComparison.predict(model: model, scaling: scaling, dataset: dataset, functions: dataset.test)
            let m = dataset.pointCount
            predictions = raw.enumerated().map { i, v in v * dataset.masks[dataset.test[i / m] * m + i % m] }
            (comparison, secondsPerFunction) = (nil, seconds)
        }
        self.dataset = dataset
        try PredictionFile.write(to: output, run: run, dataset: dataset, functions: dataset.test, predictions: predictions,
                                 relativeErrors: comparison?.relativeErrors, attributes: extra)
    }
}

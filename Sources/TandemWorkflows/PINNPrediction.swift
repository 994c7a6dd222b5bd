import Foundation
import TandemCore
import TandemIO
import TandemPINN
import TandemSpec

/// A trained PINN evaluated at the points of a NetCDF file — `tandem predict` for a PINN run:
/// 1-D variables named after the axes (`x`, `y`, `t`, …, the layout of `tandem observe`), with
/// `u` optional; the output holds the points, `u` and, when the input had values, `u_reference`
/// and `abs_error`.
public struct PINNPrediction {
    /// Points evaluated.
    public let count: Int
    /// Seconds to evaluate the network at them.
    public let seconds: Double
    /// `‖u − u_in‖ / ‖u_in‖` when the input holds values of `u`.
    public let relativeL2: Double?

    /// Evaluates `run`'s trained network at the points in `input` and writes them to `output`.
    /// - Throws: ``ProblemFileError`` at `predict.input` for a missing axis variable, lengths
    ///   that differ, a non-finite value or a point outside the domain; checkpoint and NetCDF errors.
    public init(run: PINNRun, input: String, output: String) throws {
        let (model, _, _) = try run.trainedModel()
        let setup = try PINNProblem(run.resolved, training: run.training)
        let (points, reference) = try PINNProblem.pointFile(path: input, resolved: run.resolved, valuesRequired: false, key: "predict.input")
        let flat = points.inputs.scalars, d = run.resolved.problem.pinnAxes.count
        let count = points.count
        self.count = count
        let start = Date()
        var values: [Double] = []
        withoutGradient {
            for chunk in stride(from: 0, to: count, by: 16384) {
                let rows = Swift.min(16384, count - chunk)
                values += setup.solution(of: model, at: setup.points(Array(flat[chunk * d..<(chunk + rows) * d]))).scalars
            }
        }
        seconds = Date().timeIntervalSince(start)
        let axes = run.resolved.problem.pinnAxes
        var variables = axes.map { FieldFileWriter.Variable($0, dimensions: ["point"], units: "1", longName: $0 == "t" ? "time" : "coordinate \($0)") }
        variables.append(.init("u", dimensions: ["point"], units: "1", longName: "PINN prediction"))
        if reference != nil {
            variables.append(.init("u_reference", dimensions: ["point"], units: "1", longName: "u in the input file"))
            variables.append(.init("abs_error", dimensions: ["point"], units: "1", longName: "|prediction - u_reference|"))
        }
        let writer = try FieldFileWriter(
            path: output, dimensions: [.init("point", length: count)], coordinates: [], variables: variables,
            attributes: ["title": "\(run.resolved.problem.name): PINN predictions at \(count) points", "tandem_problem": run.resolved.problem.text,
                         "tandem_input": input, "tandem_version": TandemVersion.string])
        for (a, name) in axes.enumerated() { try writer.write(name, values: (0..<count).map { flat[$0 * d + a] }) }
        try writer.write("u", values: values)
        if let reference {
            let truth = reference.scalars
            try writer.write("u_reference", values: truth)
            try writer.write("abs_error", values: zip(values, truth).map { Swift.abs($0 - $1) })
            let e = zip(values, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, r = truth.reduce(0) { $0 + $1 * $1 }
            relativeL2 = (e / Swift.max(r, 1e-300)).squareRoot()
        } else {
            relativeL2 = nil
        }
        try writer.close()
    }
}

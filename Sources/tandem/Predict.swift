import ArgumentParser
import Foundation
import TandemMultiTask

/// `tandem predict runs/NAME --input inputs.nc --out out.nc`: a trained run on new inputs.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a trained run to new inputs (a NetCDF file in `tandem solve`'s layout, solution optional).")

    @Argument(help: "The run directory written by `tandem train` or `tandem transfer`.") var directory: String
    @Option(help: "Input file: e.g. `tandem solve FILE --seed 7 --out inputs.nc`; K (fields), or u at t = 0 and the reaction coefficients (functional form). For a PINN run: points as 1-D variables x, y, t, … (u optional), e.g. from `tandem observe`.") var input: String
    @Option(name: .shortAndLong, help: "Where the predictions go (NetCDF).") var out: String

    func run() throws {
        if PINNRun.isPINN(directory: directory) {
            let prediction = try PINNPrediction(run: try PINNRun(directory: directory), input: input, output: out)
            print("wrote \(out): the PINN at \(prediction.count) points in \(String(format: "%.3g", 1000 * prediction.seconds)) ms")
            if let error = prediction.relativeL2 { print(String(format: "against u in the input: relative L2 %.2f%%", 100 * error)) }
            return
        }
        let trained = try OperatorRun(directory: directory)
        let prediction = try OperatorPrediction(run: trained, input: input, output: out)
        print("wrote \(out): \(prediction.dataset.test.count) functions × \(prediction.dataset.pointCount) points, \(String(format: "%.3g", 1000 * prediction.secondsPerFunction)) ms per function")
        if let comparison = prediction.comparison, let overall = comparison.metrics.last {
            print(String(format: "against the solution in the input: global relative L2 %.2f%%, mean per-sample %.2f%%, worst %.2f%%",
                         100 * overall.globalRelativeL2, 100 * overall.meanRelativeL2, 100 * overall.worstRelativeL2))
        }
    }
}

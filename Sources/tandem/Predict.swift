import ArgumentParser
import TandemWorkflows

/// `tandem predict runs/NAME --input inputs.nc --out out.nc`: a trained run on new inputs.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a trained run to new inputs (a NetCDF file in `tandem solve`'s layout, solution optional).")

    @Argument(help: "The run directory written by `tandem train` or `tandem transfer`.") var directory: String
    @Option(help: "Input file: e.g. `tandem solve FILE --seed 7 --out inputs.nc`; K (fields), or u at t = 0 and the reaction coefficients (functional form). For a PINN run: points as 1-D variables x, y, t, … (u optional), e.g. from `tandem observe`.") var input: String
    @Option(name: .shortAndLong, help: "Where the predictions go (NetCDF).") var out: String

    func run() throws {
        for line in try ExperimentRegistry.trainedRun(directory).predict(input: input, output: out) { print(line) }
    }
}

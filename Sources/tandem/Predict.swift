import ArgumentParser
import TandemWorkflows

/// `tandem predict runs/NAME --input inputs.nc --out out.nc`: a trained run on new inputs.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a trained run to new inputs (a NetCDF file in `tandem solve`'s layout, solution optional).")

    @Argument(help: "The run directory written by `tandem train` or `tandem transfer`.") var directory: String
    @Option(help: "Input file: e.g. `tandem solve FILE --seed 7 --out inputs.nc`; K (fields), or u at t = 0 and the reaction coefficients (functional form). For a PINN run: points as 1-D variables x, y, t, … (u optional), e.g. from `tandem observe`. For an atoms run: an extended XYZ file.") var input: String
    @Option(name: .shortAndLong, help: "Where the predictions go (NetCDF; extended XYZ for an atoms run).") var out: String
    @Option(help: "An atoms run: the data set whose model, encoding and energy reference predict (default: the first).") var dataset: String?

    func run() throws {
        for line in try ExperimentRegistry.trainedRun(directory).predict(input: input, output: out, dataset: dataset) { print(line) }
    }
}

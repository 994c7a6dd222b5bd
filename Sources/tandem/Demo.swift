import ArgumentParser
import Foundation
import TandemCore
import TandemMultiTask

/// `tandem demo`: the built-in default job.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit an MLP to u(x, y) = sin(πx)·cos(πy) and report the error against the exact function.")

    @Option(help: "Training steps.") var steps = 3000
    @Option(help: "Points per step.") var batchSize = 256
    @Option(help: "Random seed; the same seed reproduces the run.") var seed: UInt64 = 0

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
    }

    func run() throws {
        var demo = FunctionFitDemonstration()
        demo.steps = steps
        demo.batchSize = batchSize
        demo.seed = seed
        print("Tandem demo: MLP \(demo.widths.map(String.init).joined(separator: "→")) (\(demo.activation.rawValue)), Adam, Float64")
        print("BLAS: \(BLASRuntime.configuration), kernels \(BLASRuntime.coreName), \(BLASRuntime.threadCount) threads")
        print("target u(x, y) = sin(πx)·cos(πy) on [−1, 1]², \(batchSize) random points a step, seed \(seed)")
        print("")
        print("   step        loss   learning rate   elapsed")
        let result = try demo.run { p in
            print(String(format: "%7d  %10.3e   %13.2e   %6.1f s", p.step, p.loss, p.learningRate, p.elapsedSeconds))
        }
        print("")
        print("parameters: \(result.parameterCount)")
        print(String(format: "loss: %.3e → %.3e (%.0f× lower) in %.1f s", result.initialLoss, result.finalLoss, result.initialLoss / result.finalLoss, result.seconds))
        print(String(format: "on a held-out 64×64 grid: relative L2 error %.2e, max |error| %.2e", result.relativeL2Error, result.maxAbsoluteError))
    }
}

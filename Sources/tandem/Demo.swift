import ArgumentParser
import Foundation
import TandemWorkflows

/// `tandem demo`: the built-in default job.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit an MLP to u(x, y) = sin(πx)·cos(πy) and report the error against the exact function.")

    @Option(help: "Adam steps.") var steps = 2000
    @Option(help: "Full-batch L-BFGS iterations after Adam (0 to skip).") var lbfgsIterations = 1500
    @Option(help: "Points per step.") var batchSize = 256
    @Option(help: "Random seed; the same seed reproduces the run.") var seed: UInt64 = 0

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
        guard lbfgsIterations >= 0 else { throw ValidationError("--lbfgs-iterations must be non-negative, got \(lbfgsIterations)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
    }

    func run() throws {
        var demo = FunctionFitDemonstration()
        demo.steps = steps
        demo.batchSize = batchSize
        demo.seed = seed
        demo.refinementIterations = lbfgsIterations
        print("Tandem demo: MLP \(demo.widths.map(String.init).joined(separator: "→")) (\(demo.activation.rawValue)), Adam then L-BFGS, Float64")
        print(NativeEnvironment.kernelsDescription)
        print("target u(x, y) = sin(πx)·cos(πy) on [−1, 1]², \(batchSize) random points a step, seed \(seed)")
        print("")
        print("   step        loss   learning rate   elapsed")
        let result = try demo.run { p in
            print(String(format: "%7d  %10.3e   %13.2e   %6.1f s", p.step, p.loss, p.learningRate, p.elapsedSeconds))
        }
        print("")
        print(String(format: "Adam: loss %.3e after %d steps", result.adamLoss, steps))
        if let report = result.refinement {
            print("L-BFGS on \(demo.refinementPoints) fixed points: stopped by \(report.reason.rawValue) after \(report.iterations) iterations, \(report.evaluations) evaluations")
            print(String(format: "        loss %.3e → %.3e, max |gradient| %.1e", report.initialLoss, report.finalLoss, report.gradientNorm))
        }
        print("parameters: \(result.parameterCount)")
        print(String(format: "loss: %.3e → %.3e (%.0f× lower) in %.1f s", result.initialLoss, result.finalLoss, result.initialLoss / result.finalLoss, result.seconds))
        print(String(format: "on a held-out 64×64 grid: relative L2 error %.2e, max |error| %.2e", result.relativeL2Error, result.maxAbsoluteError))
    }
}

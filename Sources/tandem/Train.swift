import ArgumentParser
import Foundation
import TandemMultiTask
import TandemSpec

/// `tandem train FILE --out runs/NAME`: reference data from the solver, then a DeepONet on it.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the problem file's model: a DeepONet on reference data (solved or reused), or a PINN on its residual.")

    @Argument(help: "The problem file (TOML).") var file: String
    @Option(name: .shortAndLong, help: "The run directory (default: runs/<problem name>).") var out: String?
    @Option(help: "Training profile: quick (minutes, [training.quick] overrides) or paper ([training] as written).") var profile: String = "quick"
    @Flag(help: "Continue the run in --out from its last checkpoint.") var resume = false

    func run() throws {
        let problem = try Problem(contentsOf: file)
        let directory = out ?? "runs/\(problem.name)"
        if problem.modelKind == .pinn {
            try trainPINN(try PINNRun(problemPath: file, directory: directory, profile: profile, resume: resume), resume: resume)
        } else {
            try train(try OperatorRun(problemPath: file, directory: directory, profile: profile, resume: resume), resume: resume)
        }
    }
}

/// `tandem transfer runs/NAME`: the trained operator fine-tuned on the `[transfer]` geometry.
struct Transfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a trained run on the problem file's [transfer] geometry, only the [transfer] trainable parameters free.")

    @Argument(help: "The run directory written by `tandem train`.") var source: String
    @Option(name: .shortAndLong, help: "The transfer run directory (default: <source>-transfer, or <source>-scratch).") var out: String?
    @Option(help: "Transfer profile: quick ([transfer.quick] overrides) or paper ([transfer] as written).") var profile: String = "quick"
    @Flag(help: "Train the same network from a random initialisation, every parameter free, on the same samples (the baseline).") var fromScratch = false
    @Flag(help: "Continue the run in --out from its last checkpoint.") var resume = false

    func run() throws {
        var trimmed = source
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let directory = out ?? trimmed + (fromScratch ? "-scratch" : "-transfer")
        try train(try OperatorRun(transferFrom: trimmed, directory: directory, profile: profile, fromScratch: fromScratch, resume: resume), resume: resume)
    }
}

/// Reference data (solved or reused), then training with a progress bar, checkpoints on Ctrl-C,
/// and a summary: what `train` and `transfer` share.
func train(_ run: OperatorRun, resume: Bool) throws {
    let stop = StopRequest()
    let interactive = isatty(STDERR_FILENO) == 1
    if run.hasReusableReference {
        print("reference data: reusing \(run.path("reference.nc"))")
    } else {
        print("reference data: solving \(run.training.samplesNeeded) samples × \(run.resolved.problem.geometries.count) geometries")
        let report = try run.generateReference(progress: sampleProgress(interactive: interactive), shouldStop: { stop.isRequested })
        if report.interrupted {
            FileHandle.standardError.write("\ninterrupted while solving; nothing was trained\n".data(using: .utf8)!)
            throw ExitCode(130)
        }
        print("  wrote \(report.path): \(report.samples) samples in \(String(format: "%.1f", report.seconds)) s, largest residual ‖b − Au‖/‖b‖ \(String(format: "%.1e", report.maximumResidual))")
        print("  variables: \(report.variables.joined(separator: ", "))")
    }
    let resuming = resume && FileManager.default.fileExists(atPath: run.path("checkpoint.safetensors"))
    let dataset = try run.dataset(savedStandardisation: resuming)
    let trainer = try run.trainer(dataset: dataset, resume: resume)
    print("model: \(OperatorModel.describe(trainer.model))")
    if case let .transfer(source, fromScratch) = run.kind {
        let (trainable, total) = run.trainableCounts(trainer)
        print(fromScratch ? "transfer baseline: a fresh network, all \(total) parameters trained"
              : "transfer from \(source): \(trainable) of \(total) parameters trained (\(run.resolved.problem.transferProfiles[run.profile]!.trainable.joined(separator: ", "))), the rest frozen")
    }
    let training = run.training
    print("data: \(dataset.functions.count) functions (\(dataset.train.count) train, \(dataset.test.count) test) × \(dataset.pointCount) points; profile \(run.profile): \(training.steps) steps, batch \(training.batch)\(training.points.map { ", \($0) points" } ?? ""), \(training.optimizer), loss \(training.loss.rawValue)")
    if trainer.step > 0 { print("resuming at step \(trainer.step)") }
    let report = try trainer.run(progress: { p in
        guard interactive || p.step % max(p.steps / 20, 1) == 0 || p.step == p.steps else { return }
        let tasks = zip(dataset.taskNames, p.taskLosses).map { String(format: "%@ %.2e", $0, $1) }.joined(separator: "  ")
        let eta = Double(p.steps - p.step) / max(p.rate, 1e-9)
        progressLine(String(format: "step %d/%d  loss %.3e  [%@]  %.1f steps/s  ETA %.0f s", p.step, p.steps, p.loss, tasks, p.rate, eta),
                     fraction: Double(p.step) / Double(p.steps), interactive: interactive, final: p.step == p.steps)
    }, shouldStop: { stop.isRequested })
    if report.interrupted {
        FileHandle.standardError.write("\ninterrupted: checkpoint at step \(report.step) in \(run.path("checkpoint.safetensors")); continue with --resume\n".data(using: .utf8)!)
        throw ExitCode(130)
    }
    print(String(format: "trained %d steps in %.1f s; final loss %.3e (%@)", report.step, report.seconds, report.loss, training.loss == .mse ? "standardised MSE" : "mean per-sample relative L2"))
    print("run: \(run.directory) (checkpoint.safetensors, loss.csv); next: tandem compare \(run.directory)")
}

/// Trains a PINN with a progress bar (Adam, then L-BFGS), checkpoints on Ctrl-C, and a summary.
func trainPINN(_ run: PINNRun, resume: Bool) throws {
    let stop = StopRequest()
    let interactive = isatty(STDERR_FILENO) == 1
    let trainer = try run.trainer(resume: resume)
    let t = run.training
    print("model: \(PINNRun.describe(trainer.model)) on (\(run.resolved.problem.pinnAxes.joined(separator: ", ")))")
    print("residual: \(try run.resolved.problem.pinnResidual()) = 0 (jets: \(trainer.setup.jetNames.joined(separator: ", ")))")
    print("points: \(t.collocation) collocation (\(t.sampling)\(t.resampleEvery > 0 ? ", resampled every \(t.resampleEvery) steps" : "")\(t.refineEvery > 0 ? ", +\(t.refineAdd) by residual every \(t.refineEvery) steps" : "")), \(t.boundaryPoints) boundary\(run.resolved.problem.time == nil ? "" : ", \(t.initialPoints) initial")")
    print("profile \(run.profile): \(t.steps) Adam steps (learning rate \(t.learningRate)), weights \(t.weighting.rawValue) \(trainer.termNames.joined(separator: "/")), then \(t.lbfgsIterations) L-BFGS iterations")
    if trainer.step > 0 { print("resuming at step \(trainer.step)") }
    let report = try trainer.run(progress: { p in
        guard interactive || p.step % max(p.steps / 20, 1) == 0 || p.step == p.steps else { return }
        let terms = zip(trainer.termNames, p.terms).map { String(format: "%@ %.2e", $0, $1) }.joined(separator: "  ")
        let eta = Double(p.steps - p.step) / max(p.rate, 1e-9)
        progressLine(String(format: "%@ %d/%d  loss %.3e  [%@]  %.1f/s  ETA %.0f s", p.phase, p.step, p.steps, p.loss, terms, p.rate, eta),
                     fraction: Double(p.step) / Double(max(p.steps, 1)), interactive: interactive, final: p.step == p.steps)
    }, shouldStop: { stop.isRequested })
    if report.interrupted {
        FileHandle.standardError.write("\ninterrupted: checkpoint at step \(report.step) in \(run.path("checkpoint.safetensors")); continue with --resume\n".data(using: .utf8)!)
        throw ExitCode(130)
    }
    try run.record(report, trainer: trainer)
    let terms = zip(trainer.termNames, report.terms).map { String(format: "%@ %.3e", $0, $1) }.joined(separator: ", ")
    print(String(format: "trained %d Adam steps in %.1f s; final loss %.3e (%@)", report.step, report.seconds, report.loss, terms))
    if let l = report.lbfgs { print("  \(l)") }
    print("run: \(run.directory) (checkpoint.safetensors, loss.csv, training.json); next: tandem compare \(run.directory)")
}

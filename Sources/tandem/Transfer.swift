import ArgumentParser
import TandemWorkflows

/// `tandem transfer runs/NAME`: the trained operator fine-tuned on the `[transfer]` geometry.
struct Transfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a trained operator run on the problem file's [transfer] geometry, only the [transfer] trainable parameters free.")

    @Argument(help: "The run directory written by `tandem train`.") var source: String
    @Option(name: .shortAndLong, help: "The transfer run directory (default: <source>-transfer, or <source>-scratch).") var out: String?
    @OptionGroup var options: RunOptions
    @Flag(help: "Train the same network from a random initialisation, every parameter free, on the same samples (the baseline).") var fromScratch = false

    func run() throws {
        var trimmed = source
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let directory = out ?? trimmed + (fromScratch ? "-scratch" : "-transfer")
        let stop = StopRequest()
        let experiment = try OperatorExperiment(transferFrom: trimmed, directory: directory, profile: options.profile, fromScratch: fromScratch, resume: options.resume)
        try finish(experiment.prepareAndTrain(Terminal.events(stop: stop)))
    }
}

import Foundation
import TandemCore
import TandemIO
import TandemSpec
import TandemTraining

/// The multi-task EDA network on physiological signals: the recordings prepared once
/// (`prepared.nc`), one model per subject-wise fold (or one forecast) on the one trainer, and
/// the comparison with what the data knows (measured EDA, labels, and for a synthetic cohort
/// the true dynamics).
public struct EDAExperiment: Experiment {
    /// `[model] kind = "eda-pinn"`.
    public static var kind: Problem.ModelKind { .edaPINN }
    /// The run.
    public let run: EDARun
    let resume: Bool

    /// What the file declares: the source, the inputs, the network, the tasks and the profiles.
    public static func describe(_ problem: Problem, problemFile: String) throws -> [String] {
        let p = try problem.signalProblem(for: "an EDA network")
        var lines = ["\(p.header.name): \(p.header.summary)"]
        switch p.source {
        case .synthetic:
            let c = p.cohort!
            if let issue = EDADataset.settings(c).problem { throw p.error(at: "signals.cohort", issue) }
            lines.append("Data: synthetic cohort of \(c.subjects) subjects, conditions \(zip(c.conditions, c.durations).map { "\($0) \(Int($1)) s" }.joined(separator: ", ")); EDA at \(c.rate) Hz with noise \(c.noise) µS, SCRs of \(c.phasicAmplitude) µS; context u = (\(c.contextNames.joined(separator: ", "))); truth γα₀ = \(c.decay) 1/s, γβ = \(c.gains) (seed \(c.seed))")
        case .e4:
            let path = p.resolvedPath!
            let exists = FileManager.default.fileExists(atPath: path + "/EDA.csv")
            lines.append("Data: Empatica E4 session \(path)\(exists ? "" : " (EDA.csv not found there yet)"); no labels: fitted on the first part of the time and forecast on the rest")
        case .wesad:
            lines.append("Data: WESAD subjects in \(p.resolvedPath!)\(p.subjects.isEmpty ? "" : " (\(p.subjects.joined(separator: ", ")))"); labels baseline, stress, amusement, meditation; u = SAM valence, arousal and the mean STAI item")
        }
        lines.append("Model points at \(p.rate) Hz; inputs \(p.features.map(\.rawValue).joined(separator: ", "))\(p.features.contains(.window) ? " (trailing window \(p.window) s)" : ""); ODE T·dEDA/dt = −α₀·EDA + βᵀu with γ = 1/T, T = \(p.timeScale) s")
        lines.append("Network: shared trunk \(p.model.layers.map(String.init).joined(separator: "→")) \(p.model.activation.rawValue), EDA head\(p.source == .e4 ? "" : " and emotion head")")
        for name in p.trainingProfiles.keys.sorted() {
            let t = p.trainingProfiles[name]!
            let weighting = t.multitask?.explanation ?? "fixed weights " + t.tasks.map { "\($0.rawValue) \(t.weights[$0] ?? 1)" }.joined(separator: ", ")
            lines.append("Profile \(name): \(t.steps) Adam steps (learning rate \(t.learningRate)), batch \(t.batch) + \(t.collocation) collocation, tasks \(t.tasks.map(\.rawValue).joined(separator: ", ")) (\(weighting)), \(p.source == .e4 ? "forecast after \(Int(100 * t.forecast))% of the time" : "\(t.folds)-fold subject-wise cross-validation")")
        }
        return lines
    }

    /// A new or resumed run.
    public init(problemPath: String, directory: String, profile: String, resume: Bool) throws {
        run = try EDARun(problemPath: problemPath, directory: directory, profile: profile, resume: resume)
        self.resume = resume
    }

    /// A trained run.
    public init(trainedRun directory: String) throws {
        run = try EDARun(directory: directory)
        resume = false
    }

    /// `prepared.nc` from the source (or reused).
    public func prepareData(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        let start = Date()
        let (dataset, made) = try run.prepareDataset()
        let points = dataset.sessions.map(\.eda.count).reduce(0, +)
        events.message(String(format: "data: %d subject(s), %d points at %g Hz%@ %@ (%.1f s)", dataset.sessions.count, points, run.problem.rate,
                              dataset.classes.isEmpty ? "" : ", classes " + dataset.classes.joined(separator: "/"),
                              made ? "written to \(run.path("prepared.nc"))" : "reused from \(run.path("prepared.nc"))", Date().timeIntervalSince(start)))
        for note in dataset.notes { events.message("  note: \(note)") }
        return .finished
    }

    /// Every fold in turn (completed folds are kept on `--resume`), with progress.
    public func train(_ events: ExperimentEvents) throws -> ExperimentOutcome {
        let dataset = try run.dataset()
        let folds = run.folds(dataset)
        let t = run.training
        var said = false
        for fold in folds {
            let trainer = try run.trainer(dataset, fold: fold, resume: resume)
            if !said {
                events.message("model: \(EDARun.describe(trainer.model)); inputs \(trainer.objective.features.names.joined(separator: ", "))")
                events.message("profile \(run.profile): \(t.steps) Adam steps per fold × \(folds.count) fold(s), tasks \(trainer.objective.taskNames.joined(separator: "/"))")
                said = true
            }
            if resume && trainer.isComplete { events.message("fold \(fold.index): already trained"); continue }
            let names = trainer.objective.taskNames
            let report = try trainer.run(progress: { p in
                let terms = zip(names, p.tasks).map { String(format: "%@ %.2e", $0, $1) }.joined(separator: "  ")
                let done = Double(fold.index - 1) + Double(p.step) / Double(max(p.steps, 1))
                events.progress(.init(fraction: done / Double(folds.count),
                                      text: String(format: "fold %d/%d  %@ %d/%d  loss %.3e  [%@]  %.1f/s", fold.index, folds.count, p.phase, p.step, p.steps, p.loss, terms, p.rate),
                                      isFinal: p.step == p.steps && fold.index == folds.count))
            }, shouldStop: events.shouldStop)
            if report.interrupted {
                return .interrupted("interrupted: fold \(fold.index), checkpoint at step \(report.step) in \(fold.directory); continue with --resume")
            }
            let p = trainer.objective.identifiable(trainer.model)
            let json: [String: Any] = ["steps": report.step, "seconds": report.seconds, "loss": report.loss,
                                       "tasks": Dictionary(uniqueKeysWithValues: zip(names, report.tasks)), "gamma_alpha0": p.decay, "gamma_beta": p.gains,
                                       "training_points": trainer.objective.pointCount, "test_sessions": fold.test.map { dataset.sessions[$0].id }]
            try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: fold.directory + "/training.json"))
            events.message(String(format: "fold %d: %d steps in %.1f s, loss %.3e, γα₀ = %.5f 1/s (test subjects %@)", fold.index, report.step, report.seconds,
                                  report.loss, p.decay, fold.test.map { dataset.sessions[$0].id }.joined(separator: ", ")))
        }
        events.message("run: \(run.directory) (prepared.nc, fold-*/checkpoint.safetensors, loss.csv); next: tandem compare \(run.directory)")
        return .finished
    }

    /// Every fold's model on its test points: errors, classification, parameters; report and
    /// figures; each fold's inputs in `fold-K/features.nc` for baselines.
    public func compare(_ events: ExperimentEvents) throws -> [String] {
        let dataset = try run.dataset()
        var evaluations: [EDAFoldEvaluation] = [], description = ""
        for fold in run.folds(dataset) {
            let features = run.features(dataset, fold: fold)
            let model = try run.trainedModel(dataset, fold: fold, inputs: features.count)
            description = EDARun.describe(model)
            evaluations.append(EDAFoldEvaluation(run: run, dataset: dataset, fold: fold, features: features, model: model))
            try run.writeFeatures(dataset, fold: fold, features: features)
        }
        let report = EDAReport(run: run, dataset: dataset, folds: evaluations, modelDescription: description)
        let written = try report.write()
        return ["\(run.problem.header.name), profile \(run.profile): EDA network \(description)", report.table(), report.parameterTable(),
                "wrote \(written.count) files in \(run.directory): \(written.joined(separator: ", "))"]
    }

    /// Fold 1's network at every point of a prepared file (`prepared.nc` of a run): the EDA (µS)
    /// and, with labels, the class probabilities.
    public func predict(input: String, output: String) throws -> [String] {
        let own = try run.dataset()
        let other = try EDADataset(contentsOf: input)
        guard other.contextNames == own.contextNames, other.classes == own.classes else {
            throw NetCDFError.library(path: input, operation: "predict", message: "holds context (\(other.contextNames.joined(separator: ", "))) and classes (\(other.classes.joined(separator: ", "))); the run was trained on (\(own.contextNames.joined(separator: ", "))) and (\(own.classes.joined(separator: ", ")))")
        }
        let fold = run.folds(own)[0]
        let reference = run.features(own, fold: fold)
        let features = EDAFeatures(dataset: other, groups: run.problem.features, timeScale: run.problem.timeScale, window: run.problem.window,
                                   training: Array(other.sessions.indices)) { other.sessions[$0].pointsInBlocks }
        let model = try run.trainedModel(own, fold: fold, inputs: reference.count)
        guard features.count == reference.count else {
            throw NetCDFError.library(path: input, operation: "predict", message: "gives \(features.count) inputs (\(features.names.joined(separator: ", "))); the run's network takes \(reference.count)")
        }
        var eda: [Double] = [], probabilities: [Double] = []
        let start = Date()
        for (s, session) in other.sessions.enumerated() {
            let x = Tensor(shape: [session.eda.count, features.count], scalars: session.eda.indices.flatMap { reference.inputForeign(features, session: s, time: session.time($0)) })
            let (y, logits) = withoutGradient { model(x) }
            eda += y.scalars.map { reference.target.mean + reference.target.deviation * $0 }
            if let logits { probabilities += withoutGradient { logits.logSoftmax(alongAxis: 1) }.scalars.map { Foundation.exp($0) } }
        }
        let seconds = Date().timeIntervalSince(start)
        let c = own.classes.count
        var variables = [FieldFileWriter.Variable("eda_predicted", dimensions: ["point"], units: "uS", longName: "EDA predicted by fold 1's network")]
        if c > 0 { variables.append(.init("class_probability", dimensions: ["point", "class"], units: "1", longName: "probability of each class (\(own.classes.joined(separator: ", ")))")) }
        let writer = try FieldFileWriter(path: output, dimensions: [.init("point", length: eda.count), .init("class", length: Swift.max(c, 1))],
                                         coordinates: [], variables: variables, attributes: ["classes": own.classes.joined(separator: ","), "source": input])
        try writer.write("eda_predicted", values: eda)
        if c > 0 { try writer.write("class_probability", values: probabilities) }
        try writer.close()
        return [String(format: "wrote %@: fold 1's network at %d points of %d subject(s) in %.3g ms", output, eda.count, other.sessions.count, 1000 * seconds)]
    }
}

extension EDAFeatures {
    /// The inputs of `other`'s session `s` at time `t`, with this fold's context standardisation.
    func inputForeign(_ other: EDAFeatures, session s: Int, time t: Double) -> [Double] {
        let own = other.input(session: s, time: t).x
        guard groups.contains(.context) else { return own }
        // Re-standardise the context features with the training statistics of this fold.
        var x = own, offset = 0
        for g in groups {
            switch g {
            case .time, .block: offset += 1
            case .context:
                let m = contextMean.count
                for k in 0..<(2 * m) {
                    let j = k % m
                    let raw = own[offset + k] * other.contextScale[j] + other.contextMean[j]
                    x[offset + k] = (raw - contextMean[j]) / contextScale[j]
                }
                offset += 2 * m
            case .window: offset += own.count - offset
            }
        }
        return x
    }
}

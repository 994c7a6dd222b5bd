import Foundation
import TandemCore
import TandemIO
import TandemPDE
import TandemSpec
import TandemTestSupport
import TandemTraining
import TandemWorkflows
import XCTest

/// The EDA network end to end: preparation (synthetic, WESAD layout, E4 session), subject-wise
/// folds, training on the one trainer with exact resumption, and the comparison's report.
final class EDAExperimentTests: TemporaryDirectoryTestCase {
    static let tiny = """
        name = "eda-tiny"
        seed = 5
        [signals]
        features = ["time", "block", "context"]
        [signals.cohort]
        subjects = 4
        durations = [120, 90, 60, 60]
        noise = 0.02
        [model]
        kind = "eda-pinn"
        layers = [24, 24]
        [training]
        steps = 300
        batch = 128
        collocation = 128
        folds = 2
        checkpoint_every = 100
        """

    func run(_ text: String, _ name: String, profile: String = "quick") throws -> EDAExperiment {
        try EDAExperiment(problemPath: try write(text, name + ".toml"), directory: directory.appendingPathComponent(name).path, profile: profile, resume: false)
    }

    func testPreparedDataRoundTripsAndFoldsAreSubjectWise() throws {
        let experiment = try run(Self.tiny, "roundtrip")
        XCTAssertEqual(try experiment.prepareData(ExperimentEvents()), .finished)
        let made = try EDADataset(experiment.run.problem)
        let read = try experiment.run.dataset()
        XCTAssertEqual(read.sessions.map(\.id), ["S1", "S2", "S3", "S4"])
        XCTAssertEqual(read.classes, ["baseline", "stress", "amusement", "meditation"])
        for (a, b) in zip(made.sessions, read.sessions) {
            XCTAssertEqual(a.eda, b.eda)
            XCTAssertEqual(a.tonic, b.tonic)
            XCTAssertEqual(a.accelerometer, b.accelerometer)
            XCTAssertEqual(a.blocks, b.blocks)
            XCTAssertEqual(a.truth?.decay, b.truth?.decay)
        }
        XCTAssertEqual(read.sessions[0].eda.count, 330, "1 Hz over 330 s")
        let folds = experiment.run.folds(read)
        XCTAssertEqual(folds.count, 2)
        XCTAssertEqual(Set(folds.flatMap(\.test)), [0, 1, 2, 3])
        for fold in folds { XCTAssertTrue(Set(fold.test).isDisjoint(with: fold.train)) }
    }

    func testTrainsComparesAndResumesExactly() throws {
        let experiment = try run(Self.tiny, "tiny")
        XCTAssertEqual(try experiment.prepareAndTrain(ExperimentEvents()), .finished)
        let lines = try experiment.compare(ExperimentEvents())
        let r = experiment.run
        for name in ["report.md", "metrics.json", "figures/eda-trace.png", "figures/confusion.png", "figures/parameters.png", "fold-2/loss.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: r.path(name)), name)
        }
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: r.path("metrics.json")))) as? [String: Any])
        let accuracy = try XCTUnwrap((metrics["accuracy"] as? [String: Double])?["mean"])
        XCTAssertGreaterThan(accuracy, 0.9, "the context nearly encodes the condition: \(lines.joined(separator: "\n"))")
        let rmse = try XCTUnwrap((metrics["rmse_uS"] as? [String: Double])?["mean"])
        XCTAssertLessThan(rmse, 1.0, "EDA of unseen subjects within 1 µS after 300 steps")
        XCTAssertNotNil(metrics["parameter_relative_errors"])
        let calibrated = try XCTUnwrap((metrics["rmse_calibrated_ode_uS"] as? [String: Double])?["mean"])
        XCTAssertTrue(calibrated.isFinite && calibrated > 0)
        XCTAssertTrue(try String(contentsOfFile: r.path("report.md"), encoding: .utf8).contains("## Confusion matrix"))
        // predict: fold 1's network at every point of a prepared file.
        let out = directory.appendingPathComponent("predicted.nc").path
        let said = try experiment.predict(input: r.path("prepared.nc"), output: out)
        XCTAssertTrue(said[0].contains("at 1320 points of 4 subject(s)"), said[0])
        let predicted = try FieldFileReader(path: out)
        XCTAssertEqual(try predicted.variable("eda_predicted").values.count, 1320)
        let probabilities = try predicted.variable("class_probability").values
        for row in stride(from: 0, to: probabilities.count, by: 4) {
            XCTAssertEqual(probabilities[row..<(row + 4)].reduce(0, +), 1, accuracy: 1e-9)
        }

        // Interrupted in fold 1 and resumed == straight through.
        let split = try run(Self.tiny, "split")
        _ = try split.prepareData(ExperimentEvents())
        let calls = Recorder()
        let stopped = try split.train(ExperimentEvents(shouldStop: { calls.add("call"); return calls.count == 150 }))
        guard case .interrupted = stopped else { return XCTFail("not interrupted: \(stopped)") }
        let resumed = try EDAExperiment(problemPath: directory.appendingPathComponent("split.toml").path, directory: split.run.directory, profile: "quick", resume: true)
        XCTAssertEqual(try resumed.train(ExperimentEvents()), .finished)
        let dataset = try r.dataset()
        for fold in r.folds(dataset) {
            let features = r.features(dataset, fold: fold)
            let a = try r.trainedModel(dataset, fold: fold, inputs: features.count)
            let b = try split.run.trainedModel(dataset, fold: split.run.folds(dataset)[fold.index - 1], inputs: features.count)
            for (name, value) in a.namedParameters { XCTAssertEqual(value.scalars, b.namedParameters[name]!.scalars, "fold \(fold.index) \(name)") }
        }
    }

    /// A WESAD-layout folder written here: two subjects, one of whose conditions lies beyond its
    /// recording (reported, not silently dropped).
    func testReadsAWESADFolder() throws {
        let root = directory.appendingPathComponent("WESAD")
        for (id, extraMinutes) in [("S2", 0), ("S3", 30)] {
            let e4 = root.appendingPathComponent("\(id)/\(id)_E4_Data")
            try FileManager.default.createDirectory(at: e4, withIntermediateDirectories: true)
            var g = SeededGenerator(seed: 1)
            let eda = (0..<(4 * 60 * 12)).map { i in String(format: "%.6f", 2 + Double(i) / 4000 + 0.01 * g.nextStandardNormal()) }
            try ("1600000000.000000\n4.000000\n" + eda.joined(separator: "\n") + "\n").write(to: e4.appendingPathComponent("EDA.csv"), atomically: true, encoding: .utf8)
            let quest = """
                # Subj;\(id);;;
                # ORDER;Base;TSST;Fun;Medi 1
                # START;0.30;3.00;6.00;\(8 + extraMinutes).00
                # END;2.30;5.30;7.30;\(10 + extraMinutes).30
                ;;;;
                # STAI;1;2;1;2;1;2
                # STAI;3;3;3;3;3;3
                # STAI;1;1;1;1;1;1
                # STAI;1;1;1;1;1;2
                # DIM;6;2
                # DIM;4;7
                # DIM;7;5
                # DIM;7;2
                """
            try quest.write(to: root.appendingPathComponent("\(id)/\(id)_quest.csv"), atomically: true, encoding: .utf8)
        }
        let text = "name = \"wesad-fixture\"\n[signals]\nsource = \"wesad\"\npath = \"WESAD\"\n[model]\nkind = \"eda-pinn\"\n"
        let experiment = try run(text, "wesad")
        let messages = Recorder()
        _ = try experiment.prepareData(ExperimentEvents(message: { messages.add($0) }))
        let dataset = try experiment.run.dataset()
        XCTAssertEqual(dataset.sessions.map(\.id), ["S2", "S3"])
        XCTAssertEqual(dataset.contextNames, ["valence", "arousal", "stai"])
        XCTAssertEqual(dataset.sessions[0].blocks.map(\.label), [0, 1, 2, 3])
        XCTAssertEqual(dataset.sessions[0].blocks[1].start, 180)
        XCTAssertEqual(dataset.sessions[0].blocks[1].context, [4, 7, 3])
        XCTAssertEqual(dataset.sessions[1].blocks.count, 3, "S3's meditation starts after its 12-minute recording")
        XCTAssertTrue(messages.lines.contains { $0.contains("S3: no EDA samples in Medi 1") }, "\(messages.lines)")
    }

    /// An E4 session (a recording written here): one forecast fold, fitted on the first 80 %.
    func testForecastsAnE4Session() throws {
        let session = directory.appendingPathComponent("e4")
        try FileManager.default.createDirectory(at: session, withIntermediateDirectories: true)
        // Relaxation toward 3 µS with rate 0.01 1/s from 1 µS: T dEDA/dt = −α₀ EDA + β₀ with T = 60 s.
        let eda = (0..<(4 * 600)).map { i in String(format: "%.6f", 3 - 2 * Foundation.exp(-0.01 * Double(i) / 4)) }
        try ("1600000000\n4\n" + eda.joined(separator: "\n") + "\n").write(to: session.appendingPathComponent("EDA.csv"), atomically: true, encoding: .utf8)
        let text = """
            name = "e4-fixture"
            [signals]
            source = "e4"
            path = "e4"
            [model]
            kind = "eda-pinn"
            layers = [16, 16]
            [training]
            steps = 1500
            batch = 256
            collocation = 256
            learning_rate = 5e-3
            """
        let experiment = try run(text, "forecast")
        XCTAssertEqual(try experiment.prepareAndTrain(ExperimentEvents()), .finished)
        _ = try experiment.compare(ExperimentEvents())
        let dataset = try experiment.run.dataset()
        let fold = try XCTUnwrap(experiment.run.folds(dataset).first)
        XCTAssertEqual(fold.forecastStart ?? 0, 480, accuracy: 1e-9)
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: experiment.run.path("metrics.json")))) as? [String: Any])
        let decay = try XCTUnwrap((metrics["gamma_alpha0"] as? [String: Double])?["mean"])
        XCTAssertEqual(decay, 0.01, accuracy: 0.002, "the fitted rate of a clean exponential relaxation")
        XCTAssertNil(metrics["accuracy"] as? [String: Double])
    }
}

/// Lines (or calls) collected from `@Sendable` event closures.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func add(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    var count: Int { lines.count }
}

/// The learned ODE's exact integration through blocks against its closed form.
final class EDAIntegrationTests: XCTestCase {
    func testIntegratesThroughBlocksExactly() {
        var session = EDASession(id: "S", rate: 1, eda: [Double](repeating: 0, count: 20))
        session.eda[0] = 1
        session.blocks = [.init(start: 0, end: 8, label: 0, context: [2]), .init(start: 8, end: 20, label: 1, context: [5])]
        let k = 0.3, kappa = [0.5]
        let curve = EDAFoldEvaluation.integrate(session, from: 0, to: Array(0..<20), rate: k, gains: kappa)
        // At its level (κu = 1) through block 0 from x₀ = 1, then toward κu = 2.5 from t = 8.
        for i in 0..<20 {
            let t = session.time(i)
            let expected = t <= 8 ? 1.0 : 2.5 + (1.0 - 2.5) * exp(-k * (t - 8))
            XCTAssertEqual(curve[i], expected, accuracy: 1e-12, "t = \(t)")
        }
    }
}

/// The residual's `dy/dt` is the derivative of the prediction along each session's timeline
/// (through every time-dependent input), and the synthetic truth satisfies the residual.
final class EDAResidualTests: TemporaryDirectoryTestCase {
    func testRateFollowsTheTimelineAndTheTruthSolvesTheODE() throws {
        let path = try write(EDAExperimentTests.tiny.replacingOccurrences(of: "noise = 0.02", with: "noise = 0.0\nphasic_amplitude = 0\nparameter_spread = 0"), "tiny.toml")
        let run = try EDARun(problemPath: path, directory: directory.appendingPathComponent("run").path, profile: "quick", resume: false)
        let (dataset, _) = try run.prepareDataset()
        let fold = run.folds(dataset)[0]
        let features = run.features(dataset, fold: fold)
        let model = run.makeModel(inputs: features.count, dataset: dataset)
        let s = fold.train[0], session = dataset.sessions[s]
        let times = [10.3, 75.0, 140.2, 200.9, 290.4]
        var x: [Double] = [], v: [Double] = []
        for t in times { let i = features.input(session: s, time: t); x += i.x; v += i.velocity }
        let d = features.count
        let (_, rate) = model.edaWithRate(at: Tensor(shape: [times.count, d], scalars: x), velocity: Tensor(shape: [times.count, d], scalars: v))
        let h = 1e-4
        func y(_ t: Double) -> Double { model(Tensor(shape: [1, d], scalars: features.input(session: s, time: t).x)).eda.scalars[0] }
        for (k, t) in times.enumerated() {
            XCTAssertEqual(rate.scalars[k], (y(t + h) - y(t - h)) / (2 * h), accuracy: 1e-7, "t = \(t)")
        }
        // The truth in the residual's own terms: T dEDA/dt = −α₀ (EDA − κᵀu) with α₀ = kT, κ = b/k.
        let truth = try XCTUnwrap(session.truth)
        let tonic = try XCTUnwrap(session.tonic)
        let T = features.timeScale
        for i in stride(from: 5, to: tonic.count - 5, by: 17) {
            let t = session.time(i)
            guard let b = session.block(at: t), t - session.blocks[b].start > 2, session.blocks[b].end - t > 2 else { continue }
            let slope = (tonic[i + 1] - tonic[i - 1]) / 2 * session.rate
            let kappa = truth.gains.map { $0 / truth.decay }
            let rhs = -truth.decay * T * (tonic[i] - zip(kappa, session.blocks[b].context).map(*).reduce(0, +))
            XCTAssertEqual(T * slope, rhs, accuracy: 0.01 * Swift.max(abs(rhs), 0.05), "point \(i)")
        }
    }
}

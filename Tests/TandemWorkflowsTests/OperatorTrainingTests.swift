import Foundation
import TandemCore
import TandemIO
import TandemWorkflows
import TandemNN
import TandemOperators
import TandemTestSupport
import TandemSpec
import TandemTraining
import XCTest

/// Training a DeepONet on reference data end to end: exact resumption, divergence handling,
/// mismatched checkpoints and data, and the metrics `tandem compare` reports.
final class OperatorTrainingTests: XCTestCase {
    var directory: URL!
    var problemPath: String { directory.appendingPathComponent("tiny.toml").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-operator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try TestProblems.tinyDarcyOperator.write(toFile: problemPath, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A run in `name` with its reference data generated.
    func prepared(_ name: String, profile: String = "quick", resume: Bool = false) throws -> (OperatorRun, OperatorDataset) {
        let run = try OperatorRun(problemPath: problemPath, directory: directory.appendingPathComponent(name).path, profile: profile, resume: resume)
        if !run.hasReusableReference { _ = try run.generateReference() }
        return (run, try run.dataset())
    }

    func parameters(_ model: NeuralOperator<Float>) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.key, $0.value.scalars) })
    }

    /// Input files for prediction (and training) are refused when their coordinates are not the
    /// problem's grid (reversed, shifted) or their coefficient field is not finite and positive:
    /// these used to give all-NaN or mispaired predictions and exit 0.
    func testInputsWithWrongCoordinatesOrBadFieldsAreRefused() throws {
        let (run, _) = try prepared("inputs")
        let reference = try FieldFileReader(path: run.path("reference.nc"))
        let x = try reference.variable("x").values, y = try reference.variable("y").values
        let mask = try reference.variable("mask").values, k = try reference.variable("K").values, u = try reference.variable("u").values
        let geometries = try reference.attribute("tandem_geometries")
        func copy(_ name: String, x: [Double], k: [Double]) throws -> String {
            let path = directory.appendingPathComponent(name).path
            let writer = try FieldFileWriter(
                path: path, dimensions: [.init("sample", length: nil), .init("geometry", length: 2), .init("y", length: y.count), .init("x", length: x.count)],
                coordinates: [.init(dimension: "x", values: x, units: "1", longName: "x"), .init(dimension: "y", values: y, units: "1", longName: "y")],
                variables: [.init("mask", dimensions: ["geometry", "y", "x"], units: "1", longName: "mask"),
                            .init("K", dimensions: ["sample", "y", "x"], units: "1", longName: "K"),
                            .init("u", dimensions: ["sample", "geometry", "y", "x"], units: "1", longName: "u")],
                attributes: ["tandem_geometries": geometries])
            try writer.write("mask", values: mask)
            let n = x.count * y.count
            for s in 0..<k.count / n {
                try writer.appendSample(["K": Array(k[s * n..<(s + 1) * n]), "u": Array(u[2 * s * n..<2 * (s + 1) * n])])
            }
            try writer.close()
            return path
        }
        func message(_ path: String) -> String {
            do {
                _ = try OperatorDataset(path: path, resolved: run.resolved, model: run.resolved.problem.model, training: run.training,
                                        branchStatistics: [0, 1], prediction: true)
                return "read"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message(try copy("same.nc", x: x, k: k)), "read")
        var nan = k
        nan[21] = .nan
        XCTAssertTrue(message(try copy("nan.nc", x: x, k: nan)).contains("K is nan at sample 0, grid point 21; a coefficient field must be finite and positive"),
                      message(directory.appendingPathComponent("nan.nc").path))
        var negative = k
        negative[300] = -1
        XCTAssertTrue(message(try copy("negative.nc", x: x, k: negative)).contains("K is -1.0 at sample 1"), message(directory.appendingPathComponent("negative.nc").path))
        let reversed = message(try copy("reversed.nc", x: x.reversed(), k: k))
        XCTAssertTrue(reversed.contains("reference.grid") && reversed.contains("coordinate x[0] is 1.0, the problem's grid has 0.0"), reversed)
    }

    func testDatasetArrangesFunctionsPointsAndMasks() throws {
        let (_, dataset) = try prepared("data")
        XCTAssertEqual(dataset.functions.count, 24)  // 12 samples × 2 geometries
        XCTAssertEqual(dataset.train.count + dataset.test.count, 24)
        XCTAssertEqual(Set(dataset.train).intersection(dataset.test), [])
        XCTAssertEqual(dataset.branchShape, [2, 16, 16])
        XCTAssertEqual(dataset.pointCount, 256)
        XCTAssertEqual(dataset.taskNames, ["square", "disk"])
        // The branch's second channel is the geometry mask, and targets vanish outside it.
        let m = dataset.pointCount
        for f in [0, 1] {
            let mask = Array(dataset.masks[f * m..<(f + 1) * m])
            XCTAssertEqual(Array(dataset.branchInputs[f * 2 * m + m..<(f + 1) * 2 * m]), mask)
            for j in 0..<m where mask[j] == 0 { XCTAssertEqual(dataset.targets[f * m + j], 0) }
        }
        XCTAssertLessThan(dataset.masks[m..<2 * m].reduce(0, +), dataset.masks[0..<m].reduce(0, +))  // disk inside square

        // Without the mask channel (the ablation) the branch sees log K alone; the masks stay.
        let path = directory.appendingPathComponent("no-mask.toml").path
        try TestProblems.tinyDarcyOperator.replacingOccurrences(of: "kernel = 3", with: "kernel = 3\nmask_channel = false")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try OperatorRun(problemPath: path, directory: directory.appendingPathComponent("no-mask").path, profile: "quick", resume: false)
        try FileManager.default.copyItem(atPath: directory.appendingPathComponent("data/reference.nc").path, toPath: run.path("reference.nc"))
        let unmasked = try run.dataset()
        XCTAssertEqual(unmasked.branchShape, [1, 16, 16])
        XCTAssertEqual(Array(unmasked.branchInputs[0..<m]), Array(dataset.branchInputs[0..<m]))
        XCTAssertEqual(unmasked.masks, dataset.masks)
        XCTAssertEqual(try run.trainer(dataset: unmasked, resume: false).run().step, 40)
    }

    func testFunctionalFormAndSingleFamilyRunsShareTheirTestSamples() throws {
        let path = directory.appendingPathComponent("fisher.toml").path
        try TestProblems.tinyFisherOperator.write(toFile: path, atomically: true, encoding: .utf8)
        let full = try OperatorRun(problemPath: path, directory: directory.appendingPathComponent("full").path, profile: "paper", resume: false)
        _ = try full.generateReference()
        let all = try full.dataset()
        // Powers 1…3 (R(0) = 0 for both families) and the initial condition on 16 points; points (x, t) after t = 0.
        XCTAssertEqual(all.branchShape, [3 + 16])
        XCTAssertEqual(all.pointDimension, 2)
        XCTAssertEqual(all.pointCount, 16 * 4)
        XCTAssertEqual(all.taskNames, ["fisher", "cubic"])
        // Sample k has family k mod 2: the cubic family's a·u − a·u³ gives coefficients [a, 0, −a].
        let k = try XCTUnwrap(all.functions.firstIndex { $0.sample == 1 })
        let coefficients = Array(all.branchInputs[k * 19..<k * 19 + 3])
        XCTAssertEqual(coefficients[1], 0, accuracy: 1e-6)
        XCTAssertEqual(coefficients[2], -coefficients[0], accuracy: 1e-6)
        XCTAssertEqual(all.tasks[k], 1)

        let singleRun = try OperatorRun(problemPath: path, directory: directory.appendingPathComponent("single").path, profile: "single", resume: false)
        try FileManager.default.copyItem(atPath: full.path("reference.nc"), toPath: singleRun.path("reference.nc"))
        let single = try singleRun.dataset()
        XCTAssertTrue(single.tasks.allSatisfy { $0 == 1 })
        XCTAssertEqual(single.functions.count, 10)
        let testSamples = { (d: OperatorDataset) in Set(d.test.map { d.functions[$0].sample }) }
        XCTAssertEqual(testSamples(single), testSamples(all).filter { $0 % 2 == 1 })
        XCTAssertEqual(try singleRun.trainer(dataset: single, resume: false).run().step, 20)
    }

    func testTrainingResumesExactly() throws {
        let (runA, dataA) = try prepared("a")
        let straight = try runA.trainer(dataset: dataA, resume: false)
        XCTAssertEqual(try straight.run().step, 40)

        let (runB, dataB) = try prepared("b")
        var calls = 0
        let first = try runB.trainer(dataset: dataB, resume: false)
        let stopped = try first.run(shouldStop: { calls += 1; return calls > 25 })
        XCTAssertTrue(stopped.interrupted)
        XCTAssertEqual(stopped.step, 25)
        // A fresh trainer picks the checkpoint up and finishes.
        let (runB2, dataB2) = try prepared("b", resume: true)
        let resumed = try runB2.trainer(dataset: dataB2, resume: true)
        XCTAssertEqual(resumed.step, 25)
        XCTAssertEqual(try resumed.run().step, 40)

        let (a, b) = (parameters(straight.model), parameters(resumed.model))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, values) in a {
            let difference = zip(values, b[name]!).map { Swift.abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(difference, 1e-6, name)
        }
        // The loss history has one row per logged step, without the rows redone after resuming.
        let steps = { (run: OperatorRun) in
            try String(contentsOfFile: run.path("loss.csv"), encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
        }
        XCTAssertEqual(try steps(runA), try steps(runB2))
    }

    /// `decay = "piecewise"`: the rate Adam uses (logged in `loss.csv`) steps down at the boundaries.
    func testPiecewiseLearningRateDrivesTraining() throws {
        let text = TestProblems.tinyDarcyOperator.replacingOccurrences(of: "[training.quick]\nsteps = 40",
            with: "[training.quick]\nsteps = 40\ndecay = \"piecewise\"\nboundaries = [15, 30]\nlearning_rates = [3e-3, 1e-3, 2e-4]")
        XCTAssertNotEqual(text, TestProblems.tinyDarcyOperator)
        try text.write(toFile: problemPath, atomically: true, encoding: .utf8)
        let (run, data) = try prepared("piecewise")
        XCTAssertEqual(try run.trainer(dataset: data, resume: false).run().step, 40)
        let rows = try String(contentsOfFile: run.path("loss.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let rates = Dictionary(rows.map { (Int($0[0])!, Double($0[3])!) }, uniquingKeysWith: { a, _ in a })
        XCTAssertFalse(rates.isEmpty)
        for (step, rate) in rates {  // a row's rate is the one of its last step, 0-based step − 1
            let expected = step - 1 < 15 ? 3e-3 : step - 1 < 30 ? 1e-3 : 2e-4
            XCTAssertEqual(rate, expected, accuracy: 1e-12, "step \(step)")
        }
        XCTAssertTrue(Set(rates.values.map { ($0 * 1e5).rounded() }).count >= 2, "\(rates)")
    }

    /// A geometry family with a parameter branch: the split by parameter value, the mask in the
    /// loss, a conditioned trunk (`[y, n, p]` in, one trunk row per design and point), global
    /// output scaling, and `tandem compare`'s metrics on the held-out positions.
    func testParameterBranchConditionedTrunkAndGlobalScaling() throws {
        for (name, extra) in [("plain", ""), ("conditioned", "conditioned_trunk = true\noutput_scaling = \"global\"\n")] {
            let text = TestProblems.tinyHeatFamily.replacingOccurrences(of: "latent = 8\n", with: "latent = 8\n" + extra)
            try text.write(toFile: problemPath, atomically: true, encoding: .utf8)
            let (run, data) = try prepared(name)
            XCTAssertEqual(data.functions.count, 8)
            XCTAssertEqual(data.branchShape, [2])
            XCTAssertEqual(data.train.count, 4)  // p ∈ {0.6, 1.5} for n = 1, 2
            let trainNames = Set(data.train.map { data.geometryNames[data.functions[$0].geometry] })
            XCTAssertEqual(trainNames, ["plate(n=1, p=0.6)", "plate(n=1, p=1.5)", "plate(n=2, p=0.6)", "plate(n=2, p=1.5)"])
            let trainer = try run.trainer(dataset: data, resume: false)
            XCTAssertEqual(trainer.model.deepONet?.conditionedTrunk, name == "conditioned")
            XCTAssertEqual(trainer.model.deepONet?.trunk.widths[0], name == "conditioned" ? 4 : 2)
            let scaling = try OutputScaling.read(from: run.path("scaling.safetensors"))
            XCTAssertEqual(Set(scaling.mean).count == 1, name == "conditioned", "global scaling stores one mean")
            if name == "conditioned" {  // one μ, σ over every training value inside its geometry
                let m = data.pointCount
                var values: [Double] = []
                for f in data.train {
                    for j in 0..<m where data.masks[f * m + j] == 1 { values.append(Double(data.targets[f * m + j])) }
                }
                let count = Double(values.count)
                let mu: Double = values.reduce(0, +) / count
                var square = 0.0
                for v in values { square += (v - mu) * (v - mu) }
                let sigma = (square / count).squareRoot()
                XCTAssertEqual(Double(scaling.mean[0]), mu, accuracy: 1e-5)
                XCTAssertEqual(Double(scaling.deviation[m - 1]), sigma, accuracy: 1e-5)
            }
            let report = try trainer.run()
            XCTAssertEqual(report.step, 40)
            XCTAssertTrue(report.loss.isFinite)
            let (model, restored, _) = try run.trainedModel(dataset: data)
            XCTAssertEqual(restored, scaling)
            let comparison = OperatorComparison(model: model, scaling: restored, dataset: data, solverSecondsPerFunction: run.solverSecondsPerFunction)
            let overall = try XCTUnwrap(comparison.metrics.last)
            XCTAssertEqual(overall.functions, 4)
            XCTAssertTrue(overall.globalRelativeL2.isFinite && overall.globalRelativeL2 > 0)
        }
    }

    func testDivergenceStopsAndKeepsTheLastGoodCheckpoint() throws {
        let (run, data) = try prepared("diverge")
        var calls = 0
        _ = try run.trainer(dataset: data, resume: false).run(shouldStop: { calls += 1; return calls > 10 })
        let good = try Checkpoint<Float>.read(from: run.path("checkpoint.safetensors"))
        XCTAssertEqual(good.metadata["tandem.training_step"], "10")

        var exploding = run.training
        exploding.learningRate = 1e30
        let resumed = try run.trainer(dataset: data, resume: true)
        let trainer = OperatorTrainer(model: resumed.model, objective: OperatorObjective(dataset: data, scaling: OutputScaling(dataset: data), settings: exploding.objectiveSettings),
                                      plan: exploding.plan, directory: run.directory, metadata: run.metadata(model: resumed.model))
        try trainer.resume()
        XCTAssertThrowsError(try trainer.run()) { error in
            guard case let TrainingError.diverged(step, _, checkpointStep, _) = error else { return XCTFail("\(error)") }
            XCTAssertGreaterThanOrEqual(step, 10)
            XCTAssertEqual(checkpointStep, 10)
            XCTAssertTrue("\(error)".contains("last good checkpoint (step 10) is kept"), "\(error)")
        }
        let kept = try Checkpoint<Float>.read(from: run.path("checkpoint.safetensors"))
        XCTAssertEqual(kept.metadata["tandem.training_step"], "10")
        for (name, tensor) in good.parameters { XCTAssertEqual(kept.parameters[name]?.scalars, tensor.scalars, name) }
    }

    func testMismatchedCheckpointsAndDataAreRejectedNamingBothSides() throws {
        let (run, data) = try prepared("mismatch")
        var calls = 0
        _ = try run.trainer(dataset: data, resume: false).run(shouldStop: { calls += 1; return calls > 5 })
        // Training again into the same directory needs --resume.
        XCTAssertThrowsError(try OperatorRun(problemPath: problemPath, directory: run.directory, profile: "quick", resume: false)) { error in
            XCTAssertTrue("\(error)".contains("--resume"), "\(error)")
        }
        // Another problem file cannot resume this run.
        let other = directory.appendingPathComponent("other.toml").path
        try TestProblems.tinyDarcyOperator.replacingOccurrences(of: "latent = 8", with: "latent = 12").write(toFile: other, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try OperatorRun(problemPath: other, directory: run.directory, profile: "quick", resume: true)) { error in
            XCTAssertTrue("\(error)".contains("different problem file"), "\(error)")
        }
        // A checkpoint of another model: the message names both models.
        let otherRun = try OperatorRun(problemPath: other, directory: directory.appendingPathComponent("other").path, profile: "quick", resume: false)
        try FileManager.default.copyItem(atPath: run.path("checkpoint.safetensors"), toPath: otherRun.path("checkpoint.safetensors"))
        try FileManager.default.copyItem(atPath: run.path("reference.nc"), toPath: otherRun.path("reference.nc"))
        XCTAssertThrowsError(try otherRun.trainedModel(dataset: try otherRun.dataset())) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("→ 8;") && text.contains("→ 12;"), text)
        }
        // A model that does not fit its data: five pooling blocks on a 16 × 16 grid.
        let deep = directory.appendingPathComponent("deep.toml").path
        try TestProblems.tinyDarcyOperator.replacingOccurrences(of: "filters = [4, 8]", with: "filters = [4, 4, 4, 4, 4]").write(toFile: deep, atomically: true, encoding: .utf8)
        let deepRun = try OperatorRun(problemPath: deep, directory: directory.appendingPathComponent("deep").path, profile: "quick", resume: false)
        try FileManager.default.copyItem(atPath: run.path("reference.nc"), toPath: deepRun.path("reference.nc"))
        XCTAssertThrowsError(try deepRun.trainer(dataset: try deepRun.dataset(), resume: false)) { error in
            XCTAssertEqual("\(error)", "deep.toml:39: model.filters: 5 pooling blocks shrink a 16 × 16 grid to nothing")
        }
        // Reference data of another grid: the error names both shapes.
        let coarse = directory.appendingPathComponent("coarse.toml").path
        try TestProblems.tinyDarcyOperator.replacingOccurrences(of: "grid = [16, 16]", with: "grid = [12, 12]").write(toFile: coarse, atomically: true, encoding: .utf8)
        let coarseRun = try OperatorRun(problemPath: coarse, directory: directory.appendingPathComponent("coarse").path, profile: "quick", resume: false)
        try FileManager.default.copyItem(atPath: run.path("reference.nc"), toPath: coarseRun.path("reference.nc"))
        XCTAssertFalse(coarseRun.hasReusableReference)
        XCTAssertThrowsError(try coarseRun.dataset()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("[12, 2, 16, 16]") && text.contains("[12, 2, 12, 12]"), text)
        }
    }

    func testComparisonMeasuresTheTrainedModelAgainstTheSolver() throws {
        let (run, data) = try prepared("paper", profile: "paper")
        let trainer = try run.trainer(dataset: data, resume: false)
        XCTAssertEqual(try trainer.run().step, 400)
        let (model, scaling, step) = try run.trainedModel(dataset: data)
        XCTAssertEqual(step, 400)
        let comparison = OperatorComparison(model: model, scaling: scaling, dataset: data, solverSecondsPerFunction: run.solverSecondsPerFunction)
        let m = data.pointCount
        // Metrics recomputed from the predictions.
        var e2 = 0.0, u2 = 0.0, mean2 = 0.0
        for (row, f) in comparison.functions.enumerated() {
            for j in 0..<m where data.masks[f * m + j] == 1 {
                let u = Double(data.targets[f * m + j]), p = Double(comparison.predictions[row * m + j])
                e2 += (p - u) * (p - u)
                u2 += u * u
                mean2 += (Double(scaling.mean[j]) - u) * (Double(scaling.mean[j]) - u)
            }
            for j in 0..<m where data.masks[f * m + j] == 0 { XCTAssertEqual(comparison.predictions[row * m + j], 0) }
        }
        let overall = try XCTUnwrap(comparison.metrics.last)
        XCTAssertEqual(overall.task, "all")
        XCTAssertEqual(overall.functions, data.test.count)
        XCTAssertEqual(overall.globalRelativeL2, (e2 / u2).squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(overall.meanRelativeL2, comparison.relativeErrors.reduce(0, +) / Double(data.test.count), accuracy: 1e-12)
        XCTAssertEqual(overall.worstRelativeL2, comparison.relativeErrors.max()!)
        XCTAssertEqual(comparison.metrics.filter { $0.task != "all" }.map(\.functions).reduce(0, +), data.test.count)
        // The network beats the best input-blind guess (the training mean at every point).
        let meanGuess = (mean2 / u2).squareRoot()
        XCTAssertLessThan(overall.globalRelativeL2, 0.8 * meanGuess, "network \(overall.globalRelativeL2), mean field \(meanGuess)")
        XCTAssertGreaterThan(comparison.inferenceSeconds, 0)
        XCTAssertGreaterThan(try XCTUnwrap(comparison.solverSeconds), 0)
        let ranked = comparison.ranked(task: 0, dataset: data)
        XCTAssertEqual(ranked.map { comparison.relativeErrors[$0] }, ranked.map { comparison.relativeErrors[$0] }.sorted())
    }
}

/// `[transfer]`: fine-tuning only the named parameters on a new geometry, and the from-scratch baseline.
final class OperatorTransferTests: XCTestCase {
    var directory: URL!
    var problemPath: String { directory.appendingPathComponent("tiny.toml").path }
    /// The tiny problem trained on the square only, transferred to the disk.
    static let text = TestProblems.tinyDarcyOperator.replacingOccurrences(of: "split = \"random\"", with: "geometries = [\"square\"]\nsplit = \"random\"") + """


        [transfer]
        geometry = "disk"
        trainable = ["branch.head", "trunk.layers.2"]
        samples = 6
        test_samples = 4
        steps = 30
        batch = 4
        learning_rate = 1e-3
        checkpoint_every = 10
        """

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-transfer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.text.write(toFile: problemPath, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func source() throws -> OperatorRun {
        let run = try OperatorRun(problemPath: problemPath, directory: directory.appendingPathComponent("source").path, profile: "quick", resume: false)
        _ = try run.generateReference()
        let data = try run.dataset()
        XCTAssertEqual(data.taskNames, ["square"])
        XCTAssertEqual(data.functions.count, 12)
        _ = try run.trainer(dataset: data, resume: false).run()
        return run
    }

    func testFineTuningChangesOnlyTheTrainableParameters() throws {
        let sourceRun = try source()
        let sourceData = try sourceRun.dataset(savedStandardisation: true)
        let before = try sourceRun.trainedModel(dataset: sourceData).model.namedParameters

        let run = try OperatorRun(transferFrom: sourceRun.directory, directory: directory.appendingPathComponent("transfer").path,
                                  profile: "quick", fromScratch: false, resume: false)
        XCTAssertTrue(run.hasReusableReference)  // the source's data has the 10 samples needed
        let data = try run.dataset()
        XCTAssertEqual(data.train.count, 6)
        XCTAssertEqual(data.test.count, 4)
        XCTAssertEqual(Set(data.functions.map(\.geometry)), [1])  // the disk only
        XCTAssertEqual(data.branchStatistics, sourceData.branchStatistics)  // standardised as the source was trained
        let trainer = try run.trainer(dataset: data, resume: false)
        let startLoss = trainer.loss(on: data.test)
        XCTAssertEqual(try trainer.run().step, 30)
        XCTAssertLessThan(trainer.loss(on: data.train), startLoss)
        let after = trainer.model.namedParameters
        for (name, tensor) in before {
            let trainable = name.hasPrefix("branch.head.") || name.hasPrefix("trunk.layers.2.")
            if trainable {
                XCTAssertNotEqual(after[name]?.scalars, tensor.scalars, "\(name) should have been fine-tuned")
            } else {
                XCTAssertEqual(after[name]?.scalars, tensor.scalars, "\(name) should be frozen")
            }
        }
        // The transfer run reopens as such, for `tandem compare`.
        let reopened = try OperatorRun(directory: run.directory)
        XCTAssertEqual(reopened.kind, .transfer(source: sourceRun.directory, fromScratch: false))
        XCTAssertEqual(reopened.training.split, .samples(train: 6, test: 4))
        let (model, scaling, _) = try reopened.trainedModel(dataset: try reopened.dataset())
        let comparison = OperatorComparison(model: model, scaling: scaling, dataset: data, solverSecondsPerFunction: nil)
        XCTAssertEqual(comparison.metrics.last?.functions, 4)
    }

    /// `[transfer] l2sp = α` adds `α·Σ‖θ − θ⁰‖²` over the trainable parameters: the loss is the
    /// data loss plus that sum, and fine-tuning moves the parameters less than without it (the
    /// two sources are the same network: same file apart from `l2sp`, same seed).
    func testL2SPPenaltyKeepsFineTuningNearTheSource() throws {
        func drift(strength: Double) throws -> (drift: Double, check: (penalty: Float, expected: Float)) {
            let path = directory.appendingPathComponent("l2sp-\(strength).toml").path
            try Self.text.replacingOccurrences(of: "samples = 6\n", with: "samples = 6\nl2sp = \(strength)\n").write(toFile: path, atomically: true, encoding: .utf8)
            let source = try OperatorRun(problemPath: path, directory: directory.appendingPathComponent("s-\(strength)").path, profile: "quick", resume: false)
            _ = try source.generateReference()
            _ = try source.trainer(dataset: try source.dataset(), resume: false).run()
            let before = try source.trainedModel(dataset: try source.dataset(savedStandardisation: true)).model.namedParameters
            let run = try OperatorRun(transferFrom: source.directory, directory: directory.appendingPathComponent("t-\(strength)").path,
                                      profile: "quick", fromScratch: false, resume: false)
            let trainer = try run.trainer(dataset: try run.dataset(), resume: false)
            XCTAssertEqual(trainer.objective.anchor == nil, strength == 0)
            _ = try trainer.run()
            var sum = 0.0
            for (name, value) in trainer.model.namedParameters {
                sum += zip(value.scalars, before[name]!.scalars).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            }
            // The objective's total is the data loss (a mean relative L2 error, below 1 here) plus α·Σ‖θ − θ⁰‖².
            let value = try trainer.objective.loss(of: trainer.model, step: 7)
            return (sum, (value.total.scalars[0], Float(strength * sum)))
        }
        let free = try drift(strength: 0), anchored = try drift(strength: 1000)
        XCTAssertGreaterThan(free.drift, 0)
        XCTAssertLessThan(anchored.drift, 0.5 * free.drift, "L2-SP drift \(anchored.drift) against \(free.drift) without it")
        let dataLoss = anchored.check.penalty - anchored.check.expected
        XCTAssertGreaterThan(anchored.check.expected, 0)
        XCTAssertTrue(dataLoss > -1e-4 && dataLoss < 1, "total \(anchored.check.penalty), penalty \(anchored.check.expected)")
    }

    func testFromScratchTrainsEveryParameterAndBadNamesAreRejected() throws {
        let sourceRun = try source()
        let scratch = try OperatorRun(transferFrom: sourceRun.directory, directory: directory.appendingPathComponent("scratch").path,
                                      profile: "quick", fromScratch: true, resume: false)
        let trainer = try scratch.trainer(dataset: try scratch.dataset(), resume: false)
        let counts = scratch.trainableCounts(trainer)
        XCTAssertEqual(counts.trainable, counts.total)

        let bad = directory.appendingPathComponent("bad.toml").path
        try Self.text.replacingOccurrences(of: "\"trunk.layers.2\"]", with: "\"trunk.layer.2\"]").write(toFile: bad, atomically: true, encoding: .utf8)
        let badSource = try OperatorRun(problemPath: bad, directory: directory.appendingPathComponent("bad").path, profile: "quick", resume: false)
        _ = try badSource.generateReference()
        var calls = 0
        _ = try badSource.trainer(dataset: try badSource.dataset(), resume: false).run(shouldStop: { calls += 1; return calls > 2 })
        let transfer = try OperatorRun(transferFrom: badSource.directory, directory: directory.appendingPathComponent("bad-transfer").path,
                                       profile: "quick", fromScratch: false, resume: false)
        XCTAssertThrowsError(try transfer.trainer(dataset: try transfer.dataset(), resume: false)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("transfer.trainable") && text.contains("\"trunk.layer.2\"") && text.contains("branch.head.layers.1, trunk.layers.0, trunk.layers.1, trunk.layers.2, bias"), text)
        }
    }
}

/// `[model] kind = "fno"`: the Fourier neural operator on the same data, through the same run,
/// trainer, comparison and transfer as the DeepONet; and its keys are checked.
final class FourierOperatorWorkflowTests: TemporaryDirectoryTestCase {
    /// The tiny Darcy problem with an FNO in place of the DeepONet; trained on the square,
    /// transferred to the disk with the projection free.
    static let text: String = {
        let base = TestProblems.tinyDarcyOperator
        let model = base[base.range(of: "[model]")!.lowerBound..<base.range(of: "[training]")!.lowerBound]
        return base.replacingOccurrences(of: model, with: """
            [model]
            kind = "fno"
            width = 6
            modes = [3, 3]
            blocks = 2
            projection = 8
            padding = 2

            """).replacingOccurrences(of: "split = \"random\"", with: "geometries = [\"square\"]\nsplit = \"random\"\nloss = \"relative-l2\"") + """


            [transfer]
            geometry = "disk"
            trainable = ["projection"]
            samples = 6
            test_samples = 4
            steps = 20
            batch = 4
            learning_rate = 1e-3
            checkpoint_every = 10
            """
    }()

    func testTrainsComparesAndTransfers() throws {
        let path = try write(Self.text, "fno.toml")
        let run = try OperatorRun(problemPath: path, directory: directory.appendingPathComponent("fno").path, profile: "paper", resume: false)
        _ = try run.generateReference()
        let data = try run.dataset()
        let trainer = try run.trainer(dataset: data, resume: false)
        XCTAssertTrue(OperatorModel.describe(trainer.model).hasPrefix("FNO: [2, 16, 16] + (x, y) → 2 blocks × 6 channels, 6 × 3 modes, padding 2"), OperatorModel.describe(trainer.model))
        let first = trainer.loss(on: data.train)
        XCTAssertEqual(try trainer.run().step, 400)
        let last = trainer.loss(on: data.train)
        XCTAssertLessThan(last, 0.5 * first, "relative L2 on the training functions: \(first) → \(last)")
        let (model, scaling, step) = try run.trainedModel(dataset: data)
        XCTAssertEqual(step, 400)
        XCTAssertNotNil(model.fourier)
        let comparison = OperatorComparison(model: model, scaling: scaling, dataset: data, solverSecondsPerFunction: run.solverSecondsPerFunction)
        let overall = try XCTUnwrap(comparison.metrics.last)
        XCTAssertEqual(overall.functions, data.test.count)
        XCTAssertLessThan(overall.meanRelativeL2, 0.5, "test error \(overall.meanRelativeL2)")
        let m = data.pointCount
        for (row, f) in comparison.functions.enumerated() {
            for j in 0..<m where data.masks[f * m + j] == 0 { XCTAssertEqual(comparison.predictions[row * m + j], 0) }
        }
        // Transfer: only the projection changes.
        let transfer = try OperatorRun(transferFrom: run.directory, directory: directory.appendingPathComponent("transfer").path,
                                       profile: "paper", fromScratch: false, resume: false)
        if !transfer.hasReusableReference { _ = try transfer.generateReference() }
        let target = try transfer.dataset()
        let tuner = try transfer.trainer(dataset: target, resume: false)
        let (trainable, total) = transfer.trainableCounts(tuner)
        XCTAssertEqual(trainable, 6 * 8 + 8 + 8 + 1)
        XCTAssertGreaterThan(total, trainable)
        let before = tuner.model.namedParameters
        XCTAssertEqual(try tuner.run().step, 20)
        for (name, value) in tuner.model.namedParameters {
            XCTAssertEqual(value.scalars == before[name]!.scalars, !name.hasPrefix("projection"), name)
        }
    }

    func testKeysAreChecked() throws {
        func message(_ text: String) -> String {
            do {
                _ = try Problem(text: text, file: "fno.toml", directory: directory.path).pdeProblem(for: "a test")
                return "read"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message(Self.text), "read")
        let deepONetKey = message(Self.text.replacingOccurrences(of: "padding = 2", with: "padding = 2\nfilters = [4]"))
        XCTAssertTrue(deepONetKey.contains("fno.toml") && deepONetKey.contains("model.filters") && deepONetKey.contains("unknown key"), deepONetKey)
        let tooMany = message(Self.text.replacingOccurrences(of: "modes = [3, 3]", with: "modes = [10, 3]"))
        XCTAssertTrue(tooMany.contains("model.modes") && tooMany.contains("padded grid"), tooMany)
        let bad = message(Self.text.replacingOccurrences(of: "width = 6", with: "width = 0"))
        XCTAssertTrue(bad.contains("model.width") && bad.contains("positive"), bad)
    }

    /// The tiny Darcy problem with a POD-DeepONet: the DeepONet's CNN branch, the trunk replaced
    /// by the training outputs' POD modes.
    static let podText: String = {
        let base = TestProblems.tinyDarcyOperator
        return base.replacingOccurrences(of: "[model]\n", with: "[model]\nkind = \"pod-deeponet\"\npod_energy = 0.999\n")
            .replacingOccurrences(of: "trunk_layers = [16, 16]\n", with: "").replacingOccurrences(of: "latent = 8\n", with: "")
    }()

    func testPODDeepONetFitsItsBasisOnceAndTrains() throws {
        let path = try write(Self.podText, "pod.toml")
        let run = try OperatorRun(problemPath: path, directory: directory.appendingPathComponent("pod").path, profile: "paper", resume: false)
        _ = try run.generateReference()
        let data = try run.dataset()
        let trainer = try run.trainer(dataset: data, resume: false)
        let pod = try XCTUnwrap(trainer.model.pod)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.path("pod.safetensors")))
        XCTAssertGreaterThan(pod.modeCount, 1)
        XCTAssertLessThanOrEqual(pod.modeCount, data.train.count)
        XCTAssertTrue(OperatorModel.describe(trainer.model).hasPrefix("POD-DeepONet: CNN branch [2, 16, 16]"), OperatorModel.describe(trainer.model))
        XCTAssertFalse(trainer.model.namedParameters.keys.contains { $0.hasPrefix("trunk") })
        let first = trainer.loss(on: data.train)
        XCTAssertEqual(try trainer.run().step, 400)
        XCTAssertLessThan(trainer.loss(on: data.train), 0.5 * first)
        // The trained model reads the same basis back.
        let (model, scaling, _) = try run.trainedModel(dataset: data)
        XCTAssertEqual(model.pod?.basis.scalars, pod.basis.scalars)
        let comparison = OperatorComparison(model: model, scaling: scaling, dataset: data, solverSecondsPerFunction: nil)
        XCTAssertLessThan(try XCTUnwrap(comparison.metrics.last).meanRelativeL2, 0.5)
        // Without the file, the run says what is missing.
        try FileManager.default.removeItem(atPath: run.path("pod.safetensors"))
        XCTAssertThrowsError(try run.trainedModel(dataset: data)) { XCTAssertTrue("\($0)".contains("pod.safetensors"), "\($0)") }
        // The trunk's keys do not apply.
        XCTAssertThrowsError(try Problem(text: Self.podText.replacingOccurrences(of: "kernel = 3", with: "kernel = 3\nlatent = 8"), file: "pod.toml").pdeProblem(for: "a test")) {
            XCTAssertTrue("\($0)".contains("model.latent") && "\($0)".contains("unknown key"), "\($0)")
        }
    }
}

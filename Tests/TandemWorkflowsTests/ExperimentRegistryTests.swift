import Foundation
import TandemSpec
import TandemTestSupport
import TandemWorkflows
import XCTest

/// The registry the commands dispatch through, and the run-directory errors every kind shares.
final class ExperimentRegistryTests: TemporaryDirectoryTestCase {


    func testEveryModelKindHasExactlyOneExperiment() {
        for kind in Problem.ModelKind.allCases {
            XCTAssertEqual(ExperimentRegistry.experiments.filter { $0.kinds.contains(kind) }.count, 1, kind.rawValue)
            let expected: any Experiment.Type = switch kind {
            case .pinn: PINNExperiment.self
            case .deeponet, .podDeepONet, .fno: OperatorExperiment.self
            case .edaPINN: EDAExperiment.self
            case .schnet, .dpa3: AtomsExperiment.self
            }
            XCTAssertTrue(ExperimentRegistry.experiment(for: kind) == expected, kind.rawValue)
        }
    }

    func testTheRegistryPicksTheFilesKind() throws {
        let pinn = try ExperimentRegistry.run(problemPath: try write(TestProblems.tinyFisherPINN, "pinn.toml"),
                                              directory: directory.appendingPathComponent("p").path, profile: "quick", resume: false)
        XCTAssertTrue(pinn is PINNExperiment)
        let operator_ = try ExperimentRegistry.run(problemPath: try write(TestProblems.tinyDarcyOperator, "op.toml"),
                                                   directory: directory.appendingPathComponent("o").path, profile: "quick", resume: false)
        XCTAssertTrue(operator_ is OperatorExperiment)
        let lines = try ExperimentRegistry.describe(problemFile: directory.appendingPathComponent("pinn.toml").path)
        XCTAssertTrue(lines[0].contains("tiny"), lines[0])
    }

    func testRunDirectoriesSayWhatIsWrong() throws {
        let path = try write(TestProblems.tinyFisherPINN, "pinn.toml")
        let run = directory.appendingPathComponent("run").path
        XCTAssertThrowsError(try ExperimentRegistry.trainedRun(run)) { error in
            XCTAssertEqual(error as? RunDirectoryError, .notARun(directory: run))
            XCTAssertTrue("\(error)".contains("is not a trained run"), "\(error)")
        }
        _ = try ExperimentRegistry.run(problemPath: path, directory: run, profile: "quick", resume: false)
        FileManager.default.createFile(atPath: run + "/checkpoint.safetensors", contents: Data())
        XCTAssertThrowsError(try ExperimentRegistry.run(problemPath: path, directory: run, profile: "quick", resume: false)) { error in
            XCTAssertEqual(error as? RunDirectoryError, .occupied(directory: run))
            XCTAssertTrue("\(error)".contains("already holds a trained run; pass --resume"), "\(error)")
        }
        let other = try write(TestProblems.tinyFisherPINN.replacingOccurrences(of: "steps = 600", with: "steps = 601"), "other.toml")
        XCTAssertThrowsError(try ExperimentRegistry.run(problemPath: other, directory: run, profile: "quick", resume: true)) { error in
            XCTAssertEqual(error as? RunDirectoryError, .anotherProblem(directory: run, problemFile: other))
        }
        XCTAssertThrowsError(try OperatorExperiment(trainedRun: run)) { error in
            XCTAssertEqual(error as? RunDirectoryError, .wrongKind(directory: run, holds: "pinn", expected: "neural operator (DeepONet, POD-DeepONet or FNO)"))
        }
        XCTAssertThrowsError(try ExperimentRegistry.run(problemPath: path, directory: directory.appendingPathComponent("x").path, profile: "huge", resume: false)) { error in
            XCTAssertTrue("\(error)".contains("training: no profile \"huge\"; the file has paper, quick"), "\(error)")
        }
    }

    /// `--resume` says what it found: no checkpoint yet (start at step 0), or a complete run (nothing
    /// to train, nothing rewritten: this used to fail writing a NaN loss to training.json).
    func testResumeSaysWhatItFound() throws {
        let text = TestProblems.tinyFisherPINN.replacingOccurrences(of: "steps = 600", with: "steps = 20")
            .replacingOccurrences(of: "lbfgs_iterations = 150", with: "lbfgs_iterations = 5")
        let path = try write(text, "pinn.toml")
        let run = directory.appendingPathComponent("run").path
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        func train(resume: Bool) throws -> (ExperimentOutcome, [String]) {
            let lines = Lines()
            let outcome = try ExperimentRegistry.run(problemPath: path, directory: run, profile: "quick", resume: resume)
                .prepareAndTrain(ExperimentEvents(message: { lines.all.append($0) }))
            return (outcome, lines.all)
        }
        let (first, fresh) = try train(resume: true)
        XCTAssertEqual(first, .finished)
        XCTAssertTrue(fresh.contains("no checkpoint in \(run) yet: training starts at step 0"), "\(fresh)")
        let recorded = try Data(contentsOf: URL(fileURLWithPath: run + "/training.json"))
        let (again, lines) = try train(resume: true)
        XCTAssertEqual(again, .finished)
        XCTAssertTrue(lines.contains { $0.contains("already complete (step 20 of 20, L-BFGS done): nothing to train") }, "\(lines)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: run + "/training.json")), recorded, "a complete run is left as it was")
    }
}

import Foundation
import TandemSpec
import TandemTestSupport
import TandemWorkflows
import XCTest

/// The registry the commands dispatch through, and the run-directory errors every kind shares.
final class ExperimentRegistryTests: TemporaryDirectoryTestCase {


    func testEveryModelKindHasExactlyOneExperiment() {
        for kind in Problem.ModelKind.allCases {
            XCTAssertEqual(ExperimentRegistry.experiments.filter { $0.kind == kind }.count, 1, kind.rawValue)
            XCTAssertTrue(ExperimentRegistry.experiment(for: kind) == (kind == .pinn ? PINNExperiment.self : OperatorExperiment.self))
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
            XCTAssertEqual(error as? RunDirectoryError, .wrongKind(directory: run, holds: "pinn", expected: "DeepONet"))
        }
        XCTAssertThrowsError(try ExperimentRegistry.run(problemPath: path, directory: directory.appendingPathComponent("x").path, profile: "huge", resume: false)) { error in
            XCTAssertTrue("\(error)".contains("training: no profile \"huge\"; the file has paper, quick"), "\(error)")
        }
    }
}

import TandemSpec
import XCTest

/// `[training.multitask]`: strategies, their settings and defaults, profile overrides, and
/// located errors.
final class MultiTaskSpecTests: XCTestCase {
    func problem(_ training: String) throws -> PDEProblem {
        try PDEProblem(text: ProblemFileTests.valid + "\n\n[training]\nsteps = 10\n" + training, file: "demo.toml")
    }

    func message(_ training: String) -> String {
        do { _ = try problem(training); return "no error" } catch { return "\(error)" }
    }

    func testStrategiesDecodeWithDefaultsAndProfileOverrides() throws {
        let p = try problem("""
            seed = 4
            [training.multitask]
            strategy = "cagrad"
            c = 0.25
            [training.quick]
            steps = 5
            [training.quick.multitask]
            strategy = "pcgrad"
            [training.long]
            steps = 50
            """)
        let paper = try XCTUnwrap(p.trainingProfiles["paper"]?.multitask)
        XCTAssertEqual(paper.strategy, .cagrad)
        XCTAssertEqual(paper.settings, ["c": 0.25, "rescale": 1])
        let quick = try XCTUnwrap(p.trainingProfiles["quick"]?.multitask)
        XCTAssertEqual(quick.strategy, .pcgrad)
        XCTAssertEqual(quick.settings["seed"], 4, "the seed defaults to the training seed")
        XCTAssertEqual(p.trainingProfiles["long"]?.multitask, paper, "a profile without its own table keeps the main one")
        XCTAssertNil(try problem("").trainingProfiles["paper"]?.multitask)
        XCTAssertTrue(paper.explanation.hasPrefix("cagrad (c 0.25, rescale 1): "), paper.explanation)
        for strategy in MultiTaskSpec.Strategy.allCases {
            XCTAssertEqual(try problem("[training.multitask]\nstrategy = \"\(strategy.rawValue)\"").trainingProfiles["paper"]?.multitask?.strategy, strategy)
        }
    }

    func testBadSettingsNameFileLineKeyAndExpectation() {
        XCTAssertEqual(message("[training.multitask]\nstrategy = \"pcgard\""),
                       "demo.toml:34: training.multitask.strategy: unknown multi-task strategy \"pcgard\"; expected one of equal, fixed, uncertainty, gradnorm, dwa, annealing, random, pcgrad, mgda, cagrad, nash")
        XCTAssertEqual(message("[training.multitask]\nc = 0.5"), "demo.toml:33: training.multitask.strategy: missing; expected one of equal, fixed, uncertainty, gradnorm, dwa, annealing, random, pcgrad, mgda, cagrad, nash")
        XCTAssertEqual(message("[training.multitask]\nstrategy = \"pcgrad\"\nc = 0.5"),
                       "demo.toml:35: training.multitask.c: not a setting of strategy pcgrad; it reads strategy, diagnostics_every, seed")
        XCTAssertEqual(message("[training.multitask]\nstrategy = \"cagrad\"\nc = 1.5"),
                       "demo.toml:35: training.multitask.c: expected a radius in [0, 1) for strategy cagrad, got 1.5")
        XCTAssertEqual(message("[training.multitask]\nstrategy = \"dwa\"\nwindow = 2.5"),
                       "demo.toml:35: training.multitask.window: expected an integer ≥ 1 for strategy dwa, got 2.5")
        XCTAssertEqual(message("[training.multitask]\nstrategy = \"fixed\"\nweights = [1, -2]"),
                       "demo.toml:35: training.multitask.weights: expected positive finite weights, one per task")
        XCTAssertEqual(message("[training.multitask]\nstrategy = \"mgda\"\nnormalization = \"l1\""),
                       "demo.toml:35: training.multitask.normalization: expected one of none, l2, loss, loss+, got \"l1\"")
        XCTAssertEqual(message("[training.multitask]\nstrategy = \"nash\"\ndiagnostics_every = -1"),
                       "demo.toml:35: training.multitask.diagnostics_every: expected an integer ≥ 0 (0: only when the strategy needs the gradients), got -1")
    }
}

import TandemSpec
import XCTest

/// `[signals]` problem files: defaults, profiles, and errors that name file, line and key.
final class SignalProblemTests: XCTestCase {
    static let minimal = """
        name = "eda-demo"
        seed = 3
        [signals]
        source = "synthetic"
        [model]
        kind = "eda-pinn"
        layers = [16, 16]
        """

    func problem(_ text: String) throws -> SignalProblem {
        try Problem(text: text, file: "eda.toml").signalProblem(for: "a test")
    }

    func message(_ text: String) -> String {
        do { _ = try problem(text); return "no error" } catch { return "\(error)" }
    }

    func testDefaultsAndProfiles() throws {
        let p = try problem(Self.minimal + "\n[training]\nsteps = 100\ntasks = [\"eda\", \"physics\"]\n[training.quick]\nsteps = 10\n[training.multitask]\nstrategy = \"pcgrad\"\n")
        XCTAssertEqual(try Problem(text: Self.minimal, file: "eda.toml").modelKind, .edaPINN)
        XCTAssertEqual(p.source, .synthetic)
        XCTAssertEqual(p.features, [.time, .block, .context])
        XCTAssertEqual(p.cohort?.subjects, 15)
        XCTAssertEqual(p.cohort?.seed, 3, "the cohort's seed defaults to the file's")
        XCTAssertEqual(p.cohort?.contextMeans.count, 4)
        XCTAssertEqual(p.model.layers, [16, 16])
        XCTAssertEqual(p.trainingProfiles["paper"]?.steps, 100)
        XCTAssertEqual(p.trainingProfiles["quick"]?.steps, 10)
        XCTAssertEqual(p.trainingProfiles["quick"]?.tasks, [.eda, .physics], "a profile keeps the main table's tasks")
        XCTAssertEqual(p.trainingProfiles["quick"]?.multitask?.strategy, .pcgrad)
        XCTAssertEqual(p.trainingProfiles["paper"]?.folds, 5)
    }

    func testE4SourceHasNoLabels() throws {
        let text = "[signals]\nsource = \"e4\"\npath = \"../data/e4\"\n[model]\nkind = \"eda-pinn\"\n"
        let p = try problem(text)
        XCTAssertEqual(p.features, [.time])
        XCTAssertEqual(p.trainingProfiles["paper"]?.tasks, [.eda, .physics])
        XCTAssertEqual(p.trainingProfiles["paper"]?.folds, 1)
        XCTAssertTrue(message(text + "[training]\ntasks = [\"emotion\"]\n").contains("no emotion labels"))
        XCTAssertTrue(message(text + "[training]\nfolds = 5\n").contains("eda.toml:7: training.folds"), message(text + "[training]\nfolds = 5\n"))
    }

    func testErrorsAreLocated() {
        let cases: [(String, String)] = [
            ("[signals]\nsource = \"wesad\"\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:1: signals.path: missing; expected the WESAD folder"),
            ("[signals]\nsource = \"fitbit\"\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:2: signals.source: unknown source \"fitbit\""),
            ("[signals]\nfeatures = [\"time\", \"pupil\"]\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:2: signals.features[1]: unknown feature group \"pupil\""),
            ("[signals]\n[signals.cohort]\ndurations = [1, 2]\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:3: signals.cohort.durations: expected 4 numbers, one per condition"),
            ("[signals]\n[signals.cohort]\nnoise = -1\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:3: signals.cohort.noise: expected a non-negative number"),
            ("[signals]\n[signals.cohort]\ngains = [0.1, 0.2]\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:2: signals.cohort.context: missing; expected a table of mean context vectors"),
            ("[signals]\n[signals.cohort]\ngains = [0.1, 0.2]\ncontext = { baseline = [1, 2], stress = [1, 2], amusement = [1, 2], meditation = [1, 2] }\n[model]\nkind = \"eda-pinn\"\n",
             "signals.cohort.subject_spread: expected 2 non-negative numbers"),
            ("[signals]\n[signals.cohort]\ncontext = { baseline = [1, 2, 3] }\n[model]\nkind = \"eda-pinn\"\n", "signals.cohort.context.stress: missing"),
            ("[signals]\nrate = 0\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:2: signals.rate: expected a positive number"),
            ("[signals]\n[model]\nkind = \"pinn\"\n", "eda.toml:3: model.kind: a [signals] problem trains kind = \"eda-pinn\""),
            ("[signals]\n[model]\nkind = \"eda-pinn\"\nactivation = \"relu\"\n", "eda.toml:4: model.activation: relu has no derivative"),
            ("[signals]\n[model]\nkind = \"eda-pinn\"\n[training]\ntasks = [\"eda\", \"mood\"]\n", "eda.toml:5: training.tasks[1]: unknown task \"mood\""),
            ("[signals]\n[model]\nkind = \"eda-pinn\"\n[training.weights]\nphysics = 0\n", "eda.toml:5: training.weights.physics: expected a positive weight"),
            ("[signals]\n[model]\nkind = \"eda-pinn\"\n[training]\nforecast = 1.5\n", "eda.toml:5: training.forecast: expected a fraction"),
            ("[signals]\nwindw = 3\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:2: signals.windw: unknown key"),
            ("[signals]\n", "eda.toml: model: missing; expected a [model] table"),
            ("[signals]\n[signals.cohort]\nsubjects = 1000000\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:3: signals.cohort.subjects: 1000000 subjects × 900 s at 4 Hz are 3.6e+09 EDA samples"),
            ("[signals]\nrate = 1e6\n[model]\nkind = \"eda-pinn\"\n", "eda.toml:2: signals.rate: expected at most 1000"),
            ("[signals]\n[pde]\nkind = \"poisson\"\n[model]\nkind = \"eda-pinn\"\n", "signals: a file declares only one of [pde], [signals], [atoms]"),
        ]
        for (text, expected) in cases {
            let m = message(text)
            XCTAssertTrue(m.contains(expected), "expected \(expected)\ngot      \(m)")
        }
    }

    func testAPDEFileCannotTrainTheEDANetwork() {
        do {
            _ = try PDEProblem(text: ProblemFileTests.valid + "\n[model]\nkind = \"eda-pinn\"\n", file: "pde.toml")
            XCTFail("accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("eda-pinn trains on physiological signals"), "\(error)")
        }
    }
}

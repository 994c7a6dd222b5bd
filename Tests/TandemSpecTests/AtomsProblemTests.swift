import Foundation
import TandemSpec
import XCTest

/// `[atoms]` problem files: defaults, profiles, the files they name, and errors that name file,
/// line and key.
final class AtomsProblemTests: XCTestCase {
    static let minimal = """
        name = "atoms-demo"
        seed = 4
        [atoms]
        elements = ["Cu", "Au"]
        [[atoms.dataset]]
        name = "cu"
        source = "emt"
        composition = { Cu = 3, Au = 1 }
        [[atoms.dataset]]
        name = "water"
        source = "deepmd"
        path = "data/water"
        frames = 50
        energy_offset = -0.5
        [model]
        kind = "schnet"
        """

    func problem(_ text: String) throws -> AtomsProblem {
        try Problem(text: text, file: "atoms.toml").atomsProblem(for: "a test")
    }

    func message(_ text: String) -> String {
        do { _ = try problem(text); return "no error" } catch { return "\(error)" }
    }

    func testDefaultsAndProfiles() throws {
        let p = try problem(Self.minimal + "\nencoding = \"pooled\"\n[training]\nsteps = 100\nforce_prefactor = [100, 2]\n[training.quick]\nsteps = 10\n")
        XCTAssertEqual(try Problem(text: Self.minimal, file: "atoms.toml").modelKind, .schnet)
        XCTAssertEqual(p.elements, ["Cu", "Au"])
        XCTAssertEqual(p.datasets.map(\.name), ["cu", "water"])
        let g = try XCTUnwrap(p.datasets[0].generation)
        XCTAssertEqual(g.composition["Cu"]!, 0.75, accuracy: 1e-15, "fractions are normalised")
        XCTAssertEqual(g.repeats, [2, 2, 2])
        XCTAssertEqual(g.temperatures, [300])
        XCTAssertEqual(g.seed, 4, "the first data set's seed is the file's")
        XCTAssertNil(g.latticeConstant)
        XCTAssertEqual(p.datasets[0].frames, 200)
        XCTAssertEqual(p.datasets[1].source, .deepmd)
        XCTAssertEqual(p.datasets[1].energyOffset, -0.5)
        XCTAssertNil(p.datasets[1].generation)
        XCTAssertEqual([p.model.features, p.model.interactions, p.model.radial], [64, 3, 25])
        XCTAssertEqual(p.model.cutoff, 5)
        XCTAssertEqual(p.model.encoding, .pooled)
        XCTAssertEqual(p.trainingProfiles["paper"]?.steps, 100)
        XCTAssertEqual(p.trainingProfiles["quick"]?.steps, 10)
        XCTAssertEqual(p.trainingProfiles["quick"]?.forcePrefactor, [100, 2], "a profile keeps the main table's settings")
        XCTAssertEqual(p.trainingProfiles["paper"]?.energyPrefactor, [0.02, 1])
        XCTAssertEqual(p.trainingProfiles["paper"]?.seed, 4)
        XCTAssertEqual(p.trainingProfiles["paper"]?.decayRate, 0.95)
        // stop_learning_rate sets the decay factor from each profile's own steps.
        let stopping = try problem(Self.minimal + "\n[training]\nsteps = 1000\ndecay_every = 100\nlearning_rate = 1e-3\nstop_learning_rate = 1e-5\n[training.quick]\nsteps = 200\n")
        XCTAssertEqual(stopping.trainingProfiles["paper"]!.decayRate, Foundation.pow(1e-2, 0.1), accuracy: 1e-12)
        XCTAssertEqual(stopping.trainingProfiles["quick"]!.decayRate, Foundation.pow(1e-2, 0.5), accuracy: 1e-12)
        let dpa3 = try problem(Self.minimal.replacingOccurrences(of: "kind = \"schnet\"", with: "kind = \"dpa3\"\nangle_cutoff = 3.5\nedge_features = 8"))
        XCTAssertEqual(dpa3.model.kind, .dpa3)
        XCTAssertEqual(try Problem(text: Self.minimal.replacingOccurrences(of: "kind = \"schnet\"", with: "kind = \"dpa3\""), file: "a.toml").modelKind, .dpa3)
        XCTAssertEqual([dpa3.model.edgeFeatures, dpa3.model.angleFeatures, dpa3.model.radial], [8, 16, 16])
        XCTAssertEqual(dpa3.model.angleCutoff, 3.5)
        let files = try Problem(text: Self.minimal, file: "atoms.toml").namedFiles
        XCTAssertEqual(files, [Problem.NamedFile(keyPath: "atoms.dataset[1].path", path: "data/water")])
    }

    func testFilesOutsideTheProblemsFolderNeedPermission() throws {
        let outside = Self.minimal.replacingOccurrences(of: "data/water", with: "../../shared/data/deepmd-water")
        let problem = try Problem(text: outside, file: "atoms.toml")
        XCTAssertThrowsError(try problem.requireFilesInside(allowOutside: false)) {
            XCTAssertTrue("\($0)".contains("atoms.dataset[1].path: \"../../shared/data/deepmd-water\" is outside"), "\($0)")
        }
        XCTAssertNoThrow(try problem.requireFilesInside(allowOutside: true))
    }

    func testErrorsAreLocated() {
        let head = "[atoms]\nelements = [\"Cu\"]\n[[atoms.dataset]]\nname = \"cu\"\n"
        let model = "[model]\nkind = \"schnet\"\n"
        let cases: [(String, String)] = [
            ("[atoms]\n" + model, "atoms.toml:1: atoms.elements: missing; expected the elements the model knows"),
            ("[atoms]\nelements = [\"Cu\", \"Cu\"]\n" + model, "atoms.toml:2: atoms.elements: names an element twice"),
            ("[atoms]\nelements = [\"Cu\"]\n" + model, "atoms.toml:1: atoms.dataset: missing; expected at least one [[atoms.dataset]] table"),
            (head + "source = \"vasp\"\n" + model, "atoms.toml:5: atoms.dataset[0].source: unknown source \"vasp\"; expected one of emt, deepmd, extxyz"),
            (head + model, "atoms.dataset[0].source: missing; expected one of emt, deepmd, extxyz"),
            (head + "source = \"deepmd\"\n" + model, "atoms.dataset[0].path: missing; expected a DeePMD-kit system folder"),
            (head + "source = \"emt\"\n" + model, "atoms.dataset[0].composition: missing; expected the fraction of each element"),
            (head + "source = \"emt\"\ncomposition = { Au = 1 }\n" + model, "atoms.toml:6: atoms.dataset[0].composition.Au: Au is not in atoms.elements (Cu)"),
            (head + "source = \"emt\"\ncomposition = { Cu = -1 }\n" + model, "atoms.dataset[0].composition.Cu: expected a positive fraction"),
            (head + "source = \"emt\"\ncomposition = { Cu = 1 }\nrepeat = [2, 2]\n" + model, "atoms.toml:7: atoms.dataset[0].repeat: expected three numbers of cells"),
            (head + "source = \"emt\"\ncomposition = { Cu = 1 }\ntemperatures = [-5]\n" + model, "atoms.dataset[0].temperatures: expected temperatures between 0 and 5000 K"),
            (head + "source = \"emt\"\ncomposition = { Cu = 1 }\nlattice_constant = 40\n" + model, "atoms.dataset[0].lattice_constant: expected an fcc cell edge between 2 and 8 Å"),
            (head + "source = \"emt\"\ncomposition = { Cu = 1 }\npath = \"x\"\n" + model, "atoms.dataset[0].path: is for source = \"deepmd\" or \"extxyz\""),
            (head + "source = \"deepmd\"\npath = \"x\"\ntemperatures = [300]\n" + model, "atoms.toml:7: atoms.dataset[0].temperatures: is a setting of generated data"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\nframes = 0\n" + model, "atoms.dataset[0].frames: expected a positive number of frames"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\nweight = 0\n" + model, "atoms.dataset[0].weight: expected a positive number"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n[[atoms.dataset]]\nname = \"cu\"\nsource = \"extxyz\"\npath = \"y.xyz\"\n" + model,
             "atoms.dataset[1].name: \"cu\" names another data set too"),
            ("[atoms]\nelements = [\"Cu\"]\n[[atoms.dataset]]\nname = \"a b\"\nsource = \"emt\"\n" + model, "atoms.toml:4: atoms.dataset[0].name: expected letters, digits, - and _"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n[model]\nkind = \"deeponet\"\n", "atoms.toml:8: model.kind: an [atoms] problem trains kind = \"schnet\""),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n" + model + "cutoff = 25\n", "atoms.toml:9: model.cutoff: expected a cut-off of at most 20 Å"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n" + model + "encoding = \"mixed\"\n", "model.encoding: unknown encoding \"mixed\"; expected one of dataset, pooled, single"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n" + model + "[training]\nforce_prefactor = [1]\n", "training.force_prefactor: expected [start, limit]"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n" + model + "[training]\ntest_fraction = 1\n", "atoms.toml:10: training.test_fraction: expected a fraction in (0, 1)"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n" + model + "[training]\ndecay_rate = 0.5\nstop_learning_rate = 1e-6\n", "atoms.toml:10: training.decay_rate: give decay_rate or stop_learning_rate, not both"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n" + model + "[training]\nstop_learning_rate = 1\n", "training.stop_learning_rate: expected a rate in (0, learning_rate = 0.001]"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n", "atoms.toml: model: missing; expected a [model] table with kind = \"schnet\""),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\ncutof = 3\n" + model, "atoms.toml:7: atoms.dataset[0].cutof: unknown key"),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n" + model + "angle_cutoff = 3\n", "atoms.toml:9: model.angle_cutoff: is a setting of kind = \"dpa3\""),
            (head + "source = \"extxyz\"\npath = \"x.xyz\"\n[model]\nkind = \"dpa3\"\ncutoff = 4\nangle_cutoff = 4.5\n", "atoms.toml:10: model.angle_cutoff: expected an angle cut-off no longer than the cut-off"),
            ("[atoms]\n[signals]\n" + model, "atoms.toml:1: atoms: a file declares only one of [pde], [signals], [atoms]"),
        ]
        for (text, expected) in cases {
            let m = message(text)
            XCTAssertTrue(m.contains(expected), "expected \(expected)\ngot      \(m)")
        }
    }

    func testAPDEFileIsNotAnAtomsProblem() throws {
        XCTAssertThrowsError(try Problem(text: ProblemFileTests.valid + "\n[model]\nkind = \"deeponet\"\n", file: "pde.toml").atomsProblem(for: "tandem md")) {
            XCTAssertTrue("\($0)".contains("declares a PDE; tandem md needs an [atoms] table"), "\($0)")
        }
    }
}

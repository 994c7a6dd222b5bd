import TandemSpec
import XCTest

/// The file as a header and one payload: which table selects the payload, what the header
/// carries, and what a file without a payload is told.
final class ProblemHeaderTests: XCTestCase {
    static let darcy = """
        name = "header"
        description = "one line"

        [pde]
        kind = "darcy"

        [[geometry]]
        name = "square"
        shape = "rectangle"
        lower = [0, 0]
        upper = [1, 1]
        """

    func testPDETableSelectsThePDEPayload() throws {
        let problem = try Problem(text: Self.darcy, file: "header.toml", directory: "/somewhere")
        XCTAssertEqual(problem.name, "header")
        XCTAssertEqual(problem.header.summary, "one line")
        XCTAssertEqual(problem.header.directory, "/somewhere")
        XCTAssertNil(problem.header.seed)
        XCTAssertEqual(problem.modelKind, .deeponet)
        guard case let .pde(pde) = problem.payload else { return XCTFail("expected the PDE payload") }
        XCTAssertEqual(pde.pde, .darcy)
        XCTAssertEqual(pde.name, "header")
        XCTAssertEqual(pde.directory, "/somewhere")
        XCTAssertEqual(pde.reference.seed, 0)
        XCTAssertEqual(pde.trainingProfiles["paper"]?.seed, 0)
    }

    func testHeaderSeedIsTheDefaultOfEverySeedATableLeavesOut() throws {
        let seeded = try PDEProblem(text: "seed = 7\n" + Self.darcy, file: "header.toml")
        XCTAssertEqual(seeded.header.seed, 7)
        XCTAssertEqual(seeded.reference.seed, 7)
        XCTAssertEqual(seeded.trainingProfiles["paper"]?.seed, 7)
        XCTAssertEqual(seeded.trainingProfiles["quick"]?.seed, 7)

        let own = try PDEProblem(text: "seed = 7\n" + Self.darcy + "\n[reference]\nseed = 3\n[training]\nseed = 5\n", file: "header.toml")
        XCTAssertEqual(own.reference.seed, 3)
        XCTAssertEqual(own.trainingProfiles["paper"]?.seed, 5)

        let pinn = try PDEProblem(text: "seed = 11\n" + Self.darcy + "\n[model]\nkind = \"pinn\"\n[training.quick]\nsteps = 3\n", file: "header.toml")
        XCTAssertEqual(pinn.pinnTrainingProfiles["paper"]?.seed, 11)
        XCTAssertEqual(pinn.pinnTrainingProfiles["quick"]?.seed, 11)
    }

    func testHeaderErrorsAreLocated() {
        XCTAssertThrowsError(try Problem(text: "seed = -1\n" + Self.darcy, file: "header.toml")) { error in
            XCTAssertEqual("\(error)", "header.toml:1: seed: expected a non-negative integer, got -1")
        }
    }

    /// The name becomes `runs/<name>`: one that would climb out of `runs/` or split into
    /// directories is refused at its line; a file-derived name is checked too.
    func testNamesStayOneDirectory() {
        func message(_ name: String, file: String = "header.toml") -> String {
            let text = name.isEmpty ? Self.darcy.replacingOccurrences(of: "name = \"header\"\n", with: "")
                : Self.darcy.replacingOccurrences(of: "name = \"header\"", with: "name = \"\(name)\"")
            do { return try Problem(text: text, file: file).name } catch { return "\(error)" }
        }
        XCTAssertEqual(message("../../ESCAPED"), "header.toml:1: name: \"../../ESCAPED\" starts with \".\"; the name becomes the run directory runs/<name>")
        XCTAssertEqual(message("a/b"), "header.toml:1: name: \"a/b\" contains /; use letters, digits, -, _ and .; the name becomes the run directory runs/<name>")
        XCTAssertTrue(message("tab\\there").contains("contains \\t"), message("tab\\there"))  // a TOML tab escape
        XCTAssertTrue(message(String(repeating: "n", count: 101)).contains("has 101 characters"))
        XCTAssertEqual(message("darcy-3d_v1.2 run"), "darcy-3d_v1.2 run")
        XCTAssertEqual(message("", file: "plain.toml"), "plain")
        XCTAssertTrue(message("", file: "...toml").contains("the file name gives the problem name \"..\""), message("", file: "...toml"))
    }

    func testFileWithoutAPayloadSaysWhatItLacks() {
        XCTAssertThrowsError(try Problem(text: "name = \"empty\"\n", file: "empty.toml")) { error in
            XCTAssertEqual("\(error)", "empty.toml: geometry: missing; expected at least one [[geometry]] table")
        }
        let geometryOnly = Self.darcy.replacingOccurrences(of: "[pde]\nkind = \"darcy\"\n", with: "")
        XCTAssertThrowsError(try Problem(text: geometryOnly, file: "nopde.toml")) { error in
            XCTAssertEqual("\(error)", "nopde.toml: pde: missing; expected a [pde] table")
        }
    }
}

import TandemSpec
import TandemWorkflows
import XCTest

/// `tandem check` says only what applies to the file at hand.
final class ProblemSummaryTests: XCTestCase {
    func summary(_ text: String) throws -> String {
        try ResolvedProblem(PDEProblem(text: text, file: "s.toml")).summary()
    }

    static let lShape = """
        name = "l"
        [pde]
        kind = "darcy"
        source = "1"
        [[geometry]]
        name = "l"
        shape = "rectangle"
        lower = [-1, -1]
        upper = [1, 1]
        subtract = [{ shape = "rectangle", lower = [0, 0], upper = [1, 1] }]
        [reference]
        grid = [33, 33]
        """

    func testGridAlignedFileWithoutModel() throws {
        let s = try summary(Self.lShape)
        XCTAssertTrue(s.contains("u = 0 on the whole boundary"), s)
        XCTAssertFalse(s.contains("rest of the boundary"), s)
        XCTAssertFalse(s.contains("curved boundaries"), s)
        XCTAssertFalse(s.contains("Model (tandem train)"), s)
        XCTAssertTrue(s.contains("Model: none declared"), s)
        XCTAssertTrue(s.contains("\(33 * 33 - 16 * 16) grid points inside"), s)
    }

    func testCurvedBoundaryAndFixedParameters() throws {
        let disk = Self.lShape
            .replacingOccurrences(of: "subtract = [{ shape = \"rectangle\", lower = [0, 0], upper = [1, 1] }]", with: "")
            .replacingOccurrences(of: "shape = \"rectangle\"\nlower = [-1, -1]\nupper = [1, 1]", with: "shape = \"disk\"\ncenter = [0, 0]\nradius = 0.9")
            .replacingOccurrences(of: "source = \"1\"", with: "source = \"1\"\npermeability = \"1 + r*x*x + s\"\n[inputs.parameters]\nr = 2\ns = [0, 1]")
        let s = try summary(disk)
        XCTAssertTrue(s.contains("curved boundaries: crossing points between grid points"), s)
        XCTAssertTrue(s.contains("parameters, fixed: r = 2.0"), s)
        XCTAssertTrue(s.contains("parameters, uniform per sample: s ∈ [0.0, 1.0]"), s)
    }
}

import TandemSpec
import XCTest

/// The scan of TOML statements ahead of the parser: headers without keys are located errors (the
/// bundled parser would assert), brackets and `=` inside values are not statements, and dotted
/// keys are located at their own line.
final class TOMLStatementsTests: XCTestCase {
    private func error(_ text: String) -> ProblemFileError? {
        do {
            _ = try PDEProblem(text: text, file: "p.toml")
            return nil
        } catch {
            return error as? ProblemFileError
        }
    }

    /// `[`, `[[`, `[ `, `[ # …` and `[[\t` alone on a line (at the top, or after valid tables)
    /// are clean errors at their line, never an abort.
    func testHeadersWithoutKeysAreLocatedErrors() {
        for header in ["[", "[[", "[ ", "[ # comment", "[[\t", "[\r"] {
            for (text, line) in [(header + "\n", 1), (header, 1), (ProblemFileTests.valid + "\n" + header + "\n", 30)] {
                let e = error(text)
                XCTAssertNotNil(e, "\(header.debugDescription) is refused")
                XCTAssertEqual(e?.line, line, "\(header.debugDescription): \(String(describing: e))")
                XCTAssertTrue(e?.message.contains("TOML syntax") ?? false, String(describing: e))
            }
        }
        // The parser's own errors for the neighbouring forms still come through.
        for header in ["[]", "[[]]", "[ [a]]"] {
            XCTAssertTrue(error(header + "\n")?.message.contains("TOML syntax") ?? false, header)
        }
    }

    /// A closing bracket of the other kind inside a value (`a = [}`: the bundled parser asserted,
    /// found by `fuzz-problem-file`) is a located error; nested inline tables in arrays are fine.
    func testMismatchedClosingBracketsAreLocatedErrors() throws {
        for (value, closing) in [("[}", "}"), ("[0, }", "}"), ("[ }", "}"), ("[0, }}}}i", "}"), ("[\n  1,\n  }", "}"), ("{ b = ] }", "]")] {
            let e = error(ProblemFileTests.valid + "\nbad = " + value + "\n")
            XCTAssertEqual(e?.line, value.contains("\n") ? 32 : 30, "\(value.debugDescription): \(String(describing: e))")
            XCTAssertTrue(e?.message.contains("TOML syntax: \"\(closing)\" closes") ?? false, "\(value.debugDescription): \(String(describing: e))")
        }
        let fine = ProblemFileTests.valid.replacingOccurrences(of: "[reference]", with: "[pde.extra]\nlist = [{ a = [1, { b = 2 }] }, { c = \"}]\" }]\n\n[reference]")
        XCTAssertFalse(error(fine)?.message.contains("TOML syntax") ?? true, String(describing: error(fine)))
    }

    /// Brackets that open lines inside arrays, and `[` or `=` inside strings, are values.
    func testBracketsInsideValuesAreNotHeaders() throws {
        let text = ProblemFileTests.valid.replacingOccurrences(of: "[reference]", with: """
            [pde.notes]
            nested = [
              [
                1, 2
              ],
              [ 3 ],
            ]
            text = \"\"\"
            [
            not = a header
            \"\"\"
            literal = '[ # ['

            [reference]
            """)
        let e = error(text)
        XCTAssertNotNil(e)
        XCTAssertFalse(e?.message.contains("TOML syntax") ?? true, "the scan must not refuse valid TOML: \(String(describing: e))")
        // The unknown table is reported at its own line.
        XCTAssertEqual(e?.line, 26, String(describing: e))
    }

    /// A dotted key is located at its line, at the top level and inside a table.
    func testDottedKeysAreLocated() {
        let top = "name.first = \"x\"\n" + ProblemFileTests.valid.replacingOccurrences(of: "name = \"demo\"\n", with: "")
        let e = error(top)
        XCTAssertEqual(e?.line, 1, String(describing: e))
        XCTAssertEqual(e?.keyPath, "name", String(describing: e))
        let inside = ProblemFileTests.valid.replacingOccurrences(of: "source = \"sin(pi*x)\"", with: "source = \"sin(pi*x)\"\nextra.key = 1")
        let f = error(inside)
        XCTAssertEqual(f?.line, 7, String(describing: f))
    }
}

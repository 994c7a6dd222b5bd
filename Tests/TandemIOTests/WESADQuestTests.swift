import Foundation
import TandemIO
import TandemTestSupport
import XCTest

/// The WESAD quest reader on fixtures written in the layout of `SX_quest.csv`.
final class WESADQuestTests: TemporaryDirectoryTestCase {
    static let quest = """
    # Subj;S2;;;;;;
    # ORDER;Base;TSST;Medi 1;Fun;Medi 2;sRead;fRead
    # START;7.08;39.55;70.19;84.05;100.10;60.00;110.00
    # END;26.32;50.30;77.10;90.40;107.02;65.30;115.00
    ;;;;;;;
    # PANAS;1;2;3;4;5
    # PANAS;2;2;2;2;2
    # PANAS;1;1;1;1;1
    # PANAS;3;3;3;3;3
    # PANAS;1;1;1;1;1
    ;;;;;;;
    # STAI;1;2;1;2;1;2
    # STAI;3;3;3;3;3;3
    # STAI;1;1;1;1;1;1
    # STAI;2;2;2;2;2;2
    # STAI;1;1;1;1;1;1
    ;;;;;;;
    # DIM;7;2
    # DIM;5;4
    # DIM;8;1
    # DIM;7;5
    # DIM;8;1
    ;;;;;;;
    # SSSQ;1;2;3
    """

    func testReadsProtocolAndSelfReports() throws {
        let quest = try WESADQuest(contentsOf: try write(Self.quest, "S2_quest.csv"))
        XCTAssertEqual(quest.subject, "S2")
        XCTAssertEqual(quest.conditions.map(\.name), ["Base", "TSST", "Medi 1", "Fun", "Medi 2", "sRead", "fRead"])
        XCTAssertEqual(quest.conditions[0].start, 7 * 60 + 8)
        XCTAssertEqual(quest.conditions[0].end, 26 * 60 + 32)
        XCTAssertEqual(quest.conditions[1].start, 39 * 60 + 55)
        XCTAssertEqual(quest.labelled.map { $0.state! }, [.baseline, .stress, .meditation, .amusement, .meditation])
        XCTAssertNil(quest.conditions[5].state)
        XCTAssertEqual(quest.conditions[0].reports, ["valence": 7, "arousal": 2, "stai": 1.5, "panas": 3])
        XCTAssertEqual(quest.conditions[3].reports["valence"], 7)   // Fun is the fourth questionnaire
        XCTAssertEqual(quest.conditions[3].reports["stai"], 2)
        XCTAssertTrue(quest.conditions[5].reports.isEmpty)
    }

    func assertError(_ text: String, line: Int?, contains expected: String, file: StaticString = #filePath, at: UInt = #line) throws {
        let path = try write(text, "S9_quest.csv")
        XCTAssertThrowsError(try WESADQuest(contentsOf: path), file: file, line: at) { error in
            guard let e = error as? SignalFileError else { return XCTFail("\(error)", file: file, line: at) }
            XCTAssertEqual(e.line, line, "\(e)", file: file, line: at)
            XCTAssertTrue(e.description.contains(expected), "\(e)", file: file, line: at)
        }
    }

    func testBadQuestFilesAreLocated() throws {
        try assertError("# ORDER;Base;TSST\n# START;1.00;10.00\n# END;9.00;20.00\n".replacingOccurrences(of: "# START;1.00;10.00", with: "# START;1.00;8.00"),
                        line: 2, contains: "must not overlap")
        try assertError("# ORDER;Base;TSST\n# START;1.00;10.00\n# END;0.30;20.00\n", line: 3, contains: "not after its start")
        try assertError("# ORDER;Base;TSST\n# START;1.75;10.00\n# END;9.00;20.00\n", line: 2, contains: "minutes.seconds")
        try assertError("# ORDER;Base;TSST\n# START;1.00\n# END;9.00;20.00\n", line: 2, contains: "lists 1 times for the 2 conditions")
        try assertError("# ORDER;Base;TSST\n# END;9.00;20.00\n", line: nil, contains: "no \"# START")
        try assertError("# ORDER;Base\n# START;1.00\n# END;9.00\n# DIM;x;2\n", line: 4, contains: "DIM: expected numbers")
    }
}

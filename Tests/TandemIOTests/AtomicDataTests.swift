import Foundation
import XCTest
import TandemIO
import TandemTestSupport

/// NumPy `.npy`, DeePMD systems and extended XYZ: the formats atomistic data come in, read back
/// exactly, and refused with the file named when they are malformed.
final class AtomicDataTests: TemporaryDirectoryTestCase {
    /// A `.npy` file written by hand: `descriptor`, `shape`, raw little-endian values, version.
    private func npy(_ descriptor: String, shape: String, payload: [UInt8], version: UInt8 = 1, fortran: Bool = false) -> Data {
        var header = "{'descr': '\(descriptor)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let prefix = version == 1 ? 10 : 12
        header += String(repeating: " ", count: (64 - (prefix + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0])
        let n = header.utf8.count
        data.append(contentsOf: version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), 0, 0])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: payload)
        return data
    }

    private func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    func testNumPyTypesVersionsAndShapes() throws {
        let f4 = try NumPyArray.parse(npy("<f4", shape: "(2, 3)", payload: bytes([Float(1.5), -2, 3, 4, 5, 6.25])), file: "a.npy")
        XCTAssertEqual(f4.shape, [2, 3])
        XCTAssertEqual(f4.values, [1.5, -2, 3, 4, 5, 6.25])
        let f8 = try NumPyArray.parse(npy("<f8", shape: "(3,)", payload: bytes([0.1, 0.2, -1e300]), version: 2), file: "b.npy")
        XCTAssertEqual(f8.values, [0.1, 0.2, -1e300])
        XCTAssertEqual(f8.shape, [3])
        let i4 = try NumPyArray.parse(npy("<i4", shape: "(2,)", payload: bytes([Int32(-7), 9])), file: "c.npy")
        XCTAssertEqual(i4.values, [-7, 9])
        let i8 = try NumPyArray.parse(npy("<i8", shape: "(1, 1)", payload: bytes([Int64(1 << 40)])), file: "d.npy")
        XCTAssertEqual(i8.values, [Double(1 << 40)])
        let scalar = try NumPyArray.parse(npy("<f8", shape: "()", payload: bytes([42.0])), file: "e.npy")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.values, [42])
        // Round trip through the writer, both precisions.
        let a = NumPyArray(shape: [2, 2], values: [1, 2.5, -3, 1e-3])
        XCTAssertEqual(try NumPyArray.parse(a.encoded(), file: "f.npy").values, a.values)
        XCTAssertEqual(try NumPyArray.parse(a.encoded(singlePrecision: true), file: "g.npy").values, a.values.map { Double(Float($0)) })
        XCTAssertEqual(a.encoded().count % 64, (4 * 8) % 64, "the header is padded to 64 bytes")
    }

    func testMalformedNumPyFilesAreRefusedNamingTheFile() {
        let cases: [(Data, String)] = [
            (Data("not numpy".utf8), "no \\x93NUMPY magic"),
            (npy("<f4", shape: "(2,)", payload: bytes([Float(1)])), "the data has 4 bytes; shape (2,) of '<f4' needs 8"),
            (npy(">f8", shape: "(1,)", payload: bytes([1.0])), "type '>f8' is not supported"),
            (npy("<c16", shape: "(1,)", payload: []), "type '<c16' is not supported"),
            (npy("<f8", shape: "(1,)", payload: bytes([1.0]), fortran: true), "Fortran order"),
            (npy("<f8", shape: "(a, 2)", payload: []), "is not a tuple of sizes"),
            (Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 200, 0, 0x7B]), "the header is cut off"),
            (Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 9, 0, 0, 0]), "version 9.0 is not supported"),
        ]
        for (data, expected) in cases {
            XCTAssertThrowsError(try NumPyArray.parse(data, file: "set.000/coord.npy"), expected) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("set.000/coord.npy: "), message)
                XCTAssertTrue(message.contains(expected), "\(message) — expected \(expected)")
            }
        }
    }

    /// A small DeePMD system written with the `.npy` writer.
    private func writeSystem(_ name: String, atoms: [Int], typeMap: [String], frames: Int, periodic: Bool = true,
                             energyFrames: Int? = nil, forceWidth: Int? = nil) throws -> URL {
        let system = directory.appendingPathComponent(name)
        let set = system.appendingPathComponent("set.000")
        try FileManager.default.createDirectory(at: set, withIntermediateDirectories: true)
        try atoms.map(String.init).joined(separator: "\n").write(to: system.appendingPathComponent("type.raw"), atomically: true, encoding: .utf8)
        try typeMap.joined(separator: " ").write(to: system.appendingPathComponent("type_map.raw"), atomically: true, encoding: .utf8)
        if !periodic { try Data().write(to: system.appendingPathComponent("nopbc")) }
        let n = atoms.count
        func write(_ file: String, _ shape: [Int]) throws {
            let count = shape.reduce(1, *)
            try NumPyArray(shape: shape, values: (0..<count).map { Double($0) * 0.25 }).encoded(singlePrecision: true)
                .write(to: set.appendingPathComponent(file))
        }
        try write("coord.npy", [frames, 3 * n])
        if periodic { try write("box.npy", [frames, 9]) }
        try write("energy.npy", [energyFrames ?? frames])
        try write("force.npy", [frames, forceWidth ?? 3 * n])
        return system
    }

    func testDeePMDSystemsAreReadFrameByFrame() throws {
        let system = try writeSystem("water", atoms: [0, 1, 1], typeMap: ["O", "H"], frames: 4)
        let frames = try DeePMDSystem.read(directory: system.path)
        XCTAssertEqual(frames.count, 4)
        XCTAssertEqual(frames[0].species, ["O", "H", "H"])
        XCTAssertEqual(frames[1].positions, (9..<18).map { Double($0) * 0.25 })
        XCTAssertEqual(frames[2].cell, (18..<27).map { Double($0) * 0.25 })
        XCTAssertEqual(frames[3].energy, 0.75)
        XCTAssertEqual(frames[3].forces?.count, 9)
        XCTAssertEqual(frames[0].periodic, [true, true, true])
        let molecule = try DeePMDSystem.read(directory: writeSystem("gas", atoms: [0], typeMap: ["C"], frames: 2, periodic: false).path)
        XCTAssertNil(molecule[0].cell)
        XCTAssertEqual(molecule[0].periodic, [false, false, false])
    }

    func testBadDeePMDSystemsNameTheFile() throws {
        let frames = try writeSystem("frames", atoms: [0, 1], typeMap: ["O", "H"], frames: 3, energyFrames: 2)
        XCTAssertThrowsError(try DeePMDSystem.read(directory: frames.path)) { error in
            XCTAssertEqual("\(error)", "\(frames.path)/set.000/energy.npy: has 2 frames; coord.npy has 3")
        }
        let width = try writeSystem("width", atoms: [0, 1], typeMap: ["O", "H"], frames: 3, forceWidth: 5)
        XCTAssertThrowsError(try DeePMDSystem.read(directory: width.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(width.path)/set.000/force.npy: has rows of 5 numbers; expected 6"), "\(error)")
        }
        let element = try writeSystem("element", atoms: [0, 1], typeMap: ["O", "Xx"], frames: 1)
        XCTAssertThrowsError(try DeePMDSystem.read(directory: element.path)) { error in
            XCTAssertEqual("\(error)", "\(element.path)/type_map.raw: 'Xx' is not an element symbol")
        }
        let type = try writeSystem("type", atoms: [0, 2], typeMap: ["O", "H"], frames: 1)
        XCTAssertThrowsError(try DeePMDSystem.read(directory: type.path)) { error in
            XCTAssertTrue("\(error)".contains("type.raw: atom 1: type '2' is not an index into type_map.raw's 2 names"), "\(error)")
        }
        XCTAssertThrowsError(try DeePMDSystem.read(directory: directory.appendingPathComponent("absent").path)) { error in
            XCTAssertTrue("\(error)".contains("type_map.raw: cannot be read"), "\(error)")
        }
    }

    /// The real DFT collections in `../shared/data` (LGPL-3.0, DeePMD-kit examples): sizes and
    /// means as their README lists them.
    func testSharedDFTCollections() throws {
        let root = EmpaticaE4Tests.repository.deletingLastPathComponent().appendingPathComponent("shared/data")
        let water = root.appendingPathComponent("deepmd-water/data_1").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: water), "../shared/data/deepmd-water is absent")
        let frames = try DeePMDSystem.read(directory: water)
        XCTAssertEqual(frames.count, 160)
        XCTAssertEqual(frames[0].count, 192)
        XCTAssertEqual(frames[0].species.filter { $0 == "O" }.count, 64)
        XCTAssertEqual(frames[0].cell?[0] ?? 0, 12.4447, accuracy: 1e-3)
        let perAtom = frames.map { $0.energy! / 192 }.reduce(0, +) / Double(frames.count)
        XCTAssertEqual(perAtom, -155.956, accuracy: 2e-3)
        let cho = try DeePMDSystem.read(directory: root.appendingPathComponent("deepmd-nopbc-cho/C1H4O2").path)
        XCTAssertEqual(cho.count, 1562)
        XCTAssertEqual(cho[0].species.sorted(), ["C", "H", "H", "H", "H", "O", "O"])
        XCTAssertNil(cho[0].cell)
    }

    func testExtendedXYZRoundTripsAndReadsASEFiles() throws {
        let frames = [
            AtomicFrame(species: ["Cu", "Au"], positions: [0, 0, 0, 1.8050000000000002, 1.805, 0.1],
                        cell: [3.61, 0, 0, 0, 3.61, 0, 0.1, 0, 3.61], periodic: [true, true, false],
                        energy: -7.123456789012345, forces: [0.1, -0.2, 0.3, -0.1, 0.2, -0.3]),
            AtomicFrame(species: ["C", "O"], positions: [0, 0, 0, 0, 0, 1.128], cell: nil, periodic: [false, false, false]),
        ]
        let text = ExtendedXYZ.text(frames)
        XCTAssertEqual(try ExtendedXYZ.parse(text, file: "t.xyz"), frames)
        // As ASE writes it: other columns, extra keys, flags.
        let ase = """
            2
            Lattice="4.0 0.0 0.0 0.0 4.0 0.0 0.0 0.0 4.0" Properties=species:S:1:pos:R:3:Z:I:1:forces:R:3 energy=-3.5 stress="1 0 0 0 1 0 0 0 1" free_energy=-3.6 pbc="T T T" flag
            Al       0.00000000       0.00000000       0.00000000       13      0.01000000      -0.02000000       0.00000000
            Al       2.00000000       2.00000000       0.00000000       13     -0.01000000       0.02000000       0.00000000

            """
        let read = try ExtendedXYZ.parse(ase, file: "ase.xyz")
        XCTAssertEqual(read.count, 1)
        XCTAssertEqual(read[0].energy, -3.5)
        XCTAssertEqual(read[0].forces, [0.01, -0.02, 0, -0.01, 0.02, 0])
        XCTAssertEqual(read[0].positions[3], 2)
        XCTAssertEqual(read[0].periodic, [true, true, true])
        let path = directory.appendingPathComponent("frames.xyz").path
        try ExtendedXYZ.write(frames, to: path)
        XCTAssertEqual(try ExtendedXYZ.read(path: path), frames)
    }

    func testMalformedExtendedXYZIsLocated() {
        let header = "Properties=species:S:1:pos:R:3"
        let cases: [(String, String)] = [
            ("two\n\(header)\nH 0 0 0\n", "t.xyz:1: expected the number of atoms, found 'two'"),
            ("2\n\(header)\nH 0 0 0\n", "t.xyz:1: a frame of 2 atoms needs 4 lines"),
            ("1\n\(header)\nH 0 0\n", "t.xyz:3: atom 1 has 3 columns; Properties=species:S:1:pos:R:3 has 4"),
            ("1\n\(header)\nQq 0 0 0\n", "t.xyz:3: 'Qq' is not an element symbol"),
            ("1\n\(header)\nH 0 x 0\n", "t.xyz:3: 'x' is not a number"),
            ("1\nProperties=pos:R:3\n0 0 0\n", "t.xyz:2: Properties=pos:R:3 needs species:S:1 and pos:R:3"),
            ("1\nLattice=\"1 0 0 0 1 0\" \(header)\nH 0 0 0\n", "t.xyz:2: Lattice needs 9 numbers"),
            ("1\npbc=\"T T T\" \(header)\nH 0 0 0\n", "t.xyz:2: pbc=\"T T T\" is periodic but the frame has no Lattice"),
            ("1\nenergy=\"1 \(header)\nH 0 0 0\n", "t.xyz:2: the value of energy opens a quote it does not close"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ExtendedXYZ.parse(text, file: "t.xyz"), expected) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error) — expected \(expected)")
            }
        }
    }
}

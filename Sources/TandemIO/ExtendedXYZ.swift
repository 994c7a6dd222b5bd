import Foundation

/// The extended XYZ format (as ASE and QUIP write it): per frame, a line with the atom count, a
/// comment line of `key=value` pairs, then one line per atom.
///
/// The comment line names the per-atom columns in `Properties=name:type:count:…` (types `S`
/// string, `R` real, `I` integer, `L` logical; `species:S:1:pos:R:3` required, `forces:R:3` read
/// when present, other columns skipped), and may hold `Lattice="ax ay az bx by bz cx cy cz"` (the
/// cell vectors, Å), `pbc="T T T"`, `energy=` (eV) and `virial="…"` (9 numbers, eV). Values with
/// spaces are quoted with `"…"`. Without `Lattice` a frame has no cell and is not periodic.
public enum ExtendedXYZ {
    /// Every frame of the file at `path`.
    /// - Throws: ``SignalFileError`` at the line: a count that is not a number, a frame cut off,
    ///   an atom line with the wrong number of columns or a number that is not one, a
    ///   `Properties` without `species` and `pos`, a `Lattice` or `pbc` of the wrong length, an
    ///   element symbol that is no element.
    public static func read(path: String) throws -> [AtomicFrame] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SignalFileError(file: path, line: nil, message: "cannot be read")
        }
        return try parse(text, file: path)
    }

    /// Parses extended XYZ text (`file` names it in errors).
    public static func parse(_ text: String, file: String) throws -> [AtomicFrame] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
        var frames: [AtomicFrame] = []
        var i = 0
        func fail(_ line: Int, _ message: String) -> SignalFileError { SignalFileError(file: file, line: line + 1, message: message) }
        while i < lines.count {
            let countText = lines[i].trimmingCharacters(in: .whitespaces)
            if countText.isEmpty { i += 1; continue }
            guard let atoms = Int(countText), atoms >= 0 else { throw fail(i, "expected the number of atoms, found '\(countText)'") }
            guard i + 1 + atoms < lines.count else {
                throw fail(i, "a frame of \(atoms) atoms needs \(atoms + 2) lines; the file ends after \(lines.count - i)")
            }
            let info = try keyValues(String(lines[i + 1]), line: i + 1, file: file)
            // Columns.
            let properties = info["Properties"] ?? "species:S:1:pos:R:3"
            let fields = properties.split(separator: ":").map(String.init)
            guard fields.count % 3 == 0 else { throw fail(i + 1, "Properties=\(properties) is not name:type:count triples") }
            var columns: [String: (start: Int, count: Int, type: String)] = [:]
            var width = 0
            for t in stride(from: 0, to: fields.count, by: 3) {
                guard let count = Int(fields[t + 2]), count >= 1, ["S", "R", "I", "L"].contains(fields[t + 1]) else {
                    throw fail(i + 1, "Properties entry \(fields[t]):\(fields[t + 1]):\(fields[t + 2]) is not name:S|R|I|L:count")
                }
                columns[fields[t]] = (width, count, fields[t + 1])
                width += count
            }
            guard let speciesColumn = columns["species"], speciesColumn.type == "S", let pos = columns["pos"], pos.count == 3, pos.type == "R" else {
                throw fail(i + 1, "Properties=\(properties) needs species:S:1 and pos:R:3")
            }
            let forceColumn = (columns["forces"] ?? columns["force"]).flatMap { $0.count == 3 && $0.type == "R" ? $0 : nil }
            // Cell and labels.
            var cell: [Double]? = nil
            if let lattice = info["Lattice"] {
                let numbers = lattice.split(separator: " ").compactMap { Double($0) }
                guard numbers.count == 9, lattice.split(separator: " ").count == 9 else { throw fail(i + 1, "Lattice needs 9 numbers, found '\(lattice)'") }
                cell = numbers
            }
            var periodic = Array(repeating: cell != nil, count: 3)
            if let pbc = info["pbc"] {
                let flags = pbc.split(separator: " ").map { ["T", "True", "true", "1"].contains($0) ? true : ["F", "False", "false", "0"].contains($0) ? false : nil }
                guard flags.count == 3, flags.allSatisfy({ $0 != nil }) else { throw fail(i + 1, "pbc needs three of T/F, found '\(pbc)'") }
                periodic = flags.map { $0! }
                if cell == nil, periodic.contains(true) { throw fail(i + 1, "pbc=\"\(pbc)\" is periodic but the frame has no Lattice") }
            }
            let energy = try info["energy"].map { text -> Double in
                guard let e = Double(text) else { throw fail(i + 1, "energy=\(text) is not a number") }
                return e
            }
            let virial = try info["virial"].map { text -> [Double] in
                let v = text.split(separator: " ").compactMap { Double($0) }
                guard v.count == 9 else { throw fail(i + 1, "virial needs 9 numbers, found '\(text)'") }
                return v
            }
            var species: [String] = [], positions: [Double] = [], forces: [Double] = []
            for a in 0..<atoms {
                let l = i + 2 + a
                let words = lines[l].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard words.count == width else { throw fail(l, "atom \(a + 1) has \(words.count) columns; Properties=\(properties) has \(width)") }
                let symbol = words[speciesColumn.start]
                guard ChemicalElements.atomicNumber(of: symbol) != nil else { throw fail(l, "'\(symbol)' is not an element symbol") }
                species.append(symbol)
                for c in 0..<3 {
                    guard let x = Double(words[pos.start + c]) else { throw fail(l, "'\(words[pos.start + c])' is not a number") }
                    positions.append(x)
                }
                if let f = forceColumn {
                    for c in 0..<3 {
                        guard let x = Double(words[f.start + c]) else { throw fail(l, "'\(words[f.start + c])' is not a number") }
                        forces.append(x)
                    }
                }
            }
            frames.append(AtomicFrame(species: species, positions: positions, cell: cell, periodic: periodic,
                                      energy: energy, forces: forceColumn == nil ? nil : forces, virial: virial))
            i += 2 + atoms
        }
        return frames
    }

    /// The frames as extended XYZ text: `species:S:1:pos:R:3`, plus `forces:R:3` when every frame
    /// has forces; `Lattice`, `pbc`, `energy` and `virial` when present. Numbers are written with
    /// 17 significant digits, so reading them back gives the same `Double`s.
    public static func text(_ frames: [AtomicFrame]) -> String {
        var out = ""
        func list(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: " ") }
        for frame in frames {
            let withForces = frame.forces != nil
            var info: [String] = []
            if let cell = frame.cell { info.append("Lattice=\"\(list(cell))\"") }
            info.append("Properties=species:S:1:pos:R:3" + (withForces ? ":forces:R:3" : ""))
            if let energy = frame.energy { info.append("energy=\(energy)") }
            if let virial = frame.virial { info.append("virial=\"\(list(virial))\"") }
            info.append("pbc=\"" + frame.periodic.map { $0 ? "T" : "F" }.joined(separator: " ") + "\"")
            out += "\(frame.count)\n" + info.joined(separator: " ") + "\n"
            for a in 0..<frame.count {
                var words = [frame.species[a]] + frame.positions[(3 * a)..<(3 * a + 3)].map { "\($0)" }
                if let forces = frame.forces { words += forces[(3 * a)..<(3 * a + 3)].map { "\($0)" } }
                out += words.joined(separator: " ") + "\n"
            }
        }
        return out
    }

    /// Writes the frames to `path` (see ``text(_:)``), atomically.
    public static func write(_ frames: [AtomicFrame], to path: String) throws {
        try Data(text(frames).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The `key=value` pairs of a comment line; values may be `"quoted"`.
    static func keyValues(_ line: String, line number: Int, file: String) throws -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(line)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard !rest.isEmpty else { break }
            guard let equals = rest.firstIndex(of: "="), !rest[..<equals].contains(" ") else {
                // A bare word (a flag): kept as "T".
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                result[String(rest[..<end])] = "T"
                rest = rest[end...]
                continue
            }
            let key = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            if rest.first == "\"" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "\"") else {
                    throw SignalFileError(file: file, line: number + 1, message: "the value of \(key) opens a quote it does not close")
                }
                result[key] = rest[..<close].split(separator: " ").joined(separator: " ")
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                result[key] = String(rest[..<end])
                rest = rest[end...]
            }
        }
        return result
    }
}

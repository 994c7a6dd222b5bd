import Foundation

/// One atomic configuration with its reference labels, as data files store it.
///
/// Units: positions and cell in Å, energy in eV, forces in eV/Å, virial in eV. The cell's rows are
/// the three cell vectors (`cell[3·i + j]` is component `j` of vector `i`).
public struct AtomicFrame: Sendable, Equatable {
    /// The element symbol of each atom (`"O"`, `"H"`, …).
    public var species: [String]
    /// Positions, `[atoms, 3]` row-major.
    public var positions: [Double]
    /// The cell, 9 numbers, rows are cell vectors; `nil` for a system without one.
    public var cell: [Double]?
    /// Whether each cell direction is periodic.
    public var periodic: [Bool]
    /// The total energy, when labelled.
    public var energy: Double?
    /// Forces, `[atoms, 3]`, when labelled.
    public var forces: [Double]?
    /// The virial, 9 numbers, when labelled.
    public var virial: [Double]?

    /// A frame from its parts.
    public init(species: [String], positions: [Double], cell: [Double]?, periodic: [Bool],
                energy: Double? = nil, forces: [Double]? = nil, virial: [Double]? = nil) {
        self.species = species
        self.positions = positions
        self.cell = cell
        self.periodic = periodic
        self.energy = energy
        self.forces = forces
        self.virial = virial
    }

    /// The number of atoms.
    public var count: Int { species.count }
}

/// The chemical elements by atomic number (index 0 is `Z = 1`, hydrogen), for checking element
/// names in data files.
public enum ChemicalElements {
    /// Symbols `H` … `Og`.
    public static let symbols: [String] = """
        H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr \
        Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb \
        Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf \
        Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og
        """.split(separator: " ").map(String.init)

    /// The atomic number of `symbol`, or `nil` when it names no element.
    public static func atomicNumber(of symbol: String) -> Int? {
        symbols.firstIndex(of: symbol).map { $0 + 1 }
    }
}

/// A DeePMD-kit "npy" system: one directory per system with `type.raw` (one 0-based type index
/// per atom), `type_map.raw` (the element of each type), an empty file `nopbc` for a system
/// without a cell, and `set.000`, `set.001`, … each holding `coord.npy` `[frames, 3·atoms]`,
/// `box.npy` `[frames, 9]` (absent with `nopbc`), `energy.npy` `[frames]`, `force.npy`
/// `[frames, 3·atoms]` and optionally `virial.npy` `[frames, 9]`
/// (DeePMD-kit documentation, "Data format").
public enum DeePMDSystem {
    /// Every frame of the system in `directory`, the sets in name order.
    /// - Throws: ``DataFileError`` naming the file: a missing or unreadable file, a type index
    ///   beyond `type_map.raw`, an element name that is no element, arrays whose frame counts or
    ///   widths disagree, no `set.*` directory.
    public static func read(directory: String) throws -> [AtomicFrame] {
        let url = URL(fileURLWithPath: directory)
        func text(_ name: String) throws -> [String] {
            let path = url.appendingPathComponent(name).path
            guard let content = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DataFileError(file: path, message: "cannot be read (a DeePMD system needs type.raw and type_map.raw)")
            }
            return content.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        }
        let typeMapPath = url.appendingPathComponent("type_map.raw").path
        let typeMap = try text("type_map.raw")
        for name in typeMap where ChemicalElements.atomicNumber(of: name) == nil {
            throw DataFileError(file: typeMapPath, message: "'\(name)' is not an element symbol")
        }
        let typePath = url.appendingPathComponent("type.raw").path
        let species: [String] = try text("type.raw").enumerated().map { atom, word in
            guard let t = Int(word), t >= 0, t < typeMap.count else {
                throw DataFileError(file: typePath, message: "atom \(atom): type '\(word)' is not an index into type_map.raw's \(typeMap.count) names")
            }
            return typeMap[t]
        }
        guard !species.isEmpty else { throw DataFileError(file: typePath, message: "lists no atoms") }
        let periodic = !FileManager.default.fileExists(atPath: url.appendingPathComponent("nopbc").path)
        let sets = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("set.") }.sorted()
        guard !sets.isEmpty else { throw DataFileError(file: directory, message: "has no set.* directory") }

        var frames: [AtomicFrame] = []
        let atoms = species.count
        for set in sets {
            let setURL = url.appendingPathComponent(set)
            func array(_ name: String, width: Int?, required: Bool) throws -> (values: [Double], frames: Int)? {
                let path = setURL.appendingPathComponent(name).path
                guard FileManager.default.fileExists(atPath: path) else {
                    if required { throw DataFileError(file: path, message: "is missing") }
                    return nil
                }
                let a = try NumPyArray.read(path: path)
                let count = a.shape.first ?? 1
                let rowWidth = a.shape.count <= 1 ? 1 : a.shape.dropFirst().reduce(1, *)
                if let width, rowWidth != width {
                    throw DataFileError(file: path, message: "has rows of \(rowWidth) numbers; expected \(width) (shape \(a.shape), \(atoms) atoms)")
                }
                return (a.values, count)
            }
            let coord = try array("coord.npy", width: 3 * atoms, required: true)!
            let n = coord.frames
            let box = periodic ? try array("box.npy", width: 9, required: true) : nil
            let energy = try array("energy.npy", width: 1, required: false)
            let force = try array("force.npy", width: 3 * atoms, required: false)
            let virial = try array("virial.npy", width: 9, required: false)
            for (name, other) in [("box.npy", box), ("energy.npy", energy), ("force.npy", force), ("virial.npy", virial)] {
                if let other, other.frames != n {
                    throw DataFileError(file: setURL.appendingPathComponent(name).path,
                                        message: "has \(other.frames) frames; coord.npy has \(n)")
                }
            }
            for f in 0..<n {
                let slice = { (values: [Double], width: Int) in Array(values[(f * width)..<((f + 1) * width)]) }
                frames.append(AtomicFrame(
                    species: species, positions: slice(coord.values, 3 * atoms),
                    cell: box.map { slice($0.values, 9) }, periodic: Array(repeating: periodic, count: 3),
                    energy: energy.map { $0.values[f] }, forces: force.map { slice($0.values, 3 * atoms) },
                    virial: virial.map { slice($0.values, 9) }))
            }
        }
        return frames
    }
}

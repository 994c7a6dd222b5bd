import Foundation
import XCTest
import TandemAtoms
import TandemCore
import TandemIO
import TandemTestSupport

/// EMT's energy, forces (by reverse-mode differentiation) and stress: against finite differences
/// always, and against ASE's `EMT` (the pinned `ase` of `.venv-test`) to 1e-8 relative when
/// `TANDEM_TEST_PYTHON` is set.
final class EMTTests: XCTestCase {
    /// Fixed structures: a displaced Cu crystal, a sheared CuAu alloy, a Pt cluster without a cell,
    /// a Ni slab periodic in two directions, and an Al–Ag–Pd–Au–Ni mixture.
    static func structures() throws -> [(frame: AtomicFrame, lattice: Lattice)] {
        var g = SeededGenerator(seed: 21)
        func jitter(_ x: Double, _ amount: Double) -> Double { x + amount * (2 * g.nextUnitDouble() - 1) }
        func fcc(_ a: Double, _ n: [Int], species: (Int) -> String, amount: Double) -> ([String], [Double]) {
            let basis: [[Double]] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
            var names: [String] = [], r: [Double] = []
            for i in 0..<n[0] { for j in 0..<n[1] { for k in 0..<n[2] { for b in basis {
                names.append(species(names.count))
                r += [jitter((Double(i) + b[0]) * a, amount), jitter((Double(j) + b[1]) * a, amount), jitter((Double(k) + b[2]) * a, amount)]
            } } } }
            return (names, r)
        }
        var result: [(AtomicFrame, Lattice)] = []
        let (cu, rcu) = fcc(3.61, [2, 2, 2], species: { _ in "Cu" }, amount: 0.1)
        let cellCu = [7.22, 0, 0, 0, 7.22, 0, 0, 0, 7.22]
        result.append((AtomicFrame(species: cu, positions: rcu, cell: cellCu, periodic: [true, true, true]),
                       try Lattice(vectors: cellCu, periodic: [true, true, true])))
        let (cuau, rcuau) = fcc(3.8, [3, 2, 2], species: { $0 % 3 == 0 ? "Au" : "Cu" }, amount: 0.15)
        let sheared = [11.4, 0, 0, 0.6, 7.6, 0, 0.3, -0.4, 7.6]
        // Positions follow the shear of the cell: r ↦ r + (y/7.6)·(0.6, 0, 0) + (z/7.6)·(0.3, −0.4, 0).
        var rs = rcuau
        for a in 0..<cuau.count {
            rs[3 * a] += rcuau[3 * a + 1] / 7.6 * 0.6 + rcuau[3 * a + 2] / 7.6 * 0.3
            rs[3 * a + 1] += rcuau[3 * a + 2] / 7.6 * -0.4
        }
        result.append((AtomicFrame(species: cuau, positions: rs, cell: sheared, periodic: [true, true, true]),
                       try Lattice(vectors: sheared, periodic: [true, true, true])))
        // A cuboctahedral Pt13 cluster, slightly distorted, no cell.
        var rpt = [0.0, 0, 0]
        for (x, y) in [(1.0, 1.0), (1, -1), (-1, 1), (-1, -1)] {
            rpt += [x, y, 0, x, 0, y, 0, x, y].map { $0 * 1.96 }
        }
        rpt = rpt.map { jitter($0, 0.05) }
        result.append((AtomicFrame(species: Array(repeating: "Pt", count: 13), positions: rpt, cell: nil, periodic: [false, false, false]),
                       .none))
        let (ni, rni) = fcc(3.52, [2, 2, 2], species: { _ in "Ni" }, amount: 0.08)
        let slab = [7.04, 0, 0, 0, 7.04, 0, 0, 0, 20]
        result.append((AtomicFrame(species: ni, positions: rni, cell: slab, periodic: [true, true, false]),
                       try Lattice(vectors: slab, periodic: [true, true, false])))
        let names = ["Al", "Ag", "Pd", "Au", "Ni", "Pt", "Cu"]
        let (mix, rmix) = fcc(3.95, [2, 2, 2], species: { names[$0 % names.count] }, amount: 0.12)
        let cellMix = [7.9, 0, 0, 0, 7.9, 0, 0, 0, 7.9]
        result.append((AtomicFrame(species: mix, positions: rmix, cell: cellMix, periodic: [true, true, true]),
                       try Lattice(vectors: cellMix, periodic: [true, true, true])))
        return result
    }

    func testForcesAndStressAreTheEnergysDerivatives() throws {
        let emt = EMT()
        for (index, (frame, lattice)) in try Self.structures().enumerated() {
            let result = try emt.evaluate(positions: frame.positions, species: frame.species, lattice: lattice)
            func energy(_ r: [Double], _ cell: [Double]? = nil) throws -> Double {
                let l = try cell.map { try Lattice(vectors: $0, periodic: lattice.periodic) } ?? lattice
                return try emt.evaluate(positions: r, species: frame.species, lattice: l).energy
            }
            let h = 1e-5
            for k in stride(from: 0, to: frame.positions.count, by: 7) {
                var plus = frame.positions, minus = frame.positions
                plus[k] += h
                minus[k] -= h
                let fd = -(try energy(plus) - energy(minus)) / (2 * h)
                XCTAssertEqual(result.forces[k], fd, accuracy: 1e-7, "structure \(index), component \(k)")
            }
            // Newton's third law: the forces add up to zero.
            for c in 0..<3 {
                XCTAssertEqual(stride(from: c, to: result.forces.count, by: 3).reduce(0) { $0 + result.forces[$1] }, 0, accuracy: 1e-10)
            }
            guard let stress = result.stress, let cell = frame.cell else {
                XCTAssertFalse(lattice.periodic.allSatisfy { $0 })
                continue
            }
            // σ_ab = (1/V) ∂E/∂ε_ab by a symmetric strain of positions and cell.
            for (a, b) in [(0, 0), (1, 2), (0, 1)] {
                func strained(_ e: Double) throws -> Double {
                    var eps = [Double](repeating: 0, count: 9)
                    eps[3 * a + b] += e / 2
                    eps[3 * b + a] += e / 2
                    func apply(_ v: [Double]) -> [Double] {
                        var out = v
                        for p in stride(from: 0, to: v.count, by: 3) {
                            for c in 0..<3 {
                                var sum = 0.0
                                for d in 0..<3 { sum += v[p + d] * eps[3 * d + c] }
                                out[p + c] += sum
                            }
                        }
                        return out
                    }
                    return try energy(apply(frame.positions), apply(cell))
                }
                let fd = (try strained(h) - strained(-h)) / (2 * h) / Swift.abs(lattice.volume)
                XCTAssertEqual(stress[3 * a + b], fd, accuracy: 1e-8, "structure \(index), stress \(a)\(b)")
            }
        }
    }

    func testAgreesWithASE() throws {
        guard PythonScript.interpreter != nil else {
            throw XCTSkip("TANDEM_TEST_PYTHON is not set; `make test` sets it to .venv-test, which has ase for this comparison")
        }
        let structures = try Self.structures()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-emt-\(UUID().uuidString).xyz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ExtendedXYZ.write(structures.map(\.frame), to: path)
        let reference = try XCTUnwrap(try PythonScript.json("ase_emt_reference.py", [path], label: "ASE EMT") as? [[String: Any]])
        XCTAssertEqual(reference.count, structures.count)
        let emt = EMT()
        for (index, ((frame, lattice), ase)) in zip(structures, reference).enumerated() {
            let ours = try emt.evaluate(positions: frame.positions, species: frame.species, lattice: lattice)
            let energy = try XCTUnwrap(ase["energy"] as? Double)
            XCTAssertEqual(ours.energy, energy, accuracy: 1e-8 * Swift.max(1, Swift.abs(energy)), "structure \(index) energy")
            let forces = try XCTUnwrap(ase["forces"] as? [Double])
            let scale = forces.map(Swift.abs).max() ?? 1
            for (p, q) in zip(ours.forces, forces) { XCTAssertEqual(p, q, accuracy: 1e-8 * scale, "structure \(index) forces") }
            if let stress = ase["stress"] as? [Double] {
                let ourStress = try XCTUnwrap(ours.stress)
                let s = stress.map(Swift.abs).max() ?? 1
                for (p, q) in zip(ourStress, stress) { XCTAssertEqual(p, q, accuracy: 1e-8 * s, "structure \(index) stress") }
            }
        }
    }

    func testUnknownElementsAreRefused() {
        XCTAssertThrowsError(try EMT().evaluate(positions: [0, 0, 0, 2.5, 0, 0], species: ["Cu", "Fe"], lattice: .none)) { error in
            XCTAssertTrue("\(error)".contains("EMT has no parameters for 'Fe'"), "\(error)")
        }
    }
}

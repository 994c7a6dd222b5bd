import XCTest
import TandemAtoms
import TandemCore

/// The cell-list neighbour list against brute force over every image, on random triclinic cells,
/// with cut-offs shorter and longer than the cell, partly periodic and non-periodic systems.
final class NeighborListTests: XCTestCase {
    /// Every `(i, j, S)` with `|r_j + S·A − r_i| < rc`, by trying every shift up to `reach`.
    private func bruteForce(_ r: [Double], _ lattice: Lattice, cutoff: Double, reach: Int) -> Set<[Int]> {
        let n = r.count / 3, a = lattice.vectors
        var pairs = Set<[Int]>()
        let range = { (k: Int) in lattice.periodic[k] ? -reach...reach : 0...0 }
        for i in 0..<n {
            for j in 0..<n {
                for s0 in range(0) {
                    for s1 in range(1) {
                        for s2 in range(2) {
                            if i == j && s0 == 0 && s1 == 0 && s2 == 0 { continue }
                            var d2 = 0.0
                            for c in 0..<3 {
                                let v = r[3 * j + c] + Double(s0) * a[c] + Double(s1) * a[3 + c] + Double(s2) * a[6 + c] - r[3 * i + c]
                                d2 += v * v
                            }
                            if d2 < cutoff * cutoff { pairs.insert([i, j, s0, s1, s2]) }
                        }
                    }
                }
            }
        }
        return pairs
    }

    func testAgreesWithBruteForceOnRandomTriclinicCells() throws {
        var rng = SeededGenerator(seed: 7)
        func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * rng.nextUnitDouble() }
        var pairsSeen = 0
        for trial in 0..<24 {
            let periodic = [[true, true, true], [true, true, false], [false, false, false], [true, false, true]][trial % 4]
            // A skewed cell: diagonal 3–6 Å, off-diagonal up to ±40 % of it.
            var v = [Double](repeating: 0, count: 9)
            for i in 0..<3 {
                let length = uniform(3, 6)
                for j in 0..<3 { v[3 * i + j] = i == j ? length : uniform(-0.4, 0.4) * length }
            }
            let lattice = try Lattice(vectors: v, periodic: periodic)
            let n = 3 + trial % 9
            // Fractional coordinates in [−0.5, 1.5): atoms outside the cell on purpose.
            var r = [Double](repeating: 0, count: 3 * n)
            for i in 0..<n {
                let s = (0..<3).map { _ in uniform(-0.5, 1.5) }
                for c in 0..<3 { r[3 * i + c] = s[0] * v[c] + s[1] * v[3 + c] + s[2] * v[6 + c] }
            }
            // From a third of the thinnest cell to twice the widest (several images).
            let cutoff = [1.3, 2.9, 4.4, 7.5, 11.0, 2.2][trial % 6]
            let list = try NeighborList(positions: r, lattice: lattice, cutoff: cutoff)
            var found = Set<[Int]>()
            for p in 0..<list.count {
                let key = [list.first[p], list.second[p]] + Array(list.shifts[(3 * p)..<(3 * p + 3)])
                XCTAssertTrue(found.insert(key).inserted, "pair \(key) listed twice")
                // The stored vector and distance are the pair's.
                var d2 = 0.0
                for c in 0..<3 {
                    let s = list.shifts[3 * p...3 * p + 2].enumerated().reduce(0.0) { $0 + Double($1.element) * v[3 * $1.offset + c] }
                    let expected = r[3 * list.second[p] + c] + s - r[3 * list.first[p] + c]
                    XCTAssertEqual(list.vectors[3 * p + c], expected, accuracy: 1e-9)
                    d2 += expected * expected
                }
                XCTAssertEqual(list.distances[p], d2.squareRoot(), accuracy: 1e-9)
            }
            // Shifts reach at most (cut-off + the atoms' spread of two cells) / the thinnest plane spacing.
            func cross(_ p: Int, _ q: Int) -> [Double] {
                [v[3 * p + 1] * v[3 * q + 2] - v[3 * p + 2] * v[3 * q + 1], v[3 * p + 2] * v[3 * q] - v[3 * p] * v[3 * q + 2],
                 v[3 * p] * v[3 * q + 1] - v[3 * p + 1] * v[3 * q]]
            }
            let spacing = [(1, 2), (2, 0), (0, 1)].map { p, q in abs(lattice.volume) / cross(p, q).reduce(0) { $0 + $1 * $1 }.squareRoot() }
            let reach = Int((cutoff / spacing.min()!).rounded(.up)) + 3
            let expected = bruteForce(r, lattice, cutoff: cutoff, reach: reach)
            XCTAssertEqual(found, expected, "trial \(trial): cut-off \(cutoff), periodic \(periodic), \(n) atoms")
            pairsSeen += expected.count
        }
        XCTAssertGreaterThan(pairsSeen, 1000, "the trials exercise many images")
    }

    func testIsolatedMoleculeAndBadInput() throws {
        // A water molecule without a cell: O–H 0.96 Å twice, H–H 1.51 Å.
        let r = [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0]
        let list = try NeighborList(positions: r, lattice: .none, cutoff: 1.2)
        XCTAssertEqual(list.count, 4)
        XCTAssertEqual(Set(list.shifts), [0])
        XCTAssertThrowsError(try NeighborList(positions: r, lattice: .none, cutoff: 0))
        XCTAssertThrowsError(try NeighborList(positions: [0, 0], lattice: .none, cutoff: 1))
        XCTAssertThrowsError(try Lattice(vectors: [1, 0, 0, 2, 0, 0, 0, 0, 1], periodic: [true, true, true])) { error in
            XCTAssertTrue("\(error)".contains("spans no volume"), "\(error)")
        }
        let cell = try Lattice(vectors: [2, 0, 0, 0, 2, 0, 0, 0, 2], periodic: [true, true, true])
        XCTAssertThrowsError(try NeighborList(positions: [0, 0, 0], lattice: cell, cutoff: 200, maximumImages: 1000)) { error in
            XCTAssertTrue("\(error)".contains("the cut-off is too long for this cell"), "\(error)")
        }
    }
}

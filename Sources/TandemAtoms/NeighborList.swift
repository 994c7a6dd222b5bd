/// A cell (lattice) whose rows are the three cell vectors `a`, `b`, `c` (Å), and which of its
/// directions are periodic.
public struct Lattice: Sendable, Equatable {
    /// Row-major 3 × 3: `vectors[3·i + j]` is component `j` of cell vector `i`.
    public let vectors: [Double]
    /// Whether each direction repeats.
    public let periodic: [Bool]

    /// A lattice from its vectors and periodic flags.
    /// - Throws: ``AtomsError`` when a periodic lattice's vectors are not 9 finite numbers spanning
    ///   a volume.
    public init(vectors: [Double], periodic: [Bool]) throws {
        guard vectors.count == 9, vectors.allSatisfy(\.isFinite), periodic.count == 3 else {
            throw AtomsError("a cell needs 9 finite numbers and 3 periodic flags (found \(vectors.count) and \(periodic.count))")
        }
        self.vectors = vectors
        self.periodic = periodic
        if periodic.contains(true), abs(volume) < 1e-9 {
            throw AtomsError("the cell \(vectors) spans no volume")
        }
    }

    /// No cell: nothing repeats (a molecule, a cluster).
    public static let none = try! Lattice(vectors: [1, 0, 0, 0, 1, 0, 0, 0, 1], periodic: [false, false, false])

    /// `a · (b × c)`.
    public var volume: Double {
        let v = vectors
        return v[0] * (v[4] * v[8] - v[5] * v[7]) - v[1] * (v[3] * v[8] - v[5] * v[6]) + v[2] * (v[3] * v[7] - v[4] * v[6])
    }

    /// The reciprocal rows `bᵢ` with `aᵢ · bⱼ = δᵢⱼ` (the inverse's transpose), so that fractional
    /// coordinates are `sᵢ = bᵢ · r`.
    var reciprocal: [Double] {
        let v = vectors, det = volume
        func cross(_ p: Int, _ q: Int) -> [Double] {
            [v[3 * p + 1] * v[3 * q + 2] - v[3 * p + 2] * v[3 * q + 1],
             v[3 * p + 2] * v[3 * q] - v[3 * p] * v[3 * q + 2],
             v[3 * p] * v[3 * q + 1] - v[3 * p + 1] * v[3 * q]]
        }
        return (cross(1, 2) + cross(2, 0) + cross(0, 1)).map { $0 / det }
    }

    /// The distance between neighbouring lattice planes of direction `i`, `V / |aⱼ × aₖ| = 1/|bᵢ|`:
    /// the thickness of the cell along that direction.
    func planeSpacing(_ i: Int) -> Double {
        let b = reciprocal
        return 1 / (b[3 * i] * b[3 * i] + b[3 * i + 1] * b[3 * i + 1] + b[3 * i + 2] * b[3 * i + 2]).squareRoot()
    }
}

/// Bad input to the atomistic code: what is wrong and what was expected.
public struct AtomsError: Error, CustomStringConvertible, Equatable {
    /// The message.
    public let description: String
    /// An error with `message`.
    public init(_ message: String) { description = message }
}

/// Every pair of atoms closer than a cut-off, periodic images included: the full list (each pair
/// twice, as `(i, j, S)` and `(j, i, −S)`), as ASE's `neighbor_list("ijS", …)` gives it.
///
/// Pair `p` joins atom `first[p]` to the image of atom `second[p]` shifted by the integer lattice
/// vector `shifts[3p..<3p+3]`: `vector = r_j + S·A − r_i` (rows of `A` the cell vectors), with
/// `|vector| < cutoff`. An atom's own images count (a cut-off longer than the cell), the atom
/// itself at `S = 0` does not.
///
/// Built in `O(N)` with cell lists: positions are wrapped into the cell along periodic
/// directions, the images within the cut-off of the cell are generated (`⌈rc / d_k⌉` layers along
/// direction `k`, `d_k` the spacing of its lattice planes — so triclinic cells and cut-offs longer
/// than half the cell, even than the cell, are exact), all points go into cubic bins of side
/// `rc`, and each atom looks only in the 27 bins around its own.
public struct NeighborList: Sendable, Equatable {
    /// The cut-off (Å).
    public let cutoff: Double
    /// The centre atom of each pair.
    public let first: [Int]
    /// The neighbour atom of each pair.
    public let second: [Int]
    /// The integer lattice shift of the neighbour's image, 3 per pair.
    public let shifts: [Int]
    /// `r_j + S·A − r_i`, 3 per pair.
    public let vectors: [Double]
    /// `|vector|` of each pair.
    public let distances: [Double]

    /// The number of pairs.
    public var count: Int { first.count }

    /// The pairs of `positions` (`[atoms, 3]` row-major, Å) closer than `cutoff`.
    /// - Throws: ``AtomsError`` for a cut-off that is not positive and finite, positions that are
    ///   not finite or not a multiple of 3, or more images than `maximumImages` (a cut-off far
    ///   longer than the cell).
    public init(positions: [Double], lattice: Lattice, cutoff: Double, maximumImages: Int = 50_000_000) throws {
        guard cutoff > 0, cutoff.isFinite else { throw AtomsError("the cut-off must be a positive number of Å (found \(cutoff))") }
        guard positions.count % 3 == 0, positions.allSatisfy(\.isFinite) else {
            throw AtomsError("positions must be finite, 3 per atom (found \(positions.count) numbers)")
        }
        let n = positions.count / 3
        let a = lattice.vectors, b = lattice.reciprocal
        // Wrap along periodic directions: r' = r − o·A with o = ⌊s⌋.
        var wrapped = positions
        var offsets = [Int](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for k in 0..<3 where lattice.periodic[k] {
                let s = b[3 * k] * positions[3 * i] + b[3 * k + 1] * positions[3 * i + 1] + b[3 * k + 2] * positions[3 * i + 2]
                let o = Int(s.rounded(.down))
                offsets[3 * i + k] = o
                for c in 0..<3 { wrapped[3 * i + c] -= Double(o) * a[3 * k + c] }
            }
        }
        // Images within the cut-off of the cell: fractional coordinate in [−rc/d, 1 + rc/d].
        let layers = (0..<3).map { k in lattice.periodic[k] ? Int((cutoff / lattice.planeSpacing(k)).rounded(.up)) : 0 }
        let margin = (0..<3).map { k in lattice.periodic[k] ? cutoff / lattice.planeSpacing(k) : 0 }
        let total = (0..<3).reduce(n) { $0 * (2 * layers[$1] + 1) }
        guard total <= maximumImages else {
            throw AtomsError("a cut-off of \(cutoff) Å needs \(total) periodic images of \(n) atoms (at most \(maximumImages)); the cut-off is too long for this cell")
        }
        var points: [Double] = [], owner: [Int] = [], imageShift: [Int] = []
        for i in 0..<n {
            let r = Array(wrapped[(3 * i)..<(3 * i + 3)])
            let s = (0..<3).map { k in b[3 * k] * r[0] + b[3 * k + 1] * r[1] + b[3 * k + 2] * r[2] }
            for s0 in -layers[0]...layers[0] {
                for s1 in -layers[1]...layers[1] {
                    for s2 in -layers[2]...layers[2] {
                        let shift = [s0, s1, s2]
                        var outside = false
                        for k in 0..<3 where lattice.periodic[k] {
                            let fraction: Double = s[k] + Double(shift[k])
                            if fraction < -margin[k] || fraction > 1 + margin[k] { outside = true }
                        }
                        if outside { continue }
                        let (f0, f1, f2) = (Double(s0), Double(s1), Double(s2))
                        for c in 0..<3 {
                            let x: Double = r[c] + f0 * a[c] + f1 * a[3 + c] + f2 * a[6 + c]
                            points.append(x)
                        }
                        owner.append(i)
                        imageShift.append(contentsOf: shift)
                    }
                }
            }
        }
        // Cubic bins of side rc over the points' bounding box.
        let count = owner.count
        var lower = [Double](repeating: .infinity, count: 3), upper = [Double](repeating: -.infinity, count: 3)
        for p in 0..<count {
            for c in 0..<3 { lower[c] = Swift.min(lower[c], points[3 * p + c]); upper[c] = Swift.max(upper[c], points[3 * p + c]) }
        }
        let bins = (0..<3).map { c in count == 0 ? 1 : Swift.max(1, Int(((upper[c] - lower[c]) / cutoff).rounded(.down)) + 1) }
        func bin(_ p: Int) -> [Int] {
            (0..<3).map { c in Swift.min(bins[c] - 1, Int(((points[3 * p + c] - lower[c]) / cutoff).rounded(.down))) }
        }
        // Counting sort of the points by bin.
        let binCount = bins[0] * bins[1] * bins[2]
        var start = [Int](repeating: 0, count: binCount + 1)
        var binOf = [Int](repeating: 0, count: count)
        for p in 0..<count {
            let q = bin(p)
            binOf[p] = (q[0] * bins[1] + q[1]) * bins[2] + q[2]
            start[binOf[p] + 1] += 1
        }
        for q in 0..<binCount { start[q + 1] += start[q] }
        var fill = start, sorted = [Int](repeating: 0, count: count)
        for p in 0..<count { sorted[fill[binOf[p]]] = p; fill[binOf[p]] += 1 }
        // The centre atoms are the images at zero shift.
        var home = [Int](repeating: -1, count: n)
        for p in 0..<count where imageShift[3 * p] == 0 && imageShift[3 * p + 1] == 0 && imageShift[3 * p + 2] == 0 { home[owner[p]] = p }

        var first: [Int] = [], second: [Int] = [], shifts: [Int] = [], vectors: [Double] = [], distances: [Double] = []
        let cutoff2 = cutoff * cutoff
        for i in 0..<n {
            let p = home[i]
            let q = bin(p)
            for d0 in Swift.max(0, q[0] - 1)...Swift.min(bins[0] - 1, q[0] + 1) {
                for d1 in Swift.max(0, q[1] - 1)...Swift.min(bins[1] - 1, q[1] + 1) {
                    for d2 in Swift.max(0, q[2] - 1)...Swift.min(bins[2] - 1, q[2] + 1) {
                        let index = (d0 * bins[1] + d1) * bins[2] + d2
                        for slot in start[index]..<start[index + 1] {
                            let other = sorted[slot]
                            if other == p { continue }
                            let v = (0..<3).map { c in points[3 * other + c] - points[3 * p + c] }
                            let r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
                            guard r2 < cutoff2 else { continue }
                            let j = owner[other]
                            first.append(i)
                            second.append(j)
                            // Back to the unwrapped positions (r′ = r − o·A): S = s − o_j + o_i.
                            for c in 0..<3 { shifts.append(imageShift[3 * other + c] - offsets[3 * j + c] + offsets[3 * i + c]) }
                            vectors.append(contentsOf: v)
                            distances.append(r2.squareRoot())
                        }
                    }
                }
            }
        }
        self.cutoff = cutoff
        self.first = first
        self.second = second
        self.shifts = shifts
        self.vectors = vectors
        self.distances = distances
    }
}

import TandemAtoms

/// An fcc copper supercell (a = 3.61 Å) of `n0 × n1 × n2` conventional cells, periodic: the
/// positions and the lattice. The same structure as `Benchmarks/peers/ase_neighbors.py` builds.
func fccCopper(_ n0: Int, _ n1: Int, _ n2: Int) throws -> (positions: [Double], lattice: Lattice) {
    let a = 3.61
    let basis: [[Double]] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
    var positions: [Double] = []
    for i in 0..<n0 {
        for j in 0..<n1 {
            for k in 0..<n2 {
                for b in basis { positions += [(Double(i) + b[0]) * a, (Double(j) + b[1]) * a, (Double(k) + b[2]) * a] }
            }
        }
    }
    let lattice = try Lattice(vectors: [Double(n0) * a, 0, 0, 0, Double(n1) * a, 0, 0, 0, Double(n2) * a], periodic: [true, true, true])
    return (positions, lattice)
}

/// The neighbour list of 10,140 fcc Cu atoms at a 5 Å cut-off (42 neighbours each, between the
/// third and fourth shells), median of `repeats` builds; the note carries the pair count.
func neighborListMeasurement(repeats: Int) throws -> Measurement {
    let (positions, lattice) = try fccCopper(13, 13, 15)
    var pairs = 0
    let times = try (0..<Swift.max(3, repeats)).map { _ in
        try seconds { pairs = try NeighborList(positions: positions, lattice: lattice, cutoff: 5.0).count }
    }
    return Measurement(name: "neighbor_list_cu_10140", precision: "F64", batch: positions.count / 3,
                       medianMilliseconds: median(times) * 1e3, gflops: nil, note: "\(pairs) pairs, cut-off 5 Å")
}

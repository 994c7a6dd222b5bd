import Foundation
import TandemCore

/// The effective-medium theory potential of Jacobsen, Stoltze & Nørskov, "A semi-empirical
/// effective medium theory for metals and alloys", Surf. Sci. 366, 394 (1996), for Al, Cu, Ag,
/// Au, Ni, Pd and Pt, with the parameter set, cut-off and normalisation of ASE's `EMT` calculator
/// (`asap_cutoff=False`), so that energies and forces can be checked against it.
///
/// For atom `i` with neighbours `j` (pairs closer than `r_c + 0.5 Å`, periodic images included):
///
///     w(r)  = 1 / (1 + exp(a·(r − r_c)))                              smooth cut-off
///     σ₁ᵢ   = Σⱼ χᵢⱼ · exp(−η₂ⱼ·(r − β·s₀ⱼ)) · w(r),   χᵢⱼ = n₀ⱼ / n₀ᵢ     neighbour density
///     sᵢ    = −ln(σ₁ᵢ / (12·γ₁ᵢ)) / (β·η₂ᵢ)                            neutral-sphere radius shift
///     Eᵢ    = E₀ᵢ·(1 + λᵢ·sᵢ)·e^{−λᵢ·sᵢ} + 6·V₀ᵢ·e^{−κᵢ·sᵢ} − E₀ᵢ
///           − ½ Σⱼ [ V₀ᵢ/(2γ₂ᵢ) · χᵢⱼ · e^{−κⱼ·(r/β − s₀ⱼ)} + V₀ⱼ/(2γ₂ⱼ) · e^{−κᵢ·(r/β − s₀ᵢ)} / χᵢⱼ ] · w(r)
///
/// with `β = 1.809`, `r_c` the mean of the third and fourth fcc neighbour distances of the largest
/// `s₀` in the table, `a` such that `w = 10⁻⁴` at the fourth, and `γ₁`, `γ₂` the sums of those
/// exponentials over the first three fcc shells (12, 6, 24 neighbours), so that the perfect fcc
/// crystal at `s₀` has `sᵢ = 0` and energy `0` per atom relative to `E₀`. The energy is a `Tensor`
/// expression of the positions and the cell: forces are `−∂E/∂r` by reverse-mode differentiation,
/// the stress the derivative with respect to a homogeneous strain of both.
public struct EMT: Sendable {
    /// `(E₀ [eV], s₀ [bohr], V₀ [eV], η₂ [1/bohr], κ [1/bohr], λ [1/bohr], n₀ [1/bohr³])` as
    /// tabulated by Jacobsen et al. (1996) for the seven fcc metals.
    public static let table: [String: [Double]] = [
        "Al": [-3.28, 3.00, 1.493, 1.240, 2.000, 1.169, 0.00700],
        "Cu": [-3.51, 2.67, 2.476, 1.652, 2.740, 1.906, 0.00910],
        "Ag": [-2.96, 3.01, 2.132, 1.652, 2.790, 1.892, 0.00547],
        "Au": [-3.80, 3.00, 2.321, 1.674, 2.873, 2.182, 0.00703],
        "Ni": [-4.44, 2.60, 3.673, 1.669, 2.757, 1.948, 0.01030],
        "Pd": [-3.90, 2.87, 2.773, 1.818, 3.107, 2.155, 0.00688],
        "Pt": [-5.85, 2.90, 4.067, 1.812, 3.145, 2.192, 0.00802],
    ]
    /// The largest `s₀` of ASE's table (which also holds H, C, N and O at smaller `s₀`): Ag, 3.01 bohr.
    static let largestS0 = 3.01
    /// `(16π/3)^{1/3} / √2` as rounded in the original code.
    public static let beta = 1.809
    /// The Bohr radius in Å (CODATA 2014, as ASE's units).
    public static let bohr = 0.5291772105638411

    /// The per-element parameters in Å and eV, with the normalisations `γ₁`, `γ₂`.
    struct Element {
        let e0, s0, v0, eta2, kappa, lambda, n0, gamma1, gamma2: Double
    }

    /// The midpoint of the cut-off function, its steepness and the neighbour-list radius (Å).
    public let rc: Double, acut: Double, listCutoff: Double
    let elements: [String: Element]

    /// The potential for the table's elements.
    public init() {
        let r1 = Self.beta * Self.largestS0 * Self.bohr
        rc = r1 * 0.5 * (3.0.squareRoot() + 2)
        acut = Foundation.log(1 / 1e-4 - 1) / (2 * r1 - rc)
        listCutoff = rc + 0.5
        var elements: [String: Element] = [:]
        for (name, p) in Self.table {
            let s0 = p[1] * Self.bohr, eta2 = p[3] / Self.bohr, kappa = p[4] / Self.bohr
            var gamma1 = 0.0, gamma2 = 0.0
            for (count, shell) in [(12.0, 1.0), (6, 2), (24, 3)] {
                let r = Self.beta * s0 * shell.squareRoot()
                let x = count * (1 / (1 + Foundation.exp(acut * (r - rc)))) / 12
                gamma1 += x * Foundation.exp(-eta2 * (r - Self.beta * s0))
                gamma2 += x * Foundation.exp(-kappa / Self.beta * (r - Self.beta * s0))
            }
            elements[name] = Element(e0: p[0], s0: s0, v0: p[2], eta2: eta2, kappa: kappa, lambda: p[5] / Self.bohr,
                                     n0: p[6] / (Self.bohr * Self.bohr * Self.bohr), gamma1: gamma1, gamma2: gamma2)
        }
        self.elements = elements
    }

    /// The total energy (eV) as a scalar tensor of `positions` (`[atoms, 3]`, Å), recorded for
    /// differentiation when `positions` requires a gradient.
    /// - Throws: ``AtomsError`` for an element without EMT parameters or a species count that is
    ///   not the atom count.
    public func energy(positions: Tensor<Double>, species: [String], lattice: Lattice) throws -> Tensor<Double> {
        try energy(positions: positions, cell: Tensor(shape: [3, 3], scalars: lattice.vectors), species: species, lattice: lattice)
    }

    /// The energy with the cell as a tensor too (rows are cell vectors), so that it can be
    /// differentiated with respect to a deformation of both; the pairs are those of `lattice`.
    func energy(positions: Tensor<Double>, cell: Tensor<Double>, species: [String], lattice: Lattice) throws -> Tensor<Double> {
        let n = species.count
        guard positions.shape == [n, 3] else {
            throw AtomsError("EMT: positions \(positions.shape) for \(n) atoms (expected [\(n), 3])")
        }
        let p = try species.map { name -> Element in
            guard let e = elements[name] else {
                throw AtomsError("EMT has no parameters for '\(name)' (it covers \(Self.table.keys.sorted().joined(separator: ", ")))")
            }
            return e
        }
        let list = try NeighborList(positions: positions.scalars, lattice: lattice, cutoff: listCutoff)
        let (i, j) = (list.first, list.second)
        // The pairs' image shifts S·A.
        let shift = matmul(Tensor<Double>(shape: [list.count, 3], scalars: list.shifts.map(Double.init)), cell)
        let d = positions.gathering(j) - positions.gathering(i) + shift
        let r = sqrt((d * d).sum(alongAxis: 1))
        let w = 1 / (1 + exp(acut * (r - rc)))
        func pairs(_ f: (Element, Element) -> Double) -> Tensor<Double> {
            Tensor(shape: [list.count], scalars: (0..<list.count).map { f(p[i[$0]], p[j[$0]]) })
        }
        func atoms(_ f: (Element) -> Double) -> Tensor<Double> { Tensor(shape: [n], scalars: p.map(f)) }
        let chi = pairs { $1.n0 / $0.n0 }
        // The embedding part, over atoms with at least one neighbour (σ₁ = 0 has no sᵢ; such an
        // atom contributes −E₀ only, as in ASE).
        let sigma1Terms = chi * exp(-pairs { _, j in j.eta2 } * (r - pairs { _, j in Self.beta * j.s0 })) * w
        let sigma1 = sigma1Terms.scatterAdding(i, count: n)
        var hasNeighbour = [Bool](repeating: false, count: n)
        for a in i { hasNeighbour[a] = true }
        let active = (0..<n).filter { hasNeighbour[$0] }
        let sigma = sigma1.gathering(active)
        let pa = active.map { p[$0] }
        func activeAtoms(_ f: (Element) -> Double) -> Tensor<Double> { Tensor(shape: [active.count], scalars: pa.map(f)) }
        let s = -log(sigma / activeAtoms { 12 * $0.gamma1 }) / activeAtoms { Self.beta * $0.eta2 }
        let lambdaS = activeAtoms(\.lambda) * s
        let cohesive = activeAtoms(\.e0) * (1 + lambdaS) * exp(-lambdaS) + activeAtoms { 6 * $0.v0 } * exp(-activeAtoms(\.kappa) * s)
        // Pair part of the atomic-sphere correction.
        let own = pairs { i, _ in -0.5 * i.v0 / i.gamma2 } * chi * exp(-pairs { _, j in j.kappa } * (r / Self.beta - pairs { _, j in j.s0 }))
        let other = pairs { _, j in -0.5 * j.v0 / j.gamma2 } / chi * exp(-pairs { i, _ in i.kappa } * (r / Self.beta - pairs { i, _ in i.s0 }))
        let pairEnergy = 0.5 * ((own + other) * w).sum()
        return cohesive.sum() + pairEnergy - atoms(\.e0).sum()
    }

    /// Energy (eV), forces `[atoms, 3]` (eV/Å) and, with `stress` and a fully periodic cell, the
    /// stress `σ = (1/V) ∂E/∂ε` under a homogeneous strain `ε` (eV/Å³, 9 numbers row-major,
    /// symmetrised; `nil` otherwise) of one configuration.
    public func evaluate(positions: [Double], species: [String], lattice: Lattice, stress: Bool) throws -> (energy: Double, forces: [Double], stress: [Double]?) {
        try AtomisticDerivatives.evaluate(positions: positions, lattice: lattice, stress: stress) { x, cell in
            try energy(positions: x, cell: cell, species: species, lattice: lattice)
        }
    }
}

import Foundation
import TandemCore

/// Energy, forces and (for a fully periodic cell) stress of a configuration: what molecular
/// dynamics and data generation need from a reference potential or a trained model.
public protocol Potential: Sendable {
    /// Energy (eV), forces `[atoms, 3]` (eV/Å), and with `stress` (for a fully periodic cell) the
    /// stress (eV/Å³, 9 numbers), else `nil` — molecular dynamics asks for none, which saves a
    /// second pass through the energy.
    func evaluate(positions: [Double], species: [String], lattice: Lattice, stress: Bool) throws -> (energy: Double, forces: [Double], stress: [Double]?)
}

extension Potential {
    /// Energy, forces and (for a fully periodic cell) stress of one configuration.
    public func evaluate(positions: [Double], species: [String], lattice: Lattice) throws -> (energy: Double, forces: [Double], stress: [Double]?) {
        try evaluate(positions: positions, species: species, lattice: lattice, stress: true)
    }
}

extension EMT: Potential {}

/// The Lennard-Jones pair potential `φ(r) = 4ε((σ/r)¹² − (σ/r)⁶) − φ₀` for `r < r_c`, shifted by
/// `φ₀ = 4ε((σ/r_c)¹² − (σ/r_c)⁶)` so that it is continuous at the cut-off (ASE's `LennardJones`
/// with `smooth=False`; default `r_c = 3σ`). Forces and stress by reverse-mode differentiation,
/// as for ``EMT``.
public struct LennardJones: Potential {
    /// Well depth (eV), zero-crossing distance (Å), cut-off (Å).
    public let epsilon: Double, sigma: Double, cutoff: Double

    /// A potential with `ε`, `σ` and a cut-off (default `3σ`).
    /// - Throws: ``AtomsError`` unless all three are positive and finite.
    public init(epsilon: Double, sigma: Double, cutoff: Double? = nil) throws {
        let rc = cutoff ?? 3 * sigma
        guard epsilon > 0, sigma > 0, rc > 0, [epsilon, sigma, rc].allSatisfy(\.isFinite) else {
            throw AtomsError("Lennard-Jones needs positive ε, σ and cut-off (found \(epsilon), \(sigma), \(rc))")
        }
        (self.epsilon, self.sigma, self.cutoff) = (epsilon, sigma, rc)
    }

    /// The energy as a tensor of positions and cell (every element alike).
    func energy(positions: Tensor<Double>, cell: Tensor<Double>, lattice: Lattice) throws -> Tensor<Double> {
        let list = try NeighborList(positions: positions.scalars, lattice: lattice, cutoff: cutoff)
        let shift = matmul(Tensor<Double>(shape: [list.count, 3], scalars: list.shifts.map(Double.init)), cell)
        let d = positions.gathering(list.second) - positions.gathering(list.first) + shift
        let inverse6 = pow(Tensor<Double>(sigma * sigma) / (d * d).sum(alongAxis: 1), 3)
        let shiftedZero = 4 * epsilon * (Foundation.pow(sigma / cutoff, 12) - Foundation.pow(sigma / cutoff, 6))
        // Each pair is listed twice.
        return 0.5 * (4 * epsilon * (inverse6 * inverse6 - inverse6) - shiftedZero).sum()
    }

    /// Energy, forces and, when asked, stress (see ``Potential``).
    public func evaluate(positions: [Double], species: [String], lattice: Lattice, stress: Bool) throws -> (energy: Double, forces: [Double], stress: [Double]?) {
        try AtomisticDerivatives.evaluate(positions: positions, lattice: lattice, stress: stress) { x, cell in
            try energy(positions: x, cell: cell, lattice: lattice)
        }
    }
}

/// Forces and stress of an energy written as a tensor function of positions and cell.
enum AtomisticDerivatives {
    /// `E`, `−∂E/∂r`, and with `stress`, for a fully periodic cell, `σ = (1/V) ∂E/∂ε` under
    /// `x ↦ x(1 + ε)`, `A ↦ A(1 + ε)`, symmetrised.
    static func evaluate(
        positions: [Double], lattice: Lattice, stress wanted: Bool, energy: (Tensor<Double>, Tensor<Double>) throws -> Tensor<Double>
    ) throws -> (energy: Double, forces: [Double], stress: [Double]?) {
        let n = positions.count / 3
        let cell = Tensor<Double>(shape: [3, 3], scalars: lattice.vectors)
        let x = Tensor<Double>(shape: [n, 3], scalars: positions).requiringGradient()
        let e = try energy(x, cell)
        let g = try gradient(of: e, withRespectTo: x)
        var stress: [Double]? = nil
        if wanted, lattice.periodic.allSatisfy({ $0 }) {
            let strain = Tensor<Double>.zeros(shape: [3, 3]).requiringGradient()
            let deformation = Tensor<Double>(shape: [3, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1]) + strain
            let strained = try energy(matmul(Tensor<Double>(shape: [n, 3], scalars: positions), deformation), matmul(cell, deformation))
            let dE = try gradient(of: strained, withRespectTo: strain).scalars
            let volume = Swift.abs(lattice.volume)
            stress = (0..<9).map { k in 0.5 * (dE[k] + dE[3 * (k % 3) + k / 3]) / volume }
        }
        return (e.scalars[0], g.scalars.map { -$0 }, stress)
    }
}

/// Standard atomic masses (u) of the elements Tandem's potentials and data cover (IUPAC 2021,
/// abridged values).
public enum AtomicMasses {
    /// Mass by element symbol.
    public static let table: [String: Double] = [
        "H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999, "Al": 26.982, "Ni": 58.693, "Cu": 63.546,
        "Pd": 106.42, "Ag": 107.87, "Pt": 195.08, "Au": 196.97, "Ar": 39.95,
    ]
}

/// Molecular dynamics in the units of the data: Å, eV, u, femtoseconds.
///
/// The internal time unit is `Å·√(u/eV) = 10.1805 fs`, so that `a = F/m` needs no factor.
/// - **NVE**: velocity Verlet, `v ← v + (Δt/2)·F/m; r ← r + Δt·v; F ← F(r); v ← v + (Δt/2)·F/m`
///   (Swope, Andersen, Berens & Wilson, J. Chem. Phys. 76, 637, 1982): symplectic and time
///   reversible, energy error bounded for stable steps.
/// - **NVT**: Langevin dynamics by the BAOAB splitting of Leimkuhler & Matthews (Appl. Math. Res.
///   Express 2013, 34), the friction step `v ← c·v + √((1 − c²)·k_B·T/m)·ξ`, `c = e^{−γΔt}`.
public struct MolecularDynamics {
    /// `Å·√(u/eV)` in femtoseconds.
    public static let timeUnit = 1e15 * 1e-10 * (1.66053906660e-27 / 1.602176634e-19).squareRoot()
    /// Boltzmann's constant, eV/K.
    public static let boltzmann = 8.617333262e-5

    /// The potential.
    public let potential: any Potential
    /// Species, lattice and masses (u) of the atoms.
    public let species: [String]
    public let lattice: Lattice
    public let masses: [Double]
    /// Current positions (Å) and velocities (Å/fs), `[atoms, 3]`.
    public private(set) var positions: [Double]
    public private(set) var velocities: [Double]
    /// Forces at the current positions and the potential energy there.
    public private(set) var forces: [Double]
    public private(set) var potentialEnergy: Double

    /// A system at rest at `positions`.
    /// - Throws: ``AtomsError`` for an element without a mass; the potential's errors.
    public init(potential: any Potential, species: [String], positions: [Double], lattice: Lattice) throws {
        self.potential = potential
        self.species = species
        self.lattice = lattice
        masses = try species.map { name in
            guard let m = AtomicMasses.table[name] else { throw AtomsError("no atomic mass for '\(name)'") }
            return m
        }
        self.positions = positions
        velocities = [Double](repeating: 0, count: positions.count)
        let result = try potential.evaluate(positions: positions, species: species, lattice: lattice, stress: false)
        (forces, potentialEnergy) = (result.forces, result.energy)
    }

    /// Kinetic energy `½ Σ m v²` (eV).
    public var kineticEnergy: Double {
        var sum = 0.0
        for k in 0..<positions.count { sum += masses[k / 3] * velocities[k] * velocities[k] }
        return 0.5 * sum * Self.timeUnit * Self.timeUnit
    }

    /// The kinetic temperature `2·K / (3N·k_B)` (K).
    public var temperature: Double { 2 * kineticEnergy / (Double(positions.count) * Self.boltzmann) }

    /// Maxwell–Boltzmann velocities at `temperature` (K), the centre of mass at rest.
    public mutating func setTemperature(_ temperature: Double, using generator: inout SeededGenerator) {
        for k in 0..<velocities.count {
            velocities[k] = (Self.boltzmann * temperature / masses[k / 3]).squareRoot() * generator.nextStandardNormal() / Self.timeUnit
        }
        let total = masses.reduce(0, +)
        for c in 0..<3 {
            let momentum = stride(from: c, to: velocities.count, by: 3).reduce(0.0) { $0 + masses[$1 / 3] * velocities[$1] }
            for k in stride(from: c, to: velocities.count, by: 3) { velocities[k] -= momentum / total }
        }
    }

    /// Replaces the velocities (Å/fs) — e.g. reversed, for a time-reversal check.
    public mutating func setVelocities(_ v: [Double]) { velocities = v }

    private mutating func kick(_ dt: Double) {
        for k in 0..<velocities.count { velocities[k] += dt * forces[k] / masses[k / 3] / (Self.timeUnit * Self.timeUnit) }
    }

    private mutating func drift(_ dt: Double) {
        for k in 0..<positions.count { positions[k] += dt * velocities[k] }
    }

    private mutating func refresh() throws {
        let result = try potential.evaluate(positions: positions, species: species, lattice: lattice, stress: false)
        (forces, potentialEnergy) = (result.forces, result.energy)
    }

    /// `steps` velocity-Verlet steps of `timestep` fs (NVE); `observe` sees the system after each.
    public mutating func runNVE(steps: Int, timestep: Double, observe: (MolecularDynamics) -> Void = { _ in }) throws {
        for _ in 0..<steps {
            kick(timestep / 2)
            drift(timestep)
            try refresh()
            kick(timestep / 2)
            observe(self)
        }
    }

    /// `steps` BAOAB Langevin steps of `timestep` fs at `temperature` K with friction `friction`
    /// (1/fs); `observe` sees the system after each.
    public mutating func runLangevin(
        steps: Int, timestep: Double, temperature: Double, friction: Double,
        using generator: inout SeededGenerator, observe: (MolecularDynamics) -> Void = { _ in }
    ) throws {
        let c = Foundation.exp(-friction * timestep)
        for _ in 0..<steps {
            kick(timestep / 2)
            drift(timestep / 2)
            for k in 0..<velocities.count {
                let spread = ((1 - c * c) * Self.boltzmann * temperature / masses[k / 3]).squareRoot() / Self.timeUnit
                velocities[k] = c * velocities[k] + spread * generator.nextStandardNormal()
            }
            drift(timestep / 2)
            try refresh()
            kick(timestep / 2)
            observe(self)
        }
    }
}

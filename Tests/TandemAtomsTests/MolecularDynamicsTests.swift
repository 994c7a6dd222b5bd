import XCTest
import TandemAtoms
import TandemCore

/// Velocity Verlet conserves energy with an error of order Δt² and retraces its path when the
/// velocities are reversed; BAOAB Langevin holds the target temperature; Lennard-Jones forces are
/// its energy's derivatives.
final class MolecularDynamicsTests: XCTestCase {
    /// 32 Cu atoms on a displaced fcc lattice (a = 3.61 Å), periodic, with EMT.
    private func copper(temperature: Double, seed: UInt64) throws -> MolecularDynamics {
        let (frame, lattice) = try EMTTests.structures()[0]
        var md = try MolecularDynamics(potential: EMT(), species: frame.species, positions: frame.positions, lattice: lattice)
        var g = SeededGenerator(seed: seed)
        md.setTemperature(temperature, using: &g)
        return md
    }

    /// The largest |E(t) − E(0)| per atom over `steps` steps of `timestep` fs.
    private func energyError(timestep: Double, steps: Int) throws -> Double {
        var md = try copper(temperature: 600, seed: 3)
        let start = md.kineticEnergy + md.potentialEnergy
        var worst = 0.0
        try md.runNVE(steps: steps, timestep: timestep) { state in
            worst = max(worst, abs(state.kineticEnergy + state.potentialEnergy - start))
        }
        return worst / Double(md.species.count)
    }

    func testVelocityVerletConservesEnergyToSecondOrder() throws {
        let coarse = try energyError(timestep: 4, steps: 50)
        let fine = try energyError(timestep: 2, steps: 100)
        XCTAssertLessThan(fine, 2e-4, "eV/atom over 200 fs at 2 fs")
        // Same 200 fs: halving Δt divides the energy error by about four.
        let order = log2(coarse / fine)
        print("velocity Verlet, Cu32 EMT at 600 K over 200 fs: max |ΔE| \(coarse) eV/atom at 4 fs, \(fine) at 2 fs, order \(order)")
        XCTAssertEqual(order, 2, accuracy: 0.5, "observed order \(order) (errors \(coarse), \(fine) eV/atom)")
    }

    func testReversedVelocitiesRetraceThePath() throws {
        var md = try copper(temperature: 300, seed: 5)
        let start = md.positions
        try md.runNVE(steps: 40, timestep: 2)
        XCTAssertGreaterThan(zip(md.positions, start).map { abs($0 - $1) }.max()!, 0.05, "the atoms moved")
        md.setVelocities(md.velocities.map { -$0 })
        try md.runNVE(steps: 40, timestep: 2)
        XCTAssertLessThan(zip(md.positions, start).map { abs($0 - $1) }.max()!, 1e-8)
    }

    func testLangevinHoldsTheTargetTemperature() throws {
        var md = try copper(temperature: 0, seed: 7)
        var g = SeededGenerator(seed: 8)
        var temperatures: [Double] = []
        try md.runLangevin(steps: 500, timestep: 2, temperature: 500, friction: 0.02, using: &g) { temperatures.append($0.temperature) }
        let late = temperatures.suffix(350)
        let mean = late.reduce(0, +) / Double(late.count)
        print("Langevin, Cu32 EMT, target 500 K: mean \(mean) K over the last 700 fs")
        XCTAssertEqual(mean, 500, accuracy: 60, "mean kinetic temperature over the last 700 fs")
        XCTAssertLessThan(temperatures[0], 150, "started from rest")
    }

    func testLennardJonesForcesAndMinimum() throws {
        let lj = try LennardJones(epsilon: 0.0104, sigma: 3.4, cutoff: 8.5)
        let rMin = 3.4 * Foundation.pow(2, 1.0 / 6)
        let dimer = try lj.evaluate(positions: [0, 0, 0, rMin, 0, 0], species: ["Ar", "Ar"], lattice: .none)
        let shift = 4 * 0.0104 * (Foundation.pow(3.4 / 8.5, 12) - Foundation.pow(3.4 / 8.5, 6))
        XCTAssertEqual(dimer.energy, -0.0104 - shift, accuracy: 1e-14)
        XCTAssertEqual(dimer.forces[0], 0, accuracy: 1e-14)
        // An argon crystal, displaced: forces against central differences.
        var g = SeededGenerator(seed: 2)
        var r: [Double] = []
        for i in 0..<2 { for j in 0..<2 { for k in 0..<2 { for b in [[0.0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]] {
            r += [(Double(i) + b[0]) * 5.26, (Double(j) + b[1]) * 5.26, (Double(k) + b[2]) * 5.26].map { $0 + 0.1 * (2 * g.nextUnitDouble() - 1) }
        } } } }
        let lattice = try Lattice(vectors: [10.52, 0, 0, 0, 10.52, 0, 0, 0, 10.52], periodic: [true, true, true])
        let species = Array(repeating: "Ar", count: 32)
        let result = try lj.evaluate(positions: r, species: species, lattice: lattice)
        for k in stride(from: 0, to: r.count, by: 5) {
            var plus = r, minus = r
            plus[k] += 1e-5
            minus[k] -= 1e-5
            let fd = -(try lj.evaluate(positions: plus, species: species, lattice: lattice).energy
                - lj.evaluate(positions: minus, species: species, lattice: lattice).energy) / 2e-5
            XCTAssertEqual(result.forces[k], fd, accuracy: 1e-9)
        }
        XCTAssertThrowsError(try LennardJones(epsilon: -1, sigma: 1))
        XCTAssertThrowsError(try MolecularDynamics(potential: lj, species: ["Xe"], positions: [0, 0, 0], lattice: .none)) { error in
            XCTAssertTrue("\(error)".contains("no atomic mass for 'Xe'"), "\(error)")
        }
    }
}

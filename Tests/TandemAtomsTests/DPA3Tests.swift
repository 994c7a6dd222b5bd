import Foundation
import XCTest
import TandemAtoms
import TandemCore
import TandemNN

/// The DPA3-style network: forces are the energy's derivatives through nodes, edges and angles;
/// the energy is invariant under rigid motions and permutations; the parameter gradient of a
/// force loss (double backward) matches differences; the switch and SiLUT are smooth where they
/// join; and training on EMT energies and forces lowers the loss.
final class DPA3Tests: XCTestCase {
    private func model(datasets: Int = 0) throws -> DPA3<Double> {
        var g = SeededGenerator(seed: 5)
        var net = try DPA3<Double>(elements: ["Cu", "Au"], nodeFeatures: 12, edgeFeatures: 8, angleFeatures: 6, layers: 2, radialCount: 8,
                                   cutoff: 4.5, angleCutoff: 3.5, datasets: datasets, using: &g)
        // The last fitting layer starts at zero (the model predicts its shifts); draw it here so
        // that the checks see an energy that depends on the positions.
        net.fitting[2] = Dense(inputSize: 12, outputSize: 1, using: &g)
        return net
    }

    func testForcesAreTheEnergysDerivativesAndTheEnergyIsInvariant() throws {
        let (frame, lattice) = try EMTTests.structures()[1]   // the sheared CuAu crystal
        let net = try model()
        XCTAssertEqual(net.layers[0].residual.scalars, [0.1, 0.1, 0.1, 0.1, 0.1], "residual weights start at 0.1")
        let types = try net.types(of: frame.species)
        let (e, f) = try net.energyAndForces(positions: frame.positions, types: types, lattice: lattice)
        func energy(_ r: [Double], _ t: [Int] = types) throws -> Double {
            try net.energy(positions: Tensor(shape: [t.count, 3], scalars: r), types: t, lattice: lattice).scalars[0]
        }
        XCTAssertGreaterThan(f.scalars.map(abs).max()!, 1e-3, "forces are not trivially zero")
        for k in stride(from: 0, to: frame.positions.count, by: 7) {
            var plus = frame.positions, minus = frame.positions
            plus[k] += 1e-5
            minus[k] -= 1e-5
            XCTAssertEqual(f.scalars[k], -(try energy(plus) - energy(minus)) / 2e-5, accuracy: 1e-7, "component \(k)")
        }
        XCTAssertEqual(try energy(frame.positions.enumerated().map { $0.element + [0.4, -0.9, 1.7][$0.offset % 3] }), e.scalars[0], accuracy: 1e-9)
        let order = Array((0..<types.count).reversed())
        XCTAssertEqual(try energy(order.flatMap { frame.positions[(3 * $0)..<(3 * $0 + 3)] }, order.map { types[$0] }), e.scalars[0], accuracy: 1e-9)
        // A rotated cluster (no cell).
        let (cluster, none) = try EMTTests.structures()[2]
        var g = SeededGenerator(seed: 8)
        var pt = try DPA3<Double>(elements: ["Pt"], nodeFeatures: 6, edgeFeatures: 4, angleFeatures: 3, layers: 1, radialCount: 6, cutoff: 4, angleCutoff: 3.5, using: &g)
        pt.fitting[2] = Dense(inputSize: 6, outputSize: 1, using: &g)
        let ptTypes = Array(repeating: 0, count: cluster.count)
        let (c, s) = (Foundation.cos(1.1), Foundation.sin(1.1))
        let rotated = stride(from: 0, to: cluster.positions.count, by: 3).flatMap { p -> [Double] in
            let (x, y, z) = (cluster.positions[p], cluster.positions[p + 1], cluster.positions[p + 2])
            return [x, c * y - s * z, s * y + c * z]
        }
        let e0 = try pt.energy(positions: Tensor(shape: [13, 3], scalars: cluster.positions), types: ptTypes, lattice: none).scalars[0]
        let e1 = try pt.energy(positions: Tensor(shape: [13, 3], scalars: rotated), types: ptTypes, lattice: none).scalars[0]
        XCTAssertEqual(e0, e1, accuracy: 1e-9)
    }

    func testForceLossGradientIsTheDoubleBackward() throws {
        let emt = EMT()
        let (frame, lattice) = try EMTTests.structures()[1]
        let net = try model(datasets: 2)
        let types = try net.types(of: frame.species)
        var g = SeededGenerator(seed: 2)
        let r = frame.positions.map { $0 + 0.05 * g.nextStandardNormal() }
        let label = try emt.evaluate(positions: r, species: frame.species, lattice: lattice, stress: false)
        func loss(_ m: DPA3<Double>) throws -> Tensor<Double> {
            let (e, f) = try m.energyAndForces(positions: r, types: types, lattice: lattice, dataset: 1, createGraph: true)
            let de = (e - label.energy) / Double(types.count)
            let df = f - Tensor(shape: [types.count, 3], scalars: label.forces)
            return de * de + (df * df).mean()
        }
        let (_, gradients) = try valueWithGradient(at: net, of: loss)
        for (name, index) in [("layers.0.angle_to_edge.weight", 7), ("layers.1.residual", 1), ("layers.0.residual", 3), ("edge_input.weight", 11), ("layers.0.edge_to_node.weight", 20)] {
            let p = net.namedParameters[name]!
            var bump = [Double](repeating: 0, count: p.scalarCount)
            bump[index] = 1e-6
            var up = net, down = net
            try up.loadParameters([name: p + Tensor(shape: p.shape, scalars: bump)], requireAll: false)
            try down.loadParameters([name: p - Tensor(shape: p.shape, scalars: bump)], requireAll: false)
            let fd = (try loss(up).scalars[0] - loss(down).scalars[0]) / 2e-6
            XCTAssertEqual(gradients[name]!.scalars[index], fd, accuracy: 1e-6 * Swift.max(1, abs(fd)), name)
            XCTAssertNotEqual(fd, 0, "\(name) moves the loss")
        }
    }

    func testSwitchAndSiLUTAreSmoothWhereTheyJoin() {
        // The switch: 1 below r_c − 1, 0 beyond r_c, continuous with its slope at both joints.
        let r = Tensor<Double>(shape: [6], scalars: [3.0, 4.0 - 1e-7, 4.0 + 1e-7, 4.5, 5.0 - 1e-7, 5.2])
        let s = DPA3<Double>.smoothSwitch(r, cutoff: 5).scalars
        XCTAssertEqual(s[0], 1)
        XCTAssertEqual(s[1], 1, accuracy: 1e-12)
        XCTAssertEqual(s[2], 1, accuracy: 1e-12)
        XCTAssertEqual(s[3], 0.5, accuracy: 1e-12)
        XCTAssertEqual(s[4], 0, accuracy: 1e-12)
        XCTAssertEqual(s[5], 0)
        // SiLUT: value and slope continuous at the threshold; bounded above.
        let x = Tensor<Double>(shape: [4], scalars: [3 - 1e-7, 3 + 1e-7, 3 + 2e-7, 100])
        let y = silut(x).scalars
        XCTAssertEqual(y[0], y[1], accuracy: 1e-6)
        let slopeBelow = (silu(Tensor<Double>(shape: [1], scalars: [3])).scalars[0] - silu(Tensor<Double>(shape: [1], scalars: [3 - 1e-6])).scalars[0]) / 1e-6
        XCTAssertEqual((y[2] - y[1]) / 1e-7, slopeBelow, accuracy: 1e-4)
        XCTAssertLessThan(y[3], 4.5)
    }

    func testTrainingOnEnergiesAndForcesLowersTheLoss() throws {
        let emt = EMT()
        let (frame, lattice) = try EMTTests.structures()[1]
        var g = SeededGenerator(seed: 6)
        var net = try DPA3<Double>(elements: ["Cu", "Au"], nodeFeatures: 12, edgeFeatures: 8, angleFeatures: 6, layers: 2, radialCount: 8,
                                   cutoff: 4.5, angleCutoff: 3.5, using: &g)
        let types = try net.types(of: frame.species)
        let data = try (0..<4).map { _ -> ([Double], Double, [Double]) in
            let r = frame.positions.map { $0 + 0.05 * g.nextStandardNormal() }
            let label = try emt.evaluate(positions: r, species: frame.species, lattice: lattice, stress: false)
            return (r, label.energy, label.forces)
        }
        let counts = (0..<2).map { z in Double(types.filter { $0 == z }.count) }
        net.energyShifts[0] = DPA3<Double>.fitEnergyShifts(counts: data.map { _ in counts }, energies: data.map(\.1))
        func loss(_ m: DPA3<Double>) throws -> Tensor<Double> {
            let frames = data.map { _ in AtomisticFrame(types: types, lattice: lattice) }
            let (e, f) = try m.energiesAndForces(positions: data.flatMap(\.0), frames: frames, createGraph: true)
            let de = (e - Tensor(shape: [4], scalars: data.map(\.1))) / Double(types.count)
            let df = f - Tensor(shape: f.shape, scalars: data.flatMap(\.2))
            return (de * de).mean() + (df * df).mean()
        }
        var optimizer = Adam<Double>(learningRate: 3e-3)
        var first = 0.0, last = 0.0
        for step in 0..<40 {
            let (value, gradients) = try valueWithGradient(at: net, of: loss)
            if step == 0 { first = value }
            last = value
            optimizer.update(&net, along: gradients)
        }
        print("DPA3 on 4 EMT CuAu frames: energy + force loss \(first) → \(last) after 40 Adam steps")
        XCTAssertLessThan(last, 0.6 * first)
    }
}

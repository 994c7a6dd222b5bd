import Foundation
import TandemCore
import TandemNN
import TandemPINN
import TandemTestSupport
import XCTest

/// The EDA network's time derivative and its residual's parameter derivatives, in Float64.
final class EDANetworkTests: XCTestCase {
    func network(seed: UInt64 = 3) -> EDANetwork<Double> {
        var g = SeededGenerator(seed: seed)
        return EDANetwork(inputs: 4, layers: [12, 10], activation: .tanh, classes: 3, contextSize: 2, decay: 1.3, gains: [0.4, -0.2], using: &g)
    }

    /// `dy/dt` by the jet against central differences of `y` along the velocity.
    func testRateIsTheDirectionalDerivative() {
        let model = network()
        let x = randomTensor([9, 4], seed: 1), v = randomTensor([9, 4], seed: 2)
        let (value, rate) = model.edaWithRate(at: x, velocity: v)
        let h = 1e-6
        let plus = model(x + v * h).eda, minus = model(x - v * h).eda
        for (a, b) in zip(value.scalars, model(x).eda.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12, "the jet's value block is the plain forward pass") }
        for (r, (p, m)) in zip(rate.scalars, zip(plus.scalars, minus.scalars)) {
            XCTAssertEqual(r, (p - m) / (2 * h), accuracy: 1e-7)
        }
    }

    func testAlpha0StartsWhereAsked() {
        XCTAssertEqual(network().alpha0.scalars[0], 1.3, accuracy: 1e-12)
    }

    /// The residual with one trunk weight, `a` and `β` as the variables: first and second
    /// derivatives against finite differences.
    func testResidualDerivativesMatchFiniteDifferences() {
        let base = network()
        let x = randomTensor([7, 4], seed: 4), v = randomTensor([7, 4], seed: 5), u = randomTensor([7, 2], seed: 6)
        let mean = Tensor<Double>(shape: [7, 1], scalars: [Double](repeating: 3.0, count: 7))
        let deviation = Tensor<Double>(shape: [7, 1], scalars: [Double](repeating: 1.5, count: 7))
        assertDerivativesMatchFiniteDifferences("EDA residual", at: [base.trunk.layers[0].weight, base.decay, base.gains]) { p in
            var m = base
            m.trunk.layers[0].weight = p[0]
            m.decay = p[1]
            m.gains = p[2]
            let r = m.residual(at: x, velocity: v, context: u, mean: mean, deviation: deviation, timeScale: 60)
            return r * r
        }
    }

    func testParametersAreNamedByRole() {
        let names = Array(network().namedParameters.keys)
        XCTAssertEqual(names.filter { $0.hasPrefix("trunk.") }.count, 4)
        XCTAssertEqual(Array(names.suffix(6)), ["eda.weight", "eda.bias", "emotion.weight", "emotion.bias", "physics.decay", "physics.gains"])
    }
}

import TandemCore
import TandemNN
import TandemOperators
import TandemTestSupport
import XCTest

/// The Fourier neural operator's layers: the spectral convolution is a band-limited filter with
/// the right normalisation, and every parameter's gradient (first and second order) matches
/// finite differences through the whole network.
final class FourierNeuralOperatorTests: XCTestCase {
    func network() -> FourierNeuralOperator<Double> {
        var g = SeededGenerator(seed: 11)
        return FourierNeuralOperator(inputShape: [2, 6, 8], width: 3, modes: (2, 2), blocks: 2, projection: 4, padding: 2,
                                     activation: .geluTanh, using: &g)
    }

    /// With `R = I` at every kept mode the spectral convolution is the projection onto those
    /// modes: it returns a band-limited field unchanged, and removes a pure high frequency.
    func testIdentityWeightsKeepTheLowModesOnly() {
        var g = SeededGenerator(seed: 1)
        var layer = SpectralConvolution2D<Double>(inChannels: 2, outChannels: 2, modes: (2, 3), using: &g)
        let modes = layer.real.shape[0]
        layer.real = Tensor(shape: [modes, 2, 2], scalars: (0..<modes).flatMap { _ in [1.0, 0, 0, 1] })
        layer.imaginary = .zeros(shape: [modes, 2, 2])
        // A field with only kept modes: row −m₁ of column 0 is zero, as its conjugate +m₁ is not kept.
        var modes0 = randomTensor([1, 2, 4, 3, 2], seed: 2).scalars
        for c in 0..<2 { (modes0[(c * 4 + 2) * 3 * 2], modes0[(c * 4 + 2) * 3 * 2 + 1]) = (0, 0) }
        let low = Tensor<Double>(shape: [1, 2, 4, 3, 2], scalars: modes0).fourierSynthesis(height: 8, width: 10) * (1 / 80.0)
        let out = layer(low)
        for (a, b) in zip(out.scalars, low.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        // cos(2π·4h/8) has only the row frequency 4 (> m₁ = 2): filtered out.
        let high = Tensor<Double>(shape: [1, 2, 8, 10], scalars: (0..<160).map { cos(2 * Double.pi * 4 * Double(($0 / 10) % 8) / 8) })
        XCTAssertLessThan(layer(high).scalars.map(abs).max()!, 1e-12)
    }

    func testParameterAndInputGradientsMatchFiniteDifferences() {
        let net = network()
        let input = randomTensor([2, 2, 6, 8], seed: 3)
        assertDerivativesMatchFiniteDifferences("FNO input", at: [input]) { net($0[0]) }
        assertDerivativesMatchFiniteDifferences("FNO spectral and lift weights", at: [net.spectral[0].real, net.spectral[1].imaginary, net.lift.weight]) { p in
            var n = net
            n.spectral[0].real = p[0]
            n.spectral[1].imaginary = p[1]
            n.lift.weight = p[2]
            return n(input)
        }
        assertDerivativesMatchFiniteDifferences("FNO pointwise and projection", at: [net.pointwise[0].weight, net.pointwise[1].bias, net.projection[0].weight, net.projection[1].bias]) { p in
            var n = net
            n.pointwise[0].weight = p[0]
            n.pointwise[1].bias = p[1]
            n.projection[0].weight = p[2]
            n.projection[1].bias = p[3]
            return n(input)
        }
    }

    func testParametersAreNamedForCheckpointsAndTransfer() {
        var net = NeuralOperator<Double>.fourier(network())
        let names = Array(net.namedParameters.keys)
        XCTAssertEqual(names.first, "lift.weight")
        XCTAssertTrue(names.contains("blocks.1.spectral.real") && names.contains("blocks.0.pointwise.bias") && names.contains("projection.1.weight"), "\(names)")
        // Loading the parameters back through the wrapper changes the wrapped network.
        var changed = net.namedParameters
        changed["blocks.1.spectral.real"] = Tensor.zeros(shape: changed["blocks.1.spectral.real"]!.shape)
        XCTAssertNoThrow(try net.loadParameters(Dictionary(uniqueKeysWithValues: changed.map { ($0.key, $0.value) })))
        XCTAssertEqual(net.fourier!.spectral[1].real.scalars.allSatisfy { $0 == 0 }, true)
        // A subset of the points is the same field, gathered.
        let input = randomTensor([2, 2, 6, 8], seed: 4), points = Tensor<Double>.zeros(shape: [48, 2])
        let all = net(input, points: points), some = net(input, points: points, selection: [0, 7, 47])
        XCTAssertEqual(some.shape, [2, 3])
        XCTAssertEqual(some.scalars, [all.scalars[0], all.scalars[7], all.scalars[47], all.scalars[48], all.scalars[55], all.scalars[95]])
    }
}

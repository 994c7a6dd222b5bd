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

/// The POD-DeepONet's basis and prediction.
final class PODDeepONetTests: XCTestCase {
    /// Snapshots that are combinations of three fixed fields: three modes capture all the energy,
    /// the basis is orthogonal, spans the snapshots, and gives them unit-mean-square coefficients.
    func testBasisSpansLowRankSnapshots() throws {
        let (n, m) = (12, 40)
        let fields = (0..<3).map { k in (0..<m).map { j in Float(sin(Double((k + 1) * (j + 1)) * 0.3)) } }
        var g = SeededGenerator(seed: 7)
        var snapshots = [Float]()
        for _ in 0..<n {
            let c = (0..<3).map { _ in Float(g.nextStandardNormal()) }
            snapshots += (0..<m).map { j in c[0] * fields[0][j] + c[1] * fields[1][j] + c[2] * fields[2][j] }
        }
        let (basis, captured) = try PODDeepONet<Double>.basis(snapshots: snapshots, functions: n, points: m, energy: 0.999999, maximum: 10)
        XCTAssertEqual(basis.shape, [m, 3])
        XCTAssertEqual(captured.last!, 1, accuracy: 1e-6)
        // Orthogonal columns; each snapshot is reproduced by its least-squares coefficients, and
        // those have unit mean square on every mode.
        let gram = matmul(basis, basis, transposeA: true)
        for a in 0..<3 { for b in 0..<3 where a != b { XCTAssertEqual(gram.scalars[a * 3 + b], 0, accuracy: 1e-6 * gram.scalars[a * 4]) } }
        let x = Tensor<Double>(shape: [n, m], scalars: snapshots.map(Double.init))
        let inverse = Tensor<Double>(shape: [3, 3], scalars: (0..<9).map { $0 % 4 == 0 ? 1 / gram.scalars[$0] : 0 })
        let coefficients = matmul(matmul(x, basis), inverse)
        let projected = matmul(coefficients, basis, transposeB: true)
        for (a, b) in zip(projected.scalars, x.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        for k in 0..<3 {
            let meanSquare = (0..<n).reduce(0.0) { $0 + coefficients.scalars[$1 * 3 + k] * coefficients.scalars[$1 * 3 + k] } / Double(n)
            XCTAssertEqual(meanSquare, 1, accuracy: 1e-4)
        }
        // A capped count keeps the most energetic modes.
        let (two, capturedTwo) = try PODDeepONet<Double>.basis(snapshots: snapshots, functions: n, points: m, energy: 1, maximum: 2)
        XCTAssertEqual(two.shape, [m, 2])
        XCTAssertLessThan(capturedTwo[1], 1)
    }

    func testPredictionIsTheBranchTimesTheModesAndGradientsMatch() {
        var g = SeededGenerator(seed: 8)
        let basis = randomTensor([6, 3], seed: 9)
        var model = PODDeepONet<Double>(branch: .dense(FeedForward(widths: [4, 5, 3], activation: .tanh, using: &g)), basis: basis)
        model.bias = Tensor(shape: [1], scalars: [0.25])
        let a = randomTensor([2, 4], seed: 10)
        let b = model.branch(a)
        let out = model(a), some = model(a, selection: [1, 4])
        for i in 0..<2 {
            for j in 0..<6 {
                let expected = 0.25 + (0..<3).reduce(0.0) { $0 + b.scalars[i * 3 + $1] * basis.scalars[j * 3 + $1] }
                XCTAssertEqual(out.scalars[i * 6 + j], expected, accuracy: 1e-12)
            }
            XCTAssertEqual(some.scalars[i * 2], out.scalars[i * 6 + 1])
            XCTAssertEqual(some.scalars[i * 2 + 1], out.scalars[i * 6 + 4])
        }
        XCTAssertEqual(Array(NeuralOperator.pod(model).namedParameters.keys), ["branch.layers.0.weight", "branch.layers.0.bias", "branch.layers.1.weight", "branch.layers.1.bias", "bias"])
        assertDerivativesMatchFiniteDifferences("POD-DeepONet", at: [a]) { model($0[0]) }
    }
}

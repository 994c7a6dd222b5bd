import Foundation
import TandemCore
import TandemNN
import TandemPINN
import TandemTestSupport
import XCTest

final class JetTests: XCTestCase {
    /// `u`, `∇u` and the second derivatives of a one-output network by reverse over reverse mode
    /// (the general path), per point: `[n]` for each requested derivative.
    func reverseOverReverse(_ mlp: MLP<Double>, at x: Tensor<Double>, request: JetRequest) throws -> Jets<Double> {
        try reverseOverReverse({ mlp($0) }, at: x, request: request)
    }

    func reverseOverReverse(_ f: (Tensor<Double>) -> Tensor<Double>, at x: Tensor<Double>, request: JetRequest) throws -> Jets<Double> {
        let leaf = x.requiringGradient()
        var jets = Jets<Double>(value: .zeros(shape: [1]))
        try withGradient {
            let u = f(leaf)
            let du = try gradients(of: u, withRespectTo: [leaf], seed: .ones(shape: u.shape), createGraph: true)[0]
            jets.value = u
            for i in request.first { jets.first[i] = du.slice(alongAxis: 1, i..<(i + 1)) }
            for i in Set(request.second + request.mixed.map(\.i)) {
                let d2 = try gradients(of: du.slice(alongAxis: 1, i..<(i + 1)), withRespectTo: [leaf], seed: .ones(shape: [x.shape[0], 1]), createGraph: true)[0]
                if request.second.contains(i) { jets.second[i] = d2.slice(alongAxis: 1, i..<(i + 1)) }
                for pair in request.mixed where pair.i == i { jets.mixed[pair] = d2.slice(alongAxis: 1, pair.j..<(pair.j + 1)) }
            }
        }
        return jets
    }

    func testJetsAgreeWithReverseOverReverse() throws {
        let request = JetRequest(first: [1], second: [0, 2], mixed: [JetRequest.Pair(1, 0)])
        XCTAssertEqual(request.first, [0, 1, 2])
        for activation in [Activation.tanh, .sin, .silu, .sigmoid, .softplus] {
            var g = SeededGenerator(seed: 7)
            let mlp = MLP<Double>(widths: [3, 16, 16, 1], activation: activation, using: &g)
            let x = Tensor<Double>.randomUniform(shape: [20, 3], lower: -1, upper: 1, using: &g)
            let jets = mlp.jets(at: x, request: request)
            let reference = try reverseOverReverse(mlp, at: x, request: request)
            func assertClose(_ a: Tensor<Double>?, _ b: Tensor<Double>?, _ what: String) {
                guard let a, let b else { return XCTFail("\(activation) \(what): missing") }
                XCTAssertEqual(a.shape, [20, 1])
                let error = zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(error, 1e-10, "\(activation) \(what)")
            }
            assertClose(jets.value, reference.value, "u")
            for i in request.first { assertClose(jets.first[i], reference.first[i], "u_\(i)") }
            for i in request.second { assertClose(jets.second[i], reference.second[i], "u_\(i)\(i)") }
            for p in request.mixed { assertClose(jets.mixed[p], reference.mixed[p], "u_\(p.i)\(p.j)") }
        }
    }

    /// Fourier features compute `[sin 2πxB, cos 2πxB]`, and jets through features and network
    /// agree with reverse over reverse mode.
    func testFourierFeatureJets() throws {
        var g = SeededGenerator(seed: 11)
        let features = FourierFeatures<Double>(inputs: 2, count: 5, scale: 2, using: &g)
        XCTAssertEqual(features.frequencies.shape, [2, 5])
        let x = Tensor<Double>.randomUniform(shape: [7, 2], lower: -1, upper: 1, using: &g)
        let gamma = features(x), b = features.frequencies.scalars
        for row in 0..<7 {
            for j in 0..<5 {
                let z = 2 * Double.pi * (x.scalars[row * 2] * b[j] + x.scalars[row * 2 + 1] * b[5 + j])
                XCTAssertEqual(gamma.scalars[row * 10 + j], Foundation.sin(z), accuracy: 1e-12)
                XCTAssertEqual(gamma.scalars[row * 10 + 5 + j], Foundation.cos(z), accuracy: 1e-12)
            }
        }
        let model = PhysicsInformedNetwork(network: MLP<Double>(widths: [10, 16, 16, 1], activation: .tanh, using: &g), features: features)
        let request = JetRequest(first: [1], second: [0, 1], mixed: [JetRequest.Pair(0, 1)])
        let jets = model.jets(at: x, request: request)
        let reference = try reverseOverReverse({ model($0) }, at: x, request: request)
        var blocks = [(jets.value, reference.value)]
        for i in request.first { blocks.append((jets.first[i]!, reference.first[i]!)) }
        for i in request.second { blocks.append((jets.second[i]!, reference.second[i]!)) }
        for p in request.mixed { blocks.append((jets.mixed[p]!, reference.mixed[p]!)) }
        for (k, (a, r)) in blocks.enumerated() {
            XCTAssertLessThanOrEqual(zip(a.scalars, r.scalars).map { Swift.abs($0 - $1) }.max()!, 1e-10, "block \(k)")
        }
        var visited: [String] = []
        var copy = model
        copy.visitParameters { name, _ in visited.append(name) }
        XCTAssertFalse(visited.contains { !$0.hasPrefix("network.") }, "the frequencies are not trained: \(visited)")
    }

    /// The parameter gradient of a residual loss is the same whether the input derivatives come
    /// from jets or from reverse over reverse mode, and matches finite differences (first and
    /// second order).
    func testResidualLossGradientsAgree() throws {
        var g = SeededGenerator(seed: 8)
        let mlp = MLP<Double>(widths: [2, 8, 8, 1], activation: .tanh, using: &g)
        let x = Tensor<Double>.randomUniform(shape: [12, 2], lower: 0, upper: 1, using: &g)
        let request = JetRequest(first: [1], second: [0])
        // Fisher-type residual u_t − 0.1·u_xx − u(1 − u), axis 0 = x, axis 1 = t.
        func residualLoss(_ j: Jets<Double>) -> Tensor<Double> {
            let r = j.first[1]! - 0.1 * j.second[0]! - j.value * (1 - j.value)
            return (r * r).mean()
        }
        let viaJets = try valueWithGradient(at: mlp) { residualLoss($0.jets(at: x, request: request)) }
        let viaReverse = try valueWithGradient(at: mlp) { residualLoss(try reverseOverReverse($0, at: x, request: request)) }
        XCTAssertEqual(viaJets.value, viaReverse.value, accuracy: 1e-12)
        for (name, gradient) in viaJets.gradients {
            let other = viaReverse.gradients[name]!
            let error = zip(gradient.scalars, other.scalars).map { Swift.abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(error, 1e-10, name)
        }
        let parameters = mlp.layers.flatMap { [$0.weight, $0.bias] }
        assertDerivativesMatchFiniteDifferences("jet residual loss", at: parameters) { p in
            var m = mlp
            for k in m.layers.indices {
                m.layers[k] = Dense(weight: p[2 * k], bias: p[2 * k + 1], activation: mlp.layers[k].activation)
            }
            return residualLoss(m.jets(at: x, request: request))
        }
    }
}

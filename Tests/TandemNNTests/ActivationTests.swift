import TandemCore
import TandemNN
import TandemTestSupport
import XCTest

/// The table of activation derivatives (`Activation.derivatives`) against the reverse-mode
/// pullbacks of `TandemCore` (first order: `∂σ/∂z`; second order: `∂σ'/∂z` by differentiating
/// the recorded pullback) and against central differences, for every activation, in Float64.
final class ActivationTests: XCTestCase {
    /// Points away from the kinks at 0, on both sides, including large |z| (saturation).
    let z = Tensor<Double>(shape: [10], scalars: [-6, -2.5, -1.2, -0.7, -0.05, 0.05, 0.4, 1.1, 2.3, 5.5])

    func testValueIsTheActivation() {
        for activation in Activation.allCases {
            // Equal up to rounding (silu's table value is z·σ(z), its kernel z/(1 + e^{−z})).
            for (a, b) in zip(activation.derivatives(z).value.scalars, activation(z).scalars) {
                XCTAssertEqual(a, b, accuracy: 4e-16 * max(1, abs(b)), "\(activation)")
            }
        }
    }

    func testFirstDerivativeIsTheReverseModePullbackAndTheFiniteDifference() throws {
        for activation in Activation.allCases {
            let table = activation.derivatives(z).first?.scalars ?? [Double](repeating: 1, count: z.scalarCount)
            let x = z.requiringGradient()
            let reverse = try gradients(of: activation(x).sum(), withRespectTo: [x])[0].scalars
            let h = 1e-6
            for i in 0..<z.scalarCount {
                XCTAssertEqual(table[i], reverse[i], accuracy: 1e-13 * max(1, abs(reverse[i])), "\(activation) σ' at \(z.scalars[i])")
                let plus = activation(Tensor(shape: [1], scalars: [z.scalars[i] + h])).scalars[0]
                let minus = activation(Tensor(shape: [1], scalars: [z.scalars[i] - h])).scalars[0]
                XCTAssertEqual(table[i], (plus - minus) / (2 * h), accuracy: 1e-8 * max(1, abs(table[i])), "\(activation) σ' vs FD at \(z.scalars[i])")
            }
        }
    }

    func testSecondDerivativeIsReverseOverReverseAndTheFiniteDifference() throws {
        for activation in Activation.allCases {
            let x = z.requiringGradient()
            let first = try gradients(of: activation(x).sum(), withRespectTo: [x], createGraph: true)[0]
            let reverse = try gradients(of: first.sum(), withRespectTo: [x])[0].scalars
            guard activation.isSmooth else {
                // Off the kink, the piecewise activations' σ'' is that of a piece (0, or e^z-like for elu/selu).
                XCTAssertNil(activation.derivatives(z).second, "\(activation)")
                continue
            }
            let table = activation.derivatives(z).second?.scalars ?? [Double](repeating: 0, count: z.scalarCount)
            let h = 1e-4
            for i in 0..<z.scalarCount {
                XCTAssertEqual(table[i], reverse[i], accuracy: 1e-12 * max(1, abs(reverse[i])), "\(activation) σ'' at \(z.scalars[i])")
                let at = { (v: Double) in activation(Tensor(shape: [1], scalars: [v])).scalars[0] }
                let fd = (at(z.scalars[i] + h) - 2 * at(z.scalars[i]) + at(z.scalars[i] - h)) / (h * h)
                XCTAssertEqual(table[i], fd, accuracy: 1e-6 * max(1, abs(table[i])), "\(activation) σ'' vs FD at \(z.scalars[i])")
            }
        }
    }

    func testJetsAcceptExactlyTheSmoothActivations() {
        XCTAssertEqual(Set(Activation.allCases.filter(\.isSmooth)), [.identity, .tanh, .sin, .sigmoid, .softplus, .silu, .gelu, .geluTanh])
    }
}

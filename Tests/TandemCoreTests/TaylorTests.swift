import TandemCore
import TandemTestSupport
import XCTest

final class TaylorTests: XCTestCase {
    /// Two first-order blocks, a pure second-order block of the second, a mixed one of both.
    static let layout = TaylorLayout(rows: 5, first: 2, second: [1], mixed: [[0, 1]])

    func testFusedKernelMatchesComposedOperations() throws {
        for nonlinearity in TaylorNonlinearity.allCases {
            let z = randomTensor([5 * Self.layout.blockCount, 3], seed: 1, lower: -1.5, upper: 1.5).requiringGradient()
            let bias = randomTensor([3], seed: 2).requiringGradient()
            let seed = randomTensor(z.shape, seed: 3)
            let (fused, composed) = try withGradient {
                (z.taylorActivation(bias: bias, nonlinearity, layout: Self.layout),
                 Tensor.composedTaylorActivation(z, bias: bias, nonlinearity, layout: Self.layout))
            }
            XCTAssertEqual(fused.shape, composed.shape)
            for (a, b) in zip(fused.scalars, composed.scalars) { XCTAssertEqual(a, b, accuracy: 1e-14, "\(nonlinearity) forward") }
            // The fused first-order pullback against reverse mode through the composed operations.
            let g1 = try gradients(of: fused, withRespectTo: [z, bias], seed: seed)
            let g2 = try gradients(of: composed, withRespectTo: [z, bias], seed: seed)
            for (a, b) in zip(g1, g2) {
                for (x, y) in zip(a.scalars, b.scalars) { XCTAssertEqual(x, y, accuracy: 1e-13, "\(nonlinearity) pullback") }
            }
        }
    }

    func testDerivativesMatchFiniteDifferences() {
        for nonlinearity in TaylorNonlinearity.allCases {
            let z = randomTensor([5 * Self.layout.blockCount, 3], seed: 4, lower: -1.5, upper: 1.5)
            let bias = randomTensor([3], seed: 5)
            // Second order goes through the recorded path of the pullback.
            assertDerivativesMatchFiniteDifferences("taylor \(nonlinearity)", at: [z, bias]) { p in
                let y = p[0].taylorActivation(bias: p[1], nonlinearity, layout: Self.layout)
                return y * y
            }
        }
    }
}

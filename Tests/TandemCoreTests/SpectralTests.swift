import Foundation
import TandemCore
import TandemTestSupport
import XCTest

/// The truncated 2-D Fourier transforms behind the Fourier neural operator: the modes equal the
/// DFT sum, synthesis inverts them on band-limited planes, both precisions agree, and both
/// operations' derivatives (first and second order) match finite differences.
final class SpectralTests: XCTestCase {
    /// `(H, W, m₁, m₂)`: even and odd sizes.
    let cases = [(8, 10, 2, 3), (7, 9, 3, 4)]

    func testModesAreTheDiscreteFourierTransform() {
        for (h, w, m1, m2) in cases {
            let x = randomTensor([2, 3, h, w], seed: 1)
            let z = x.fourierModes((m1, m2))
            XCTAssertEqual(z.shape, [2, 3, 2 * m1, m2, 2])
            for p in 0..<6 {
                for r in 0..<(2 * m1) {
                    let k = r < m1 ? r : h - 2 * m1 + r
                    for l in 0..<m2 {
                        var (re, im) = (0.0, 0.0)
                        for a in 0..<h {
                            for b in 0..<w {
                                let theta = 2 * Double.pi * (Double(k * a) / Double(h) + Double(l * b) / Double(w))
                                re += x.scalars[p * h * w + a * w + b] * cos(theta)
                                im -= x.scalars[p * h * w + a * w + b] * sin(theta)
                            }
                        }
                        XCTAssertEqual(z.scalars[((p * 2 * m1 + r) * m2 + l) * 2], re, accuracy: 1e-11, "\(h)×\(w) mode (\(k), \(l))")
                        XCTAssertEqual(z.scalars[((p * 2 * m1 + r) * m2 + l) * 2 + 1], im, accuracy: 1e-11, "\(h)×\(w) mode (\(k), \(l))")
                    }
                }
            }
        }
    }

    /// `S(Y)` equals the real part of the sum it is defined by; and `S(A(x))/(HW) = x` for a plane
    /// `x = S(Y)/(HW)` whose modes are all kept — `Y` is zero at the row `−m₁` of column 0, whose
    /// conjugate `+m₁` the modes leave out.
    func testSynthesisInvertsTheModesOfBandLimitedPlanes() {
        for (h, w, m1, m2) in cases {
            var values = randomTensor([3, 2 * m1, m2, 2], seed: 2).scalars
            for p in 0..<3 { (values[((p * 2 * m1 + m1) * m2) * 2], values[((p * 2 * m1 + m1) * m2) * 2 + 1]) = (0, 0) }
            let y = Tensor<Double>(shape: [3, 2 * m1, m2, 2], scalars: values)
            let x = y.fourierSynthesis(height: h, width: w) * (1 / Double(h * w))
            XCTAssertEqual(x.shape, [3, h, w])
            let again = x.fourierModes((m1, m2)).fourierSynthesis(height: h, width: w) * (1 / Double(h * w))
            for (a, b) in zip(x.scalars, again.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
            for p in 0..<3 {
                for (a, b) in [(0, 0), (h - 1, 2), (3, w - 1)] {
                    var sum = 0.0
                    for r in 0..<(2 * m1) {
                        let k = r < m1 ? r : h - 2 * m1 + r
                        for l in 0..<m2 {
                            let theta = 2 * Double.pi * (Double(k * a) / Double(h) + Double(l * b) / Double(w))
                            let (re, im) = (y.scalars[((p * 2 * m1 + r) * m2 + l) * 2], y.scalars[((p * 2 * m1 + r) * m2 + l) * 2 + 1])
                            sum += (l == 0 ? 1 : 2) * (re * cos(theta) - im * sin(theta))
                        }
                    }
                    XCTAssertEqual(x.scalars[p * h * w + a * w + b] * Double(h * w), sum, accuracy: 1e-10)
                }
            }
        }
    }

    func testSinglePrecisionAgreesWithDouble() {
        let x = randomTensor([4, 12, 16], seed: 3)
        let single = Tensor<Float>(shape: x.shape, scalars: x.scalars.map(Float.init))
        let (zd, zf) = (x.fourierModes((4, 5)), single.fourierModes((4, 5)))
        for (a, b) in zip(zd.scalars, zf.scalars) { XCTAssertEqual(Double(b), a, accuracy: 1e-4) }
        let (sd, sf) = (zd.fourierSynthesis(height: 12, width: 16), zf.fourierSynthesis(height: 12, width: 16))
        for (a, b) in zip(sd.scalars, sf.scalars) { XCTAssertEqual(Double(b), a, accuracy: 1e-3 * Swift.max(1, Swift.abs(a))) }
    }

    func testDerivativesMatchFiniteDifferences() {
        for (h, w, m1, m2) in cases {
            let x = randomTensor([2, h, w], seed: 4), y = randomTensor([2, 2 * m1, m2, 2], seed: 5)
            assertDerivativesMatchFiniteDifferences("fourierModes \(h)×\(w)", at: [x]) { tanh($0[0].fourierModes((m1, m2)) * 0.1) }
            assertDerivativesMatchFiniteDifferences("fourierSynthesis \(h)×\(w)", at: [y]) { tanh($0[0].fourierSynthesis(height: h, width: w) * 0.1) }
            // The two in sequence with a product in between (the spectral convolution's shape).
            assertDerivativesMatchFiniteDifferences("modes · weight → synthesis \(h)×\(w)", at: [x, randomTensor([2 * m1, m2, 2], seed: 6)]) {
                sin(($0[0].fourierModes((m1, m2)) * $0[1]).fourierSynthesis(height: h, width: w) * 0.05)
            }
        }
    }
}

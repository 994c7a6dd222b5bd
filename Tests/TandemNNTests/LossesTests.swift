import TandemCore
import TandemNN
import TandemTestSupport
import XCTest

final class LossesTests: XCTestCase {
    var generator = SeededGenerator(seed: 21)

    func testValuesAgainstTheirDefinitions() {
        let p = Tensor<Double>(rows: [[1, 2], [3, 5]]), t = Tensor<Double>(rows: [[1, 0], [0, 1]])
        XCTAssertEqual(Loss.meanSquaredError(p, t).scalar, (0 + 4 + 9 + 16) / 4)
        let mask = Tensor<Double>(rows: [[1, 1], [0, 1]])
        XCTAssertEqual(Loss.meanSquaredError(p, t, mask: mask).scalar, 20.0 / 3, accuracy: 1e-14)
        XCTAssertEqual(Loss.relativeL2(p, t).scalar, (2.0 + 5.0) / 2, accuracy: 1e-12)
        let logits = Tensor<Double>(rows: [[0, 0], [0, Double.log(3)]])
        // Row 0: −log ½; row 1 (label 1): −log ¾.
        XCTAssertEqual(Loss.crossEntropy(logits: logits, labels: [0, 1]).scalar, (Double.log(2) - Double.log(0.75)) / 2, accuracy: 1e-12)
        XCTAssertEqual(Loss.crossEntropy(logits: logits, labels: [0, 1], weights: [1, 3]).scalar,
                       (Double.log(2) - 3 * Double.log(0.75)) / 4, accuracy: 1e-12)
        XCTAssertEqual(Loss.crossEntropy(logits: logits, labels: [0, 1], weights: [1, 1]).scalar,
                       Loss.crossEntropy(logits: logits, labels: [0, 1]).scalar, accuracy: 1e-15)
    }

    func testDerivativesMatchFiniteDifferences() {
        let p = Tensor<Double>.randomUniform(shape: [4, 3], lower: -1, upper: 1, using: &generator)
        let t = Tensor<Double>.randomUniform(shape: [4, 3], lower: 0.5, upper: 1.5, using: &generator)
        let mask = Tensor<Double>(shape: [4, 3], scalars: [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1])
        assertDerivativesMatchFiniteDifferences("meanSquaredError", at: [p]) { Loss.meanSquaredError($0[0], t, mask: mask) }
        assertDerivativesMatchFiniteDifferences("relativeL2", at: [p]) { Loss.relativeL2($0[0], t) }
        assertDerivativesMatchFiniteDifferences("crossEntropy(weights:)", at: [p]) {
            Loss.crossEntropy(logits: $0[0], labels: [2, 0, 1, 2], weights: [0.5, 2, 1])
        }
    }
}

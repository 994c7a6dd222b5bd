import Foundation
import TandemCore
import TandemGeometry
import XCTest

final class SmoothDistanceTests: XCTestCase {
    func value(_ shape: Shape, _ p: [Double]) -> Double {
        shape.smoothDistance(p.map { Tensor<Double>(shape: [1, 1], scalars: [$0]) })!.scalars[0]
    }

    /// The distance from `p` to the nearest corner of the rectangle.
    func nearestCorner(_ p: [Double], _ lower: [Double], _ upper: [Double]) -> Double {
        var best = Double.infinity
        for x in [lower[0], upper[0]] {
            for y in [lower[1], upper[1]] { best = Swift.min(best, ((p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y)).squareRoot()) }
        }
        return best
    }

    /// φ vanishes on the boundary, has the sign of −(signed distance) elsewhere, and |∇φ| = 1 on
    /// smooth parts of the boundary, for primitives, booleans and transforms.
    func testZeroOnTheBoundaryPositiveInsideUnitGradient() throws {
        let lshape = Shape.difference(.rectangle(lower: [-1, -1], upper: [1, 1]), .rectangle(lower: [0, 0], upper: [1, 1]))
        let shapes: [Shape] = [
            .rectangle(lower: [0, 0], upper: [2, 1]), .disk(center: [0.5, 0.5], radius: 0.4), lshape,
            .polygon([[0, 0], [1, 0], [0.5, 0.9]]), .union(.disk(center: [0, 0], radius: 1), .disk(center: [1.2, 0], radius: 0.6)),
            .rotated(.rectangle(lower: [0, 0], upper: [1, 0.5]), angle: 0.3), .scaled(.ellipse(center: [0, 0], semiAxes: [1, 0.5]), by: 2),
        ]
        var generator = SeededGenerator(seed: 5)
        for shape in shapes {
            let box = shape.boundingBox
            for p in try shape.boundaryPoints(count: 40, using: &generator) {
                let scale = zip(box.lower, box.upper).map { $1 - $0 }.max()!
                XCTAssertEqual(value(shape, p), 0, accuracy: 1e-6 * scale, "\(shape) at boundary point \(p)")
                // Unit gradient by central differences, away from corners (where R-functions kink).
                let h = 1e-6 * scale
                let gradient = (0..<2).map { a -> Double in
                    var plus = p, minus = p
                    plus[a] += h
                    minus[a] -= h
                    return (value(shape, plus) - value(shape, minus)) / (2 * h)
                }
                if case let .rectangle(lower, upper) = shape, nearestCorner(p, lower, upper) > 0.05 * scale {
                    XCTAssertEqual(sqrt(gradient[0] * gradient[0] + gradient[1] * gradient[1]), 1, accuracy: 0.05, "\(shape) |∇φ| at \(p)")
                }
            }
            for _ in 0..<200 {
                let p = (0..<2).map { box.lower[$0] - 0.2 + generator.nextUnitDouble() * (box.upper[$0] - box.lower[$0] + 0.4) }
                let d = shape.signedDistance(p)
                guard Swift.abs(d) > 1e-3 else { continue }
                XCTAssertEqual(value(shape, p) > 0, d < 0, "\(shape) sign at \(p)")
            }
        }
        // On a straight edge away from corners, φ is the distance to first order.
        let square = Shape.rectangle(lower: [0, 0], upper: [1, 1])
        XCTAssertEqual(value(square, [0.5, 1e-4]), 1e-4, accuracy: 2e-6)
        XCTAssertEqual(value(.disk(center: [0, 0], radius: 2), [0, 1.999]), 0.001, accuracy: 1e-6)
    }

    func testNonConvexPolygonsHaveNone() {
        let notch = Shape.polygon([[0, 0], [2, 0], [2, 2], [1, 1], [0, 2]])
        XCTAssertFalse(notch.hasSmoothDistance)
        XCTAssertTrue(Shape.polygon([[0, 0], [1, 0], [0, 1]]).hasSmoothDistance)
        XCTAssertFalse(Shape.union(.disk(center: [0, 0], radius: 1), notch).hasSmoothDistance)
    }
}

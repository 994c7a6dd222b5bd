import Foundation
import TandemCore
import TandemGeometry
import XCTest

final class ShapeTests: XCTestCase {
    let unitSquare = Shape.rectangle(lower: [0, 0], upper: [1, 1])

    func testExactSignedDistances() {
        XCTAssertEqual(unitSquare.signedDistance([0.5, 0.5]), -0.5)
        XCTAssertEqual(unitSquare.signedDistance([2, 0.5]), 1)
        XCTAssertEqual(unitSquare.signedDistance([2, 2]), 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(Shape.disk(center: [0, 0], radius: 1).signedDistance([3, 4]), 4)
        XCTAssertEqual(Shape.sphere(center: [0, 0, 0], radius: 2).signedDistance([0, 0, 0]), -2)
        XCTAssertEqual(Shape.interval(lower: -1, upper: 1).signedDistance([0.25]), -0.75)
        let triangle = Shape.polygon([[0, 0], [1, 0], [0, 1]])
        XCTAssertEqual(triangle.signedDistance([0.25, 0.25]), -0.25, accuracy: 1e-15)
        XCTAssertEqual(triangle.signedDistance([1, 1]), 0.5.squareRoot(), accuracy: 1e-15)
        let cylinder = Shape.cylinder(base: [0, 0, 0], radius: 1, height: 2)
        XCTAssertEqual(cylinder.signedDistance([0, 0, 1]), -1)
        XCTAssertEqual(cylinder.signedDistance([0, 0, 3]), 1)
        XCTAssertEqual(cylinder.signedDistance([4, 0, 1]), 3)
        // Transforms keep distances exact.
        XCTAssertEqual(Shape.translated(unitSquare, by: [1, 0]).signedDistance([3, 0.5]), 1)
        XCTAssertEqual(Shape.scaled(unitSquare, by: 2).signedDistance([4, 1]), 2)
        XCTAssertEqual(Shape.rotated(.rectangle(lower: [0, -0.5], upper: [2, 0.5]), angle: .pi / 2).signedDistance([0, 1]), -0.5, accuracy: 1e-12)
    }

    func testBooleansHaveExactSigns() {
        let holed = Shape.difference(unitSquare, .disk(center: [0.5, 0.5], radius: 0.25))
        XCTAssertFalse(holed.contains([0.5, 0.5]))
        XCTAssertTrue(holed.contains([0.1, 0.1]))
        let both = Shape.intersection(unitSquare, .disk(center: [1, 1], radius: 0.5))
        XCTAssertTrue(both.contains([0.9, 0.9]))
        XCTAssertFalse(both.contains([0.1, 0.9]))
        XCTAssertTrue(Shape.union(unitSquare, .disk(center: [2, 0.5], radius: 0.4)).contains([2.2, 0.5]))
    }

    func testMeasuresAgreeWithClosedForms() {
        XCTAssertEqual(Shape.disk(center: [0, 0], radius: 1).measure(), .pi, accuracy: .pi * 2e-3)
        let lShape = Shape.difference(.rectangle(lower: [-1, -1], upper: [1, 1]), .rectangle(lower: [0, 0], upper: [1, 1]))
        XCTAssertEqual(lShape.measure(), 3, accuracy: 3e-3)
        let equilateral = Shape.polygon([[0, 0], [1, 0], [0.5, 3.0.squareRoot() / 2]])
        XCTAssertEqual(equilateral.measure(), 3.0.squareRoot() / 4, accuracy: 1e-3)
        XCTAssertEqual(Shape.sphere(center: [0, 0, 0], radius: 1).measure(), 4 * .pi / 3, accuracy: 1e-2)
        XCTAssertEqual(Shape.cylinder(base: [0, 0, 0], radius: 1, height: 2).measure(), 2 * .pi, accuracy: 2e-2)
        XCTAssertEqual(Shape.ellipse(center: [0, 0], semiAxes: [2, 1]).measure(), 2 * .pi, accuracy: 1e-2)
        // Primitives and their transforms are exact; Boolean combinations are estimated.
        XCTAssertEqual(Shape.scaled(.rotated(.translated(.ellipse(center: [0, 0], semiAxes: [2, 1]), by: [3, 1]), angle: 0.4), by: 1.5).measure(),
                       2 * .pi * 1.5 * 1.5, accuracy: 1e-12)
        XCTAssertEqual(Shape.box(lower: [0, 0, 0], upper: [1, 2, 3]).measure(), 6)
        XCTAssertEqual(Shape.polygon([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]).measure(), 3, accuracy: 1e-15)
    }

    /// A polygon of many vertices is measured and rasterised in time linear in its vertices (a
    /// 10,000-vertex polygon took 38 s in `tandem check`: 200,000 Monte Carlo points × every edge).
    func testLargePolygonsAreFast() throws {
        let n = 20_000
        let vertices = (0..<n).map { k -> [Double] in
            let a = 2 * Double.pi * Double(k) / Double(n)
            return [0.5 + 0.4 * cos(a), 0.5 + 0.4 * sin(a)]
        }
        let polygon = Shape.polygon(vertices)
        let start = Date()
        XCTAssertEqual(polygon.measure(), .pi * 0.16, accuracy: 1e-6)
        let grid = try CartesianGrid(pointsPerAxis: [33, 33], lower: [0, 0], upper: [1, 1])
        let inside = polygon.mask(on: grid).filter { $0 }.count
        XCTAssertEqual(inside, Shape.disk(center: [0.5, 0.5], radius: 0.4).mask(on: grid).filter { $0 }.count)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    func testMaskOnGrid() throws {
        let grid = try CartesianGrid(pointsPerAxis: [11, 11], lower: [-1, -1], upper: [1, 1])
        let mask = Shape.disk(center: [0, 0], radius: 0.5).mask(on: grid)
        XCTAssertEqual(mask.count, 121)
        XCTAssertTrue(mask[60])  // the centre
        XCTAssertFalse(mask[0])  // a corner
        XCTAssertEqual(mask.filter { $0 }.count, 21)  // points with x² + y² ≤ 0.25 on a 0.2 spacing
    }

    func testSamplersPutPointsInsideAndAreSeeded() throws {
        let shape = Shape.difference(unitSquare, .disk(center: [0.5, 0.5], radius: 0.3))
        for sampling in Shape.Sampling.allCases {
            var g1 = SeededGenerator(seed: 4), g2 = SeededGenerator(seed: 4)
            let a = try shape.interiorPoints(count: 500, sampling: sampling, using: &g1)
            let b = try shape.interiorPoints(count: 500, sampling: sampling, using: &g2)
            XCTAssertEqual(a.count, 500)
            XCTAssertEqual(a, b, "\(sampling) is not reproducible")
            XCTAssertTrue(a.allSatisfy { shape.contains($0) })
            // Spread: the mean of x over the (symmetric) shape is near 0.5.
            XCTAssertEqual(a.map { $0[0] }.reduce(0, +) / 500, 0.5, accuracy: 0.05, "\(sampling)")
        }
        var g = SeededGenerator(seed: 5)
        let boundary = try shape.boundaryPoints(count: 200, using: &g)
        XCTAssertTrue(boundary.allSatisfy { abs(shape.signedDistance($0)) < 1e-8 })
        let onHole = boundary.filter { abs(hypot($0[0] - 0.5, $0[1] - 0.5) - 0.3) < 1e-8 }.count
        XCTAssertGreaterThan(onHole, 20)
        XCTAssertGreaterThan(boundary.count - onHole, 50)
    }

    func testValidationNamesTheProblem() {
        XCTAssertThrowsError(try Shape.disk(center: [0, 0], radius: -1).validate()) { XCTAssertEqual("\($0)", "invalid shape: radius must be positive, got -1.0") }
        XCTAssertThrowsError(try Shape.polygon([[0, 0], [1, 1]]).validate()) { XCTAssertTrue("\($0)".contains("at least 3 vertices")) }
        XCTAssertThrowsError(try Shape.union(unitSquare, .sphere(center: [0, 0, 0], radius: 1)).validate()) {
            XCTAssertTrue("\($0)".contains("cannot combine a 2-D and a 3-D shape"))
        }
        XCTAssertThrowsError(try Shape.rectangle(lower: [1, 0], upper: [0, 1]).validate())
    }

    /// Scrambled Sobol points are a (0, m, 2)-net in 2-D: 256 points on the unit square put
    /// exactly one point in every dyadic box of area 1/256 (all 9 shapes 2^a × 2^(8−a)); in 3-D
    /// each coordinate alone is stratified into 256 slabs and every dyadic box of volume 1/128 holds
    /// two points (t = 1); different seeds shift differently.
    func testSobolPointsAreNets() throws {
        var g = SeededGenerator(seed: 9)
        let square = try unitSquare.interiorPoints(count: 256, sampling: .sobol, using: &g)
        for a in 0...8 {
            var seen = Set<Int>()
            for p in square { seen.insert(Int(p[0] * Double(1 << a)) * (1 << (8 - a)) + Int(p[1] * Double(1 << (8 - a)))) }
            XCTAssertEqual(seen.count, 256, "boxes 2^\(a) × 2^\(8 - a)")
        }
        let cube = try Shape.box(lower: [0, 0, 0], upper: [1, 1, 1]).interiorPoints(count: 256, sampling: .sobol, using: &g)
        for axis in 0..<3 { XCTAssertEqual(Set(cube.map { Int($0[axis] * 256) }).count, 256, "axis \(axis)") }
        // The first three Sobol dimensions have t = 1: every dyadic box of volume 2^-7 holds exactly 2 points.
        for a in 0...7 {
            for b in 0...(7 - a) {
                let c = 7 - a - b
                var counts: [Int: Int] = [:]
                for p in cube { counts[(Int(p[0] * Double(1 << a)) << 14) | (Int(p[1] * Double(1 << b)) << 7) | Int(p[2] * Double(1 << c)), default: 0] += 1 }
                XCTAssertTrue(counts.count == 128 && counts.values.allSatisfy { $0 == 2 }, "boxes 2^\(a) × 2^\(b) × 2^\(c)")
            }
        }
        var other = SeededGenerator(seed: 10)
        XCTAssertNotEqual(try unitSquare.interiorPoints(count: 4, sampling: .sobol, using: &other), Array(square.prefix(4)))
    }
}

/// Boolean combinations rasterise like the polygons they describe: no point where a cut-out's
/// edge meets the outer boundary counts as inside, and no seam of a union counts as boundary.
final class BooleanMaskTests: XCTestCase {
    let grid = try! CartesianGrid(pointsPerAxis: [33, 33], lower: [-1, -1], upper: [1, 1])
    let square = Shape.rectangle(lower: [-1, -1], upper: [1, 1])

    func testSubtractMatchesTheEquivalentPolygon() {
        let l = Shape.difference(square, .rectangle(lower: [0, 0], upper: [1, 1]))
        let lPolygon = Shape.polygon([[-1, -1], [1, -1], [1, 0], [0, 0], [0, 1], [-1, 1]])
        XCTAssertEqual(l.mask(on: grid), lPolygon.mask(on: grid))
        XCTAssertEqual(l.mask(on: grid).filter { $0 }.count, 33 * 33 - 16 * 16)
        var cross = square
        for corner in [[-1.0, -1.0], [0.5, -1], [0.5, 0.5], [-1, 0.5]] {
            cross = .difference(cross, .rectangle(lower: corner, upper: corner.map { $0 + 0.5 }))
        }
        let crossPolygon = Shape.polygon([[-0.5, -1], [0.5, -1], [0.5, -0.5], [1, -0.5], [1, 0.5], [0.5, 0.5],
                                          [0.5, 1], [-0.5, 1], [-0.5, 0.5], [-1, 0.5], [-1, -0.5], [-0.5, -0.5]])
        XCTAssertEqual(cross.mask(on: grid), crossPolygon.mask(on: grid))
    }

    /// Signs agree with the polygon everywhere: inside, on the boundary (zero) and outside.
    func testSubtractLevelSetHasThePolygonsSigns() {
        let l = Shape.difference(square, .rectangle(lower: [0, 0], upper: [1, 1])).levelSet(on: grid)
        let polygon = Shape.polygon([[-1, -1], [1, -1], [1, 0], [0, 0], [0, 1], [-1, 1]]).levelSet(on: grid)
        func sign(_ v: Double) -> Int { abs(v) <= 1e-12 ? 0 : (v < 0 ? -1 : 1) }
        XCTAssertEqual(l.map(sign), polygon.map(sign))
    }

    func testUnionSeamIsInterior() {
        let halves = Shape.union(.rectangle(lower: [-1, -1], upper: [0, 1]), .rectangle(lower: [0, -1], upper: [1, 1]))
        let phi = halves.levelSet(on: grid), whole = square.levelSet(on: grid)
        XCTAssertEqual(halves.mask(on: grid), square.mask(on: grid))
        for p in 0..<grid.pointCount where abs(whole[p]) > 1e-9 { XCTAssertEqual(phi[p] < 0, whole[p] < 0, "at \(grid.point(p))") }
        let seam = 16 * 33 + 16  // (0, 0), on the seam, inside the square
        XCTAssertLessThan(phi[seam], -1e-3)
    }
}

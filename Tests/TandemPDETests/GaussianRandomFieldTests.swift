import Foundation
import TandemCore
import TandemGeometry
import TandemPDE
import XCTest

final class GaussianRandomFieldTests: XCTestCase {
    /// With every term kept, the sample covariance approaches the prescribed covariance.
    func testSampleCovarianceMatchesTheModel() throws {
        let grid = try CartesianGrid(pointsPerAxis: [9, 9], lower: [0, 0], upper: [1, 1])
        for kind in GaussianRandomField.Covariance.allCases {
            let field = try GaussianRandomField(grid: grid, covariance: kind, lengthScale: 0.4, variance: 2, terms: 81)
            XCTAssertEqual(field.capturedVariance, 1, accuracy: 1e-9)
            var g = SeededGenerator(seed: 1)
            let samples = (0..<20_000).map { _ in field.sample(using: &g) }
            let (i, j) = (40, 42)  // the centre and a point two cells (0.25) away
            let r = 0.25
            let cij = samples.reduce(0) { $0 + $1[i] * $1[j] } / Double(samples.count)
            let cii = samples.reduce(0) { $0 + $1[i] * $1[i] } / Double(samples.count)
            XCTAssertEqual(cii, 2, accuracy: 0.08, "\(kind) variance")
            XCTAssertEqual(cij, kind(r, length: 0.4, variance: 2), accuracy: 0.08, "\(kind) covariance at r = 0.25")
        }
    }

    func testTruncationAndCoarseGridPath() throws {
        let grid = try CartesianGrid(pointsPerAxis: [100, 100], lower: [0, 0], upper: [1, 1])
        let field = try GaussianRandomField(grid: grid, covariance: .spherical, lengthScale: 0.25, variance: 1, terms: 100)
        XCTAssertEqual(field.terms, 100)
        XCTAssertTrue(zip(field.eigenvalues, field.eigenvalues.dropFirst()).allSatisfy { $0 >= $1 })
        XCTAssertGreaterThan(field.capturedVariance, 0.8)
        XCTAssertLessThan(field.capturedVariance, 1)
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3)
        let a = field.sample(using: &g1), b = field.sample(using: &g2)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 10_000)
        XCTAssertTrue(a.allSatisfy(\.isFinite))
        XCTAssertThrowsError(try GaussianRandomField(grid: grid, covariance: .spherical, lengthScale: 0, variance: 1, terms: 10))
    }
}

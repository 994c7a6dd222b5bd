import Foundation
import TandemSparse
import XCTest

/// The 5-point Laplacian `−Δ` on an n × n interior grid with Dirichlet boundaries (SPD).
func laplacian2D(_ n: Int, shift: Double = 0, name: String = "Laplacian") throws -> SparseMatrix {
    var triplets: [(row: Int, column: Int, value: Double)] = []
    for j in 0..<n {
        for i in 0..<n {
            let k = j * n + i
            triplets.append((k, k, 4 + shift))
            if i > 0 { triplets.append((k, k - 1, -1)) }
            if i < n - 1 { triplets.append((k, k + 1, -1)) }
            if j > 0 { triplets.append((k, k - n, -1)) }
            if j < n - 1 { triplets.append((k, k + n, -1)) }
        }
    }
    return try SparseMatrix(rows: n * n, columns: n * n, triplets: triplets, name: name)
}

final class SparseSolverTests: XCTestCase {
    func testTripletsAreSortedAndDuplicatesSummed() throws {
        let m = try SparseMatrix(rows: 2, columns: 2, triplets: [(1, 0, 2), (0, 0, 1), (1, 0, 3), (0, 1, 4)])
        XCTAssertEqual(m.columnPointers, [0, 2, 3])
        XCTAssertEqual(m.rowIndices, [0, 1, 0])
        XCTAssertEqual(m.values, [1, 5, 4])
        XCTAssertEqual(m.multiply([1, 1]), [5, 5])
        XCTAssertEqual(m.multiplyTransposed([1, 1]), [6, 4])
        XCTAssertThrowsError(try SparseMatrix(rows: 2, columns: 2, triplets: [(2, 0, 1)], name: "K")) {
            XCTAssertEqual("\($0)", "K: invalid matrix: entry (2, 0) outside 2×2")
        }
        XCTAssertThrowsError(try SparseMatrix(rows: 2, columns: 2, triplets: [(0, 0, .nan)], name: "K"))
    }

    func testCholeskyAndLUSolveToTinyResiduals() throws {
        let a = try laplacian2D(60)
        let b = (0..<a.rows).map { sin(Double($0) * 0.01) + 1 }
        let pattern = try CholeskyPattern(analyzing: a)
        let x = try pattern.factorize(a).solve(b)
        XCTAssertLessThanOrEqual(relativeResidual(a, solution: x, rightHandSide: b), 1e-10)
        let lu = try LUPattern(analyzing: a).factorize(a).solve(b)
        XCTAssertLessThanOrEqual(relativeResidual(a, solution: lu, rightHandSide: b), 1e-10)
        for (p, q) in zip(x, lu) { XCTAssertEqual(p, q, accuracy: 1e-9 * max(1, abs(p))) }
    }

    func testOneAnalysisServesManyFactorisationsConcurrently() throws {
        let a = try laplacian2D(30)
        let pattern = try CholeskyPattern(analyzing: a)
        final class Results: @unchecked Sendable {
            var values = [Double](repeating: .infinity, count: 8)
            let lock = NSLock()
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { sample in
            let shifted = a.withValues(a.values.enumerated().map { k, v in
                a.rowIndices[k] == a.columnIndex(ofEntry: k) ? v + Double(sample) : v
            })
            let b = [Double](repeating: 1, count: a.rows)
            let x = (try? pattern.factorize(shifted).solve(b)) ?? []
            let residual = x.isEmpty ? .infinity : relativeResidual(shifted, solution: x, rightHandSide: b)
            results.lock.withLock { results.values[sample] = residual }
        }
        for r in results.values { XCTAssertLessThanOrEqual(r, 1e-10) }
    }

    func testFailuresAreTypedAndNameTheMatrix() throws {
        // Indefinite: a large negative shift makes the first pivot negative.
        let indefinite = try laplacian2D(10, shift: -10, name: "shifted operator")
        XCTAssertThrowsError(try CholeskyPattern(analyzing: indefinite).factorize(indefinite)) { error in
            guard case SparseSolverError.notPositiveDefinite(let matrix, let column) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(matrix, "shifted operator")
            XCTAssertGreaterThanOrEqual(column, 0)
            XCTAssertTrue("\(error)".contains("not positive definite at column"), "\(error)")
        }
        // Unsymmetric values are refused, not silently symmetrised.
        let unsymmetric = try SparseMatrix(rows: 2, columns: 2, triplets: [(0, 0, 2), (0, 1, 1), (1, 0, 0.5), (1, 1, 2)], name: "advection")
        XCTAssertThrowsError(try CholeskyPattern(analyzing: unsymmetric).factorize(unsymmetric)) {
            XCTAssertTrue("\($0)".contains("advection: invalid matrix: values are not symmetric"), "\($0)")
        }
        // Singular for UMFPACK.
        let singular = try SparseMatrix(rows: 2, columns: 2, triplets: [(0, 0, 1), (0, 1, 2), (1, 0, 2), (1, 1, 4)], name: "Jacobian")
        XCTAssertThrowsError(try LUPattern(analyzing: singular).factorize(singular)) { error in
            guard case SparseSolverError.singular(matrix: "Jacobian", _) = error else { return XCTFail("\(error)") }
        }
        // A right-hand side of the wrong length, and a matrix with another pattern.
        let a = try laplacian2D(4)
        let factor = try CholeskyPattern(analyzing: a).factorize(a)
        XCTAssertThrowsError(try factor.solve([1, 2])) { XCTAssertEqual("\($0)", "Laplacian: right-hand side has length 2, expected 16") }
        XCTAssertThrowsError(try CholeskyPattern(analyzing: a).factorize(try laplacian2D(5))) {
            XCTAssertTrue("\($0)".contains("pattern differs"), "\($0)")
        }
        XCTAssertThrowsError(try CholeskyPattern(analyzing: try SparseMatrix(rows: 2, columns: 3, triplets: [])))
    }
}

extension SparseMatrix {
    /// The column of stored entry `k`.
    func columnIndex(ofEntry k: Int) -> Int {
        var j = 0
        while columnPointers[j + 1] <= k { j += 1 }
        return j
    }
}

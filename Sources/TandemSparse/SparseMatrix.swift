/// A real sparse matrix in compressed sparse column (CSC) form, the layout SuiteSparse uses.
///
/// Column `j`'s entries are `values[columnPointers[j] ..< columnPointers[j + 1]]` in rows
/// `rowIndices[…]`, sorted by row, without duplicates.
public struct SparseMatrix: Sendable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// `columns + 1` offsets into `rowIndices` and `values`.
    public let columnPointers: [Int]
    /// The row of each stored entry, sorted within each column.
    public let rowIndices: [Int]
    /// The value of each stored entry.
    public var values: [Double]
    /// A name for error messages (`"Darcy operator, 100×100 grid"`).
    public var name: String

    /// The number of stored entries.
    public var nonzeroCount: Int { values.count }

    /// Builds a matrix from `(row, column, value)` triplets; duplicates are summed (as in
    /// finite-element and finite-volume assembly).
    /// - Throws: ``SparseSolverError/invalidMatrix(matrix:reason:)`` for an index out of range
    ///   or a non-finite value.
    public init(rows: Int, columns: Int, triplets: [(row: Int, column: Int, value: Double)], name: String = "matrix") throws {
        guard rows >= 0, columns >= 0 else { throw SparseSolverError.invalidMatrix(matrix: name, reason: "negative size \(rows)×\(columns)") }
        var counts = [Int](repeating: 0, count: columns + 1)
        for t in triplets {
            guard t.row >= 0, t.row < rows, t.column >= 0, t.column < columns else {
                throw SparseSolverError.invalidMatrix(matrix: name, reason: "entry (\(t.row), \(t.column)) outside \(rows)×\(columns)")
            }
            guard t.value.isFinite else {
                throw SparseSolverError.invalidMatrix(matrix: name, reason: "entry (\(t.row), \(t.column)) is \(t.value)")
            }
            counts[t.column + 1] += 1
        }
        for j in 0..<columns { counts[j + 1] += counts[j] }
        var next = counts
        var unsortedRows = [Int](repeating: 0, count: triplets.count)
        var unsortedValues = [Double](repeating: 0, count: triplets.count)
        for t in triplets {
            unsortedRows[next[t.column]] = t.row
            unsortedValues[next[t.column]] = t.value
            next[t.column] += 1
        }
        // Sort each column by row and merge duplicates.
        var pointers = [0]
        var rowIndices: [Int] = []
        var values: [Double] = []
        rowIndices.reserveCapacity(triplets.count)
        values.reserveCapacity(triplets.count)
        for j in 0..<columns {
            let range = counts[j]..<counts[j + 1]
            let order = range.sorted { unsortedRows[$0] < unsortedRows[$1] }
            for k in order {
                if let last = rowIndices.last, rowIndices.count > pointers[j], last == unsortedRows[k] {
                    values[values.count - 1] += unsortedValues[k]
                } else {
                    rowIndices.append(unsortedRows[k])
                    values.append(unsortedValues[k])
                }
            }
            pointers.append(rowIndices.count)
        }
        self.init(rows: rows, columns: columns, columnPointers: pointers, rowIndices: rowIndices, values: values, name: name)
    }

    /// A matrix from CSC arrays, taken as given (sorted rows, no duplicates).
    public init(rows: Int, columns: Int, columnPointers: [Int], rowIndices: [Int], values: [Double], name: String = "matrix") {
        precondition(columnPointers.count == columns + 1 && rowIndices.count == values.count && columnPointers.last == values.count,
                     "SparseMatrix: inconsistent CSC arrays")
        self.rows = rows
        self.columns = columns
        self.columnPointers = columnPointers
        self.rowIndices = rowIndices
        self.values = values
        self.name = name
    }

    /// The same sparsity pattern with new values (one per stored entry, in storage order).
    public func withValues(_ newValues: [Double]) -> SparseMatrix {
        precondition(newValues.count == values.count, "withValues: \(newValues.count) values for \(values.count) entries")
        var copy = self
        copy.values = newValues
        return copy
    }

    /// `A·x`.
    public func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == columns, "multiply: vector of length \(x.count) for a matrix with \(columns) columns")
        var y = [Double](repeating: 0, count: rows)
        for j in 0..<columns {
            let xj = x[j]
            if xj == 0 { continue }
            for k in columnPointers[j]..<columnPointers[j + 1] { y[rowIndices[k]] += values[k] * xj }
        }
        return y
    }

    /// `Aᵀ·x`.
    public func multiplyTransposed(_ x: [Double]) -> [Double] {
        precondition(x.count == rows, "multiplyTransposed: vector of length \(x.count) for a matrix with \(rows) rows")
        var y = [Double](repeating: 0, count: columns)
        for j in 0..<columns {
            var total = 0.0
            for k in columnPointers[j]..<columnPointers[j + 1] { total += values[k] * x[rowIndices[k]] }
            y[j] = total
        }
        return y
    }

    /// For each stored entry `(i, j)`, the storage index of entry `(j, i)`, or `nil` when the
    /// pattern is not symmetric.
    ///
    /// One pass in column order: entries `(i, j)` with `j` increasing meet column `i`'s entries
    /// in increasing row order (rows are sorted), so a cursor per column finds each transpose.
    public func transposeIndex() -> [Int]? {
        guard rows == columns else { return nil }
        var cursor = Array(columnPointers.dropLast())
        var result = [Int](repeating: 0, count: values.count)
        for j in 0..<columns {
            for k in columnPointers[j]..<columnPointers[j + 1] {
                let i = rowIndices[k]
                let t = cursor[i]
                guard t < columnPointers[i + 1], rowIndices[t] == j else { return nil }
                result[k] = t
                cursor[i] = t + 1
            }
        }
        return result
    }
}

/// The relative residual `‖b − Ax‖₂ / ‖b‖₂` (or `‖Ax‖₂` when `b = 0`) of a solution.
public func relativeResidual(_ a: SparseMatrix, solution x: [Double], rightHandSide b: [Double]) -> Double {
    let ax = a.multiply(x)
    var r = 0.0, nb = 0.0
    for i in b.indices {
        r += (b[i] - ax[i]) * (b[i] - ax[i])
        nb += b[i] * b[i]
    }
    return nb > 0 ? (r / nb).squareRoot() : r.squareRoot()
}

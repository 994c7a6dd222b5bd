/// Shape arithmetic shared by the tensor operations.
enum Shape {
    /// Row-major strides of a contiguous array with this shape.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The NumPy broadcast of two shapes, or `nil` when they are incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else {
                return nil
            }
        }
        return result
    }

    /// Strides for reading `shape` as if broadcast to `target` (0 along stretched axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        return (0..<target.count).map { axis in
            axis < offset || shape[axis - offset] == 1 ? 0 : own[axis - offset]
        }
    }

    /// Normalises a possibly negative axis, stopping with a message when out of range.
    static func axis(_ axis: Int, rank: Int, operation: String) -> Int {
        let normalised = axis < 0 ? axis + rank : axis
        guard normalised >= 0, normalised < max(rank, 1) else {
            shapeFailure(.invalidAxis(operation: operation, axis: axis, rank: rank))
        }
        return normalised
    }
}

/// Visits every position of `shape` in row-major order, calling `body(innerCount, offsets)`
/// once per innermost row with the offsets of each operand at the row's start.
///
/// `operandStrides[k]` gives operand `k`'s stride along each axis of `shape` (0 to broadcast).
@inline(__always)
func forEachRow(shape: [Int], operandStrides: [[Int]], _ body: (_ rowStart: Int, _ offsets: [Int]) -> Void) {
    let rank = shape.count
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    guard rank > 0 else {
        body(0, operandStrides.map { _ in 0 })
        return
    }
    let inner = shape[rank - 1]
    let outer = count / inner
    var index = [Int](repeating: 0, count: rank)
    var offsets = [Int](repeating: 0, count: operandStrides.count)
    for row in 0..<outer {
        body(row * inner, offsets)
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            for k in 0..<offsets.count { offsets[k] += operandStrides[k][axis] }
            if index[axis] < shape[axis] { break }
            for k in 0..<offsets.count { offsets[k] -= operandStrides[k][axis] * shape[axis] }
            index[axis] = 0
            axis -= 1
        }
    }
}

extension Array {
    /// An array of `count` elements written by `initializer`, without zero-filling first.
    @inline(__always)
    static func uninitialized(count: Int, _ initializer: (UnsafeMutableBufferPointer<Element>) -> Void) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            initializer(buffer)
            initialized = count
        }
    }
}

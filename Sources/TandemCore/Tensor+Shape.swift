extension Tensor {
    /// The same scalars viewed with a new shape; one axis may be `-1` to be inferred.
    /// Pullback: `ḡ` reshaped back.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshaped(to newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            guard known > 0, scalarCount % known == 0 else {
                shapeFailure(.shapeMismatch(operation: "reshaped(to: \(newShape))", expected: "\(scalarCount) scalars to divide evenly", got: shape))
            }
            target[inferred] = scalarCount / known
        }
        guard target.reduce(1, *) == scalarCount, target.allSatisfy({ $0 >= 0 }) else {
            shapeFailure(.shapeMismatch(operation: "reshaped(to: \(newShape))", expected: "a shape holding \(scalarCount) scalars", got: shape))
        }
        if target == shape { return self }
        let source = shape
        return .recorded("reshape", shape: target, scalars: scalars, inputs: [self]) { g, _, _ in [g.reshaped(to: source)] }
    }

    /// The axes reordered: output axis `i` is input axis `axes[i]`. Pullback: the inverse permutation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func permuted(_ axes: [Int]) -> Tensor {
        guard axes.count == rank, Set(axes) == Set(0..<rank) else {
            shapeFailure(.shapeMismatch(operation: "permuted(\(axes))", expected: "a permutation of 0..<\(rank)", got: shape))
        }
        if axes == Array(0..<rank) { return self }
        let newShape = axes.map { shape[$0] }
        let sourceStrides = Shape.strides(shape)
        let strides = axes.map { sourceStrides[$0] }
        let inner = newShape.last ?? 1
        let step = strides.last ?? 0
        let out = scalars.withUnsafeBufferPointer { px in
            [Scalar].uninitialized(count: scalarCount) { po in
                forEachRow(shape: newShape, operandStrides: [strides]) { start, offsets in
                    for j in 0..<inner { po[start + j] = px[offsets[0] + j * step] }
                }
            }
        }
        var inverseAxes = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverseAxes[a] = i }
        let inverse = inverseAxes
        return .recorded("permute", shape: newShape, scalars: out, inputs: [self]) { g, _, _ in [g.permuted(inverse)] }
    }

    /// The transpose of a matrix, or the last two axes swapped for higher ranks.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed() -> Tensor {
        guard rank >= 2 else { return self }
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    /// A length-1 axis inserted at `axis`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func expandingShape(at axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "expandingShape: axis \(axis) out of range for rank \(rank)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(to: s)
    }

    /// Length-1 axes removed (all of them, or only those listed).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squeezingShape(at axes: [Int]? = nil) -> Tensor {
        let drop = Set((axes ?? shape.indices.filter { shape[$0] == 1 }).map { Shape.axis($0, rank: rank, operation: "squeezingShape") })
        for a in drop where shape[a] != 1 {
            shapeFailure(.shapeMismatch(operation: "squeezingShape(at: \(a))", expected: "length 1 along axis \(a)", got: shape))
        }
        return reshaped(to: shape.enumerated().filter { !drop.contains($0.offset) }.map(\.element))
    }

    /// The block `ranges[i]` along each axis `i` (missing trailing ranges take the whole axis).
    /// Pullback: `ḡ` placed back into zeros of the input's shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func slice(_ ranges: [Range<Int>]) -> Tensor {
        guard ranges.count <= rank else {
            shapeFailure(.shapeMismatch(operation: "slice", expected: "at most \(rank) ranges", got: shape))
        }
        let full = (0..<rank).map { $0 < ranges.count ? ranges[$0] : 0..<shape[$0] }
        for (axis, r) in full.enumerated() where r.lowerBound < 0 || r.upperBound > shape[axis] {
            shapeFailure(.indexOutOfRange(operation: "slice along axis \(axis)", index: r.upperBound > shape[axis] ? r.upperBound - 1 : r.lowerBound, bound: shape[axis]))
        }
        let sourceShape = shape
        let out = Kernels.copyBlock(from: scalars, shape: shape, ranges: full)
        return .recorded("slice", shape: full.map(\.count), scalars: out, inputs: [self]) { g, _, _ in
            [g.placed(into: sourceShape, at: full.map(\.lowerBound))]
        }
    }

    /// Slices `range` along one axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let a = Shape.axis(axis, rank: rank, operation: "slice")
        return slice((0..<rank).map { $0 == a ? range : 0..<shape[$0] })
    }

    /// This tensor written into zeros of `shape` starting at `origin`; the adjoint of slicing.
    /// Pullback: the matching slice of `ḡ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func placed(into shape: [Int], at origin: [Int]) -> Tensor {
        let ranges = Swift.zip(origin, self.shape).map { $0..<($0 + $1) }
        var out = [Scalar](repeating: 0, count: shape.reduce(1, *))
        Kernels.writeBlock(scalars, into: &out, shape: shape, ranges: ranges)
        return .recorded("place", shape: shape, scalars: out, inputs: [self]) { g, _, _ in [g.slice(ranges)] }
    }
}

/// Joins tensors along an existing axis; all other axes must agree.
/// Pullback: the matching slice of `ḡ` for each input.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func concatenate<S>(_ tensors: [Tensor<S>], alongAxis axis: Int = 0) -> Tensor<S> {
    guard let first = tensors.first else { shapeFailure(.shapeMismatch(operation: "concatenate", expected: "at least one tensor", got: [])) }
    let a = Shape.axis(axis, rank: first.rank, operation: "concatenate")
    for t in tensors where t.rank != first.rank || (0..<first.rank).contains(where: { $0 != a && t.shape[$0] != first.shape[$0] }) {
        shapeFailure(.shapeMismatch(operation: "concatenate along axis \(a)", expected: "shapes matching \(first.shape) off that axis", got: t.shape))
    }
    var shape = first.shape
    shape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    let outer = first.shape[..<a].reduce(1, *)
    let inner = first.shape[(a + 1)...].reduce(1, *)
    var out = [S]()
    out.reserveCapacity(shape.reduce(1, *))
    for o in 0..<outer {
        for t in tensors {
            let block = t.shape[a] * inner
            out.append(contentsOf: t.scalars[(o * block)..<((o + 1) * block)])
        }
    }
    let lengths = tensors.map { $0.shape[a] }
    return .recorded("concatenate", shape: shape, scalars: out, inputs: tensors) { g, _, needed in
        var start = 0
        return lengths.enumerated().map { i, length in
            defer { start += length }
            return needed[i] ? g.slice(alongAxis: a, start..<(start + length)) : nil
        }
    }
}

/// Stacks equally shaped tensors along a new axis.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func stack<S>(_ tensors: [Tensor<S>], alongAxis axis: Int = 0) -> Tensor<S> {
    concatenate(tensors.map { $0.expandingShape(at: axis) }, alongAxis: axis)
}

extension Kernels {
    /// The block `ranges` of a row-major array of `shape`.
    static func copyBlock<S>(from source: [S], shape: [Int], ranges: [Range<Int>]) -> [S] {
        let outShape = ranges.map(\.count)
        let strides = Shape.strides(shape)
        let base = Swift.zip(ranges, strides).reduce(0) { $0 + $1.0.lowerBound * $1.1 }
        let inner = outShape.last ?? 1
        return source.withUnsafeBufferPointer { ps in
            [S].uninitialized(count: outShape.reduce(1, *)) { po in
                forEachRow(shape: outShape, operandStrides: [strides]) { start, offsets in
                    let o = base + offsets[0]
                    for j in 0..<inner { po[start + j] = ps[o + j] }
                }
            }
        }
    }

    /// Writes `block` into the region `ranges` of a row-major array of `shape`.
    static func writeBlock<S>(_ block: [S], into target: inout [S], shape: [Int], ranges: [Range<Int>]) {
        let blockShape = ranges.map(\.count)
        let strides = Shape.strides(shape)
        let base = Swift.zip(ranges, strides).reduce(0) { $0 + $1.0.lowerBound * $1.1 }
        let inner = blockShape.last ?? 1
        block.withUnsafeBufferPointer { pb in
            target.withUnsafeMutableBufferPointer { pt in
                forEachRow(shape: blockShape, operandStrides: [strides]) { start, offsets in
                    let o = base + offsets[0]
                    for j in 0..<inner { pt[o + j] = pb[start + j] }
                }
            }
        }
    }
}

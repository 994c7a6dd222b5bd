extension Tensor {
    /// Picks `indices` along `axis`: `out[…, i, …] = x[…, indices[i], …]`.
    /// Graph networks use it to read node features onto edges.
    /// Pullback: ``scatterAdding(_:alongAxis:count:)`` of `ḡ` back onto the input's positions.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gathering(_ indices: [Int], alongAxis axis: Int = 0) -> Tensor {
        let a = Shape.axis(axis, rank: rank, operation: "gathering")
        let length = shape[a]
        if let bad = indices.first(where: { $0 < 0 || $0 >= length }) {
            shapeFailure(.indexOutOfRange(operation: "gathering along axis \(a)", index: bad, bound: length))
        }
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = indices.count
        let out = scalars.withUnsafeBufferPointer { px in
            [Scalar].uninitialized(count: outer * indices.count * inner) { po in
                var k = 0
                for o in 0..<outer {
                    for index in indices {
                        let base = (o * length + index) * inner
                        for j in 0..<inner { po[k + j] = px[base + j] }
                        k += inner
                    }
                }
            }
        }
        return .recorded("gather", shape: outShape, scalars: out, inputs: [self]) { g, _, _ in
            [g.scatterAdding(indices, alongAxis: a, count: length)]
        }
    }

    /// Sums slices into `count` bins along `axis`: `out[…, indices[i], …] += x[…, i, …]`.
    /// Graph networks use it to aggregate edge messages onto nodes.
    /// Pullback: ``gathering(_:alongAxis:)`` of `ḡ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scatterAdding(_ indices: [Int], alongAxis axis: Int = 0, count: Int) -> Tensor {
        let a = Shape.axis(axis, rank: rank, operation: "scatterAdding")
        guard indices.count == shape[a] else {
            shapeFailure(.shapeMismatch(operation: "scatterAdding", expected: "\(indices.count) entries along axis \(a)", got: shape))
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            shapeFailure(.indexOutOfRange(operation: "scatterAdding along axis \(a)", index: bad, bound: count))
        }
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = count
        var out = [Scalar](repeating: 0, count: outer * count * inner)
        scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                var k = 0
                for o in 0..<outer {
                    for index in indices {
                        let base = (o * count + index) * inner
                        for j in 0..<inner { po[base + j] += px[k + j] }
                        k += inner
                    }
                }
            }
        }
        return .recorded("scatterAdd", shape: outShape, scalars: out, inputs: [self]) { g, _, _ in
            [g.gathering(indices, alongAxis: a)]
        }
    }

    /// Rows of one-hot vectors: `out[i, c] = 1` where `c = labels[i]`, else 0 (a constant).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func oneHot(_ labels: [Int], depth: Int) -> Tensor {
        var out = [Scalar](repeating: 0, count: labels.count * depth)
        for (i, label) in labels.enumerated() {
            guard label >= 0 && label < depth else {
                shapeFailure(.indexOutOfRange(operation: "oneHot", index: label, bound: depth))
            }
            out[i * depth + label] = 1
        }
        return Tensor(shape: [labels.count, depth], scalars: out)
    }

    /// A constant mask, 1 where `predicate` holds for the scalar and 0 elsewhere.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mask(where predicate: (Scalar) -> Bool) -> Tensor { indicator(predicate) }
}

/// `a` where `condition` is non-zero, `b` elsewhere, with broadcasting of all three.
/// Pullback: `ḡ` routed to the chosen operand (0 to the other), so an unselected NaN or
/// infinity never leaks into gradients.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func select<S>(_ condition: Tensor<S>, _ a: Tensor<S>, _ b: Tensor<S>) -> Tensor<S> {
    guard let ab = Shape.broadcast(a.shape, b.shape), let shape = Shape.broadcast(ab, condition.shape) else {
        shapeFailure(.shapeMismatch(operation: "select", expected: "broadcastable condition and operands \(a.shape), \(b.shape)", got: condition.shape))
    }
    let c = Tensor(shape: shape, scalars: Kernels.broadcast(condition, to: shape))
    let aa = a.broadcast(to: shape), bb = b.broadcast(to: shape)
    let out = Kernels.zip3(c.scalars, aa.scalars, bb.scalars) { c, a, b in c != 0 ? a : b }
    return .recorded("select", shape: shape, scalars: out, inputs: [aa, bb]) { g, _, needed in
        let zero = Tensor<S>.zeros(shape: [])
        return [needed[0] ? select(c, g, zero) : nil, needed[1] ? select(c, zero, g) : nil]
    }
}

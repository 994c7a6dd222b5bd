/// Elementwise loops. They are generic but always inlined, so that each operation is
/// specialised for `Float` and `Double` with its scalar function inlined into the loop.
enum Kernels {
    /// `f` applied to every scalar.
    @inline(__always)
    static func map<S>(_ x: [S], _ f: (S) -> S) -> [S] {
        x.withUnsafeBufferPointer { px in
            [S].uninitialized(count: px.count) { out in
                for i in 0..<px.count { out[i] = f(px[i]) }
            }
        }
    }

    /// `f(x, y)` for every pair of scalars of two equal-length arrays.
    @inline(__always)
    static func zip<S>(_ x: [S], _ y: [S], _ f: (S, S) -> S) -> [S] {
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                [S].uninitialized(count: px.count) { out in
                    for i in 0..<px.count { out[i] = f(px[i], py[i]) }
                }
            }
        }
    }

    /// `f(x, y, z)` for every triple of scalars of three equal-length arrays.
    @inline(__always)
    static func zip3<S>(_ x: [S], _ y: [S], _ z: [S], _ f: (S, S, S) -> S) -> [S] {
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                z.withUnsafeBufferPointer { pz in
                    [S].uninitialized(count: px.count) { out in
                        for i in 0..<px.count { out[i] = f(px[i], py[i], pz[i]) }
                    }
                }
            }
        }
    }

    /// `f(a, b)` with NumPy broadcasting; returns the result shape and scalars.
    @inline(__always)
    static func broadcastingZip<S>(
        _ a: Tensor<S>, _ b: Tensor<S>, operation: String, _ f: (S, S) -> S
    ) -> (shape: [Int], scalars: [S]) {
        if a.shape == b.shape {
            // Large same-shape operands (the fields of a grid operator: millions of elements) in
            // chunks on all cores; smaller ones in one loop.
            guard a.scalarCount >= 1 << 18 else { return (a.shape, zip(a.scalars, b.scalars, f)) }
            let scalars = a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    [S].uninitialized(count: pa.count) { out in
                        Parallelism.forEachChunk(count: pa.count) { range in
                            for i in range { out[i] = f(pa[i], pb[i]) }
                        }
                    }
                }
            }
            return (a.shape, scalars)
        }
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            shapeFailure(.shapeMismatch(operation: operation, expected: "a shape broadcastable with \(a.shape)", got: b.shape))
        }
        if b.scalarCount == 1, shape == a.shape {
            let s = b.scalars[0]
            return (shape, map(a.scalars) { f($0, s) })
        }
        if a.scalarCount == 1, shape == b.shape {
            let s = a.scalars[0]
            return (shape, map(b.scalars) { f(s, $0) })
        }
        let strideA = Shape.broadcastStrides(a.shape, to: shape)
        let strideB = Shape.broadcastStrides(b.shape, to: shape)
        let count = shape.reduce(1, *)
        let inner = shape.last ?? 1
        let ia = strideA.last ?? 0, ib = strideB.last ?? 0
        let scalars = a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                [S].uninitialized(count: count) { out in
                    forEachRow(shape: shape, operandStrides: [strideA, strideB]) { start, offsets in
                        let oa = offsets[0], ob = offsets[1]
                        for j in 0..<inner { out[start + j] = f(pa[oa + j * ia], pb[ob + j * ib]) }
                    }
                }
            }
        }
        return (shape, scalars)
    }

    /// The scalars of `x` repeated to fill `shape` (which `x.shape` must broadcast to).
    static func broadcast<S>(_ x: Tensor<S>, to shape: [Int]) -> [S] {
        let strides = Shape.broadcastStrides(x.shape, to: shape)
        let count = shape.reduce(1, *)
        let inner = shape.last ?? 1
        let step = strides.last ?? 0
        return x.scalars.withUnsafeBufferPointer { px in
            [S].uninitialized(count: count) { out in
                forEachRow(shape: shape, operandStrides: [strides]) { start, offsets in
                    let o = offsets[0]
                    for j in 0..<inner { out[start + j] = px[o + j * step] }
                }
            }
        }
    }

    /// `Σᵢ xᵢ` with eight interleaved partial sums: independent additions that the compiler
    /// turns into vector instructions (a single running sum is one dependent chain), and a
    /// rounding error that grows with n/8 instead of n.
    @inline(__always)
    static func total<S: TensorScalar>(_ x: UnsafeBufferPointer<S>) -> S {
        let n = x.count, blocks = n / 8
        guard let p = x.baseAddress, n > 0 else { return 0 }
        var (s0, s1, s2, s3, s4, s5, s6, s7): (S, S, S, S, S, S, S, S) = (0, 0, 0, 0, 0, 0, 0, 0)
        for b in 0..<blocks {
            let q = p + 8 * b
            s0 += q[0]; s1 += q[1]; s2 += q[2]; s3 += q[3]
            s4 += q[4]; s5 += q[5]; s6 += q[6]; s7 += q[7]
        }
        var rest: S = 0
        for i in (8 * blocks)..<n { rest += p[i] }
        return ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7)) + rest
    }

    /// Sums `x` over the axes along which `shape` was broadcast to `x.shape` (the adjoint of broadcasting).
    static func sumBroadcast<S>(_ x: Tensor<S>, to shape: [Int]) -> [S] {
        // Fast path: leading axes summed away, trailing block kept (the bias gradient `[n, m] → [m]`).
        let kept = shape.drop { $0 == 1 }
        if x.shape.count >= kept.count, Array(x.shape.suffix(kept.count)) == Array(kept) {
            let inner = kept.reduce(1, *)
            // Everything summed to one scalar (a mean loss, a scalar bias's gradient).
            if inner == 1 { return [x.scalars.withUnsafeBufferPointer { total($0) }] }
            let rows = inner == 0 ? 0 : x.scalarCount / inner
            var out = [S](repeating: 0, count: inner)
            x.scalars.withUnsafeBufferPointer { px in
                out.withUnsafeMutableBufferPointer { po in
                    for r in 0..<rows {
                        let base = px.baseAddress! + r * inner
                        for j in 0..<inner { po[j] += base[j] }
                    }
                }
            }
            return out
        }
        // Fast path: trailing axes summed away (row sums `[n, m] → [n, 1]`).
        let trailingOnes = shape.reversed().prefix { $0 == 1 }.count
        let lead = Array(shape.dropLast(trailingOnes))
        if trailingOnes > 0, x.shape.count == shape.count, Array(x.shape.prefix(lead.count)) == lead {
            let rows = lead.reduce(1, *)
            let inner = rows == 0 ? 0 : x.scalarCount / rows
            return x.scalars.withUnsafeBufferPointer { px in
                [S].uninitialized(count: rows) { po in
                    for r in 0..<rows {
                        po[r] = total(UnsafeBufferPointer(rebasing: px[(r * inner)..<((r + 1) * inner)]))
                    }
                }
            }
        }
        // Fast path: leading and trailing axes summed away, a middle block kept (a per-channel
        // bias gradient `[n, c, h, w] → [1, c, 1, 1]`): one vectorised total per contiguous run.
        let leadingOnes = shape.prefix { $0 == 1 }.count
        if leadingOnes > 0, trailingOnes > 0, leadingOnes + trailingOnes < shape.count, x.shape.count == shape.count,
            x.shape[leadingOnes..<(shape.count - trailingOnes)] == shape[leadingOnes..<(shape.count - trailingOnes)]
        {
            let middle = shape.reduce(1, *)
            let inner = x.shape.suffix(trailingOnes).reduce(1, *), outer = x.shape.prefix(leadingOnes).reduce(1, *)
            var out = [S](repeating: 0, count: middle)
            x.scalars.withUnsafeBufferPointer { px in
                for o in 0..<outer {
                    for m in 0..<middle {
                        let start = (o * middle + m) * inner
                        out[m] += total(UnsafeBufferPointer(rebasing: px[start..<(start + inner)]))
                    }
                }
            }
            return out
        }
        let strides = Shape.broadcastStrides(shape, to: x.shape)
        let inner = x.shape.last ?? 1
        let step = strides.last ?? 0
        var out = [S](repeating: 0, count: shape.reduce(1, *))
        x.scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                forEachRow(shape: x.shape, operandStrides: [strides]) { start, offsets in
                    let o = offsets[0]
                    if step == 0 {
                        var total: S = 0
                        for j in 0..<inner { total += px[start + j] }
                        po[o] += total
                    } else {
                        for j in 0..<inner { po[o + j * step] += px[start + j] }
                    }
                }
            }
        }
        return out
    }
}

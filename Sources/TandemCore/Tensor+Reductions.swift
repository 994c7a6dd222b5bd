extension Tensor {
    /// The shape with the given axes set to 1 (the "kept" shape of a reduction), and the
    /// shape with them removed.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func reducedShapes(_ axes: [Int], operation: String) -> (kept: [Int], dropped: [Int]) {
        let normalised = Set(axes.map { Shape.axis($0, rank: rank, operation: operation) })
        let kept = shape.enumerated().map { normalised.contains($0.offset) ? 1 : $0.element }
        let dropped = shape.enumerated().filter { !normalised.contains($0.offset) }.map(\.element)
        return (kept, dropped)
    }

    /// The sum of all scalars, as a rank-0 tensor. Pullback: `ḡ` broadcast to the input's shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum() -> Tensor { sum(alongAxes: Array(0..<rank)) }

    /// Sums along the given axes; with `keepingDimensions` they stay as length-1 axes.
    /// Pullback: `ḡ` broadcast back over the summed axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let (kept, dropped) = reducedShapes(axes, operation: "sum")
        let summed = sum(toShape: kept)
        return keepingDimensions ? summed : summed.reshaped(to: dropped)
    }

    /// Sums along one axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The arithmetic mean of all scalars.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean() -> Tensor { sum() / Scalar(Swift.max(scalarCount, 1)) }

    /// The arithmetic mean along the given axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let (kept, _) = reducedShapes(axes, operation: "mean")
        let count = scalarCount / Swift.max(kept.reduce(1, *), 1)
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Scalar(Swift.max(count, 1))
    }

    /// The mean along one axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The maximum along the given axes (all axes by default). Pullback: `ḡ` shared equally
    /// among the positions that attain the maximum.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func max(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        extremum(alongAxes: axes ?? Array(0..<rank), keepingDimensions: keepingDimensions, operation: "max") { $0 > $1 }
    }

    /// The minimum along the given axes (all axes by default). Pullback as for ``max(alongAxes:keepingDimensions:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func min(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        extremum(alongAxes: axes ?? Array(0..<rank), keepingDimensions: keepingDimensions, operation: "min") { $0 < $1 }
    }

    /// The Euclidean norm `‖x‖₂ = √(Σ x²)` over the given axes (all by default).
    /// Its gradient `x/‖x‖` is undefined at `x = 0`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func norm(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        sqrt((self * self).sum(alongAxes: axes ?? Array(0..<rank), keepingDimensions: keepingDimensions))
    }

    private func extremum(
        alongAxes axes: [Int], keepingDimensions: Bool, operation: String, _ better: @escaping (Scalar, Scalar) -> Bool
    ) -> Tensor {
        let (kept, dropped) = reducedShapes(axes, operation: operation)
        guard scalarCount > 0 else {
            shapeFailure(.shapeMismatch(operation: operation, expected: "a non-empty tensor", got: shape))
        }
        let strides = Shape.broadcastStrides(kept, to: shape)
        let inner = shape.last ?? 1
        let step = strides.last ?? 0
        var out = [Scalar](repeating: .nan, count: kept.reduce(1, *))
        var seen = [Bool](repeating: false, count: out.count)
        scalars.withUnsafeBufferPointer { px in
            forEachRow(shape: shape, operandStrides: [strides]) { start, offsets in
                for j in 0..<inner {
                    let o = offsets[0] + j * step
                    let v = px[start + j]
                    // NaN propagates: once a reduction meets NaN, its result is NaN.
                    if !seen[o] {
                        out[o] = v
                        seen[o] = true
                    } else if !out[o].isNaN && (v.isNaN || better(v, out[o])) {
                        out[o] = v
                    }
                }
            }
        }
        let x = self
        let result = Tensor.recorded(operation, shape: kept, scalars: out, inputs: [x]) { g, y, _ in
            let hits = Tensor(
                shape: x.shape,
                scalars: Kernels.zip(x.scalars, Kernels.broadcast(y, to: x.shape)) { $0 == $1 ? 1 : 0 })
            let count = hits.detached().sum(toShape: kept)
            return [(g / count).broadcast(to: x.shape) * hits]
        }
        return keepingDimensions ? result : result.reshaped(to: dropped)
    }
}

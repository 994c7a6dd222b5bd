extension Tensor {
    /// Average pooling of `[N, C, H, W]` over non-overlapping `kₕ × k_w` windows (stride = size,
    /// trailing rows and columns that do not fill a window dropped):
    /// `y[n, c, i, j] = (1 / kₕk_w) Σ_{u,v} x[n, c, i·kₕ + u, j·k_w + v]`.
    ///
    /// Pullback: ``averagePoolingAdjoint(_:into:)``, which spreads each gradient evenly over its
    /// window; the two are each other's pullbacks.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func averagePooled(_ size: (height: Int, width: Int)) -> Tensor {
        guard rank == 4, size.height > 0, size.width > 0, shape[2] >= size.height, shape[3] >= size.width else {
            shapeFailure(.shapeMismatch(operation: "averagePooled", expected: "[N, C, H, W] input at least \(size) in size", got: shape))
        }
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (ho, wo) = (h / size.height, w / size.width)
        let scale = 1 / Scalar(size.height * size.width)
        // Every output element is written below, so the buffer starts uninitialised.
        let out = scalars.withUnsafeBufferPointer { px in
            [Scalar].uninitialized(count: planes * ho * wo) { py in
                for p in 0..<planes {
                    for i in 0..<ho {
                        let target = py.baseAddress! + (p * ho + i) * wo
                        let top = px.baseAddress! + (p * h + i * size.height) * w
                        if size == (2, 2) {
                            // The CNN branch's case, written out so that it vectorises.
                            let (a, b) = (top, top + w)
                            for j in 0..<wo { target[j] = (a[2 &* j] + a[2 &* j &+ 1] + b[2 &* j] + b[2 &* j &+ 1]) * scale }
                            continue
                        }
                        target.update(repeating: 0, count: wo)
                        for u in 0..<size.height {
                            let source = top + u * w
                            for j in 0..<wo {
                                for v in 0..<size.width { target[j] += source[j &* size.width &+ v] }
                            }
                        }
                        for j in 0..<wo { target[j] *= scale }
                    }
                }
            }
        }
        let inputShape = shape
        return .recorded("average_pool", shape: [shape[0], shape[1], ho, wo], scalars: out, inputs: [self]) { g, _, _ in
            [g.averagePoolingAdjoint(size, into: inputShape)]
        }
    }

    /// The adjoint of ``averagePooled(_:)``: each element of `[N, C, Hₒ, Wₒ]` divided by the
    /// window area and copied to every cell of its window in `shape` (cells outside every window
    /// get zero).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func averagePoolingAdjoint(_ size: (height: Int, width: Int), into shape: [Int]) -> Tensor {
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (ho, wo) = (h / size.height, w / size.width)
        guard self.shape == [shape[0], shape[1], ho, wo] else {
            shapeFailure(.shapeMismatch(operation: "averagePoolingAdjoint", expected: "pooled \(shape) by \(size)", got: self.shape))
        }
        let scale = 1 / Scalar(size.height * size.width)
        var out = [Scalar](repeating: 0, count: planes * h * w)
        scalars.withUnsafeBufferPointer { py in
            out.withUnsafeMutableBufferPointer { px in
                for p in 0..<planes {
                    for i in 0..<ho {
                        let source = py.baseAddress! + (p * ho + i) * wo
                        let top = px.baseAddress! + (p * h + i * size.height) * w
                        if size == (2, 2) {
                            let (a, b) = (top, top + w)
                            for j in 0..<wo {
                                let value = source[j] * scale
                                (a[2 &* j], a[2 &* j &+ 1], b[2 &* j], b[2 &* j &+ 1]) = (value, value, value, value)
                            }
                            continue
                        }
                        for u in 0..<size.height {
                            let target = top + u * w
                            for j in 0..<wo {
                                let value = source[j] * scale
                                for v in 0..<size.width { target[j &* size.width &+ v] = value }
                            }
                        }
                    }
                }
            }
        }
        return .recorded("average_pool_adjoint", shape: shape, scalars: out, inputs: [self]) { g, _, _ in
            [g.averagePooled(size)]
        }
    }
}

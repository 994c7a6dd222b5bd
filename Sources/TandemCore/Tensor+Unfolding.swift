extension Tensor {
    /// Unfolds every window of `[N, C, H, W]` input into a row: the result is
    /// `[N·Hₒ·Wₒ, C·kₕ·k_w]` with zero padding, so a convolution becomes one GEMM (im2col).
    /// Pullback: the adjoint fold (``foldingWindows(_:into:)``), which sums overlapping windows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func unfoldingWindows(_ window: Window2D) -> Tensor {
        guard rank == 4 else {
            shapeFailure(.shapeMismatch(operation: "unfoldingWindows", expected: "[N, C, H, W] input", got: shape))
        }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (ho, wo) = window.outputSize(height: h, width: w)
        guard ho > 0, wo > 0 else {
            shapeFailure(.shapeMismatch(operation: "unfoldingWindows", expected: "input at least as large as the \(window.kernel) kernel", got: shape))
        }
        let (kh, kw) = window.kernel
        let columns = c * kh * kw
        var out = [Scalar](repeating: 0, count: n * ho * wo * columns)
        scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                let (source, target) = (px.baseAddress!, po.baseAddress!)
                Self.windowRuns(n: n, c: c, h: h, w: w, ho: ho, wo: wo, window: window) { s, t, count in
                    for k in 0..<count { target[t + k] = source[s + k] }
                }
            }
        }
        let inputShape = shape
        return .recorded("unfold", shape: [n * ho * wo, columns], scalars: out, inputs: [self]) { g, _, _ in
            [g.foldingWindows(window, into: inputShape)]
        }
    }

    /// Sums rows of unfolded windows back into `[N, C, H, W]`; the adjoint of ``unfoldingWindows(_:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func foldingWindows(_ window: Window2D, into shape: [Int]) -> Tensor {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (ho, wo) = window.outputSize(height: h, width: w)
        guard self.shape == [n * ho * wo, c * window.kernel.height * window.kernel.width] else {
            shapeFailure(.shapeMismatch(operation: "foldingWindows", expected: "unfolded windows of \(shape)", got: self.shape))
        }
        var out = [Scalar](repeating: 0, count: shape.reduce(1, *))
        scalars.withUnsafeBufferPointer { pg in
            out.withUnsafeMutableBufferPointer { po in
                let (gradient, target) = (pg.baseAddress!, po.baseAddress!)
                Self.windowRuns(n: n, c: c, h: h, w: w, ho: ho, wo: wo, window: window) { s, t, count in
                    for k in 0..<count { target[s + k] += gradient[t + k] }
                }
            }
        }
        return .recorded("fold", shape: shape, scalars: out, inputs: [self]) { g, _, _ in [g.unfoldingWindows(window)] }
    }

    /// Visits the runs of one window row that lie inside the unpadded input: `body(source, target,
    /// count)` pairs input indices `source + k` with unfolded indices `target + k` for `k < count`
    /// (a window's row covers neighbouring input columns whatever the stride).
    @inline(__always)
    static func windowRuns(
        n: Int, c: Int, h: Int, w: Int, ho: Int, wo: Int, window: Window2D,
        _ body: (_ source: Int, _ target: Int, _ count: Int) -> Void
    ) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (ph, pw) = window.padding
        let columns = c * kh * kw
        for b in 0..<n {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let row = ((b * ho + oy) * wo + ox) * columns
                    // Window columns kx with 0 ≤ ox·sw − pw + kx < w.
                    let left = ox * sw - pw
                    let kx0 = Swift.max(0, -left), kx1 = Swift.min(kw, w - left)
                    if kx1 <= kx0 { continue }
                    for ch in 0..<c {
                        for ky in 0..<kh {
                            let iy = oy * sh - ph + ky
                            if iy < 0 || iy >= h { continue }
                            body(((b * c + ch) * h + iy) * w + left + kx0, row + (ch * kh + ky) * kw + kx0, kx1 - kx0)
                        }
                    }
                }
            }
        }
    }
}

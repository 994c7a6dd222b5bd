import Dispatch

/// Geometry of a 2-D sliding window over `[N, C, H, W]` input.
public struct Window2D: Equatable, Sendable {
    /// Window size `(kₕ, k_w)`.
    public var kernel: (height: Int, width: Int)
    /// Step between windows along each axis.
    public var stride: (height: Int, width: Int)
    /// Zeros added on each side along each axis.
    public var padding: (height: Int, width: Int)

    /// A window of `kernel` size moved by `stride` over input padded by `padding` zeros.
    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// `⌊(H + 2p − k) / s⌋ + 1` along each axis.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding.height - kernel.height) / stride.height + 1,
         (width + 2 * padding.width - kernel.width) / stride.width + 1)
    }

    /// Whether two windows have the same kernel, stride and padding.
    public static func == (a: Window2D, b: Window2D) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding
    }
}

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

/// The sizes of one 2-D convolution: input `[n, c, h, w]`, filter `[o, c, kₕ, k_w]`, output
/// `[n, o, hₒ, wₒ]`, and the per-sample column matrix `[c·kₕ·k_w, hₒ·wₒ]`.
struct ConvolutionGeometry {
    let n: Int, c: Int, h: Int, w: Int, o: Int, ho: Int, wo: Int
    let window: Window2D
    var inputShape: [Int] { [n, c, h, w] }
    var filterShape: [Int] { [o, c, window.kernel.height, window.kernel.width] }
    var outputShape: [Int] { [n, o, ho, wo] }
    /// Rows of one sample's column matrix, `c·kₕ·k_w`.
    var patch: Int { c * window.kernel.height * window.kernel.width }
    /// Columns of one sample's column matrix, `hₒ·wₒ`.
    var pixels: Int { ho * wo }

    init(input: [Int], filter: [Int], window: Window2D, operation: String) {
        guard input.count == 4, filter.count == 4, input[1] == filter[1],
              filter[2] == window.kernel.height, filter[3] == window.kernel.width else {
            shapeFailure(.shapeMismatch(operation: operation, expected: "input [N, C, H, W] and filter [O, C, \(window.kernel.height), \(window.kernel.width)] (filter \(filter))", got: input))
        }
        (n, c, h, w, o) = (input[0], input[1], input[2], input[3], filter[0])
        (ho, wo) = window.outputSize(height: h, width: w)
        guard ho > 0, wo > 0 else {
            shapeFailure(.shapeMismatch(operation: operation, expected: "input at least as large as the \(window.kernel) kernel", got: input))
        }
        self.window = window
    }

    /// Output rows per band: one band's column matrix, `[c·kₕ·k_w, rows·wₒ]`, holds at most about
    /// 2²⁰ elements (4 MB in Float32) per thread, whatever the image size. The Darcy branch's
    /// layers (at most 400 × 2500) fit in one band per sample: measured, narrower bands that stay
    /// in L2 make OpenBLAS's GEMMs slower (N of 150 instead of 2500) by more than they save in
    /// memory traffic (the step 197 → 222 ms with 2¹⁶-element bands), so bands only bound the
    /// buffer for larger images.
    var bandRows: Int { Swift.max(1, Swift.min(ho, (1 << 20) / Swift.max(1, patch * wo))) }

    /// The bands of output rows, `[0, r), [r, 2r), …`, that cover the `hₒ` output rows.
    var bands: StrideTo<Int> { stride(from: 0, to: ho, by: bandRows) }

    /// Writes one sample's windows for output rows `rows` as a `[c·kₕ·k_w, rows.count·wₒ]`
    /// matrix (im2col in the per-sample, channel-major layout, so that `filter · columns` is the
    /// band of the sample's `[o, hₒ·wₒ]` output). The padding zeros sit at the same places for
    /// every sample: when `columns` last held the same band, `writingZeros: false` leaves them
    /// (they were thousands of one- and two-element `memset` calls per sample).
    @inline(__always)
    func unfold<S: TensorScalar>(sample x: UnsafePointer<S>, rows: Range<Int>, into columns: UnsafeMutablePointer<S>, writingZeros: Bool = true) {
        if isRowContiguous {
            let band = rows.count * wo
            spans(rows: rows) { row, valid, target, source, count, shift in
                if writingZeros {
                    columns.advanced(by: row).update(repeating: 0, count: (valid.lowerBound - rows.lowerBound) * wo)
                    let end = row + (valid.upperBound - rows.lowerBound) * wo
                    columns.advanced(by: end).update(repeating: 0, count: row + band - end)
                }
                if count > 0 { columns.advanced(by: target).update(from: x + source, count: count) }
                // The copy ran across row ends: put the padding zeros back at each row's edge.
                zeroEdges(columns, row: row, valid: valid, rows: rows, shift: shift)
            }
            return
        }
        visit(rows: rows) { source, target, count, stride in
            if count < 0 {
                if writingZeros { columns.advanced(by: target).update(repeating: 0, count: -count) }
            } else if stride == 1 {
                columns.advanced(by: target).update(from: x + source, count: count)
            } else {
                for k in 0..<count { columns[target + k] = x[source + k * stride] }
            }
        }
    }

    /// Adds the column matrix of output rows `rows` back onto the sample's `[c, h, w]` input
    /// (col2im, the adjoint of ``unfold(sample:rows:into:)``).
    /// With `isRowContiguous`, `columns` is scratch: its padding positions are zeroed first so
    /// that each row of windows adds in one contiguous run.
    @inline(__always)
    func fold<S: TensorScalar>(columns: UnsafeMutablePointer<S>, rows: Range<Int>, into x: UnsafeMutablePointer<S>) {
        if isRowContiguous {
            spans(rows: rows) { row, valid, target, source, count, shift in
                zeroEdges(columns, row: row, valid: valid, rows: rows, shift: shift)
                let (into, from) = (x + source, columns + target)
                for k in 0..<Swift.max(0, count) { into[k] += from[k] }
            }
            return
        }
        visit(rows: rows) { source, target, count, stride in
            guard count > 0 else { return }
            if stride == 1 {
                // Through pointers, so the loop has no overflow checks and vectorises (with an
                // overlap check); indexing `x[source + k]` kept it scalar, 9% of the CNN step.
                let (into, from) = (x + source, columns + target)
                for k in 0..<count { into[k] += from[k] }
            } else {
                for k in 0..<count { x[source + k * stride] += columns[target + k] }
            }
        }
    }

    /// Whether each row of the column matrix is its input plane shifted by a constant offset:
    /// stride 1 and output rows as wide as input rows (`"same"` padding across, e.g. 5 × 5 with
    /// padding 2). Then the windows of one filter tap over all output rows are one contiguous copy
    /// (at most two zeros to restore per row), instead of one copy per output row — for the Darcy
    /// branch's 12 × 12 last layer, 1600 copies per sample instead of 19 200.
    var isRowContiguous: Bool { window.stride.height == 1 && window.stride.width == 1 && wo == w }

    /// For ``isRowContiguous`` geometry, calls `body(row, valid, target, source, count, shift)` once
    /// per filter tap `(ch, ky, kx)`: its column-matrix row starts at `row`; output rows `valid`
    /// (within `rows`) see the input; column elements `target + k` take input elements
    /// `source + k` for `k < count` — a span that runs across row ends, so the `|shift|` elements
    /// at one edge of each valid row (`shift = kx − p_w`; left when negative) are padding that
    /// the span fills with neighbouring-row values.
    @inline(__always)
    private func spans(rows: Range<Int>, _ body: (_ row: Int, _ valid: Range<Int>, _ target: Int, _ source: Int, _ count: Int, _ shift: Int) -> Void) {
        let (kh, kw) = window.kernel, (ph, pw) = window.padding
        let band = rows.count * wo
        for ch in 0..<c {
            for ky in 0..<kh {
                // Output rows oy with 0 ≤ oy − ph + ky < h.
                let lo = Swift.min(rows.upperBound, Swift.max(rows.lowerBound, ph - ky))
                let valid = lo..<Swift.max(lo, Swift.min(rows.upperBound, h + ph - ky))
                for kx in 0..<kw {
                    let row = ((ch * kh + ky) * kw + kx) * band
                    let shift = kx - pw, (start, end) = (Swift.max(0, -shift), Swift.max(0, shift))
                    let first = row + (valid.lowerBound - rows.lowerBound) * wo
                    let source = (ch * h + valid.lowerBound - ph + ky) * w + shift + start
                    body(row, valid, first + start, source, valid.count * wo - start - end, shift)
                }
            }
        }
    }

    /// Zeroes the `|shift|` padding positions at the edge of each valid output row of one
    /// column-matrix row (``spans(rows:_:)``).
    @inline(__always)
    private func zeroEdges<S: TensorScalar>(_ columns: UnsafeMutablePointer<S>, row: Int, valid: Range<Int>, rows: Range<Int>, shift: Int) {
        guard shift != 0 else { return }
        let edge = shift < 0 ? 0..<Swift.min(wo, -shift) : Swift.max(0, wo - shift)..<wo
        for oy in valid {
            let base = columns + row + (oy - rows.lowerBound) * wo
            for ox in edge { base[ox] = 0 }
        }
    }

    /// Visits the column matrix of output rows `rows` row by row and output row by output row:
    /// `body(source, target, count, stride)` pairs input element `source + k·stride` with column
    /// element `target + k`; a negative count marks `−count` padding zeros at `target`.
    @inline(__always)
    private func visit(rows: Range<Int>, _ body: (_ source: Int, _ target: Int, _ count: Int, _ stride: Int) -> Void) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (ph, pw) = window.padding
        let band = rows.count * wo
        for ch in 0..<c {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let row = ((ch * kh + ky) * kw + kx) * band
                    // Output columns ox with 0 ≤ ox·sw − pw + kx < w.
                    let ox0 = Swift.min(wo, Swift.max(0, (pw - kx + sw - 1) / sw))
                    let last = w - 1 + pw - kx
                    let ox1 = last < 0 ? ox0 : Swift.max(ox0, Swift.min(wo, last / sw + 1))
                    for oy in rows {
                        let target = row + (oy - rows.lowerBound) * wo
                        let iy = oy * sh - ph + ky
                        if iy < 0 || iy >= h {
                            body(0, target, -wo, sw)
                            continue
                        }
                        if ox0 > 0 { body(0, target, -ox0, sw) }
                        if ox1 > ox0 { body((ch * h + iy) * w + ox0 * sw - pw + kx, target + ox0, ox1 - ox0, sw) }
                        if ox1 < wo { body(0, target + ox1, -(wo - ox1), sw) }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// The 2-D convolution (cross-correlation) of `[N, C, H, W]` input with `[O, C, kₕ, k_w]`
    /// filters, plus an optional bias `[O]` per output channel:
    /// `y[n, o, i, j] = b[o] + Σ_{c,u,v} K[o, c, u, v] · x[n, c, i·s + u − p, j·s + v − p]`,
    /// shape `[N, O, Hₒ, Wₒ]`.
    ///
    /// Computed one sample and one band of output rows at a time: the band's windows are unfolded
    /// into an L2-sized `[C·kₕ·k_w, rows·Wₒ]` buffer and multiplied by the filter matrix with one
    /// GEMM that accumulates onto the band of the output, pre-filled with the bias, in place — so
    /// neither the batch's unfolded matrix nor a separate bias pass over the output is needed.
    ///
    /// Pullback: `x̄ = convolutionInputGradient(ȳ, K)` (the transposed convolution),
    /// `K̄ = convolutionFilterGradient(x, ȳ)` and `b̄[o] = Σ_{n,i,j} ȳ[n, o, i, j]`; the three
    /// convolution operations are each other's pullbacks, so derivatives of any order flow
    /// through them.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func convolved(with filter: Tensor, bias: Tensor? = nil, window: Window2D) -> Tensor {
        let geometry = ConvolutionGeometry(input: shape, filter: filter.shape, window: window, operation: "convolved")
        let g = geometry
        if let bias, bias.shape != [g.o] {
            shapeFailure(.shapeMismatch(operation: "convolved", expected: "bias [\(g.o)] for filter \(filter.shape)", got: bias.shape))
        }
        let biasScalars = bias?.scalars ?? []
        let out = scalars.withUnsafeBufferPointer { px in
            filter.scalars.withUnsafeBufferPointer { pk in
                biasScalars.withUnsafeBufferPointer { pb in
                    [Scalar].uninitialized(count: g.n * g.o * g.pixels) { py in
                        let (x, k, y) = (UnsafeSendable(px.baseAddress!), UnsafeSendable(pk.baseAddress!), UnsafeSendable(py.baseAddress!))
                        let offsets = UnsafeSendable(pb.baseAddress)
                        Self.forEachSampleChunk(g) { samples, _, columns in
                            var previous: Range<Int>? = nil
                            for b in samples {
                                for top in g.bands {
                                    let rows = top..<Swift.min(g.ho, top + g.bandRows), band = rows.count * g.wo
                                    defer { previous = rows }
                                    let target = y.value + b * g.o * g.pixels + top * g.wo
                                    if let offsets = offsets.value {
                                        for channel in 0..<g.o {
                                            target.advanced(by: channel * g.pixels).update(repeating: offsets[channel], count: band)
                                        }
                                    }
                                    g.unfold(sample: x.value + b * g.c * g.h * g.w, rows: rows, into: columns, writingZeros: rows != previous)
                                    Scalar.gemm(transposeA: false, transposeB: false, m: g.o, n: band, k: g.patch,
                                                alpha: 1, a: k.value, lda: g.patch, b: columns, ldb: band,
                                                beta: offsets.value == nil ? 0 : 1, c: target, ldc: g.pixels)
                                }
                            }
                        }
                    }
                }
            }
        }
        let input = self
        return .recorded("conv2d", shape: geometry.outputShape, scalars: out, inputs: bias.map { [self, filter, $0] } ?? [self, filter]) { ybar, _, needed in
            [needed[0] ? Tensor.convolutionInputGradient(ybar, filter: filter, window: window, inputShape: geometry.inputShape) : nil,
             needed[1] ? Tensor.convolutionFilterGradient(input: input, ybar, window: window, filterShape: geometry.filterShape) : nil]
                + (needed.count > 2 ? [needed[2] ? ybar.sum(alongAxes: [0, 2, 3]) : nil] : [])
        }
    }

    /// The transposed convolution: `x̄[n, c, a, b] = Σ_{o,u,v} K[o, c, u, v] · ȳ[n, o, i, j]` over
    /// `a = i·s + u − p`, `b = j·s + v − p` — the input gradient of ``convolved(with:bias:window:)``,
    /// shaped `inputShape`.
    ///
    /// Pullback: `ȳ̄ = convolved(x̄̄, K)` and `K̄ = convolutionFilterGradient(x̄̄, ȳ)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionInputGradient(_ ybar: Tensor, filter: Tensor, window: Window2D, inputShape: [Int]) -> Tensor {
        let g = ConvolutionGeometry(input: inputShape, filter: filter.shape, window: window, operation: "convolutionInputGradient")
        guard ybar.shape == g.outputShape else {
            shapeFailure(.shapeMismatch(operation: "convolutionInputGradient", expected: "output gradient \(g.outputShape)", got: ybar.shape))
        }
        var out = [Scalar](repeating: 0, count: g.n * g.c * g.h * g.w)
        ybar.scalars.withUnsafeBufferPointer { py in
            filter.scalars.withUnsafeBufferPointer { pk in
                out.withUnsafeMutableBufferPointer { px in
                    let (x, k, y) = (UnsafeSendable(px.baseAddress!), UnsafeSendable(pk.baseAddress!), UnsafeSendable(py.baseAddress!))
                    forEachSampleChunk(g) { samples, _, columns in
                        for b in samples {
                            for top in g.bands {
                                let rows = top..<Swift.min(g.ho, top + g.bandRows), band = rows.count * g.wo
                                Scalar.gemm(transposeA: true, transposeB: false, m: g.patch, n: band, k: g.o,
                                            alpha: 1, a: k.value, lda: g.patch, b: y.value + b * g.o * g.pixels + top * g.wo, ldb: g.pixels,
                                            beta: 0, c: columns, ldc: band)
                                g.fold(columns: columns, rows: rows, into: x.value + b * g.c * g.h * g.w)
                            }
                        }
                    }
                }
            }
        }
        return .recorded("conv2d_input_gradient", shape: inputShape, scalars: out, inputs: [ybar, filter]) { xbar, _, needed in
            [needed[0] ? xbar.convolved(with: filter, window: window) : nil,
             needed[1] ? convolutionFilterGradient(input: xbar, ybar, window: window, filterShape: g.filterShape) : nil]
        }
    }

    /// The filter gradient of a convolution: `K̄[o, c, u, v] = Σ_{n,i,j} ȳ[n, o, i, j] ·
    /// x[n, c, i·s + u − p, j·s + v − p]`, shaped `filterShape`.
    ///
    /// Pullback: `x̄ = convolutionInputGradient(ȳ, K̄̄)` and `ȳ̄ = convolved(x, K̄̄)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func convolutionFilterGradient(input: Tensor, _ ybar: Tensor, window: Window2D, filterShape: [Int]) -> Tensor {
        let g = ConvolutionGeometry(input: input.shape, filter: filterShape, window: window, operation: "convolutionFilterGradient")
        guard ybar.shape == g.outputShape else {
            shapeFailure(.shapeMismatch(operation: "convolutionFilterGradient", expected: "output gradient \(g.outputShape)", got: ybar.shape))
        }
        // One partial sum per concurrent chunk of samples, added up afterwards.
        let chunks = sampleChunkCount(g)
        var partial = [Scalar](repeating: 0, count: chunks * g.o * g.patch)
        input.scalars.withUnsafeBufferPointer { px in
            ybar.scalars.withUnsafeBufferPointer { py in
                partial.withUnsafeMutableBufferPointer { pk in
                    let (x, k, y) = (UnsafeSendable(px.baseAddress!), UnsafeSendable(pk.baseAddress!), UnsafeSendable(py.baseAddress!))
                    forEachSampleChunk(g) { samples, chunk, columns in
                        var previous: Range<Int>? = nil
                        for b in samples {
                            for top in g.bands {
                                let rows = top..<Swift.min(g.ho, top + g.bandRows), band = rows.count * g.wo
                                defer { previous = rows }
                                g.unfold(sample: x.value + b * g.c * g.h * g.w, rows: rows, into: columns, writingZeros: rows != previous)
                                Scalar.gemm(transposeA: false, transposeB: true, m: g.o, n: g.patch, k: band,
                                            alpha: 1, a: y.value + b * g.o * g.pixels + top * g.wo, lda: g.pixels, b: columns, ldb: band,
                                            beta: 1, c: k.value + chunk * g.o * g.patch, ldc: g.patch)
                            }
                        }
                    }
                }
            }
        }
        var out = Array(partial[0..<(g.o * g.patch)])
        for chunk in 1..<chunks {
            for i in 0..<out.count { out[i] += partial[chunk * out.count + i] }
        }
        return .recorded("conv2d_filter_gradient", shape: filterShape, scalars: out, inputs: [input, ybar]) { kbar, _, needed in
            [needed[0] ? convolutionInputGradient(ybar, filter: kbar, window: window, inputShape: g.inputShape) : nil,
             needed[1] ? input.convolved(with: kbar, window: window) : nil]
        }
    }

    /// How many chunks of samples a convolution runs concurrently: one per BLAS thread, when
    /// the batch has a sample for each.
    static func sampleChunkCount(_ g: ConvolutionGeometry) -> Int {
        Swift.max(1, Swift.min(g.n, BLASRuntime.configuredThreadCount))
    }

    /// Calls `body(samples, chunk, columns)` on contiguous chunks of the batch's samples, one
    /// chunk per BLAS thread and concurrently, each with its own column buffer for one band of output rows (``ConvolutionGeometry/bandRows``).
    ///
    /// Per-sample GEMMs are small (tens of filters by a few thousand pixels), so splitting the
    /// batch across cores with single-threaded BLAS calls keeps both cores computing through the
    /// unfolds and folds as well, instead of one core unfolding while BLAS threads wait; BLAS calls
    /// are single-threaded for the duration (``BLASRuntime/withSingleThreadedCalls(_:)``).
    static func forEachSampleChunk(
        _ g: ConvolutionGeometry, _ body: (Range<Int>, Int, UnsafeMutablePointer<Scalar>) -> Void
    ) {
        let chunks = sampleChunkCount(g), size = (g.n + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            let run: @Sendable (Int) -> Void = { chunk in
                let buffer = UnsafeMutablePointer<Scalar>.allocate(capacity: Swift.max(1, g.patch * g.bandRows * g.wo))
                defer { buffer.deallocate() }
                box.value((chunk * size)..<Swift.min(g.n, (chunk + 1) * size), chunk, buffer)
            }
            if chunks == 1 { return run(0) }
            BLASRuntime.withSingleThreadedCalls { DispatchQueue.concurrentPerform(iterations: chunks, execute: run) }
        }
    }
}

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

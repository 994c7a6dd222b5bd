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
    /// A 1 × 1 pointwise convolution (the FNO's `W` and its lifting and projection) is one band:
    /// its column matrix is the sample itself, never copied (``isPointwise``).
    var bandRows: Int { isPointwise ? ho : Swift.max(1, Swift.min(ho, (1 << 20) / Swift.max(1, patch * wo))) }

    /// Whether the window is 1 × 1 with unit stride and no padding: then a sample's `[c, h·w]`
    /// input is its own column matrix, so the GEMMs read and write the tensors in place instead of
    /// unfolding into (and folding from) a buffer.
    var isPointwise: Bool {
        window.kernel == (1, 1) && window.stride == (1, 1) && window.padding == (0, 0)
    }

    /// Elements of the per-thread column buffer (one band; none for a pointwise window).
    var bufferCount: Int { isPointwise ? 1 : Swift.max(1, patch * bandRows * wo) }

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

import Dispatch

extension Tensor {
    /// The 2-D convolution (cross-correlation) of `[N, C, H, W]` input with `[O, C, kₕ, k_w]`
    /// filters, plus an optional bias `[O]` per output channel and an optional tensor `r` of the
    /// output's shape:
    /// `y[n, o, i, j] = r[n, o, i, j] + b[o] + Σ_{c,u,v} K[o, c, u, v] · x[n, c, i·s + u − p, j·s + v − p]`,
    /// shape `[N, O, Hₒ, Wₒ]`.
    ///
    /// Computed one sample and one band of output rows at a time: the band's windows are unfolded
    /// into an L2-sized `[C·kₕ·k_w, rows·Wₒ]` buffer and multiplied by the filter matrix with one
    /// GEMM that accumulates onto the band of the output, pre-filled with `r` and the bias, in
    /// place — so neither the batch's unfolded matrix nor a separate pass over the output for the
    /// bias or the sum is needed (a Fourier block's `K v + W v` is the spectral part `r` added
    /// onto the pointwise convolution `W v`).
    ///
    /// Pullback: `x̄ = convolutionInputGradient(ȳ, K)` (the transposed convolution),
    /// `K̄ = convolutionFilterGradient(x, ȳ)`, `b̄[o] = Σ_{n,i,j} ȳ[n, o, i, j]` and `r̄ = ȳ`; the
    /// three convolution operations are each other's pullbacks, so derivatives of any order flow
    /// through them.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func convolved(with filter: Tensor, bias: Tensor? = nil, adding residual: Tensor? = nil, window: Window2D) -> Tensor {
        let geometry = ConvolutionGeometry(input: shape, filter: filter.shape, window: window, operation: "convolved")
        let g = geometry
        if let bias, bias.shape != [g.o] {
            shapeFailure(.shapeMismatch(operation: "convolved", expected: "bias [\(g.o)] for filter \(filter.shape)", got: bias.shape))
        }
        if let residual, residual.shape != g.outputShape {
            shapeFailure(.shapeMismatch(operation: "convolved", expected: "a tensor to add of the output's shape \(g.outputShape)", got: residual.shape))
        }
        let biasScalars = bias?.scalars ?? [], residualScalars = residual?.scalars ?? []
        let out = scalars.withUnsafeBufferPointer { px in
            filter.scalars.withUnsafeBufferPointer { pk in
                biasScalars.withUnsafeBufferPointer { pb in
                    residualScalars.withUnsafeBufferPointer { pr in
                        [Scalar].uninitialized(count: g.n * g.o * g.pixels) { py in
                            let (x, k, y) = (UnsafeSendable(px.baseAddress!), UnsafeSendable(pk.baseAddress!), UnsafeSendable(py.baseAddress!))
                            let (offsets, added) = (UnsafeSendable(bias == nil ? nil : pb.baseAddress), UnsafeSendable(residual == nil ? nil : pr.baseAddress))
                            let accumulates = bias != nil || residual != nil
                            Self.forEachSampleChunk(g) { samples, _, columns in
                                var previous: Range<Int>? = nil
                                for b in samples {
                                    for top in g.bands {
                                        let rows = top..<Swift.min(g.ho, top + g.bandRows), band = rows.count * g.wo
                                        defer { previous = rows }
                                        let target = y.value + b * g.o * g.pixels + top * g.wo
                                        for channel in 0..<(accumulates ? g.o : 0) {
                                            let t = target + channel * g.pixels, offset = offsets.value?[channel] ?? 0
                                            if let added = added.value {
                                                let r = added + b * g.o * g.pixels + top * g.wo + channel * g.pixels
                                                for i in 0..<band { t[i] = r[i] + offset }
                                            } else {
                                                t.update(repeating: offset, count: band)
                                            }
                                        }
                                        let sample = x.value + b * g.c * g.h * g.w
                                        if !g.isPointwise { g.unfold(sample: sample, rows: rows, into: columns, writingZeros: rows != previous) }
                                        Scalar.gemm(transposeA: false, transposeB: false, m: g.o, n: band, k: g.patch,
                                                    alpha: 1, a: k.value, lda: g.patch,
                                                    b: g.isPointwise ? sample + top * g.wo : UnsafePointer(columns), ldb: g.isPointwise ? g.pixels : band,
                                                    beta: accumulates ? 1 : 0, c: target, ldc: g.pixels)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let input = self
        let inputs = [self, filter] + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
        return .recorded("conv2d", shape: geometry.outputShape, scalars: out, inputs: inputs) { ybar, _, needed in
            [needed[0] ? Tensor.convolutionInputGradient(ybar, filter: filter, window: window, inputShape: geometry.inputShape) : nil,
             needed[1] ? Tensor.convolutionFilterGradient(input: input, ybar, window: window, filterShape: geometry.filterShape) : nil]
                + (bias != nil ? [needed[2] ? ybar.sum(alongAxes: [0, 2, 3]) : nil] : [])
                + (residual != nil ? [needed[needed.count - 1] ? ybar : nil] : [])
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
                                let sample = x.value + b * g.c * g.h * g.w
                                Scalar.gemm(transposeA: true, transposeB: false, m: g.patch, n: band, k: g.o,
                                            alpha: 1, a: k.value, lda: g.patch, b: y.value + b * g.o * g.pixels + top * g.wo, ldb: g.pixels,
                                            beta: 0, c: g.isPointwise ? sample + top * g.wo : columns, ldc: g.isPointwise ? g.pixels : band)
                                if !g.isPointwise { g.fold(columns: columns, rows: rows, into: sample) }
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
                                let sample = x.value + b * g.c * g.h * g.w
                                if !g.isPointwise { g.unfold(sample: sample, rows: rows, into: columns, writingZeros: rows != previous) }
                                Scalar.gemm(transposeA: false, transposeB: true, m: g.o, n: g.patch, k: band,
                                            alpha: 1, a: y.value + b * g.o * g.pixels + top * g.wo, lda: g.pixels,
                                            b: g.isPointwise ? sample + top * g.wo : UnsafePointer(columns), ldb: g.isPointwise ? g.pixels : band,
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
                let buffer = UnsafeMutablePointer<Scalar>.allocate(capacity: g.bufferCount)
                defer { buffer.deallocate() }
                box.value((chunk * size)..<Swift.min(g.n, (chunk + 1) * size), chunk, buffer)
            }
            if chunks == 1 { return run(0) }
            BLASRuntime.withSingleThreadedCalls { DispatchQueue.concurrentPerform(iterations: chunks, execute: run) }
        }
    }
}

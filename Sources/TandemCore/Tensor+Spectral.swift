extension Tensor {
    /// The lowest Fourier modes of every plane `[H, W]` (the last two axes): the unnormalised
    /// 2-D DFT `X[k, l] = Σ_{h, w} x[h, w]·e^{−2πi(kh/H + lw/W)}` (``FourierTransform``: FFTW, pruned to these modes)
    /// at the `2·m₁` row frequencies `k ∈ {0, …, m₁ − 1} ∪ {H − m₁, …, H − 1}` and the `m₂` column
    /// frequencies `l ∈ {0, …, m₂ − 1}`.
    ///
    /// Shape `[…, H, W] → […, 2m₁, m₂, 2]`, the last axis holding real and imaginary parts; rows
    /// `m₁…2m₁ − 1` are the negative frequencies `−m₁…−1`. Needs `2m₁ ≤ H` and `m₂ ≤ W/2` (the
    /// Nyquist column is never kept). This is the analysis half of the spectral convolution of a
    /// Fourier neural operator (Li et al., "Fourier neural operator for parametric partial
    /// differential equations", ICLR 2021).
    ///
    /// The map is linear; its adjoint is `x̄[h, w] = Re Σ_{k, l} Ḡ[k, l]·e^{+2πi(kh/H + lw/W)}`
    /// = ``fourierSynthesis(height:width:)`` of `Ḡ` with column `l > 0` halved (synthesis counts
    /// those columns twice, for their conjugates), so the pullback is recorded in terms of that
    /// operation and second derivatives flow through it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func fourierModes(_ modes: (rows: Int, columns: Int)) -> Tensor {
        guard rank >= 2, modes.rows >= 1, modes.columns >= 1, 2 * modes.rows <= shape[rank - 2], modes.columns <= shape[rank - 1] / 2 else {
            shapeFailure(.shapeMismatch(operation: "fourierModes(\(modes))", expected: "planes [… , H, W] with 2·\(modes.rows) ≤ H and \(modes.columns) ≤ W/2", got: shape))
        }
        let (height, width) = (shape[rank - 2], shape[rank - 1])
        let planes = shape.dropLast(2).reduce(1, *)
        let (rows, columns) = (2 * modes.rows, modes.columns)
        let out = scalars.withUnsafeBufferPointer { px in
            [Scalar].uninitialized(count: planes * rows * columns * 2) { po in
                Scalar.fourierModes(count: planes, height: height, width: width, rows: modes.rows, columns: columns,
                                    real: px.baseAddress!, modes: po.baseAddress!)
            }
        }
        return .recorded("fourierModes", shape: Array(shape.dropLast(2)) + [rows, columns, 2], scalars: out, inputs: [self]) { g, _, _ in
            [(g * Tensor.fourierColumnWeights(rows: rows, columns: columns, inverse: true)).fourierSynthesis(height: height, width: width)]
        }
    }

    /// The real planes `[H, W]` whose lowest Fourier modes are given: for `Y: […, 2m₁, m₂, 2]`
    /// laid out as ``fourierModes(_:)`` returns them, `x[h, w] = Re Σ_{k, l} c_l·Y[k, l]·e^{+2πi(kh/H + lw/W)}`
    /// with `c₀ = 1`, `c_l = 2` for `l > 0` — the unnormalised inverse real DFT (FFTW c2r) of a
    /// half spectrum that is zero outside the kept modes. Dividing by `H·W` inverts
    /// ``fourierModes(_:)`` on band-limited planes.
    ///
    /// Column `l = 0` is made Hermitian (`(Y[k, 0] + conj Y[−k, 0])/2`) before the transform, so
    /// the result is the real part of the sum above for any `Y`, and the map stays linear with the
    /// adjoint `Ȳ = c_l·X̄`, `X̄` = ``fourierModes(_:)`` of `x̄`: the pullback, recorded.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func fourierSynthesis(height: Int, width: Int) -> Tensor {
        guard rank >= 3, shape[rank - 1] == 2, shape[rank - 3] % 2 == 0, shape[rank - 3] <= height, shape[rank - 2] <= width / 2, shape[rank - 2] >= 1 else {
            shapeFailure(.shapeMismatch(operation: "fourierSynthesis(height: \(height), width: \(width))",
                                        expected: "modes [… , 2m₁, m₂, 2] with 2m₁ ≤ \(height) and m₂ ≤ \(width / 2)", got: shape))
        }
        let (rows, columns) = (shape[rank - 3], shape[rank - 2])
        let planes = shape.dropLast(3).reduce(1, *)
        let out = scalars.withUnsafeBufferPointer { py in
            [Scalar].uninitialized(count: planes * height * width) { po in
                Scalar.fourierSynthesis(count: planes, height: height, width: width, rows: rows / 2, columns: columns,
                                        modes: py.baseAddress!, real: po.baseAddress!)
            }
        }
        return .recorded("fourierSynthesis", shape: Array(shape.dropLast(3)) + [height, width], scalars: out, inputs: [self]) { g, _, _ in
            [g.fourierModes((rows / 2, columns)) * Tensor.fourierColumnWeights(rows: rows, columns: columns, inverse: false)]
        }
    }

    /// `c_l` of ``fourierSynthesis(height:width:)`` (1 for column 0, 2 for the others), or its
    /// reciprocal, shaped `[rows, columns, 2]` to broadcast over a batch of modes.
    static func fourierColumnWeights(rows: Int, columns: Int, inverse: Bool) -> Tensor {
        let other: Scalar = inverse ? 0.5 : 2
        var values = [Scalar](repeating: other, count: rows * columns * 2)
        for r in 0..<rows { (values[r * columns * 2], values[r * columns * 2 + 1]) = (1, 1) }
        return Tensor(shape: [rows, columns, 2], scalars: values)
    }
}

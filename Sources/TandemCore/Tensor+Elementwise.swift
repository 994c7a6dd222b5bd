import RealModule

extension Tensor {
    /// Applies `f` to every scalar and records `pullback(ḡ, x, y)` as the rule.
    @inline(__always)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func unary(
        _ operation: String, _ f: (Scalar) -> Scalar,
        pullback: @escaping @Sendable (_ g: Tensor, _ x: Tensor, _ y: Tensor) -> Tensor
    ) -> Tensor {
        let x = self
        return .recorded(operation, shape: shape, scalars: Kernels.map(scalars, f), inputs: [x]) { g, y, _ in
            [pullback(g, x, y)]
        }
    }

    /// A constant tensor (not recorded) of ones where `predicate` holds and zeros elsewhere:
    /// `[p(xᵢ)]`, e.g. the derivative `[x > 0]` of `relu`.
    @inline(__always)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func indicator(_ predicate: (Scalar) -> Bool) -> Tensor {
        Tensor(shape: shape, scalars: Kernels.map(scalars) { predicate($0) ? 1 : 0 })
    }
}

/// `eˣ` elementwise. Pullback: `ḡ⊙y`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func exp<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("exp", { S.exp($0) }) { g, _, y in g * y }
}

/// Natural logarithm elementwise. Pullback: `ḡ/x`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func log<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("log", { S.log($0) }) { g, x, _ in g / x }
}

/// `log(1 + x)` elementwise, accurate for small `x`. Pullback: `ḡ/(1 + x)`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func log1p<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("log1p", { S.log(onePlus: $0) }) { g, x, _ in g / (x + 1) }
}

/// Sine elementwise. Pullback: `ḡ⊙cos x`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func sin<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("sin", { S.sin($0) }) { g, x, _ in g * cos(x) }
}

/// Cosine elementwise. Pullback: `−ḡ⊙sin x`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func cos<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("cos", { S.cos($0) }) { g, x, _ in -(g * sin(x)) }
}

/// Hyperbolic tangent elementwise. Pullback: `ḡ⊙(1 − y²)`, as one fused recorded operation.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func tanh<S>(_ x: Tensor<S>) -> Tensor<S> {
    let scalars = x.scalars.withUnsafeBufferPointer { px in
        [S].uninitialized(count: px.count) { out in
            Parallelism.forEachChunk(count: px.count) { range in
                S.vectorTanh(UnsafeBufferPointer(rebasing: px[range]), into: UnsafeMutableBufferPointer(rebasing: out[range]))
            }
        }
    }
    return .recorded("tanh", shape: x.shape, scalars: scalars, inputs: [x]) { g, y, _ in [tanhPullback(g, y)] }
}

/// `ḡ⊙(1 − y²)`, the pullback of `y = tanh x`, fused so that a training step makes one pass.
/// Its own pullback: `(ḡ′⊙(1 − y²), −2·ḡ′⊙ḡ⊙y)`, so second derivatives of `tanh` work.
@_specialize(where S == Float)
@_specialize(where S == Double)
func tanhPullback<S>(_ g: Tensor<S>, _ y: Tensor<S>) -> Tensor<S> {
    let scalars = g.scalars.withUnsafeBufferPointer { pg in
        y.scalars.withUnsafeBufferPointer { py in
            [S].uninitialized(count: pg.count) { out in
                Parallelism.forEachChunk(count: pg.count) { range in
                    for i in range { out[i] = pg[i] * (1 - py[i] * py[i]) }
                }
            }
        }
    }
    return .recorded("tanhPullback", shape: y.shape, scalars: scalars, inputs: [g, y]) { gg, _, needed in
        [needed[0] ? tanhPullback(gg, y) : nil, needed[1] ? -2 * (gg * g * y) : nil]
    }
}

/// Square root elementwise. Pullback: `ḡ/(2y)`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func sqrt<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("sqrt", { $0.squareRoot() }) { g, _, y in (g / y) * 0.5 }
}

/// `xᵖ` elementwise for a constant exponent `p`. Pullback: `ḡ⊙p·xᵖ⁻¹`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func pow<S>(_ x: Tensor<S>, _ p: S) -> Tensor<S> {
    if p == 2 { return x * x }
    if p == 1 { return x }
    return x.unary("pow", { S.pow($0, p) }) { g, x, _ in g * (pow(x, p - 1) * p) }
}

/// `x²` elementwise. Pullback: `2ḡ⊙x`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func square<S>(_ x: Tensor<S>) -> Tensor<S> { x * x }

/// Absolute value elementwise. Pullback: `ḡ⊙sign x` (0 at 0).
@_specialize(where S == Float)
@_specialize(where S == Double)
public func abs<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("abs", { Swift.abs($0) }) { g, x, _ in g * x.indicator { $0 > 0 } - g * x.indicator { $0 < 0 } }
}

/// The error function `erf x = 2/√π ∫₀ˣ e^{−t²} dt` elementwise. Pullback: `ḡ⊙(2/√π)e^{−x²}`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func erf<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("erf", { S.erf($0) }) { g, x, _ in g * exp(-(x * x)) * (2 / S.pi.squareRoot()) }
}

/// The logistic sigmoid `σ(x) = 1/(1 + e^{−x})` elementwise. Pullback: `ḡ⊙y(1 − y)`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func sigmoid<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("sigmoid", { v in v >= 0 ? 1 / (1 + S.exp(-v)) : S.exp(v) / (1 + S.exp(v)) }) { g, _, y in
        g * (y * (1 - y))
    }
}

/// `max(x, 0)` elementwise. Pullback: `ḡ` where `x > 0`, else 0.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func relu<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("relu", { $0 > 0 ? $0 : 0 }) { g, _, y in reluPullback(g, y) }
}

/// `ḡ` where `y > 0`, else `0`: the pullback of `y = relu x` in one pass (no mask tensor and
/// product; the convolutional branch's ReLUs cover 9 million elements a step). Linear in `ḡ`,
/// so its own pullback is itself; `relu`'s second derivative is zero wherever it exists.
@_specialize(where S == Float)
@_specialize(where S == Double)
func reluPullback<S>(_ g: Tensor<S>, _ y: Tensor<S>) -> Tensor<S> {
    let scalars = Kernels.zip(g.scalars, y.scalars) { g, y in y > 0 ? g : 0 }
    return .recorded("reluPullback", shape: y.shape, scalars: scalars, inputs: [g]) { gg, _, _ in [reluPullback(gg, y)] }
}

/// `x` where `x > 0`, else `α·x`. Pullback: `ḡ` or `α·ḡ`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func leakyRelu<S>(_ x: Tensor<S>, slope alpha: S = 0.01) -> Tensor<S> {
    x.unary("leakyRelu", { $0 > 0 ? $0 : alpha * $0 }) { g, x, _ in
        g * Tensor(shape: x.shape, scalars: Kernels.map(x.scalars) { $0 > 0 ? 1 : alpha })
    }
}

/// Exponential linear unit: `x` where `x > 0`, else `α(eˣ − 1)`. Pullback: `ḡ` or `ḡ⊙(y + α)`.
/// Clevert, Unterthiner & Hochreiter 2016, arXiv:1511.07289.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func elu<S>(_ x: Tensor<S>, alpha: S = 1) -> Tensor<S> {
    x.unary("elu", { $0 > 0 ? $0 : alpha * S.expMinusOne($0) }) { g, x, y in
        let positive = x.indicator { $0 > 0 }
        return g * (positive + (1 - positive) * (y + alpha))
    }
}

/// Scaled ELU `λ·elu(x, α)` with λ ≈ 1.0507, α ≈ 1.6733 (self-normalising networks).
/// Klambauer et al. 2017, arXiv:1706.02515.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func selu<S>(_ x: Tensor<S>) -> Tensor<S> {
    elu(x, alpha: 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946
}

/// Gaussian error linear unit `x·Φ(x)`, `Φ` the standard normal CDF (the exact form, not the
/// tanh approximation). Pullback: `ḡ⊙(Φ(x) + x·φ(x))`. Hendrycks & Gimpel 2016, arXiv:1606.08415.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func gelu<S>(_ x: Tensor<S>) -> Tensor<S> {
    let invSqrt2 = 1 / S.sqrt(2)
    let scalars = ElementwiseLoop.run(x.scalars) { px, out, range in
        for i in range { out[i] = px[i] * (1 + S.erf(px[i] * invSqrt2)) / 2 }
    }
    return .recorded("gelu", shape: x.shape, scalars: scalars, inputs: [x]) { g, _, _ in [geluPullback(g, x)] }
}

/// `ḡ⊙(Φ(x) + x·φ(x))`, the pullback of `gelu`, in one pass. Its own pullback:
/// `(ḡ′⊙gelu′(x), ḡ′⊙ḡ⊙φ(x)(2 − x²))`, so second derivatives of `gelu` work.
@_specialize(where S == Float)
@_specialize(where S == Double)
func geluPullback<S>(_ g: Tensor<S>, _ x: Tensor<S>) -> Tensor<S> {
    let invSqrt2 = 1 / S.sqrt(2), invSqrt2Pi = 1 / S.sqrt(2 * S.pi)
    let scalars = ElementwiseLoop.run(g.scalars, x.scalars) { pg, px, out, range in
        for i in range {
            let v = px[i]
            out[i] = pg[i] * ((1 + S.erf(v * invSqrt2)) / 2 + v * S.exp(v * v * -0.5) * invSqrt2Pi)
        }
    }
    return .recorded("geluPullback", shape: x.shape, scalars: scalars, inputs: [g, x]) { gg, _, needed in
        [needed[0] ? geluPullback(gg, x) : nil,
         needed[1] ? gg * g * (exp(x * x * -0.5) * invSqrt2Pi) * (2 - x * x) : nil]
    }
}

/// GELU in its tanh form (Hendrycks & Gimpel, "Gaussian error linear units", arXiv:1606.08415):
/// `y = ½x(1 + tanh u)`, `u = √(2/π)(x + 0.044715x³)`, evaluated with the vectorised `tanh`
/// (see `VectorMath`). Within 10⁻³ of ``gelu(_:)`` everywhere, and several times faster.
///
/// Pullback: `ḡ⊙y′`, `y′ = ½(1 + t) + ½x(1 − t²)u′`, `u′ = √(2/π)(1 + 3·0.044715x²)`; when the
/// graph records, `y′` is computed in the same pass as `y` (from the same `tanh`) and kept, so the
/// pullback is one product. Its own pullback uses `y″ = (1 − t²)(u′ − x·t·u′² + 3·0.044715·√(2/π)x²)`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func geluTanh<S>(_ x: Tensor<S>) -> Tensor<S> {
    guard x.node != nil, GradientMode.isRecording else {
        let scalars = ElementwiseLoop.run(x.scalars) { px, out, range in geluTanhTiles(px, range, value: out.baseAddress!, slope: nil) }
        return Tensor(shape: x.shape, scalars: scalars)
    }
    let n = x.scalarCount
    var derivative = [S]()
    let scalars = x.scalars.withUnsafeBufferPointer { px in
        [S].uninitialized(count: n) { out in
            derivative = [S](unsafeUninitializedCapacity: n) { pd, count in
                Parallelism.forEachChunk(count: n) { range in geluTanhTiles(px, range, value: out.baseAddress!, slope: pd.baseAddress!) }
                count = n
            }
        }
    }
    let slope = derivative
    return .recorded("geluTanh", shape: x.shape, scalars: scalars, inputs: [x]) { g, _, _ in [geluTanhPullback(g, x, derivative: slope)] }
}

/// `y = geluTanh(x)` and/or `y′` at the indices `range` of `x`, tile by tile (`t = tanh u` once per
/// element, from the vectorised `tanh`), written at the same indices of `value` and `slope`.
@inline(__always)
func geluTanhTiles<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ range: Range<Int>, value: UnsafeMutablePointer<S>?, slope: UnsafeMutablePointer<S>?) {
    let (k, a) = (S.sqrt(2 / S.pi), S(0.044715))
    ElementwiseLoop.tiles(range) { tile, t in
        let v = x.baseAddress! + tile.lowerBound
        for j in 0..<tile.count { t[j] = k * (v[j] + a * v[j] * v[j] * v[j]) }
        S.vectorTanh(UnsafeBufferPointer(t), into: t)
        if let y = value.map({ $0 + tile.lowerBound }) {
            for j in 0..<tile.count { y[j] = v[j] * (1 + t[j]) / 2 }
        }
        if let d = slope.map({ $0 + tile.lowerBound }) {
            for j in 0..<tile.count {
                let (u, th) = (v[j], t[j])
                let du: S = k * (1 + 3 * a * u * u)
                let curvature: S = u * (1 - th * th) * du
                d[j] = ((1 + th) + curvature) / 2
            }
        }
    }
}

/// `ḡ⊙y′` for `y = geluTanh(x)` (see ``geluTanh(_:)``), from `y′` when the forward pass kept it;
/// recorded with its own pullback.
@_specialize(where S == Float)
@_specialize(where S == Double)
func geluTanhPullback<S>(_ g: Tensor<S>, _ x: Tensor<S>, derivative: [S]? = nil) -> Tensor<S> {
    let (k, a) = (S.sqrt(2 / S.pi), S(0.044715))
    let slope = derivative ?? ElementwiseLoop.run(x.scalars) { px, out, range in geluTanhTiles(px, range, value: nil, slope: out.baseAddress!) }
    let scalars = ElementwiseLoop.run(g.scalars, slope) { pg, pd, out, range in
        for i in range { out[i] = pg[i] * pd[i] }
    }
    return .recorded("geluTanhPullback", shape: x.shape, scalars: scalars, inputs: [g, x]) { gg, _, needed in
        guard needed[1] else { return [needed[0] ? geluTanhPullback(gg, x, derivative: slope) : nil, nil] }
        let tx = tanh((x + x * x * x * a) * k)
        let du = (x * x * (3 * a) + 1) * k
        let second = (1 - tx * tx) * (du - x * tx * du * du + x * x * (3 * a * k))
        return [needed[0] ? geluTanhPullback(gg, x, derivative: slope) : nil, gg * g * second]
    }
}

/// Elementwise loops written out in place (so that the formula is inlined into the loop), split
/// into contiguous chunks on ``Parallelism/workerCount`` threads when the arrays are large.
enum ElementwiseLoop {
    /// A new array of `x.count` elements, each chunk `range` filled by `body(x, out, range)`.
    @inline(__always)
    static func run<S>(_ x: [S], _ body: (UnsafeBufferPointer<S>, UnsafeMutableBufferPointer<S>, Range<Int>) -> Void) -> [S] {
        x.withUnsafeBufferPointer { px in
            [S].uninitialized(count: px.count) { out in
                Parallelism.forEachChunk(count: px.count) { range in body(px, out, range) }
            }
        }
    }

    /// Calls `body` on consecutive tiles of at most 1024 indices of `range`, with a scratch
    /// buffer of the tile's length (on the stack), e.g. for a vectorised function that must not
    /// write where it reads.
    @inline(__always)
    static func tiles<S>(_ range: Range<Int>, _ body: (Range<Int>, UnsafeMutableBufferPointer<S>) -> Void) {
        withUnsafeTemporaryAllocation(of: S.self, capacity: 1024) { scratch in
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 1024) {
                let tile = start..<Swift.min(start + 1024, range.upperBound)
                body(tile, UnsafeMutableBufferPointer(rebasing: scratch[0..<tile.count]))
            }
        }
    }

    /// A new array of `x.count` elements from two equal-length arrays, chunk by chunk.
    @inline(__always)
    static func run<S>(_ x: [S], _ y: [S], _ body: (UnsafeBufferPointer<S>, UnsafeBufferPointer<S>, UnsafeMutableBufferPointer<S>, Range<Int>) -> Void) -> [S] {
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                [S].uninitialized(count: px.count) { out in
                    Parallelism.forEachChunk(count: px.count) { range in body(px, py, out, range) }
                }
            }
        }
    }
}

/// Sigmoid-weighted linear unit (swish) `x·σ(x)`. Pullback: `ḡ⊙σ(x)(1 + x(1 − σ(x)))`.
/// Ramachandran, Zoph & Le 2017, arXiv:1710.05941.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func silu<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("silu", { v in v / (1 + S.exp(-v)) }) { g, x, _ in
        let s = sigmoid(x)
        return g * (s * (x * (1 - s) + 1))
    }
}

/// `log(1 + eˣ)` elementwise, computed stably as `max(x, 0) + log1p(e^{−|x|})`. Pullback: `ḡ⊙σ(x)`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func softplus<S>(_ x: Tensor<S>) -> Tensor<S> {
    x.unary("softplus", { v in Swift.max(v, 0) + S.log(onePlus: S.exp(-Swift.abs(v))) }) { g, x, _ in
        g * sigmoid(x)
    }
}

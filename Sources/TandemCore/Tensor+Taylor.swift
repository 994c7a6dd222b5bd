/// How the row blocks of a stacked Taylor-mode jet are arranged: the value, `first` first-order
/// blocks, then second-order blocks, each `rows` rows tall.
///
/// A second-order block is either pure (`∂²/∂xᵢ²`, named by the index of its first-order block
/// `i`) or mixed (`∂²/∂xᵢ∂xⱼ`, named by two first-order block indices).
public struct TaylorLayout: Hashable, Sendable {
    /// Rows per block (points).
    public let rows: Int
    /// First-order blocks.
    public let first: Int
    /// For each pure second-order block, the first-order block it differentiates twice.
    public let second: [Int]
    /// For each mixed second-order block, its two first-order blocks.
    public let mixed: [[Int]]

    /// A layout; every index must name a first-order block.
    public init(rows: Int, first: Int, second: [Int], mixed: [[Int]]) {
        precondition(second.allSatisfy { (0..<first).contains($0) } && mixed.allSatisfy { $0.count == 2 && $0.allSatisfy { (0..<first).contains($0) } },
                     "TaylorLayout: second-order blocks must name first-order blocks 0..<\(first)")
        self.rows = rows
        self.first = first
        self.second = second
        self.mixed = mixed
    }

    /// `1 + first + second + mixed`.
    public var blockCount: Int { 1 + first + second.count + mixed.count }
}

/// The nonlinearities with a fused Taylor-mode kernel.
public enum TaylorNonlinearity: String, Sendable, CaseIterable {
    case identity, tanh, sin

    /// `σ`, `σ'`, `σ''` and `σ'''` at `z` (written into the four buffers).
    @inline(__always)
    func derivatives<S: TensorScalar>(_ z: UnsafeBufferPointer<S>, _ s0: UnsafeMutableBufferPointer<S>, _ s1: UnsafeMutableBufferPointer<S>,
                                      _ s2: UnsafeMutableBufferPointer<S>, _ s3: UnsafeMutableBufferPointer<S>) {
        switch self {
        case .identity:
            for i in z.indices { (s0[i], s1[i], s2[i], s3[i]) = (z[i], 1, 0, 0) }
        case .tanh:
            S.vectorTanh(z, into: s0)
            for i in z.indices {
                let t = s0[i], d1 = 1 - t * t
                (s1[i], s2[i], s3[i]) = (d1, -2 * t * d1, d1 * (4 * t * t - 2 * d1))
            }
        case .sin:
            for i in z.indices {
                let (s, c) = (S.sin(z[i]), S.cos(z[i]))
                (s0[i], s1[i], s2[i], s3[i]) = (s, c, -s, -c)
            }
        }
    }

    /// `(σ(z), σ'(z), σ''(z))` with recorded tensor operations (the differentiable reference path).
    func composed<S>(_ z: Tensor<S>) -> (Tensor<S>, Tensor<S>, Tensor<S>) {
        switch self {
        case .identity: return (z, .ones(shape: z.shape), .zeros(shape: z.shape))
        case .tanh:
            let t = TandemCore.tanh(z)
            let d1 = 1 - t * t
            return (t, d1, -2 * t * d1)
        case .sin: return (TandemCore.sin(z), TandemCore.cos(z), -TandemCore.sin(z))
        }
    }
}

extension Tensor {
    /// Taylor-mode propagation through `σ(· + b)` of a stacked jet `Z` (`[blocks·n, w]`, laid out
    /// by `layout`, bias added to the value block only): with `z = Z₀ + b`,
    /// `Y₀ = σ(z)`, `Yᵢ = σ'(z)⊙Zᵢ`, `Yᵢᵢ = σ''(z)⊙Zᵢ² + σ'(z)⊙Zᵢᵢ`, `Yᵢⱼ = σ''(z)⊙Zᵢ⊙Zⱼ + σ'(z)⊙Zᵢⱼ`.
    ///
    /// One fused pass forward and one backward (the pullback needs `σ'''`):
    /// `Z̄ᵢ = σ'Ȳᵢ + 2σ''ZᵢȲᵢᵢ + Σⱼ σ''ZⱼȲᵢⱼ`, `Z̄ᵢᵢ = σ'Ȳᵢᵢ`, `Z̄ᵢⱼ = σ'Ȳᵢⱼ`,
    /// `z̄ = σ'Ȳ₀ + σ''(ΣZᵢȲᵢ + ΣZᵢᵢȲᵢᵢ + ΣZᵢⱼȲᵢⱼ) + σ'''(ΣZᵢ²Ȳᵢᵢ + ΣZᵢZⱼȲᵢⱼ)`, `b̄ = Σ_rows z̄`.
    /// When the backward pass is itself recorded (higher derivatives), the pullback is instead
    /// the reverse-mode derivative of the same map written with recorded operations, so
    /// derivatives of every order stay exact.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func taylorActivation(bias: Tensor, _ nonlinearity: TaylorNonlinearity, layout: TaylorLayout) -> Tensor {
        let (n, blocks) = (layout.rows, layout.blockCount)
        guard rank == 2, shape[0] == n * blocks, bias.shape == [shape[1]] else {
            shapeFailure(.shapeMismatch(operation: "taylorActivation", expected: "[\(blocks)·\(n), w] jets with bias [w] (bias \(bias.shape))", got: shape))
        }
        let w = shape[1], m = n * w
        var out = [Scalar](repeating: 0, count: blocks * m)
        scalars.withUnsafeBufferPointer { pz in
            bias.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { py in
                    Self.forEachElementChunk(pz, pb, nonlinearity, rows: n, width: w) { range, s0, s1, s2, _ in
                        let z = pz.baseAddress!, y = py.baseAddress!
                        for e in range { y[e] = s0[e] }
                        for i in 0..<layout.first {
                            let (zi, yi) = (z + (1 + i) * m, y + (1 + i) * m)
                            for e in range { yi[e] = s1[e] * zi[e] }
                        }
                        var k = 1 + layout.first
                        for i in layout.second {
                            let (zi, zk, yk) = (z + (1 + i) * m, z + k * m, y + k * m)
                            for e in range { yk[e] = s2[e] * zi[e] * zi[e] + s1[e] * zk[e] }
                            k += 1
                        }
                        for pair in layout.mixed {
                            let (zi, zj, zk, yk) = (z + (1 + pair[0]) * m, z + (1 + pair[1]) * m, z + k * m, y + k * m)
                            for e in range { yk[e] = s2[e] * zi[e] * zj[e] + s1[e] * zk[e] }
                            k += 1
                        }
                    }
                }
            }
        }
        let z = self
        return .recorded("taylor_\(nonlinearity.rawValue)", shape: shape, scalars: out, inputs: [self, bias]) { ybar, _, needed in
            if GradientMode.isRecording {
                // Differentiate the composed map with respect to the recorded inputs only.
                let inputs = [z, bias].enumerated().filter { needed[$0.offset] && $0.element.node != nil }
                let composed = Tensor.composedTaylorActivation(z, bias: bias, nonlinearity, layout: layout)
                let grads = try! gradients(of: composed, withRespectTo: inputs.map(\.element), seed: ybar, createGraph: true)
                var result: [Tensor?] = [nil, nil]
                for (k, input) in inputs.enumerated() { result[input.offset] = grads[k] }
                return result
            }
            let (zbar, bbar) = Tensor.taylorActivationPullback(ybar, z: z, bias: bias, nonlinearity, layout: layout)
            return [needed[0] ? zbar : nil, needed[1] ? bbar : nil]
        }
    }

    /// Calls `body(range, σ, σ′, σ″, σ‴)` on chunks of the value block's elements (concurrently
    /// for large blocks, see ``Parallelism``), with the derivatives at `z = Z₀ + b` for the
    /// chunk's elements in scratch buffers indexed like the block.
    @inline(__always)
    static func forEachElementChunk(
        _ pz: UnsafeBufferPointer<Scalar>, _ pb: UnsafeBufferPointer<Scalar>, _ nonlinearity: TaylorNonlinearity, rows n: Int, width w: Int,
        _ body: (Range<Int>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    ) {
        Parallelism.forEachChunk(count: n * w) { range in
            let count = range.count
            let buffer = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: 5 * Swift.max(count, 1))
            defer { buffer.deallocate() }
            let z0 = buffer.baseAddress!
            for e in range { z0[e - range.lowerBound] = pz[e] + pb[e % w] }
            let part = { (k: Int) in UnsafeMutableBufferPointer(start: z0 + k * count, count: count) }
            nonlinearity.derivatives(UnsafeBufferPointer(part(0)), part(1), part(2), part(3), part(4))
            // Shift the buffers so that element e of the block is at index e.
            let shift = { (k: Int) in z0 + k * count - range.lowerBound }
            body(range, shift(1), shift(2), shift(3), shift(4))
        }
    }

    /// The fused first-order pullback of ``taylorActivation(bias:_:layout:)`` (not recorded).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func taylorActivationPullback(_ ybar: Tensor, z: Tensor, bias: Tensor, _ nonlinearity: TaylorNonlinearity,
                                         layout: TaylorLayout) -> (Tensor, Tensor) {
        let (n, blocks, w) = (layout.rows, layout.blockCount, z.shape[1])
        let m = n * w
        var zbar = [Scalar](repeating: 0, count: blocks * m)
        var bbar = [Scalar](repeating: 0, count: w)
        z.scalars.withUnsafeBufferPointer { pz in
            bias.scalars.withUnsafeBufferPointer { pb in
                ybar.scalars.withUnsafeBufferPointer { pg in
                    zbar.withUnsafeMutableBufferPointer { pzb in
                        forEachElementChunk(pz, pb, nonlinearity, rows: n, width: w) { range, _, s1, s2, s3 in
                            let (zz, g, out) = (pz.baseAddress!, pg.baseAddress!, pzb.baseAddress!)
                            // Value block: σ'·Ȳ₀ first; the σ'' and σ''' sums are added below.
                            for e in range { out[e] = s1[e] * g[e] }
                            for i in 0..<layout.first {
                                let (zi, gi, oi) = (zz + (1 + i) * m, g + (1 + i) * m, out + (1 + i) * m)
                                for e in range {
                                    oi[e] = s1[e] * gi[e]
                                    out[e] += s2[e] * zi[e] * gi[e]
                                }
                            }
                            var k = 1 + layout.first
                            for i in layout.second {
                                let (zi, zk, gk, oi, ok) = (zz + (1 + i) * m, zz + k * m, g + k * m, out + (1 + i) * m, out + k * m)
                                for e in range {
                                    ok[e] = s1[e] * gk[e]
                                    oi[e] += 2 * s2[e] * zi[e] * gk[e]
                                    out[e] += s2[e] * zk[e] * gk[e] + s3[e] * zi[e] * zi[e] * gk[e]
                                }
                                k += 1
                            }
                            for pair in layout.mixed {
                                let (zi, zj, zk, gk) = (zz + (1 + pair[0]) * m, zz + (1 + pair[1]) * m, zz + k * m, g + k * m)
                                let (oi, oj, ok) = (out + (1 + pair[0]) * m, out + (1 + pair[1]) * m, out + k * m)
                                for e in range {
                                    ok[e] = s1[e] * gk[e]
                                    oi[e] += s2[e] * zj[e] * gk[e]
                                    oj[e] += s2[e] * zi[e] * gk[e]
                                    out[e] += s2[e] * zk[e] * gk[e] + s3[e] * zi[e] * zj[e] * gk[e]
                                }
                                k += 1
                            }
                        }
                        let out = pzb.baseAddress!
                        for r in 0..<n { for c in 0..<w { bbar[c] += out[r * w + c] } }
                    }
                }
            }
        }
        return (Tensor(shape: z.shape, scalars: zbar, node: nil), Tensor(shape: bias.shape, scalars: bbar, node: nil))
    }

    /// ``taylorActivation(bias:_:layout:)`` written with recorded operations (slices, products,
    /// concatenation): the reference its fused kernels are tested against, and the path higher
    /// derivatives take.
    public static func composedTaylorActivation(_ z: Tensor, bias: Tensor, _ nonlinearity: TaylorNonlinearity, layout: TaylorLayout) -> Tensor {
        let n = layout.rows
        func block(_ k: Int) -> Tensor { z.slice(alongAxis: 0, (k * n)..<((k + 1) * n)) }
        let (s0, s1, s2) = nonlinearity.composed(block(0) + bias)
        var out = [s0]
        for i in 0..<layout.first { out.append(s1 * block(1 + i)) }
        var k = 1 + layout.first
        for i in layout.second {
            out.append(s2 * block(1 + i) * block(1 + i) + s1 * block(k))
            k += 1
        }
        for pair in layout.mixed {
            out.append(s2 * block(1 + pair[0]) * block(1 + pair[1]) + s1 * block(k))
            k += 1
        }
        return out.count == 1 ? out[0] : concatenate(out, alongAxis: 0)
    }
}

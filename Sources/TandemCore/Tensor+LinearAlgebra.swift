/// The matrix product `op(a)·op(b)`, where `op` transposes the last two axes when asked, computed
/// by BLAS `?gemm` without copying transposed operands.
///
/// Shapes: `[m, k]·[k, n] → [m, n]`; batched `[B, m, k]·[B, k, n] → [B, m, n]`; and
/// `[B, m, k]·[k, n] → [B, m, n]` with the right operand shared across the batch.
///
/// Pullback (for `C = op(A)·op(B)`): `op(A)̄ = ḡ·op(B)ᵀ`, `op(B)̄ = op(A)ᵀ·ḡ`, written again as
/// matrix products with transpose flags, so second derivatives flow through them.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func matmul<S>(_ a: Tensor<S>, _ b: Tensor<S>, transposeA: Bool = false, transposeB: Bool = false) -> Tensor<S> {
    if a.rank == 3, b.rank == 2, !transposeA {
        let (batch, m) = (a.shape[0], a.shape[1])
        let flat = matmul(a.reshaped(to: [batch * m, a.shape[2]]), b, transposeB: transposeB)
        return flat.reshaped(to: [batch, m, flat.shape[1]])
    }
    guard (a.rank == 2 && b.rank == 2) || (a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0]) else {
        shapeFailure(.shapeMismatch(operation: "matmul", expected: "matrices [m, k]·[k, n] or batches [B, m, k]·[B, k, n] (left \(a.shape))", got: b.shape))
    }
    let batched = a.rank == 3
    let batch = batched ? a.shape[0] : 1
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (kb, n) = transposeB ? (bc, br) : (br, bc)
    guard k == kb else {
        shapeFailure(.shapeMismatch(
            operation: "matmul", expected: "inner dimensions to agree (left \(a.shape)\(transposeA ? "ᵀ" : ""), right\(transposeB ? "ᵀ" : ""))",
            got: b.shape))
    }
    let outShape = batched ? [batch, m, n] : [m, n]
    let out = a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
            [S].uninitialized(count: batch * m * n) { pc in
                for i in 0..<batch {
                    let c = pc.baseAddress! + i * m * n
                    if k == 0 {
                        c.initialize(repeating: 0, count: m * n)
                        continue
                    }
                    S.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        alpha: 1, a: pa.baseAddress! + i * ar * ac, lda: ac,
                        b: pb.baseAddress! + i * br * bc, ldb: bc,
                        beta: 0, c: c, ldc: n)
                }
            }
        }
    }
    return .recorded("matmul", shape: outShape, scalars: out, inputs: [a, b]) { g, _, needed in
        let da: Tensor<S>? = needed[0]
            ? (transposeA ? matmul(b, g, transposeA: transposeB, transposeB: true) : matmul(g, b, transposeB: !transposeB))
            : nil
        let db: Tensor<S>? = needed[1]
            ? (transposeB ? matmul(g, a, transposeA: true, transposeB: transposeA) : matmul(a, g, transposeA: !transposeA))
            : nil
        return [da, db]
    }
}

/// The affine map `x·W + b` of a batch `x: [n, in]` with `W: [in, out]` and `b: [out]`, as one
/// GEMM that accumulates onto the broadcast bias.
///
/// Pullback: `x̄ = ḡ·Wᵀ`, `W̄ = xᵀ·ḡ`, `b̄ = Σ_rows ḡ`.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func linear<S>(_ x: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>) -> Tensor<S> {
    guard x.rank == 2, weight.rank == 2, x.shape[1] == weight.shape[0], bias.shape == [weight.shape[1]] else {
        shapeFailure(.shapeMismatch(
            operation: "linear", expected: "x [n, \(weight.shape.first ?? 0)] with weight \(weight.shape) and bias [\(weight.shape.last ?? 0)] (bias is \(bias.shape))",
            got: x.shape))
    }
    let (n, k, m) = (x.shape[0], x.shape[1], weight.shape[1])
    var out = [S]()
    out.reserveCapacity(n * m)
    for _ in 0..<n { out.append(contentsOf: bias.scalars) }
    x.scalars.withUnsafeBufferPointer { px in
        weight.scalars.withUnsafeBufferPointer { pw in
            out.withUnsafeMutableBufferPointer { po in
                if k <= 4 {
                    // A few inputs (coordinates of query points): k rank-one updates of each row,
                    // vectorised along the outputs; a GEMM call would mostly pack.
                    for i in 0..<n {
                        let row = po.baseAddress! + i * m
                        for l in 0..<k {
                            let xil = px[i * k + l], w = pw.baseAddress! + l * m
                            for j in 0..<m { row[j] += xil * w[j] }
                        }
                    }
                } else {
                    S.gemm(
                        transposeA: false, transposeB: false, m: n, n: m, k: k, alpha: 1,
                        a: px.baseAddress!, lda: k, b: pw.baseAddress!, ldb: m, beta: 1, c: po.baseAddress!, ldc: m)
                }
            }
        }
    }
    return .recorded("linear", shape: [n, m], scalars: out, inputs: [x, weight, bias]) { g, _, needed in
        [
            needed[0] ? matmul(g, weight, transposeB: true) : nil,
            needed[1] ? matmul(x, g, transposeA: true) : nil,
            needed[2] ? g.sum(toShape: [m]) : nil,
        ]
    }
}

import TandemCore

/// The GEMM shapes training is made of (`docs/benchmarks.md`): `C[m×n] = op(A)·op(B)` with `op(A)`
/// `m×k` and `op(B)` `k×n`, stored transposed where the flag says so — the layers of the PINN, MLP
/// and DeepONet steps with their input gradients (`ḡ·Wᵀ`) and weight gradients (`xᵀ·ḡ`), the
/// Darcy CNN's unfolded convolutions as Tandem runs them (per sample and band: `K·X`, `Kᵀ·Ȳ`,
/// `Ȳ·Xᵀ`), the unfolded convolution in the `[pixels, patch]` layout, and 2048³.
let gemmShapes: [(name: String, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool)] = [
    ("gemm_pinn_layer_16384x64x64", 16384, 64, 64, false, false),
    ("gemm_pinn_weight_grad_64x64x16384", 64, 64, 16384, true, false),
    ("gemm_pinn_input_grad_16384x64x64", 16384, 64, 64, false, true),
    ("gemm_mlp_8192x128x128", 8192, 128, 128, false, false),
    ("gemm_mlp_weight_grad_128x128x8192", 128, 128, 8192, true, false),
    ("gemm_mlp_input_grad_8192x128x128", 8192, 128, 128, false, true),
    ("gemm_deeponet_64x128x128", 64, 128, 128, false, false),
    ("gemm_cnn_unfold_10000x32x400", 10000, 32, 400, false, false),
    ("gemm_conv1_16x9216x50", 16, 9216, 50, false, false),
    ("gemm_conv2_32x1936x400", 32, 1936, 400, false, false),
    ("gemm_conv2_input_grad_400x1936x32", 400, 1936, 32, true, false),
    ("gemm_conv2_filter_grad_32x400x1936", 32, 400, 1936, false, true),
    ("gemm_square_2048", 2048, 2048, 2048, false, false),
]

/// GFLOP/s of Tandem's GEMM on each shape, median of `repeats` calls after two warm-up calls, on
/// preallocated matrices: as dispatched (`GEMMDispatch`, the name alone; the same shapes as
/// `Benchmarks/peers/torch_gemm.py`) and forced to each backend (`name@blas`, `name@xsmm`).
func gemmShapeMeasurements<S: TensorScalar>(_: S.Type, repeats: Int) -> [Measurement] {
    var g = SeededGenerator(seed: 3)
    return gemmShapes.flatMap { shape -> [Measurement] in
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let a = Tensor<S>.randomNormal(shape: shape.transposeA ? [k, m] : [m, k], using: &g).scalars
        let b = Tensor<S>.randomNormal(shape: shape.transposeB ? [n, k] : [k, n], using: &g).scalars
        var c = [S](repeating: 0, count: m * n)
        let count = m * n * k >= 1 << 30 ? Swift.max(3, repeats / 10) : repeats
        let chosen = GEMMDispatch.backend(transposeA: shape.transposeA, transposeB: shape.transposeB,
                                          m: m, n: n, k: k, alpha: 1, beta: 0)
        let variants: [(suffix: String, backend: GEMMBackend?)] = [("", nil), ("@blas", .blas), ("@xsmm", .smallMatrix)]
        return variants.map { variant in
            func call() {
                c.withUnsafeMutableBufferPointer { pc in
                    if let backend = variant.backend {
                        S.gemm(on: backend, transposeA: shape.transposeA, transposeB: shape.transposeB, m: m, n: n, k: k,
                               alpha: 1, a: a, lda: shape.transposeA ? m : k, b: b, ldb: shape.transposeB ? k : n,
                               beta: 0, c: pc.baseAddress!, ldc: n)
                    } else {
                        S.gemm(transposeA: shape.transposeA, transposeB: shape.transposeB, m: m, n: n, k: k,
                               alpha: 1, a: a, lda: shape.transposeA ? m : k, b: b, ldb: shape.transposeB ? k : n,
                               beta: 0, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            for _ in 0..<2 { call() }
            let ms = median((0..<count).map { _ in seconds { call() } }) * 1e3
            let layout = "\(shape.transposeA ? "T" : "N")\(shape.transposeB ? "T" : "N")"
            return Measurement(name: shape.name + variant.suffix, precision: S.dtypeName, batch: m, medianMilliseconds: ms,
                               gflops: 2 * Double(m * n * k) / (ms * 1e-3) / 1e9,
                               note: "\(m)x\(n)x\(k) \(layout), " + (variant.backend.map { "forced \($0.rawValue)" } ?? "dispatched to \(chosen.rawValue)"))
        }
    }
}

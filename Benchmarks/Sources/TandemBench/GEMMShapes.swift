import TandemCore

/// The GEMM shapes training is made of (issue table of `docs/benchmarks.md`): `(name, m, n, k,
/// transposeA)` for `C[m×n] = op(A)·B` with `op(A)` `m×k`. The PINN layer's weight gradient is
/// `Aᵀ·B` with `A` `16384×64`.
let gemmShapes: [(name: String, m: Int, n: Int, k: Int, transposeA: Bool)] = [
    ("gemm_pinn_layer_16384x64x64", 16384, 64, 64, false),
    ("gemm_pinn_weight_grad_64x64x16384", 64, 64, 16384, true),
    ("gemm_mlp_8192x128x128", 8192, 128, 128, false),
    ("gemm_deeponet_64x128x128", 64, 128, 128, false),
    ("gemm_cnn_unfold_10000x32x400", 10000, 32, 400, false),
    ("gemm_square_2048", 2048, 2048, 2048, false),
]

/// GFLOP/s of Tandem's `matmul` (OpenBLAS today) on each shape, median of `repeats` calls after
/// two warm-up calls; the same shapes as `Benchmarks/peers/torch_gemm.py`.
func gemmShapeMeasurements<S: TensorScalar>(_: S.Type, repeats: Int) -> [Measurement] {
    var g = SeededGenerator(seed: 3)
    return gemmShapes.map { shape in
        let a = Tensor<S>.randomNormal(shape: shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k], using: &g)
        let b = Tensor<S>.randomNormal(shape: [shape.k, shape.n], using: &g)
        for _ in 0..<2 { _ = matmul(a, b, transposeA: shape.transposeA) }
        let count = shape.m * shape.n * shape.k >= 1 << 30 ? Swift.max(3, repeats / 10) : repeats
        let times = (0..<count).map { _ in seconds { _ = matmul(a, b, transposeA: shape.transposeA) } }
        let ms = median(times) * 1e3
        return Measurement(name: shape.name, precision: S.dtypeName, batch: shape.m, medianMilliseconds: ms,
                           gflops: 2 * Double(shape.m * shape.n * shape.k) / (ms * 1e-3) / 1e9,
                           note: "\(shape.m)x\(shape.n)x\(shape.k)\(shape.transposeA ? " (A transposed)" : "")")
    }
}

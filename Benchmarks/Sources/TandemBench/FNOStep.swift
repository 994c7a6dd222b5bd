import TandemCore
import TandemNN
import TandemOperators
import TandemTraining

/// One training step of the Fourier neural operator as `darcy-multigeometry-fno` trains it: inputs
/// `[standardised log K, mask]` on a 100 × 100 grid plus the coordinates, width 32, four blocks
/// keeping 24 × 12 modes of a grid padded to 108 × 108, projection 32 → 128 → 1, GELU (tanh form);
/// a batch of 20 fields, the masked mean per-sample relative L2 loss, its gradient and an Adam
/// update. Median of `repeats` steps after 2 warm-up steps. The same step as
/// `Benchmarks/peers/neuralop_fno_step.py` times with the `neuraloperator` package.
func fnoStepMeasurement(repeats: Int) throws -> Measurement {
    let (batch, n) = (20, 100)
    var g = SeededGenerator(seed: 5)
    var model = FourierNeuralOperator<Float>(inputShape: [2, n, n], width: 32, modes: (12, 12), blocks: 4, projection: 128, padding: 8,
                                             activation: .geluTanh, using: &g)
    // A disk mask and smooth random fields and targets.
    let mask = (0..<(n * n)).map { i -> Float in
        let (x, y) = (Float(i % n) / Float(n - 1) - 0.5, Float(i / n) / Float(n - 1) - 0.5)
        return x * x + y * y <= 0.25 ? 1 : 0
    }
    var fields = [Float](), targets = [Float]()
    for _ in 0..<batch {
        let (a, b) = (Float(g.nextStandardNormal()), Float(g.nextStandardNormal()))
        fields += (0..<(n * n)).map { i in a * Float.sin(Float(i % n) * 0.05) + b * Float.cos(Float(i / n) * 0.07) }
        fields += mask
        targets += (0..<(n * n)).map { i in (1 + 0.1 * a) * mask[i] * Float(i % n) * Float(n - 1 - i % n) / 2500 }
    }
    let input = Tensor<Float>(shape: [batch, 2, n, n], scalars: fields)
    let target = Tensor<Float>(shape: [batch, n * n], scalars: targets)
    let weights = Tensor<Float>(shape: [1, n * n], scalars: mask)
    var adam = Adam<Float>(schedule: .constant(1e-3))
    func train() throws {
        let (_, gradients) = try valueWithGradient(at: model) { m in
            let error = (m(input) - target) * weights
            return (TandemCore.sqrt((error * error).sum(alongAxis: 1)) / TandemCore.sqrt((target * target).sum(alongAxis: 1))).mean()
        }
        adam.update(&model, along: gradients)
    }
    for _ in 0..<2 { try train() }
    let times = try (0..<Swift.max(3, repeats)).map { _ in try seconds { try train() } }
    return Measurement(name: "fno_step_darcy100x20", precision: "F32", batch: batch, medianMilliseconds: median(times) * 1e3, gflops: nil,
                       note: "FNO width 32, 4 blocks, 24 × 12 modes, 100 × 100 padded to 108, projection 128, batch 20")
}

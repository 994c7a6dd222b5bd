// tandem-bench: Tandem's side of `make bench`. Prints one JSON object per measurement on
// stdout; Benchmarks/run.sh runs the PyTorch peer in the same invocation and compares.
import Foundation
import TandemCore
import TandemNN
import TandemOperators
import TandemPINN
import TandemGeometry
import TandemPDE

struct Measurement: Codable {
    let name: String
    let precision: String
    let batch: Int
    let medianMilliseconds: Double
    let gflops: Double?
    let note: String?
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return .nan }
    return Double(line.split(separator: " ")[1]).map { $0 / 1024 } ?? .nan
}

/// FLOPs of one forward pass through the dense layers: 2·n·Σ in·out.
func forwardFlops(widths: [Int], batch: Int) -> Double {
    Double(2 * batch * zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 })
}

let widths = [2, 128, 128, 128, 128, 1]

/// One Adam step (forward, backward, update) of the MLP 2→[128]×4→1 tanh on a mean-squared loss.
func mlpStep<S: TensorScalar>(_: S.Type, batch: Int, repeats: Int) throws -> Measurement {
    var g = SeededGenerator(seed: 0)
    var model = MLP<S>(widths: widths, activation: .tanh, using: &g)
    var optimizer = Adam<S>(learningRate: 1e-3)
    let x = Tensor<S>.randomUniform(shape: [batch, 2], lower: -1, upper: 1, using: &g)
    let y = sin(x.slice(alongAxis: 1, 0..<1) * 3) * x.slice(alongAxis: 1, 1..<2)
    func step() throws {
        let (_, grads) = try valueWithGradient(at: model) { m in square(m(x) - y).mean() }
        optimizer.update(&model, along: grads)
    }
    for _ in 0..<5 { try step() }
    var times: [Double] = []
    for _ in 0..<repeats { times.append(try seconds(step)) }
    let ms = median(times) * 1e3
    let flops = 3 * forwardFlops(widths: widths, batch: batch)  // forward + two backward GEMMs per layer
    return Measurement(
        name: "mlp_adam_step", precision: S.dtypeName, batch: batch, medianMilliseconds: ms,
        gflops: flops / (ms * 1e-3) / 1e9, note: nil)
}

/// Only the GEMMs of one training step of the MLP (forward `x·W`, backward `ḡ·Wᵀ` for every
/// layer but the first, and `xᵀ·ḡ`), on preallocated buffers: the floor no step can beat with
/// this BLAS.
func mlpGemmFloor<S: TensorScalar>(_: S.Type, batch: Int, repeats: Int) -> Measurement {
    let layers = Array(zip(widths, widths.dropFirst()))
    let maxWidth = widths.max()!
    // Separate input and output buffers, so values stay bounded from one call to the next.
    let activations = [S](repeating: 0.01, count: batch * maxWidth), weights = [S](repeating: 0.01, count: maxWidth * maxWidth)
    var outputs = [S](repeating: 0, count: batch * maxWidth), inputGradients = outputs
    var weightGradients = weights
    func step() {
        activations.withUnsafeBufferPointer { pa in
            weights.withUnsafeBufferPointer { pw in
                outputs.withUnsafeMutableBufferPointer { po in
                    inputGradients.withUnsafeMutableBufferPointer { pg in
                        weightGradients.withUnsafeMutableBufferPointer { pgw in
                            let (x, w, y, gx, gw) = (pa.baseAddress!, pw.baseAddress!, po.baseAddress!, pg.baseAddress!, pgw.baseAddress!)
                            for (i, (k, n)) in layers.enumerated() {
                                S.gemm(transposeA: false, transposeB: false, m: batch, n: n, k: k, alpha: 1, a: x, lda: k, b: w, ldb: n, beta: 0, c: y, ldc: n)
                                if i > 0 { S.gemm(transposeA: false, transposeB: true, m: batch, n: k, k: n, alpha: 1, a: x, lda: n, b: w, ldb: n, beta: 0, c: gx, ldc: k) }
                                S.gemm(transposeA: true, transposeB: false, m: k, n: n, k: batch, alpha: 1, a: x, lda: k, b: x, ldb: n, beta: 0, c: gw, ldc: n)
                            }
                        }
                    }
                }
            }
        }
    }
    for _ in 0..<5 { step() }
    let times = (0..<repeats).map { _ in seconds(step) }
    let ms = median(times) * 1e3
    return Measurement(
        name: "mlp_gemm_floor", precision: S.dtypeName, batch: batch, medianMilliseconds: ms,
        gflops: 3 * forwardFlops(widths: widths, batch: batch) / (ms * 1e-3) / 1e9,
        note: "GEMMs of one step only")
}

/// Square GEMM at n = 2048: the BLAS peak the MLP step is measured against.
func gemmPeak<S: TensorScalar>(_: S.Type, n: Int = 2048, repeats: Int = 5) -> Measurement {
    var g = SeededGenerator(seed: 1)
    let a = Tensor<S>.randomNormal(shape: [n, n], using: &g), b = Tensor<S>.randomNormal(shape: [n, n], using: &g)
    _ = matmul(a, b)
    let times = (0..<repeats).map { _ in seconds { _ = matmul(a, b) } }
    let ms = median(times) * 1e3
    return Measurement(
        name: "gemm_2048", precision: S.dtypeName, batch: n, medianMilliseconds: ms,
        gflops: 2 * Double(n * n * n) / (ms * 1e-3) / 1e9, note: nil)
}

/// Resident memory before and after many training steps (a leak in the graph would show here).
func memoryFlatness(steps: Int) throws -> Measurement {
    var g = SeededGenerator(seed: 2)
    var model = MLP<Float>(widths: widths, activation: .tanh, using: &g)
    var optimizer = Adam<Float>(learningRate: 1e-3)
    let x = Tensor<Float>.randomUniform(shape: [1024, 2], lower: -1, upper: 1, using: &g)
    let y = sin(x.slice(alongAxis: 1, 0..<1) * 3)
    func step() throws {
        let (_, grads) = try valueWithGradient(at: model) { m in square(m(x) - y).mean() }
        optimizer.update(&model, along: grads)
    }
    for _ in 0..<100 { try step() }
    let before = residentMegabytes()
    let elapsed = try seconds { for _ in 0..<steps { try step() } }
    let after = residentMegabytes()
    return Measurement(
        name: "rss_after_steps", precision: "F32", batch: 1024, medianMilliseconds: elapsed / Double(steps) * 1e3,
        gflops: nil, note: String(format: "RSS %.1f MB before, %.1f MB after %d steps", before, after, steps))
}

/// Darcy `−∇·(K∇u) = 1` on an n × n grid of the unit square, `K = exp(sin 2πx · cos 2πy)`,
/// `u = 0` on the boundary: setup (numbering, pattern, CHOLMOD analysis) and one solve
/// (assembly into the pattern, numeric factorisation, solve, residual). The same matrix as
/// `Benchmarks/peers/scipy_darcy.py` builds.
func darcySolve(n: Int, repeats: Int) throws -> [Measurement] {
    let grid = try CartesianGrid(pointsPerAxis: [n, n], lower: [0, 0], upper: [1, 1])
    let k = grid.sample { p in Foundation.exp(Foundation.sin(2 * .pi * p[0]) * Foundation.cos(2 * .pi * p[1])) }
    let f = [Double](repeating: 1, count: grid.pointCount)
    var setup: [Double] = [], solve: [Double] = []
    var residual = 0.0
    for _ in 0..<repeats {
        var solver: DarcySolver?
        setup.append(try seconds { solver = try DarcySolver(grid: grid) })
        solve.append(try seconds { residual = try solver!.solve(permeability: k, source: f, boundary: solver!.boundaryValues { _ in 0 }).relativeResidual })
    }
    let total = zip(setup, solve).map(+)
    let note = String(format: "residual %.1e", residual)
    return [
        Measurement(name: "darcy_setup_analysis", precision: "F64", batch: n, medianMilliseconds: median(setup) * 1e3, gflops: nil, note: nil),
        Measurement(name: "darcy_factorize_solve", precision: "F64", batch: n, medianMilliseconds: median(solve) * 1e3, gflops: nil, note: note),
        Measurement(name: "darcy_end_to_end", precision: "F64", batch: n, medianMilliseconds: median(total) * 1e3, gflops: nil, note: note),
    ]
}

let arguments = CommandLine.arguments
let repeats = arguments.firstIndex(of: "--repeats").flatMap { Int(arguments[$0 + 1]) } ?? 30
let memorySteps = arguments.firstIndex(of: "--memory-steps").flatMap { Int(arguments[$0 + 1]) } ?? 10_000
/// One Adam step of a Cartesian-product DeepONet (issue benchmark): branch 100→128×3→128, trunk
/// 2→128×3→128 (tanh, the trunk's last layer activated), 64 functions × 1024 points, MSE.
func deepONetStep<S: TensorScalar>(_: S.Type, functions: Int = 64, points: Int = 1024, repeats: Int) throws -> Measurement {
    var g = SeededGenerator(seed: 0)
    let branch = FeedForward<S>(widths: [100, 128, 128, 128, 128], activation: .tanh, using: &g)
    let trunk = FeedForward<S>(widths: [2, 128, 128, 128, 128], activation: .tanh, outputActivation: .tanh, using: &g)
    var model = DeepONet(branch: .dense(branch), trunk: trunk, latent: 128)
    var optimizer = Adam<S>(learningRate: 1e-3)
    let u = Tensor<S>.randomUniform(shape: [functions, 100], lower: -1, upper: 1, using: &g)
    let y = Tensor<S>.randomUniform(shape: [points, 2], lower: 0, upper: 1, using: &g)
    let target = Tensor<S>.randomUniform(shape: [functions, points], lower: -1, upper: 1, using: &g)
    func step() throws {
        let (_, grads) = try valueWithGradient(at: model) { m in square(m(u, points: y) - target).mean() }
        optimizer.update(&model, along: grads)
    }
    for _ in 0..<5 { try step() }
    var times: [Double] = []
    for _ in 0..<repeats { times.append(try seconds(step)) }
    let ms = median(times) * 1e3
    let flops = 3 * (forwardFlops(widths: [100, 128, 128, 128, 128], batch: functions) + forwardFlops(widths: [2, 128, 128, 128, 128], batch: points)
                     + Double(2 * functions * points * 128))
    return Measurement(name: "deeponet_adam_step", precision: S.dtypeName, batch: functions, medianMilliseconds: ms,
                       gflops: flops / (ms * 1e-3) / 1e9, note: "\(functions) functions x \(points) points")
}

/// One Adam step of the Darcy multi-geometry DeepONet (Kumar et al. 2025): CNN branch over
/// [2, 100, 100] with 4 × [5×5 conv, 2×2 average pool] of 16, 32, 64, 64 filters → 128 → 128 →
/// 150, trunk 2 → 64 → 128 → 128 → 128 → 150 (ReLU), 32 functions × 10 000 points, masked MSE.
func darcyCNNStep(repeats: Int) throws -> Measurement {
    var g = SeededGenerator(seed: 0)
    let branch = ConvolutionalBranch<Float>(inputShape: [2, 100, 100], filters: [16, 32, 64, 64], kernelSize: 5, head: [128, 128],
                                            outputSize: 150, activation: .relu, using: &g)
    let trunk = FeedForward<Float>(widths: [2, 64, 128, 128, 128, 150], activation: .relu, outputActivation: .relu, using: &g)
    var model = DeepONet(branch: .convolutional(branch), trunk: trunk, latent: 150)
    var optimizer = Adam<Float>(learningRate: 1e-3)
    let x = Tensor<Float>.randomNormal(shape: [32, 2, 100, 100], using: &g)
    let y = Tensor<Float>.randomUniform(shape: [10_000, 2], lower: 0, upper: 1, using: &g)
    let target = Tensor<Float>.randomNormal(shape: [32, 10_000], using: &g)
    let draws = Tensor<Float>.randomUniform(shape: [32, 10_000], lower: 0, upper: 1, using: &g)
    let mask = Tensor<Float>(shape: draws.shape, scalars: draws.scalars.map { $0 < 0.7 ? 1 : 0 })
    func step() throws {
        let (_, grads) = try valueWithGradient(at: model) { m in square((m(x, points: y) - target) * mask).sum() / mask.sum() }
        optimizer.update(&model, along: grads)
    }
    for _ in 0..<2 { try step() }
    var times: [Double] = []
    for _ in 0..<repeats { times.append(try seconds(step)) }
    return Measurement(name: "darcy_cnn_adam_step", precision: "F32", batch: 32, medianMilliseconds: median(times) * 1e3, gflops: nil,
                       note: "32 functions x 10000 points")
}

/// The Darcy CNN branch's convolutions one primitive at a time (batch 32, Float32): forward,
/// transposed convolution (input gradient) and filter gradient per layer, with GFLOP/s, so the
/// CNN step's time can be attributed. `--only conv-layers`; prints one measurement per primitive.
func darcyConvolutionLayers(repeats: Int) -> [Measurement] {
    var g = SeededGenerator(seed: 0)
    let layers = [(2, 16, 100), (16, 32, 50), (32, 64, 25), (64, 64, 12)]  // (in, out, side)
    let window = Window2D(kernel: (5, 5), padding: (2, 2))
    var results: [Measurement] = []
    for (index, (c, o, side)) in layers.enumerated() {
        let x = Tensor<Float>.randomNormal(shape: [32, c, side, side], using: &g)
        let k = Tensor<Float>.randomNormal(shape: [o, c, 5, 5], using: &g)
        let ybar = Tensor<Float>.randomNormal(shape: [32, o, side, side], using: &g)
        let flops = Double(2 * 32 * o * c * 25 * side * side)
        let primitives: [(String, () -> Void)] = [
            ("forward", { _ = x.convolved(with: k, window: window) }),
            ("input_gradient", { _ = Tensor.convolutionInputGradient(ybar, filter: k, window: window, inputShape: x.shape) }),
            ("filter_gradient", { _ = Tensor.convolutionFilterGradient(input: x, ybar, window: window, filterShape: k.shape) }),
        ]
        for (name, body) in primitives {
            body()
            var times: [Double] = []
            for _ in 0..<repeats { times.append(seconds(body)) }
            let ms = median(times) * 1e3
            results.append(Measurement(name: "conv\(index + 1)_\(name)", precision: "F32", batch: 32, medianMilliseconds: ms,
                                       gflops: flops / (ms * 1e6), note: "\(c)->\(o) channels, \(side)x\(side), 5x5 same"))
        }
    }
    return results
}

/// One Adam step of the Fisher–KPP PINN (issue benchmark): MLP 2→[64]×4→1 tanh over (x, t),
/// 4096 collocation + 256 initial + 256 boundary points, residual `u_t − 0.05·u_xx − u(1 − u)`
/// with the input derivatives from Taylor-mode jets, loss = mean r² + mean (u − u₀)² + mean u².
func fisherPINNStep<S: TensorScalar>(_: S.Type, repeats: Int) throws -> Measurement {
    var g = SeededGenerator(seed: 0)
    var model = MLP<S>(widths: [2, 64, 64, 64, 64, 1], activation: .tanh, initializer: .glorotNormal, using: &g)
    var optimizer = Adam<S>(learningRate: 1e-3)
    let collocation = Tensor<S>.randomUniform(shape: [4096, 2], lower: 0, upper: 1, using: &g)
    let x0 = (0..<256).map { _ in S(g.nextUnitDouble()) }
    let initial = Tensor<S>(shape: [256, 2], scalars: x0.flatMap { [$0, 0] })
    let u0 = Tensor<S>(shape: [256, 1], scalars: x0.map { S.sin(S.pi * $0) })
    let boundary = Tensor<S>(shape: [256, 2], scalars: (0..<256).flatMap { i in [S(i % 2), S(g.nextUnitDouble())] })
    let request = JetRequest(first: [1], second: [0])
    func step() throws {
        let (_, grads) = try valueWithGradient(at: model) { m -> Tensor<S> in
            let j = m.jets(at: collocation, request: request)
            let r = j.first[1]! - S(0.05) * j.second[0]! - j.value * (1 - j.value)
            let e = m(initial) - u0, b = m(boundary)
            return (r * r).mean() + (e * e).mean() + (b * b).mean()
        }
        optimizer.update(&model, along: grads)
    }
    for _ in 0..<5 { try step() }
    var times: [Double] = []
    for _ in 0..<repeats { times.append(try seconds(step)) }
    return Measurement(name: "fisher_pinn_adam_step", precision: S.dtypeName, batch: 4096, medianMilliseconds: median(times) * 1e3,
                       gflops: nil, note: "4096 + 256 + 256 points, jets u, u_x, u_t, u_xx")
}

let encoder = JSONEncoder()
func emit(_ m: Measurement) {
    FileHandle.standardOutput.write((String(decoding: try! encoder.encode(m), as: UTF8.self) + "\n").data(using: .utf8)!)
}
FileHandle.standardError.write("tandem-bench: BLAS \(BLASRuntime.configuration), kernels \(BLASRuntime.coreName), \(BLASRuntime.threadCount) threads; \(GEMMDispatch.description)\n".data(using: .utf8)!)
let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }
func wanted(_ name: String) -> Bool { only.map { name.hasPrefix($0) } ?? true }
if only == "multitask-directions" {
    try multitaskDirections(input: arguments[arguments.firstIndex(of: "--input")! + 1])
    exit(0)
}
if only == "deeponet-dp" {
    // Under mpirun: one data-parallel trainer step; rank 0 prints.
    if let m = try dataParallelDeepONetStep(repeats: repeats) { emit(m) }
    exit(0)
}
if only == "gemm-shapes" {
    for m in gemmShapeMeasurements(Float.self, repeats: repeats) + gemmShapeMeasurements(Double.self, repeats: repeats) { emit(m) }
    exit(0)
}
if only == "multitask-step" {
    for m in try multitaskSteps(repeats: repeats) { emit(m) }
    exit(0)
}
if wanted("gemm") {
    emit(gemmPeak(Float.self))
    emit(gemmPeak(Double.self))
}
for batch in [1024, 8192] {
    if wanted("floor") {
        emit(mlpGemmFloor(Float.self, batch: batch, repeats: repeats))
        emit(mlpGemmFloor(Double.self, batch: batch, repeats: repeats))
    }
    if wanted("mlp-F32-\(batch)") { emit(try mlpStep(Float.self, batch: batch, repeats: repeats)) }
    if wanted("mlp-F64-\(batch)") { emit(try mlpStep(Double.self, batch: batch, repeats: repeats)) }
}
if wanted("deeponet-F32") { emit(try deepONetStep(Float.self, repeats: repeats)) }
if wanted("deeponet-F64") { emit(try deepONetStep(Double.self, repeats: repeats)) }
if wanted("pinn-F32") { emit(try fisherPINNStep(Float.self, repeats: repeats)) }
if wanted("pinn-F64") { emit(try fisherPINNStep(Double.self, repeats: repeats)) }
if wanted("cnn-darcy") { emit(try darcyCNNStep(repeats: Swift.max(3, repeats / 5))) }
if only == "neighbors" { emit(try neighborListMeasurement(repeats: Swift.max(3, repeats / 10))) }
if only?.hasPrefix("schnet") == true {
    // `--only schnet` runs both precisions; `--only schnet-F32` one.
    if wanted("schnet-F32") { emit(try schnetStepMeasurement(Float.self, repeats: repeats)) }
    if wanted("schnet-F64") { emit(try schnetStepMeasurement(Double.self, repeats: repeats)) }
}
if only == "fno" { emit(try fnoStepMeasurement(repeats: repeats)) }
if only == "conv-layers" { for m in darcyConvolutionLayers(repeats: repeats) { emit(m) } }
if memorySteps > 0 && wanted("rss") { emit(try memoryFlatness(steps: memorySteps)) }
if only?.hasPrefix("darcy") == true {
    // `--only darcy` runs every size; `--only darcy-512` one of them.
    let sizes = only.flatMap { Int($0.dropFirst("darcy-".count)) }.map { [$0] } ?? [256, 512, 1024]
    for n in sizes {
        for m in try darcySolve(n: n, repeats: n >= 1024 ? 3 : 5) { emit(m) }
    }
}

import Foundation
import TandemCore
import TandemNN
import TandemTestSupport
import XCTest

/// The README's code, run as written (the checkpoint goes to a temporary directory).
final class ReadmeExampleTests: XCTestCase {
    func testTrainingExample() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-readme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        var rng = SeededGenerator(seed: 0)
        var model = MLP<Float>(widths: [2, 64, 64, 1], activation: .tanh, using: &rng)
        var optimizer = Adam<Float>(learningRate: 1e-3)
        let x = Tensor<Float>.randomUniform(shape: [256, 2], lower: -1, upper: 1, using: &rng)
        let y = sin(x.slice(alongAxis: 1, 0..<1) * 3)

        var losses: [Float] = []
        for _ in 0..<1000 {
            let (loss, grads) = try valueWithGradient(at: model) { m in square(m(x) - y).mean() }
            optimizer.update(&model, along: grads)
            losses.append(loss)
        }
        try Checkpoint(model: model, optimizer: optimizer).write(to: directory.appendingPathComponent("checkpoint.safetensors").path)
        XCTAssertLessThan(losses.last!, losses.first! / 100)

        // Second derivatives: u_xx of the trained model against a central difference of u.
        let points = x.requiringGradient()
        let u = model(points)
        let du = try gradient(of: u.sum(), withRespectTo: points, createGraph: true)
        let uxx = try gradient(of: du.slice(alongAxis: 1, 0..<1).sum(), withRespectTo: points)
        XCTAssertEqual(uxx.shape, [256, 2])
        let h: Float = 1e-2
        let shift = Tensor<Float>(shape: [1, 2], scalars: [h, 0])
        let fd = withoutGradient { (model(x + shift) - model(x) * 2 + model(x - shift)) / (h * h) }
        for i in 0..<8 { XCTAssertEqual(uxx.scalars[2 * i], fd.scalars[i], accuracy: 0.05 * Swift.max(1, Swift.abs(fd.scalars[i]))) }
    }
}

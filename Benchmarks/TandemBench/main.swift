import Foundation
import TandemCore

var g = SeededGenerator(seed: 1)
for (name, count) in [("tanh f64", 1 << 20)] {
    let x = Tensor<Double>.randomNormal(shape: [count], using: &g)
    var times: [Double] = []
    for _ in 0..<20 {
        let t0 = Date()
        _ = tanh(x)
        times.append(Date().timeIntervalSince(t0))
    }
    print(name, times.sorted()[10] * 1e3, "ms")
    let t0 = Date()
    _ = x.scalars.map { Foundation.tanh($0) }
    print("libm", Date().timeIntervalSince(t0) * 1e3)
}

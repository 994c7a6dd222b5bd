import Foundation
import TandemMultiTask

/// `tandem-bench --only multitask-directions --input CASES.json`: for fixed task gradients, the
/// update direction of the shared parameters under each strategy, for
/// `Benchmarks/peers/libmtl_directions.py` to compare with LibMTL's. A case is
/// `{"gradients": [[…]], "losses": […], "step": n, "logits": […], "initial_losses": […],
/// "log_variance": […], "windows": [[…], […]]}`; one JSON line per case and strategy is printed.
func multitaskDirections(input path: String) throws {
    struct Case: Decodable {
        let name: String
        let gradients: [[Double]]
        let losses: [Double]
        let step: Int
        let logits: [Double]
        let initialLosses: [Double]
        let logVariance: [Double]
        let windows: [[Double]]
        enum CodingKeys: String, CodingKey {
            case name, gradients, losses, step, logits, windows
            case initialLosses = "initial_losses", logVariance = "log_variance"
        }
    }
    struct Output: Encodable {
        let name: String, strategy: String
        let beta: [Double], direction: [Double]
        let orders: [[Int]]?
        let extra: [Double]?
    }
    let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    let encoder = JSONEncoder()
    for c in cases {
        let summary = TaskGradientSummary(rows: c.gradients)
        let k = c.gradients.count
        func emit(_ strategy: String, _ combination: TaskCombination, orders: [[Int]]? = nil, extra: [Double]? = nil) {
            let beta = combination.shared
            let direction = c.gradients[0].indices.map { i in (0..<k).reduce(0) { $0 + beta[$1] * c.gradients[$1][i] } }
            let line = Output(name: c.name, strategy: strategy, beta: beta, direction: direction, orders: orders, extra: extra)
            FileHandle.standardOutput.write(try! encoder.encode(line) + Data("\n".utf8))
        }
        func run(_ strategy: some MultiTaskStrategy, _ state: StrategyState? = nil) -> TaskCombination {
            var s = state ?? strategy.initialState(taskCount: k)
            return strategy.combine(losses: c.losses, gradients: strategy.needsGradients(atStep: c.step) ? summary : nil, step: c.step, state: &s)
        }
        emit("EW", run(EqualWeighting()))
        var uncertainty = UncertaintyWeighting().initialState(taskCount: k)
        uncertainty["log_variance"] = c.logVariance
        emit("UW", run(UncertaintyWeighting(), uncertainty))
        let gradnorm = GradNorm(alpha: 1.5)
        var gradnormState = gradnorm.initialState(taskCount: k)
        gradnormState["logits"] = c.logits
        gradnormState["initial_losses"] = c.initialLosses
        let norms = (0..<k).map(summary.norm)
        emit("GradNorm", run(gradnorm, gradnormState),
             extra: gradnorm.logitGradient(logits: c.logits, losses: c.losses, initialLosses: c.initialLosses, norms: norms))
        let dwa = DynamicWeightAverage(temperature: 2, window: 1)
        var dwaState = dwa.initialState(taskCount: k)
        dwaState["before_last"] = c.windows[0]
        dwaState["last"] = c.windows[1]
        emit("DWA", run(dwa, dwaState))
        let pcgrad = PCGrad(seed: 5)
        emit("PCGrad", run(pcgrad), orders: pcgrad.orders(step: c.step, taskCount: k))
        for normalization in MGDA.Normalization.allCases {
            emit("MGDA-\(normalization.rawValue)", run(MGDA(normalization: normalization)))
        }
        emit("CAGrad", run(CAGrad(c: 0.5, rescale: 1)))
    }
}

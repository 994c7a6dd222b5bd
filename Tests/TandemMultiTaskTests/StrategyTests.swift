import Foundation
import TandemCore
import TandemMultiTask
import XCTest

/// Each strategy against its paper's definition on small cases worked by hand.
final class StrategyTests: XCTestCase {
    /// `Σₖ βₖ gₖ` for flattened gradients.
    func direction(_ beta: [Double], _ rows: [[Double]]) -> [Double] {
        rows[0].indices.map { i in rows.indices.reduce(0) { $0 + beta[$1] * rows[$1][i] } }
    }

    func combine(_ strategy: some MultiTaskStrategy, rows: [[Double]], losses: [Double]? = nil, step: Int = 0) -> TaskCombination {
        var state = strategy.initialState(taskCount: rows.count)
        return strategy.combine(losses: losses ?? rows.map { _ in 1 }, gradients: TaskGradientSummary(rows: rows), step: step, state: &state)
    }

    func assertClose(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-10, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: tolerance, "\(a) vs \(b)", file: file, line: line) }
    }

    func testPCGradProjectsOnlyConflictingPairs() {
        // g₁ = (1, 0), g₂ = (−1, 1): g₁·g₂ = −1. g₁ᴾᶜ = g₁ + ½g₂ = (½, ½), g₂ᴾᶜ = g₂ + g₁ = (0, 1).
        let rows: [[Double]] = [[1, 0], [-1, 1]]
        let c = combine(PCGrad(seed: 3), rows: rows)
        assertClose(direction(c.shared, rows), [0.5, 1.5])
        assertClose(c.specific, [1, 1])
        // No conflict: the plain sum.
        let agreeing: [[Double]] = [[1, 0], [1, 1]]
        assertClose(combine(PCGrad(), rows: agreeing).shared, [1, 1])
        // Three tasks: each projected gradient no longer conflicts with the last one it was projected on.
        let three: [[Double]] = [[1, 0, 0], [-1, 1, 0], [0, -1, 1]]
        let orders = PCGrad(seed: 7).orders(step: 4, taskCount: 3)
        for order in orders { XCTAssertEqual(order.sorted(), [0, 1, 2]) }
        XCTAssertEqual(orders, PCGrad(seed: 7).orders(step: 4, taskCount: 3))
        XCTAssertNotEqual(PCGrad(seed: 7).orders(step: 5, taskCount: 3) + PCGrad(seed: 7).orders(step: 6, taskCount: 3), orders + orders)
        let beta = PCGrad.coefficients(gram: TaskGradientSummary(rows: three).gram, orders: [[1, 2, 0], [2, 0, 1], [0, 1, 2]])
        // By hand: g₁ᴾᶜ = g₁ + ½g₂ (then ·g₃ = −½ < 0: + ⅙·... ) computed step by step below.
        var pc = three
        let order = [[1, 2, 0], [2, 0, 1], [0, 1, 2]]
        for i in 0..<3 {
            for j in order[i] {
                let d = zip(pc[i], three[j]).reduce(0) { $0 + $1.0 * $1.1 }
                let n = three[j].reduce(0) { $0 + $1 * $1 }
                if d < 0 { pc[i] = zip(pc[i], three[j]).map { $0 - d / n * $1 } }
            }
        }
        assertClose(direction(beta, three), (0..<3).map { c in pc.reduce(0) { $0 + $1[c] } })
    }

    func testMGDAFindsTheMinimumNormPoint() {
        // Two gradients: α₁ = (g₂ − g₁)·g₂ / ‖g₁ − g₂‖² = 4/5, the point (0.8, 0.4) ⟂ g₁ − g₂.
        let rows: [[Double]] = [[1, 0], [0, 2]]
        let c = combine(MGDA(), rows: rows)
        assertClose(c.shared, [0.8, 0.2])
        assertClose(direction(c.shared, rows), [0.8, 0.4])
        // One gradient inside the other's half-space: the smaller one alone.
        assertClose(combine(MGDA(), rows: [[1, 0], [3, 1]]).shared, [1, 0])
        // Three orthonormal gradients: the centroid.
        assertClose(combine(MGDA(), rows: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]).shared, [1.0 / 3, 1.0 / 3, 1.0 / 3], 1e-9)
        // A third gradient outside the hull's nearest face: weight 0.
        let three: [[Double]] = [[1, 0], [0, 1], [2, 2]]
        let beta = combine(MGDA(), rows: three).shared
        assertClose(beta, [0.5, 0.5, 0], 1e-9)
        // ℓ₂ normalisation: the min-norm point of the unit vectors, rescaled back.
        let scaled: [[Double]] = [[3, 0], [0, 1]]
        let l2 = combine(MGDA(normalization: .l2), rows: scaled).shared
        assertClose(direction(l2, scaled), [0.5, 0.5])
    }

    func testMGDAMinimumNormSatisfiesOptimalityOnRandomGradients() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let k = Int.random(in: 3...6, using: &generator)
            let rows = (0..<k).map { _ in (0..<8).map { _ in Double.random(in: -1...1, using: &generator) } }
            let alpha = combine(MGDA(), rows: rows).shared
            XCTAssertEqual(alpha.reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertTrue(alpha.allSatisfy { $0 >= 0 })
            // KKT: (Gα)ⱼ ≥ αᵀGα for all j, with equality where αⱼ > 0.
            let d = direction(alpha, rows)
            let norm2 = d.reduce(0) { $0 + $1 * $1 }
            for (j, row) in rows.enumerated() {
                let gj = zip(row, d).reduce(0) { $0 + $1.0 * $1.1 }
                XCTAssertGreaterThanOrEqual(gj, norm2 - 1e-9)
                if alpha[j] > 1e-9 { XCTAssertEqual(gj, norm2, accuracy: 1e-9) }
            }
        }
    }

    func testCAGradMatchesItsDefinition() {
        // c = 0: the average gradient.
        let rows: [[Double]] = [[1, 0], [-0.5, 2]]
        assertClose(combine(CAGrad(c: 0), rows: rows).shared, [0.5, 0.5], 1e-7)
        // Orthogonal gradients of equal norm: w = (½, ½), d = g₀(1 + c)/(1 + c²).
        let orthogonal: [[Double]] = [[1, 0], [0, 1]]
        assertClose(combine(CAGrad(c: 0.5), rows: orthogonal).shared, [0.5 * 1.5 / 1.25, 0.5 * 1.5 / 1.25], 1e-7)
        // The dual weights minimise g_wᵀg₀ + c‖g₀‖‖g_w‖ over the simplex (grid search by hand).
        let three: [[Double]] = [[1, 0.2, 0], [-0.7, 1, 0.3], [0.1, -0.4, 1]]
        let strategy = CAGrad(c: 0.4)
        let gram = TaskGradientSummary(rows: three).gram
        let w = strategy.dualWeights(gram: gram)
        func objective(_ w: [Double]) -> Double {
            let gw = direction(w, three), g0 = direction([1.0 / 3, 1.0 / 3, 1.0 / 3], three)
            let g0norm = g0.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return zip(gw, g0).reduce(0) { $0 + $1.0 * $1.1 } + 0.4 * g0norm * (gw.reduce(0) { $0 + $1 * $1 } + 1e-8).squareRoot()
        }
        var best = Double.infinity
        for a in stride(from: 0.0, through: 1, by: 0.01) {
            for b in stride(from: 0.0, through: 1 - a, by: 0.01) { best = Swift.min(best, objective([a, b, 1 - a - b])) }
        }
        XCTAssertLessThanOrEqual(objective(w), best + 1e-12)
        // The direction: d = (g₀ + λ g_w)/(1 + c²), and it has a positive inner product with every gᵢ.
        var scratch = strategy.initialState(taskCount: 3)
        let d = direction(strategy.combine(losses: [1, 1, 1], gradients: TaskGradientSummary(rows: three), step: 0, state: &scratch).shared, three)
        for row in three { XCTAssertGreaterThan(zip(row, d).reduce(0) { $0 + $1.0 * $1.1 }, 0) }
    }

    func testNashSolvesTheBargainingSystem() {
        // Orthogonal gradients: M diagonal, αₖ = 1/√Mₖₖ, so every αₖgₖ has the same norm.
        let rows: [[Double]] = [[2, 0], [0, 0.5]]
        let c = combine(NashMTL(maxNorm: 0), rows: rows)
        let f = (16.0 + 0.0625).squareRoot()
        assertClose(c.shared, [f.squareRoot() / 2, f.squareRoot() / 0.5], 1e-10)
        XCTAssertEqual(c.shared, c.specific)
        // Random gradients (seeded, so the test is the same every run): Mα = 1/α to machine precision.
        var generator = SeededGenerator(seed: 17)
        for _ in 0..<10 {
            let rows = (0..<4).map { _ in (0..<6).map { _ in Double.random(in: -1...1, using: &generator) } }
            let gram = TaskGradientSummary(rows: rows).gram
            let frobenius = gram.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }.squareRoot()
            let m = gram.map { $0.map { $0 / frobenius } }
            let alpha = NashMTL.solve(m, from: [1, 1, 1, 1])!
            for i in 0..<4 {
                XCTAssertEqual(zip(m[i], alpha).reduce(0) { $0 + $1.0 * $1.1 }, 1 / alpha[i], accuracy: 1e-10 / alpha[i])
            }
        }
        // Clipping: the shared gradient's norm is bounded, the specific weights are not scaled.
        XCTAssertEqual(combine(NashMTL(maxNorm: 0.5), rows: rows).sharedMaxNorm, 0.5)
    }

    func testUncertaintyWeightingGradientAndWeights() {
        let s = [-0.5, 0.3], losses = [2.0, 0.1]
        let analytic = UncertaintyWeighting.logVarianceGradient(losses: losses, logVariance: s)
        func total(_ s: [Double]) -> Double { zip(losses, s).reduce(0) { $0 + $1.0 / (2 * exp($1.1)) + $1.1 / 2 } }
        for k in 0..<2 {
            var plus = s, minus = s
            plus[k] += 1e-6
            minus[k] -= 1e-6
            XCTAssertEqual(analytic[k], (total(plus) - total(minus)) / 2e-6, accuracy: 1e-8)
        }
        // Zero at e^s = L.
        XCTAssertEqual(UncertaintyWeighting.logVarianceGradient(losses: [0.7], logVariance: [log(0.7)])[0], 0, accuracy: 1e-15)
        let strategy = UncertaintyWeighting(learningRate: 0.01)
        var state = strategy.initialState(taskCount: 2)
        let c = strategy.combine(losses: losses, gradients: nil, step: 0, state: &state)
        assertClose(c.specific, [1 / (2 * exp(-0.5)), 1 / (2 * exp(-0.5))])
        // Adam's first step moves each sₖ by the learning rate, against its gradient.
        assertClose(state["log_variance"], [-0.5 + 0.01, -0.5 - 0.01], 1e-9)
    }

    func testGradNormLogitGradientAgainstFiniteDifferences() {
        let strategy = GradNorm(alpha: 1.5)
        let logits = [0.2, -0.1, 0.4], losses = [0.5, 1.2, 0.3], initial = [1.0, 1.5, 0.9], norms = [2.0, 0.5, 1.1]
        let analytic = strategy.logitGradient(logits: logits, losses: losses, initialLosses: initial, norms: norms)
        // L_grad with the targets Ḡ rₖ^α held at their values for `logits`.
        func weights(_ s: [Double]) -> [Double] { let e = s.map { exp($0) }, t = e.reduce(0, +); return e.map { 3 * $0 / t } }
        let w0 = weights(logits)
        let meanG = zip(w0, norms).reduce(0) { $0 + $1.0 * $1.1 } / 3
        let relative = zip(losses, initial).map { $0 / $1 }, meanRelative = relative.reduce(0, +) / 3
        let targets = relative.map { meanG * pow($0 / meanRelative, 1.5) }
        func lgrad(_ s: [Double]) -> Double { zip(zip(weights(s), norms), targets).reduce(0) { $0 + abs($1.0.0 * $1.0.1 - $1.1) } }
        for j in 0..<3 {
            var plus = logits, minus = logits
            plus[j] += 1e-6
            minus[j] -= 1e-6
            XCTAssertEqual(analytic[j], (lgrad(plus) - lgrad(minus)) / 2e-6, accuracy: 1e-7)
        }
        // Weights sum to K and start at 1.
        let c = combine(strategy, rows: [[1, 0], [0, 1], [1, 1]], losses: [1, 1, 1])
        assertClose(c.specific, [1, 1, 1])
    }

    func testDynamicWeightAverageUsesTheLastTwoWindows() {
        let strategy = DynamicWeightAverage(temperature: 2, window: 2)
        var state = strategy.initialState(taskCount: 2)
        var weights: [[Double]] = []
        // Window 1: losses (1, 1); window 2: (0.5, 1); window 3 is weighted by r = (0.5, 1).
        for (step, losses) in [[1.0, 1], [1, 1], [0.5, 1], [0.5, 1], [0.4, 1]].enumerated() {
            weights.append(strategy.combine(losses: losses, gradients: nil, step: step, state: &state).specific)
        }
        for w in weights.prefix(4) { assertClose(w, [1, 1]) }
        let e = [exp(0.25), exp(0.5)]
        assertClose(weights[4], [2 * e[0] / (e[0] + e[1]), 2 * e[1] / (e[0] + e[1])])
    }

    func testAnnealingFollowsWangTengPerdikaris() {
        let strategy = LearningRateAnnealing(alpha: 0.5, every: 10, initialWeights: [1, 2])
        XCTAssertTrue(strategy.needsGradients(atStep: 0))
        XCTAssertFalse(strategy.needsGradients(atStep: 5))
        var state = strategy.initialState(taskCount: 2)
        // λ̂₁ = max|∇L₀| / mean|∇L₁| = 4 / 0.5 = 8; λ₁ = ½·2 + ½·8 = 5.
        let summary = TaskGradientSummary(rows: [[4, -1], [0.5, -0.5]])
        let c = strategy.combine(losses: [1, 1], gradients: summary, step: 0, state: &state)
        assertClose(c.specific, [1, 5])
        // Without gradients the weights stay.
        assertClose(strategy.combine(losses: [1, 1], gradients: nil, step: 1, state: &state).specific, [1, 5])
    }

    func testRandomWeightsAreSoftmaxOfAReproducibleDraw() {
        let strategy = RandomLossWeighting(seed: 11)
        let w = strategy.weights(step: 3, taskCount: 4)
        XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-14)
        XCTAssertTrue(w.allSatisfy { $0 > 0 })
        XCTAssertEqual(w, RandomLossWeighting(seed: 11).weights(step: 3, taskCount: 4))
        XCTAssertNotEqual(w, strategy.weights(step: 4, taskCount: 4))
    }

    func testStateRoundTripsThroughCheckpointMetadata() {
        let strategy = GradNorm()
        var state = strategy.initialState(taskCount: 3)
        _ = strategy.combine(losses: [0.3, 0.1, 1e-7], gradients: TaskGradientSummary(rows: [[1, 2], [0.1, -3], [1e-9, 4]]), step: 0, state: &state)
        let decoded = StrategyState.decoded(state.encoded(), like: strategy.initialState(taskCount: 3))
        XCTAssertEqual(decoded, state)
        var damaged = state.encoded()
        damaged["tandem.multitask.logits"] = "1,2"
        XCTAssertNil(StrategyState.decoded(damaged, like: strategy.initialState(taskCount: 3)))
    }
}

import Collections
import TandemCore
import TandemNN
import TandemTestSupport
import XCTest

/// A module holding one free vector, for testing optimizers on closed-form objectives.
struct Point<Scalar: TensorScalar>: Module {
    var x: Tensor<Scalar>
    mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("x", &x)
    }
}

/// Rosenbrock's function Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at (1, …, 1).
func rosenbrock<S>(_ p: Point<S>) -> Tensor<S> {
    let n = p.x.scalarCount
    let head = p.x.slice(alongAxis: 0, 0..<(n - 1)), tail = p.x.slice(alongAxis: 0, 1..<n)
    return (square(tail - head * head) * 100 + square(1 - head)).sum()
}

final class OptimizerTests: XCTestCase {
    /// One Adam step by hand: m = (1−β₁)g, v = (1−β₂)g², θ ← θ − η·m̂/(√v̂ + ε) = θ − η·sign(g) (approximately).
    func testAdamFirstStepMatchesFormula() throws {
        var p = Point<Double>(x: Tensor([1, -2, 3]))
        var adam = Adam<Double>(learningRate: 0.1)
        let (_, g) = try valueWithGradient(at: p) { m in (m.x * m.x).sum() }
        XCTAssertEqual(g["x"]!.scalars, [2, -4, 6])
        adam.update(&p, along: g)
        for (v, e) in zip(p.x.scalars, [0.9, -1.9, 2.9]) { XCTAssertEqual(v, e, accuracy: 1e-7) }
        XCTAssertEqual(adam.step, 1)
        XCTAssertEqual(adam.slots["m.x"]!.scalars[0], 0.2, accuracy: 1e-12)
    }

    /// A parameter with a rate multiplier moves that many times farther; the others, one step is one step.
    func testAdamRateMultipliers() throws {
        struct Two: Module {
            var a: Tensor<Double>, b: Tensor<Double>
            mutating func visitParameters(_ body: (String, inout Tensor<Double>) throws -> Void) rethrows {
                try body("a", &a)
                try body("b", &b)
            }
        }
        var p = Two(a: Tensor([1]), b: Tensor([1]))
        var adam = Adam<Double>(learningRate: 0.01)
        adam.rateMultipliers = ["b": 10]
        adam.update(&p, along: ["a": Tensor([2]), "b": Tensor([2])])
        XCTAssertEqual(p.a.scalar, 0.99, accuracy: 1e-7)
        XCTAssertEqual(p.b.scalar, 0.9, accuracy: 1e-6)
        XCTAssertEqual(adam.step, 1)
        XCTAssertEqual(Set(adam.slots.keys), ["m.a", "v.a", "m.b", "v.b"])
    }

    func testAdamWDecouplesWeightDecay() throws {
        var p = Point<Double>(x: Tensor([1]))
        var adamW = Adam<Double>.adamW(schedule: .constant(0.1), weightDecay: 0.5)
        adamW.update(&p, along: ["x": Tensor([0])])  // zero gradient: only the decay acts
        XCTAssertEqual(p.x.scalar, 1 - 0.1 * 0.5, accuracy: 1e-12)
    }

    /// Coupled (L2) decay enters the gradient: with a zero gradient, `g = λθ`, and the first Adam
    /// step moves by the learning rate against it.
    func testAdamCoupledWeightDecayEntersTheGradient() throws {
        var p = Point<Double>(x: Tensor([1, -2]))
        var adam = Adam<Double>(schedule: .constant(0.1), weightDecay: 0.5)
        adam.update(&p, along: ["x": Tensor([0, 0])])
        XCTAssertEqual(p.x.scalars[0], 0.9, accuracy: 1e-7)
        XCTAssertEqual(p.x.scalars[1], -1.9, accuracy: 1e-7)
        XCTAssertEqual(adam.slots["m.x"]!.scalars[1], 0.1 * 0.5 * -2, accuracy: 1e-12)
    }

    func testLionStepIsSignOfInterpolatedMomentum() {
        var p = Point<Double>(x: Tensor([1, 1, 1]))
        var lion = Lion<Double>(schedule: .constant(0.01))
        lion.update(&p, along: ["x": Tensor([3, -0.5, 0])])
        XCTAssertEqual(p.x.scalars, [0.99, 1.01, 1])
        XCTAssertEqual(lion.slots["m.x"]!.scalars[0], 0.03, accuracy: 1e-12)
    }

    func testSGDMomentumAccumulates() {
        var p = Point<Double>(x: Tensor([0]))
        var sgd = SGD<Double>(schedule: .constant(1), momentum: 0.5)
        sgd.update(&p, along: ["x": Tensor([1])])
        sgd.update(&p, along: ["x": Tensor([1])])
        XCTAssertEqual(p.x.scalar, -(1 + 1.5))
    }

    func testOptimizersMinimiseAQuadratic() throws {
        func run<O: Optimizer>(_ optimizer: O, steps: Int) throws -> Double where O.Scalar == Double {
            var optimizer = optimizer
            var p = Point<Double>(x: Tensor([3, -2, 0.5]))
            for _ in 0..<steps {
                let (_, g) = try valueWithGradient(at: p) { m in (square(m.x - Tensor([1, 2, 3])) * Tensor([1, 4, 0.5])).sum() }
                optimizer.update(&p, along: g)
            }
            return (p.x - Tensor([1, 2, 3])).norm().scalar
        }
        XCTAssertLessThan(try run(Adam<Double>(learningRate: 0.05), steps: 2000), 1e-3)
        XCTAssertLessThan(try run(SGD<Double>(schedule: .constant(0.05), momentum: 0.9, nesterov: true), steps: 500), 1e-6)
        XCTAssertLessThan(try run(Lion<Double>(schedule: .exponential(initial: 0.01, decayRate: 0.1, decaySteps: 1000, staircase: false)), steps: 3000), 1e-2)
    }

    func testClippingByGlobalNorm() {
        var g: OrderedDictionary<String, Tensor<Double>> = ["a": Tensor([3]), "b": Tensor([4])]
        XCTAssertEqual(clipByGlobalNorm(&g, maxNorm: 1), 5)
        XCTAssertEqual(g["a"]!.scalar, 0.6, accuracy: 1e-15)
        XCTAssertEqual(g["b"]!.scalar, 0.8, accuracy: 1e-15)
        XCTAssertEqual(clipByGlobalNorm(&g, maxNorm: 10), 1, accuracy: 1e-15)
        XCTAssertEqual(g["a"]!.scalar, 0.6, accuracy: 1e-15)
    }

    func testSchedules() {
        XCTAssertEqual(LearningRateSchedule.exponential(initial: 1e-3, decayRate: 0.95, decaySteps: 1000, staircase: true).rate(at: 2999), 1e-3 * 0.95 * 0.95, accuracy: 1e-15)
        XCTAssertEqual(LearningRateSchedule.exponential(initial: 1, decayRate: 0.5, decaySteps: 10, staircase: false).rate(at: 5), Double.sqrt(0.5), accuracy: 1e-15)
        let piecewise = LearningRateSchedule.piecewiseConstant(boundaries: [10, 20], values: [1, 0.1, 0.01])
        XCTAssertEqual([0, 9, 10, 19, 20, 1000].map(piecewise.rate(at:)), [1, 1, 0.1, 0.1, 0.01, 0.01])
        let cosine = LearningRateSchedule.cosine(initial: 1, totalSteps: 100, minimum: 0.1)
        XCTAssertEqual(cosine.rate(at: 0), 1)
        XCTAssertEqual(cosine.rate(at: 50), 0.55, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(at: 200), 0.1)
        let warm = LearningRateSchedule.warmup(steps: 4, then: .constant(1))
        XCTAssertEqual((0..<6).map(warm.rate(at:)), [0.25, 0.5, 0.75, 1, 1, 1])
        XCTAssertNotNil(LearningRateSchedule.piecewiseConstant(boundaries: [10], values: [1]).problem)
        XCTAssertNil(piecewise.problem)
    }

    func testSwitchingAdamToLBFGSRefinesTheSolution() throws {
        // Two-dimensional Rosenbrock has a single minimum (the four-dimensional one also has a
        // local minimum near (−0.78, 0.61, 0.38, 0.15) that L-BFGS can rightly converge to).
        var p = Point<Double>(x: Tensor([-1.2, 1]))
        var adam = Adam<Double>(learningRate: 1e-2)
        for _ in 0..<200 {
            let (_, g) = try valueWithGradient(at: p, of: rosenbrock)
            adam.update(&p, along: g)
        }
        let afterAdam = rosenbrock(p).scalar
        var solver = LBFGS()
        solver.functionTolerance = 0
        let report = try solver.minimize(&p, loss: rosenbrock)
        XCTAssertEqual(report.reason, .gradientTolerance, "\(report)")
        XCTAssertLessThan(report.finalLoss, 1e-14)
        XCTAssertLessThan(report.finalLoss, afterAdam)
        for v in p.x.scalars { XCTAssertEqual(v, 1, accuracy: 1e-6) }
    }
}

final class LBFGSStoppingRuleTests: XCTestCase {
    func testEachStoppingRuleFiresAndIsReported() throws {
        var p = Point<Double>(x: Tensor([-1.2, 1]))
        var solver = LBFGS()
        solver.maxIterations = 3
        var report = try solver.minimize(&p, loss: rosenbrock)
        XCTAssertEqual(report.reason, .maxIterations)
        XCTAssertEqual(report.iterations, 3)
        XCTAssertTrue(report.description.contains("maxIterations"))

        p = Point(x: Tensor([-1.2, 1]))
        solver = LBFGS()
        solver.maxEvaluations = 5
        report = try solver.minimize(&p, loss: rosenbrock)
        XCTAssertEqual(report.reason, .maxEvaluations)
        XCTAssertGreaterThanOrEqual(report.evaluations, 5)

        p = Point(x: Tensor([-1.2, 1]))
        solver = LBFGS()
        solver.functionTolerance = 1e-3
        solver.gradientTolerance = 0
        report = try solver.minimize(&p, loss: rosenbrock)
        XCTAssertEqual(report.reason, .functionTolerance, "\(report)")
        XCTAssertLessThan(report.iterations, 100)

        // A quadratic with the function rule off: the gradient rule fires near the minimiser.
        var q = Point<Double>(x: Tensor([5, -3]))
        solver = LBFGS()
        solver.functionTolerance = 0
        solver.gradientTolerance = 1e-9
        report = try solver.minimize(&q) { m in (square(m.x - Tensor([1, 2])) * Tensor([1, 10])).sum() }
        XCTAssertEqual(report.reason, .gradientTolerance, "\(report)")
        XCTAssertLessThan(report.iterations, 15)
        XCTAssertEqual(q.x.scalars[0], 1, accuracy: 1e-9)
        XCTAssertEqual(q.x.scalars[1], 2, accuracy: 1e-9)

        // Step rule: with a huge step tolerance the first step already counts as converged.
        var w = Point<Double>(x: Tensor([-1.2, 1]))
        solver = LBFGS()
        solver.stepTolerance = 1e3
        solver.functionTolerance = 0
        report = try solver.minimize(&w, loss: rosenbrock)
        XCTAssertEqual(report.reason, .stepTolerance, "\(report)")
        XCTAssertEqual(report.iterations, 1)

        // A loss that becomes NaN: stops and reports, keeping finite parameters.
        var r = Point<Double>(x: Tensor([2]))
        report = try LBFGS().minimize(&r) { m in log(m.x).sum() * -1 + Tensor(Double.nan) * m.x.sum() }
        XCTAssertEqual(report.reason, .nonFinite)
        XCTAssertTrue(r.x.isFinite)
    }

    func testFloatModelsAreOptimisedInDouble() throws {
        var p = Point<Float>(x: Tensor([-1.2, 1]))
        let report = try LBFGS().minimize(&p, loss: rosenbrock)
        XCTAssertTrue([.gradientTolerance, .functionTolerance, .lineSearchFailed, .stepTolerance].contains(report.reason))
        for v in p.x.scalars { XCTAssertEqual(v, 1, accuracy: 1e-3) }
    }
}

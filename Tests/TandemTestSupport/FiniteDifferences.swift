import TandemCore
import XCTest

/// Checks reverse-mode derivatives against central finite differences in Float64, along seeded
/// random directions (the JAX `check_grads` approach).
///
/// For a function `f` of several tensors, a fixed random output cotangent `w` turns it into the
/// scalar `s(x) = ⟨w, f(x)⟩`. Then:
/// - **first order**: `Σᵢ ⟨∇ᵢ s, vᵢ⟩` (reverse mode) against `(s(x + εv) − s(x − εv)) / 2ε`;
/// - **second order**: with `h(x) = Σᵢ ⟨∇ᵢ s(x), uᵢ⟩` computed by a recorded backward pass,
///   `Σᵢ ⟨∇ᵢ h, vᵢ⟩ = vᵀHu` (reverse over reverse) against `(h(x + εv) − h(x − εv)) / 2ε`.
public enum FiniteDifferenceCheck {
    /// The outcome of one comparison.
    public struct Comparison: CustomStringConvertible {
        public let analytic: Double
        public let numeric: Double
        public var absoluteError: Double { Swift.abs(analytic - numeric) }
        public func agrees(relativeTolerance: Double, absoluteTolerance: Double) -> Bool {
            absoluteError <= absoluteTolerance + relativeTolerance * Swift.max(Swift.abs(analytic), Swift.abs(numeric))
        }
        public var description: String { "analytic \(analytic), finite difference \(numeric), |Δ| = \(absoluteError)" }
    }

    static func randomLike(_ shapes: [[Int]], _ generator: inout SeededGenerator) -> [Tensor<Double>] {
        shapes.map { Tensor<Double>.randomNormal(shape: $0, using: &generator) }
    }

    static func dot(_ a: [Tensor<Double>], _ b: [Tensor<Double>]) -> Double {
        zip(a, b).reduce(0) { total, pair in
            total + zip(pair.0.scalars, pair.1.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    static func shifted(_ x: [Tensor<Double>], _ v: [Tensor<Double>], _ epsilon: Double) -> [Tensor<Double>] {
        zip(x, v).map { Tensor(shape: $0.shape, scalars: zip($0.scalars, $1.scalars).map { $0 + epsilon * $1 }) }
    }

    /// `s(x) = ⟨w, f(x)⟩` and its reverse-mode gradient at `x`.
    static func scalarized(
        _ f: ([Tensor<Double>]) -> Tensor<Double>, at x: [Tensor<Double>], cotangent w: Tensor<Double>?, createGraph: Bool
    ) throws -> (value: Tensor<Double>, gradients: [Tensor<Double>], leaves: [Tensor<Double>]) {
        let leaves = x.map { $0.requiringGradient() }
        let y = f(leaves)
        let weights = w ?? Tensor<Double>.ones(shape: y.shape)
        let s = (y * weights).sum()
        let g = try gradients(of: s, withRespectTo: leaves, createGraph: createGraph)
        return (s, g, leaves)
    }

    /// Compares the first-order directional derivative along a random direction.
    public static func firstOrder(
        at x: [Tensor<Double>], seed: UInt64, epsilon: Double = 1e-6,
        _ f: @escaping ([Tensor<Double>]) -> Tensor<Double>
    ) throws -> Comparison {
        var generator = SeededGenerator(seed: seed)
        let probe = f(x)
        let w = Tensor<Double>.randomNormal(shape: probe.shape, using: &generator)
        let v = randomLike(x.map(\.shape), &generator)
        let (_, g, _) = try scalarized(f, at: x, cotangent: w, createGraph: false)
        // Evaluated with recording on: `f` may differentiate internally (e.g. a PINN residual).
        let s: ([Tensor<Double>]) -> Double = { point in (f(point) * w).sum().scalar }
        let numeric = (s(shifted(x, v, epsilon)) - s(shifted(x, v, -epsilon))) / (2 * epsilon)
        return Comparison(analytic: dot(g, v), numeric: numeric)
    }

    /// Compares the second-order term `vᵀHu` (reverse over reverse) with a central difference of
    /// the first-order reverse-mode derivative.
    public static func secondOrder(
        at x: [Tensor<Double>], seed: UInt64, epsilon: Double = 1e-5,
        _ f: @escaping ([Tensor<Double>]) -> Tensor<Double>
    ) throws -> Comparison {
        var generator = SeededGenerator(seed: seed)
        let probe = f(x)
        let w = Tensor<Double>.randomNormal(shape: probe.shape, using: &generator)
        let u = randomLike(x.map(\.shape), &generator)
        let v = randomLike(x.map(\.shape), &generator)
        // h(x) = Σ ⟨∇s(x), u⟩ with the backward pass recorded, then differentiated again.
        let (_, g, leaves) = try scalarized(f, at: x, cotangent: w, createGraph: true)
        var h = Tensor<Double>(0)
        for (gi, ui) in zip(g, u) { h = h + (gi * ui).sum() }
        let hv: [Tensor<Double>]
        if h.isRecorded {
            hv = try gradients(of: h, withRespectTo: leaves)
        } else {
            hv = x.map { Tensor<Double>.zeros(shape: $0.shape) }  // f is linear: H = 0
        }
        let first: ([Tensor<Double>]) throws -> Double = { point in
            let (_, gp, _) = try scalarized(f, at: point, cotangent: w, createGraph: false)
            return dot(gp, u)
        }
        let numeric = (try first(shifted(x, v, epsilon)) - first(shifted(x, v, -epsilon))) / (2 * epsilon)
        return Comparison(analytic: dot(hv, v), numeric: numeric)
    }
}

/// Asserts that `f`'s reverse-mode derivatives agree with central finite differences, first
/// order always and second order when `secondOrder` is true, over several seeded directions.
public func assertDerivativesMatchFiniteDifferences(
    _ name: String, at x: [Tensor<Double>], secondOrder: Bool = true, directions: Int = 3,
    relativeTolerance: Double = 1e-6, absoluteTolerance: Double = 1e-8,
    file: StaticString = #filePath, line: UInt = #line,
    _ f: @escaping ([Tensor<Double>]) -> Tensor<Double>
) {
    for direction in 0..<directions {
        let seed = UInt64(1000 + direction)
        do {
            let first = try FiniteDifferenceCheck.firstOrder(at: x, seed: seed, f)
            XCTAssertTrue(
                first.agrees(relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance),
                "\(name): first order along direction \(direction): \(first)", file: file, line: line)
            if secondOrder {
                let second = try FiniteDifferenceCheck.secondOrder(at: x, seed: seed, f)
                XCTAssertTrue(
                    second.agrees(relativeTolerance: relativeTolerance * 100, absoluteTolerance: absoluteTolerance * 100),
                    "\(name): second order along direction \(direction): \(second)", file: file, line: line)
            }
        } catch {
            XCTFail("\(name): \(error)", file: file, line: line)
        }
    }
}

/// A seeded random tensor for tests.
public func randomTensor(_ shape: [Int], seed: UInt64, lower: Double = -1, upper: Double = 1) -> Tensor<Double> {
    var generator = SeededGenerator(seed: seed)
    return Tensor<Double>.randomUniform(shape: shape, lower: lower, upper: upper, using: &generator)
}

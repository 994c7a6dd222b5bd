import TandemCore

/// Optimisation over the probability simplex `Δ = {α : αₖ ≥ 0, Σ αₖ = 1}` for the gradient-surgery
/// strategies (MGDA's min-norm point, CAGrad's dual).
enum Simplex {
    /// The Euclidean projection of `y` onto `Δ` (Held, Wolfe & Crowder 1974; the sort-based form of
    /// Duchi, Shalev-Shwartz, Singer & Chandra 2008): `max(y − τ, 0)` with the `τ` that makes it sum to 1.
    static func project(_ y: [Double]) -> [Double] {
        let sorted = y.sorted(by: >)
        var total = 0.0, tau = (y.reduce(0, +) - 1) / Double(y.count)
        for (i, value) in sorted.enumerated() {
            total += value
            let candidate = (total - 1) / Double(i + 1)
            if i + 1 < sorted.count, candidate >= sorted[i + 1] { tau = candidate; break }
            if i + 1 == sorted.count { tau = candidate }
        }
        return y.map { Swift.max($0 - tau, 0) }
    }

    static func product(_ a: [[Double]], _ x: [Double]) -> [Double] {
        a.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Minimises the smooth convex `f` over `Δ` by accelerated projected gradient descent with
    /// backtracking and adaptive restart (Beck & Teboulle 2009; O'Donoghue & Candès 2015), from
    /// the centre, until an iterate moves less than `1e-15` (in ℓ₁), the value stops decreasing
    /// (by more than 10⁻¹⁵ relative over 20 iterations), `accept` holds (checked every 20
    /// iterations), or `maxIterations`.
    static func minimise(count: Int, maxIterations: Int = 100_000, value f: ([Double]) -> Double, gradient: ([Double]) -> [Double],
                         accept: (([Double]) -> [Double]?)? = nil) -> [Double] {
        var x = [Double](repeating: 1 / Double(count), count: count)
        guard count > 1 else { return x }
        var y = x, momentum = 1.0, step = 1.0
        var fx = f(x)
        var checkpointValue = fx
        for iteration in 1...maxIterations {
            if iteration % 20 == 0 {
                if let accepted = accept?(x) { return accepted }
                if checkpointValue - fx <= 1e-15 * Swift.max(Swift.abs(fx), 1e-300) { break }
                checkpointValue = fx
            }
            let g = gradient(y), fy = f(y)
            var next: [Double]
            while true {
                next = project(zip(y, g).map { $0 - step * $1 })
                let d = zip(next, y).map { $0 - $1 }
                if f(next) <= fy + dot(g, d) + dot(d, d) / (2 * step) + 1e-300 || step < 1e-300 { break }
                step /= 2
            }
            let fNext = f(next)
            let change = zip(next, x).reduce(0) { $0 + Swift.abs($1.0 - $1.1) }
            if fNext > fx {
                // Restart: the momentum overshot.
                momentum = 1
                y = x
                continue
            }
            let nextMomentum = (1 + (1 + 4 * momentum * momentum).squareRoot()) / 2
            y = zip(next, x).map { $0 + (momentum - 1) / nextMomentum * ($0 - $1) }
            x = next
            fx = fNext
            momentum = nextMomentum
            step *= 1.5
            if change < 1e-15 { break }
        }
        return x
    }

    /// The minimum-norm point of the convex hull of vectors with Gram matrix `gram`:
    /// `argmin_{α∈Δ} αᵀGα` (Sener & Koltun 2018, Eq. 3; for two vectors in closed form,
    /// `α₁ = clamp((g₂ − g₁)·g₂ / ‖g₁ − g₂‖², 0, 1)`). Polished by solving the equality-constrained
    /// problem on the support exactly (`G_SS x = 1`, `α_S = x / Σx`) when that is feasible.
    static func minimumNormPoint(gram: [[Double]]) -> [Double] {
        let k = gram.count
        if k == 1 { return [1] }
        if k == 2 {
            let a = gram[0][0], b = gram[0][1], c = gram[1][1]
            let denominator = a + c - 2 * b
            guard denominator > 0 else { return [0.5, 0.5] }
            let alpha = Swift.min(Swift.max((c - b) / denominator, 0), 1)
            return [alpha, 1 - alpha]
        }
        let x = minimise(count: k, value: { dot($0, product(gram, $0)) }, gradient: { product(gram, $0).map { 2 * $0 } },
                         accept: { polish($0, gram: gram) })
        return polish(x, gram: gram) ?? x
    }

    /// The exact minimiser on the support of `x` (`G_SS y = 1`, `α_S = y / Σy`), when it is
    /// positive and optimal: `(Gα)ⱼ ≥ αᵀGα` for every `j` (the KKT conditions), to 10⁻¹² relative.
    static func polish(_ x: [Double], gram: [[Double]]) -> [Double]? {
        let k = gram.count
        let support = x.indices.filter { x[$0] > 1e-9 * (x.max() ?? 1) }
        let sub = support.flatMap { i in support.map { gram[i][$0] } }
        guard let solved = DenseSolve.positiveDefinite(sub, [Double](repeating: 1, count: support.count), size: support.count) else { return nil }
        let total = solved.reduce(0, +)
        guard total > 0, solved.allSatisfy({ $0 > 0 }) else { return nil }
        var alpha = [Double](repeating: 0, count: k)
        for (i, s) in support.enumerated() { alpha[s] = solved[i] / total }
        let g = product(gram, alpha)
        let value = dot(alpha, g)
        let scale = gram.indices.reduce(0) { Swift.max($0, gram[$1][$1]) }
        return g.allSatisfy({ $0 >= value - 1e-12 * scale }) ? alpha : nil
    }
}

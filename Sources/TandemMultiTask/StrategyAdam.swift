import RealModule

/// Adam (Kingma & Ba 2015, arXiv:1412.6980) on a strategy's own parameters (uncertainty weighting's
/// log-variances, GradNorm's weight logits), with its moments kept in the strategy's state under
/// `<key>.m`, `<key>.v` and the step count under `<key>.t`:
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`, `x ← x − η m̂ / (√v̂ + ε)`.
struct StrategyAdam {
    let learningRate: Double
    let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    /// Fresh moments for `count` parameters under `key`.
    func initialise(_ state: inout StrategyState, key: String, count: Int) {
        state[key + ".m"] = [Double](repeating: 0, count: count)
        state[key + ".v"] = [Double](repeating: 0, count: count)
        state[key + ".t"] = [0]
    }

    /// One Adam step on the vector `key` along `gradient`.
    func step(_ state: inout StrategyState, key: String, gradient: [Double]) {
        var x = state[key], m = state[key + ".m"], v = state[key + ".v"]
        let t = state[key + ".t"][0] + 1
        for i in x.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * gradient[i]
            v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i]
            let mHat = m[i] / (1 - Double.pow(beta1, t)), vHat = v[i] / (1 - Double.pow(beta2, t))
            x[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
        }
        state[key] = x
        state[key + ".m"] = m
        state[key + ".v"] = v
        state[key + ".t"] = [t]
    }
}

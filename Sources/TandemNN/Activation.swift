import TandemCore

/// An elementwise nonlinearity, named as in problem files and on the command line.
public enum Activation: String, Codable, CaseIterable, Sendable {
    case identity, tanh, sigmoid, relu, leakyRelu = "leaky-relu", elu, selu, gelu, silu, softplus, sin
    /// GELU in its tanh form (``TandemCore/geluTanh(_:)``), vectorised.
    case geluTanh = "gelu-tanh"

    /// Applies the nonlinearity to every scalar (see the free functions in TandemCore for the formulas).
    public func callAsFunction<S>(_ x: Tensor<S>) -> Tensor<S> {
        switch self {
        case .identity: return x
        case .tanh: return TandemCore.tanh(x)
        case .sigmoid: return TandemCore.sigmoid(x)
        case .relu: return TandemCore.relu(x)
        case .leakyRelu: return TandemCore.leakyRelu(x)
        case .elu: return TandemCore.elu(x)
        case .selu: return TandemCore.selu(x)
        case .gelu: return TandemCore.gelu(x)
        case .geluTanh: return TandemCore.geluTanh(x)
        case .silu: return TandemCore.silu(x)
        case .softplus: return TandemCore.softplus(x)
        case .sin: return TandemCore.sin(x)
        }
    }

    /// Whether ``derivatives(_:)`` gives a second derivative that holds everywhere (the smooth
    /// activations: identity, `tanh`, `sin`, `sigmoid`, `softplus`, `silu`, `gelu`, `gelu-tanh`) — what
    /// Taylor-mode jets need. `relu`, `leaky-relu`, `elu` and `selu` have a kink or a jump in `σ'` at 0.
    public var isSmooth: Bool { [.identity, .tanh, .sin, .sigmoid, .softplus, .silu, .gelu, .geluTanh].contains(self) }

    /// The table of derivatives: `(σ(z), σ'(z), σ''(z))` as differentiable tensors, so that the
    /// jets of a network (and their gradients) are built from them.
    ///
    /// `first == nil` means `σ' = 1` and `second == nil` means `σ'' = 0` (identity), or, for
    /// activations that are not ``isSmooth``, that `σ''` is not a function. With `s = sigmoid(z)`
    /// and `φ`, `Φ` the standard normal density and distribution:
    ///
    /// | σ | σ' | σ'' |
    /// |---|---|---|
    /// | `tanh z = t` | `1 − t²` | `−2t(1 − t²)` |
    /// | `sin z` | `cos z` | `−sin z` |
    /// | `sigmoid z = s` | `s(1 − s)` | `s(1 − s)(1 − 2s)` |
    /// | `softplus z` | `s` | `s(1 − s)` |
    /// | `silu z = z·s` | `s(1 + z(1 − s))` | `s(1 − s)(2 + z(1 − 2s))` |
    /// | `gelu z = z·Φ(z)` | `Φ(z) + z·φ(z)` | `φ(z)(2 − z²)` |
    /// | `gelu-tanh z = ½z(1 + t)`, `t = tanh u`, `u = c(z + az³)` | `½(1 + t) + ½z(1 − t²)u′` | `(1 − t²)(u′ − z·t·u′² + 3acz²)` |
    /// | `relu z` | `[z > 0]` | — |
    /// | `leaky-relu z` | `1` or `0.01` | — |
    /// | `elu z` | `1` or `σ + 1` | — |
    /// | `selu z` | `λ` or `σ + λα` | — |
    ///
    /// The reverse-mode pullbacks in `TandemCore` are fused kernels of the same formulas;
    /// `ActivationTests` checks every row against them (first and second order) and against
    /// finite differences.
    public func derivatives<S>(_ z: Tensor<S>) -> (value: Tensor<S>, first: Tensor<S>?, second: Tensor<S>?) {
        switch self {
        case .identity: return (z, nil, nil)
        case .tanh:
            let t = TandemCore.tanh(z)
            let d1 = 1 - t * t
            return (t, d1, -2 * t * d1)
        case .sin: return (TandemCore.sin(z), TandemCore.cos(z), -TandemCore.sin(z))
        case .sigmoid:
            let s = TandemCore.sigmoid(z)
            let d1 = s * (1 - s)
            return (s, d1, d1 * (1 - 2 * s))
        case .softplus:
            let s = TandemCore.sigmoid(z)
            return (TandemCore.softplus(z), s, s * (1 - s))
        case .silu:
            let s = TandemCore.sigmoid(z)
            return (z * s, s * (1 + z * (1 - s)), s * (1 - s) * (2 + z * (1 - 2 * s)))
        case .gelu:
            let pdf = TandemCore.exp(z * z * -0.5) * (1 / S.sqrt(2 * S.pi))
            let cdf = (TandemCore.erf(z * (1 / S.sqrt(2))) + 1) * 0.5
            return (TandemCore.gelu(z), cdf + z * pdf, pdf * (2 - z * z))
        case .geluTanh:
            let (c, a) = (S.sqrt(2 / S.pi), S(0.044715))
            let t = TandemCore.tanh((z + z * z * z * a) * c)
            let du = (z * z * (3 * a) + 1) * c
            let d1 = (1 + t) * 0.5 + z * (1 - t * t) * du * 0.5
            return (TandemCore.geluTanh(z), d1, (1 - t * t) * (du - z * t * du * du + z * z * (3 * a * c)))
        case .relu:
            return (TandemCore.relu(z), z.indicator { $0 > 0 }, nil)
        case .leakyRelu:
            let positive = z.indicator { $0 > 0 }
            return (TandemCore.leakyRelu(z), positive + (1 - positive) * 0.01, nil)
        case .elu:
            let y = TandemCore.elu(z), positive = z.indicator { $0 > 0 }
            return (y, positive + (1 - positive) * (y + 1), nil)
        case .selu:
            let (lambda, alpha): (S, S) = (1.0507009873554804934193349852946, 1.6732632423543772848170429916717)
            let y = TandemCore.selu(z), positive = z.indicator { $0 > 0 }
            return (y, positive * lambda + (1 - positive) * (y + lambda * alpha), nil)
        }
    }
}


import TandemCore
import TandemNN

/// The input derivatives of a network's output that a residual or condition needs.
///
/// Axes index the network's inputs (`x, y, z`, then `t` for transient problems). Asking for a
/// second derivative along an axis, or a mixed one, implies the first derivatives it is built from.
public struct JetRequest: Hashable, Sendable, CustomStringConvertible {
    /// An unordered pair of distinct axes `i < j`, for `∂²u/∂xᵢ∂xⱼ`.
    public struct Pair: Hashable, Sendable, Comparable {
        /// The smaller axis.
        public let i: Int
        /// The larger axis.
        public let j: Int
        /// The pair `{a, b}`, `a ≠ b`, stored in order.
        public init(_ a: Int, _ b: Int) {
            precondition(a != b, "JetRequest.Pair: a mixed derivative needs two different axes")
            (i, j) = (Swift.min(a, b), Swift.max(a, b))
        }
        /// Lexicographic order.
        public static func < (a: Pair, b: Pair) -> Bool { (a.i, a.j) < (b.i, b.j) }
    }
    /// Axes of the first derivatives `∂u/∂xᵢ`, sorted.
    public private(set) var first: [Int]
    /// Axes of the pure second derivatives `∂²u/∂xᵢ²`, sorted.
    public private(set) var second: [Int]
    /// Pairs of the mixed second derivatives, sorted.
    public private(set) var mixed: [Pair]

    /// The derivatives along `first`, `second` and `mixed`, with the first derivatives they need added.
    public init(first: [Int] = [], second: [Int] = [], mixed: [Pair] = []) {
        self.second = Array(Set(second)).sorted()
        self.mixed = Array(Set(mixed)).sorted()
        self.first = Array(Set(first + second + mixed.flatMap { [$0.i, $0.j] })).sorted()
    }

    /// The union of two requests.
    public func union(_ other: JetRequest) -> JetRequest {
        JetRequest(first: first + other.first, second: second + other.second, mixed: mixed + other.mixed)
    }

    /// Whether nothing beyond the value is asked for.
    public var isEmpty: Bool { first.isEmpty }

    /// Row blocks a stacked jet has: the value, then each first, second and mixed derivative.
    public var blockCount: Int { 1 + first.count + second.count + mixed.count }

    /// E.g. `u, u_0, u_00` in axis numbers.
    public var description: String {
        (["u"] + first.map { "u_\($0)" } + second.map { "u_\($0)\($0)" } + mixed.map { "u_\($0.i)\($0.j)" }).joined(separator: ", ")
    }
}

/// A network output and its input derivatives at a batch of points, each `[n, outputs]`.
public struct Jets<Scalar: TensorScalar> {
    /// `u`.
    public var value: Tensor<Scalar>
    /// `∂u/∂xᵢ` by axis.
    public var first: [Int: Tensor<Scalar>]
    /// `∂²u/∂xᵢ²` by axis.
    public var second: [Int: Tensor<Scalar>]
    /// `∂²u/∂xᵢ∂xⱼ` by pair.
    public var mixed: [JetRequest.Pair: Tensor<Scalar>]

    /// Jets from their parts.
    public init(value: Tensor<Scalar>, first: [Int: Tensor<Scalar>] = [:], second: [Int: Tensor<Scalar>] = [:],
                mixed: [JetRequest.Pair: Tensor<Scalar>] = [:]) {
        self.value = value
        self.first = first
        self.second = second
        self.mixed = mixed
    }

    /// The jets of constant inputs `x: [n, d]`: `∂x/∂xᵢ = eᵢ`, second derivatives zero.
    public init(inputs x: Tensor<Scalar>, request: JetRequest) {
        let (n, d) = (x.shape[0], x.shape[1])
        value = x
        first = [:]
        for i in request.first {
            var unit = [Scalar](repeating: 0, count: n * d)
            for row in 0..<n { unit[row * d + i] = 1 }
            first[i] = Tensor(shape: [n, d], scalars: unit)
        }
        second = Dictionary(uniqueKeysWithValues: request.second.map { ($0, Tensor<Scalar>.zeros(shape: [n, d])) })
        mixed = Dictionary(uniqueKeysWithValues: request.mixed.map { ($0, Tensor<Scalar>.zeros(shape: [n, d])) })
    }

    /// The derivative of `u` along a list of axes: `[]` is `u`, `[i]` is `∂u/∂xᵢ`, `[i, i]` and
    /// `[i, j]` the second derivatives; `nil` if it was not requested.
    public func derivative(_ axes: [Int]) -> Tensor<Scalar>? {
        switch axes.count {
        case 0: return value
        case 1: return first[axes[0]]
        case 2: return axes[0] == axes[1] ? second[axes[0]] : mixed[JetRequest.Pair(axes[0], axes[1])]
        default: return nil
        }
    }
}

/// Activations whose first and second derivatives the jet propagation knows.
extension Activation {
    /// Whether ``jetDerivatives(_:)`` supports this activation (smooth ones: `tanh`, `sin`,
    /// `silu`, `sigmoid`, `softplus`, `identity`).
    public var supportsJets: Bool { [.identity, .tanh, .sin, .silu, .sigmoid, .softplus].contains(self) }

    /// `(σ(z), σ'(z), σ''(z))` as differentiable tensors (`nil` derivatives for the identity:
    /// σ' = 1, σ'' = 0).
    /// - `tanh`: `σ' = 1 − σ²`, `σ'' = −2σσ'`; `sin`: `cos z`, `−sin z`;
    ///   `sigmoid s`: `s(1 − s)`, `s(1 − s)(1 − 2s)`; `softplus`: `s`, `s(1 − s)`;
    ///   `silu z·s`: `s(1 + z(1 − s))`, `s(1 − s)(2 + z(1 − 2s))`.
    public func jetDerivatives<S>(_ z: Tensor<S>) -> (value: Tensor<S>, first: Tensor<S>?, second: Tensor<S>?) {
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
        default:
            preconditionFailure("Activation.jetDerivatives: \(rawValue) has no second derivative for Taylor-mode jets; use tanh, sin, silu, sigmoid or softplus")
        }
    }
}

extension Dense {
    /// Propagates jets through `σ(x·W + b)` (Taylor mode, forward):
    /// `Z = A·W + b`, `Zᵢ = Aᵢ·W`, `Zᵢᵢ = Aᵢᵢ·W`, `Zᵢⱼ = Aᵢⱼ·W`, then `Y = σ(Z)`, `Yᵢ = σ'⊙Zᵢ`,
    /// `Yᵢᵢ = σ''⊙Zᵢ² + σ'⊙Zᵢᵢ`, `Yᵢⱼ = σ''⊙Zᵢ⊙Zⱼ + σ'⊙Zᵢⱼ`.
    ///
    /// The value and every derivative are stacked row-wise so one GEMM serves them all; all
    /// operations are recorded, so reverse mode over the result gives parameter gradients.
    public func jets(_ input: Jets<Scalar>, request: JetRequest) -> Jets<Scalar> {
        let n = input.value.shape[0]
        let blocks = [input.value] + request.first.map { input.first[$0]! } + request.second.map { input.second[$0]! }
            + request.mixed.map { input.mixed[$0]! }
        let stacked = blocks.count == 1 ? blocks[0] : concatenate(blocks, alongAxis: 0)
        let z = matmul(stacked, weight)
        func block(_ k: Int) -> Tensor<Scalar> { z.slice(alongAxis: 0, (k * n)..<((k + 1) * n)) }
        let (value, d1, d2) = activation.jetDerivatives(block(0) + bias)
        var out = Jets(value: value)
        var zFirst: [Int: Tensor<Scalar>] = [:]
        for (k, i) in request.first.enumerated() {
            let zi = block(1 + k)
            zFirst[i] = zi
            out.first[i] = d1.map { $0 * zi } ?? zi
        }
        let offset = 1 + request.first.count
        for (k, i) in request.second.enumerated() {
            let zii = block(offset + k), zi = zFirst[i]!
            out.second[i] = d1.map { d2! * zi * zi + $0 * zii } ?? zii
        }
        for (k, pair) in request.mixed.enumerated() {
            let zij = block(offset + request.second.count + k)
            out.mixed[pair] = d1.map { d2! * zFirst[pair.i]! * zFirst[pair.j]! + $0 * zij } ?? zij
        }
        return out
    }
}

extension MLP {
    /// The network's output and the input derivatives `request` asks for at points `x: [n, d]`,
    /// by Taylor-mode jets through every layer (see ``Dense/jets(_:request:)``).
    /// - Precondition: every activation ``Activation/supportsJets``.
    public func jets(at x: Tensor<Scalar>, request: JetRequest) -> Jets<Scalar> {
        layers.reduce(Jets(inputs: x, request: request)) { $1.jets($0, request: request) }
    }
}

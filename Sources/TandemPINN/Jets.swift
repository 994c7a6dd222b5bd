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
    /// Whether Taylor-mode jets support this activation: it is smooth (``Activation/isSmooth``),
    /// so ``Activation/derivatives(_:)`` gives `σ''` everywhere.
    public var supportsJets: Bool { isSmooth }
}

extension JetRequest {
    /// The stacked layout of these jets over `rows` points (see ``TandemCore/TaylorLayout``).
    public func layout(rows: Int) -> TaylorLayout {
        TaylorLayout(rows: rows, first: first.count, second: second.map { first.firstIndex(of: $0)! },
                     mixed: mixed.map { [first.firstIndex(of: $0.i)!, first.firstIndex(of: $0.j)!] })
    }
}

extension Activation {
    /// The fused Taylor-mode kernel for this activation, if there is one.
    var taylorNonlinearity: TaylorNonlinearity? {
        switch self {
        case .identity: return .identity
        case .tanh: return .tanh
        case .sin: return .sin
        default: return nil
        }
    }
}

extension Dense {
    /// Propagates stacked jets `H` (`[blocks·n, in]`, laid out by `layout`) through `σ(x·W + b)`
    /// (Taylor mode, forward): `Z = H·W` for all blocks in one GEMM, the bias on the value block,
    /// then `Y = σ(Z₀ + b)`, `Yᵢ = σ'⊙Zᵢ`, `Yᵢᵢ = σ''⊙Zᵢ² + σ'⊙Zᵢᵢ`, `Yᵢⱼ = σ''⊙Zᵢ⊙Zⱼ + σ'⊙Zᵢⱼ`
    /// — by one fused recorded kernel for `tanh`, `sin` and the identity
    /// (``TandemCore/Tensor/taylorActivation(bias:_:layout:)``), by recorded elementwise
    /// operations for the other smooth activations.
    public func stackedJets(_ h: Tensor<Scalar>, layout: TaylorLayout) -> Tensor<Scalar> {
        let z = matmul(h, weight)
        if let fused = activation.taylorNonlinearity { return z.taylorActivation(bias: bias, fused, layout: layout) }
        let n = layout.rows
        func block(_ k: Int) -> Tensor<Scalar> { z.slice(alongAxis: 0, (k * n)..<((k + 1) * n)) }
        precondition(activation.supportsJets, "Taylor-mode jets need a smooth activation; \(activation.rawValue) has no second derivative")
        let (s0, d1, d2) = activation.derivatives(block(0) + bias)
        var out = [s0]
        for i in 0..<layout.first { out.append(d1! * block(1 + i)) }
        var k = 1 + layout.first
        for i in layout.second {
            out.append(d2! * block(1 + i) * block(1 + i) + d1! * block(k))
            k += 1
        }
        for pair in layout.mixed {
            out.append(d2! * block(1 + pair[0]) * block(1 + pair[1]) + d1! * block(k))
            k += 1
        }
        return out.count == 1 ? out[0] : concatenate(out, alongAxis: 0)
    }
}

extension JetRequest {
    /// The input jets of points `x: [n, d]`, stacked as ``layout(rows:)`` lays them out: the
    /// value block is `x`, the block of `∂/∂xₐ` is the unit vector `eₐ` on every row, and the
    /// second-derivative blocks are zero (the inputs are linear in themselves).
    public func seed<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let (n, d) = (x.shape[0], x.shape[1])
        let layout = layout(rows: n)
        var stacked = [Scalar](repeating: 0, count: layout.blockCount * n * d)
        x.scalars.withUnsafeBufferPointer { px in
            for e in 0..<(n * d) { stacked[e] = px[e] }
        }
        for (k, axis) in first.enumerated() {
            for row in 0..<n { stacked[((1 + k) * n + row) * d + axis] = 1 }
        }
        return Tensor(shape: [layout.blockCount * n, d], scalars: stacked)
    }

    /// Splits stacked output jets `h: [blocks·n, width]` of `n` points into value and derivatives.
    public func unstack<Scalar: TensorScalar>(_ h: Tensor<Scalar>, rows n: Int) -> Jets<Scalar> {
        func block(_ k: Int) -> Tensor<Scalar> { blockCount == 1 ? h : h.slice(alongAxis: 0, (k * n)..<((k + 1) * n)) }
        var jets = Jets(value: block(0))
        for (k, axis) in first.enumerated() { jets.first[axis] = block(1 + k) }
        for (k, axis) in second.enumerated() { jets.second[axis] = block(1 + first.count + k) }
        for (k, pair) in mixed.enumerated() { jets.mixed[pair] = block(1 + first.count + second.count + k) }
        return jets
    }
}

extension MLP {
    /// Propagates stacked jets through every layer (see ``Dense/stackedJets(_:layout:)``).
    public func stackedJets(_ h: Tensor<Scalar>, layout: TaylorLayout) -> Tensor<Scalar> {
        layers.reduce(h) { $1.stackedJets($0, layout: layout) }
    }

    /// The network's output and the input derivatives `request` asks for at points `x: [n, d]`,
    /// by Taylor-mode jets through every layer (see ``Dense/stackedJets(_:layout:)``): the value
    /// and all derivatives travel stacked in one `[blocks·n, width]` tensor, so each layer is one
    /// GEMM and one fused elementwise pass.
    /// - Precondition: every activation ``Activation/supportsJets``.
    public func jets(at x: Tensor<Scalar>, request: JetRequest) -> Jets<Scalar> {
        let n = x.shape[0]
        return request.unstack(stackedJets(request.seed(x), layout: request.layout(rows: n)), rows: n)
    }
}

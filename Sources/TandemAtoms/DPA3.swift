import Foundation
import TandemCore
import TandemNN

/// A DPA3-style line-graph message-passing network (after Zhang et al., "A graph neural network
/// for the era of large atomistic models", arXiv 2506.01686, DeePMD-kit's RepFlow descriptor):
/// node features `n_i`, edge features `e_ij` on the neighbour list within the cut-off `r_c`, and
/// angle features `a_ijk` on pairs of edges `(ij, ik)` that share atom `i` within the shorter
/// angle cut-off `r_a`, refined together by `L` layers of residual updates:
///
///     n_i   ← n_i   + α₁ · φ(W₁ n_i)                                          node self-update
///     n_i   ← n_i   + α₂ · c_e Σ_j s(r_ij) · φ(W₂ [n_i ⊕ n_j ⊕ e_ij])        edge messages to nodes
///     e_ij  ← e_ij  + α₃ · φ(W₃ [n_i ⊕ n_j ⊕ e_ij])                          edge self-update
///     e_ij  ← e_ij  + α₄ · c_a Σ_k s_a(r_ij) s_a(r_ik) · φ(W₄ [a_ijk ⊕ e_ij ⊕ e_ik])   angle messages to edges
///     a_ijk ← a_ijk + α₅ · φ(W₅ [a_ijk ⊕ e_ij ⊕ e_ik])                       angle self-update
///
/// (the last layer updates only the nodes: nothing reads its edges and angles) with every residual
/// weight `α` a learned scalar initialised at 0.1, `φ` the SiLUT activation
/// (``silut(_:threshold:)``), fixed normalisations `c_e = 1/2`, `c_a = 1/8`, and the smooth switch
/// `s(r) = 1 − 10u³ + 15u⁴ − 6u⁵` of `u = (r − r_s)/(r_c − r_s)` between `r_s = r_c − 1 Å` and the
/// cut-off (1 below, 0 beyond; twice continuously differentiable), likewise `s_a` for `r_a`. The
/// first features: `n_i` the embedding of the element, `e_ij = W_e·g(r_ij)` of `K` Gaussians `g`
/// on `[0, r_c]` times `s(r_ij)`, and `a_ijk = W_a·(c, c², c³, c⁴)` of `c = cos θ_jik`. The
/// descriptor is the final node features; the fitting net `F → F → 1` (SiLUT, last layer starting
/// at zero) reads it with the data set's one-hot code appended, and `E = Σ_i ε_i + Σ_i b_{d,Z_i}`
/// (``AtomisticModel``). Forces `−∂E/∂r` and their parameter derivatives (double backward) come
/// from reverse mode through the whole graph, angles included.
public struct DPA3<Scalar: TensorScalar>: AtomisticModel {
    /// The elements the model knows.
    public let elements: [String]
    /// Edge and angle cut-offs (Å); the number of radial Gaussians.
    public let cutoff: Double, angleCutoff: Double, radialCount: Int
    /// Element embeddings `[elements, nodeFeatures]`.
    public var embedding: Embedding<Scalar>
    /// The first edge features from the radial basis, and the first angle features from powers of cos θ.
    public var edgeInput: Dense<Scalar>, angleInput: Dense<Scalar>
    /// The message-passing layers.
    public var layers: [DPA3Layer<Scalar>]
    /// The fitting net `F (+ data sets) → F → 1`.
    public var fitting: [Dense<Scalar>]
    /// The number of data sets encoded (0: none).
    public let datasets: Int
    /// Energy shifts (eV) per data set and element, not trained.
    public var energyShifts: [[Double]]

    /// The fixed normalisation `c_e` of the edge messages summed on a node.
    public static var edgeNormalisation: Double { 1.0 / 2 }
    /// The fixed normalisation `c_a` of the angle messages summed on an edge.
    public static var angleNormalisation: Double { 1.0 / 8 }

    /// Feature sizes of nodes, edges and angles.
    public var featureSizes: (node: Int, edge: Int, angle: Int) { (embedding.table.shape[1], edgeInput.outputSize, angleInput.outputSize) }

    /// A network with the given feature sizes and `layerCount` layers; with `datasets > 0`, the
    /// one-hot code of that many data sets enters the fitting net.
    /// - Throws: ``AtomsError`` for a cut-off outside `(0, SchNet.maximumCutoff]`, an angle cut-off
    ///   outside `(0, cutoff]`, fewer than two radial functions, or non-positive sizes.
    public init(elements: [String], nodeFeatures: Int = 64, edgeFeatures: Int = 32, angleFeatures: Int = 16, layers layerCount: Int = 3,
                radialCount: Int = 16, cutoff: Double = 5, angleCutoff: Double = 4, datasets: Int = 0, using generator: inout SeededGenerator) throws {
        guard cutoff > 0, cutoff <= SchNet<Scalar>.maximumCutoff else {
            throw AtomsError("DPA3: a cut-off of \(cutoff) Å is outside (0, \(SchNet<Scalar>.maximumCutoff)] Å")
        }
        guard angleCutoff > 0, angleCutoff <= cutoff else { throw AtomsError("DPA3: the angle cut-off \(angleCutoff) Å must lie in (0, \(cutoff)] Å") }
        guard !elements.isEmpty, nodeFeatures >= 1, edgeFeatures >= 1, angleFeatures >= 1, layerCount >= 0, radialCount >= 2, datasets >= 0 else {
            throw AtomsError("DPA3 needs elements, positive feature sizes, layers ≥ 0, radial functions ≥ 2 and datasets ≥ 0")
        }
        (self.elements, self.cutoff, self.angleCutoff, self.radialCount, self.datasets) = (elements, cutoff, angleCutoff, radialCount, datasets)
        embedding = Embedding(count: elements.count, dimension: nodeFeatures, initializer: .normal(standardDeviation: 1), using: &generator)
        edgeInput = Dense(inputSize: radialCount, outputSize: edgeFeatures, using: &generator)
        angleInput = Dense(inputSize: 4, outputSize: angleFeatures, using: &generator)
        layers = (0..<layerCount).map { _ in DPA3Layer(node: nodeFeatures, edge: edgeFeatures, angle: angleFeatures, using: &generator) }
        fitting = [Dense(inputSize: nodeFeatures + datasets, outputSize: nodeFeatures, using: &generator),
                   Dense(inputSize: nodeFeatures, outputSize: nodeFeatures, using: &generator),
                   Dense(weight: .zeros(shape: [nodeFeatures, 1]), bias: .zeros(shape: [1]))]
        energyShifts = Array(repeating: Array(repeating: 0, count: elements.count), count: Swift.max(1, datasets))
    }

    /// Visits the parameters: `embedding.table`, `edge_input.…`, `angle_input.…`, `layers.K.…`, `fitting.K.…`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&embedding, prefix: "embedding", body)
        try visit(&edgeInput, prefix: "edge_input", body)
        try visit(&angleInput, prefix: "angle_input", body)
        for k in layers.indices { try visit(&layers[k], prefix: "layers.\(k)", body) }
        for k in fitting.indices { try visit(&fitting[k], prefix: "fitting.\(k)", body) }
    }

    /// `s(r)`: 1 below `cutoff − 1 Å`, 0 beyond `cutoff`, `1 − 10u³ + 15u⁴ − 6u⁵` between, as a
    /// tensor of `r` (`[P]`).
    public static func smoothSwitch(_ r: Tensor<Scalar>, cutoff: Double) -> Tensor<Scalar> {
        let inner = Swift.max(0, cutoff - 1)
        let values = r.scalars
        // Where the polynomial applies (a constant mask: the switch is flat on either side).
        let between = Tensor<Scalar>(shape: r.shape, scalars: values.map { Double($0) > inner && Double($0) < cutoff ? 1 : 0 })
        let below = Tensor<Scalar>(shape: r.shape, scalars: values.map { Double($0) <= inner ? 1 : 0 })
        let u = (r - Scalar(inner)) / Scalar(cutoff - inner)
        let u3 = u * u * u
        let polynomial = 1 - u3 * (Scalar(10) - u * (Scalar(15) - Scalar(6) * u))
        return below + between * polynomial
    }

    /// The energies (eV, `[frames]`) of a batch evaluated as one graph (``AtomisticGraph``), the
    /// angles built from each atom's edges shorter than the angle cut-off.
    /// - Throws: ``AtomsError`` for a data set the model does not encode or positions that do not
    ///   match the frames' atoms; the neighbour lists' errors.
    public func energies(positions: Tensor<Scalar>, frames: [AtomisticFrame]) throws -> Tensor<Scalar> {
        let graph = try AtomisticGraph(positions: positions, frames: frames, cutoff: cutoff, datasets: datasets, energyShifts: energyShifts)
        let r = graph.distances
        let switchEdge = Self.smoothSwitch(r, cutoff: cutoff).reshaped(to: [-1, 1])
        // Angles: ordered pairs of distinct edges (ij, ik) of the same atom i, both within r_a.
        let lengths = r.scalars
        var edgesOf = [[Int]](repeating: [], count: graph.atoms)
        for p in graph.first.indices where Double(lengths[p]) < angleCutoff { edgesOf[graph.first[p]].append(p) }
        var left: [Int] = [], right: [Int] = []
        for edges in edgesOf {
            for p in edges { for q in edges where q != p { left.append(p); right.append(q) } }
        }
        let spacing = cutoff / Double(radialCount - 1)
        let centres = Tensor<Scalar>(shape: [1, radialCount], scalars: (0..<radialCount).map { Scalar(Double($0) * spacing) })
        let offset = r.reshaped(to: [-1, 1]) - centres
        var e = edgeInput(exp(Scalar(-0.5 / (spacing * spacing)) * offset * offset)) * switchEdge
        var n = embedding(graph.types)
        var a = Tensor<Scalar>.zeros(shape: [0, featureSizes.angle])
        var angleWeight = Tensor<Scalar>.zeros(shape: [0, 1])
        if !left.isEmpty {
            let unit = graph.vectors / r.reshaped(to: [-1, 1])
            let c = (unit.gathering(left) * unit.gathering(right)).sum(alongAxis: 1).reshaped(to: [-1, 1])
            a = angleInput(concatenate([c, c * c, c * c * c, c * c * c * c], alongAxis: 1))
            let switchAngle = Self.smoothSwitch(r, cutoff: angleCutoff).reshaped(to: [-1, 1])
            angleWeight = switchAngle.gathering(left) * switchAngle.gathering(right)
        }
        for (k, layer) in layers.enumerated() {
            (n, e, a) = layer(nodes: n, edges: e, angles: a, first: graph.first, second: graph.second, left: left, right: right,
                              edgeWeight: switchEdge, angleWeight: angleWeight, updatingEdges: k < layers.count - 1)
        }
        let hidden = silut(fitting[1](silut(fitting[0](graph.encoded(n)))))
        return graph.frameEnergies(fitting[2](hidden))
    }
}

/// One layer of ``DPA3``: the node, edge and angle updates with their residual weights.
public struct DPA3Layer<Scalar: TensorScalar>: Module {
    /// `W₁ … W₅` of the updates (see ``DPA3``).
    public var nodeSelf: Dense<Scalar>, edgeToNode: Dense<Scalar>, edgeSelf: Dense<Scalar>, angleToEdge: Dense<Scalar>, angleSelf: Dense<Scalar>
    /// The residual weights `α₁ … α₅`, each `[1]`, initialised at 0.1.
    public var residual: Tensor<Scalar>

    /// A layer for the given feature sizes.
    public init(node: Int, edge: Int, angle: Int, using generator: inout SeededGenerator) {
        nodeSelf = Dense(inputSize: node, outputSize: node, using: &generator)
        edgeToNode = Dense(inputSize: 2 * node + edge, outputSize: node, using: &generator)
        edgeSelf = Dense(inputSize: 2 * node + edge, outputSize: edge, using: &generator)
        angleToEdge = Dense(inputSize: angle + 2 * edge, outputSize: edge, using: &generator)
        angleSelf = Dense(inputSize: angle + 2 * edge, outputSize: angle, using: &generator)
        residual = Tensor(shape: [5], scalars: Array(repeating: Scalar(0.1), count: 5))
    }

    /// Visits the parameters: `node_self.…`, `edge_to_node.…`, `edge_self.…`, `angle_to_edge.…`, `angle_self.…`, `residual`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&nodeSelf, prefix: "node_self", body)
        try visit(&edgeToNode, prefix: "edge_to_node", body)
        try visit(&edgeSelf, prefix: "edge_self", body)
        try visit(&angleToEdge, prefix: "angle_to_edge", body)
        try visit(&angleSelf, prefix: "angle_self", body)
        try body("residual", &residual)
    }

    /// The updated node `[atoms, N]`, edge `[P, E]` and angle `[T, A]` features; without
    /// `updatingEdges` (the last layer, whose edges and angles nothing reads) only the nodes.
    func callAsFunction(nodes n: Tensor<Scalar>, edges e: Tensor<Scalar>, angles a: Tensor<Scalar>, first: [Int], second: [Int],
                        left: [Int], right: [Int], edgeWeight: Tensor<Scalar>, angleWeight: Tensor<Scalar>, updatingEdges: Bool) -> (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>) {
        let alpha = (0..<5).map { residual.gathering([$0]).reshaped(to: [1, 1]) }
        var nodes = n + alpha[0] * silut(nodeSelf(n))
        let pairs = concatenate([n.gathering(first), n.gathering(second), e], alongAxis: 1)
        let messages = (silut(edgeToNode(pairs)) * edgeWeight).scatterAdding(first, count: n.shape[0])
        nodes = nodes + alpha[1] * Scalar(DPA3<Scalar>.edgeNormalisation) * messages
        guard updatingEdges else { return (nodes, e, a) }
        var edges = e + alpha[2] * silut(edgeSelf(pairs))
        guard !left.isEmpty else { return (nodes, edges, a) }
        let triplets = concatenate([a, e.gathering(left), e.gathering(right)], alongAxis: 1)
        let angleMessages = (silut(angleToEdge(triplets)) * angleWeight).scatterAdding(left, count: e.shape[0])
        edges = edges + alpha[3] * Scalar(DPA3<Scalar>.angleNormalisation) * angleMessages
        let angles = a + alpha[4] * silut(angleSelf(triplets))
        return (nodes, edges, angles)
    }
}

/// SiLUT (DeePMD-kit's DPA3 activation): `silu(x) = x·σ(x)` below `threshold`, and above it
/// `silu(t) + silu′(t)·tanh(x − t)` — continuous with a continuous first derivative at `t`,
/// bounded for large inputs so that deep residual stacks stay stable.
public func silut<S: TensorScalar>(_ x: Tensor<S>, threshold: Double = 3) -> Tensor<S> {
    let t = threshold
    let sigma = 1 / (1 + Foundation.exp(-t))
    let value = t * sigma, slope = sigma * (1 + t * (1 - sigma))
    let above = Tensor<S>(shape: x.shape, scalars: x.scalars.map { Double($0) >= t ? 1 : 0 })
    guard above.scalars.contains(1) else { return silu(x) }
    return (1 - above) * silu(x) + above * (S(value) + S(slope) * tanh(x - S(t)))
}

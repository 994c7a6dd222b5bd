import Foundation
import TandemCore
import TandemNN

/// SchNet (Schütt, Sauceda, Kindermans, Tkatchenko & Müller, "SchNet — A deep learning
/// architecture for molecules and materials", J. Chem. Phys. 148, 241722, 2018): atom-type
/// embeddings refined by continuous-filter convolutions over the neighbour list, an atom-wise
/// head, and the energy as the sum of atomic energies.
///
/// With `x_i ∈ ℝ^F` the features of atom `i`, each interaction block does
///
///     W_ij = Dense(ssp(Dense(e(r_ij)))) · f_c(r_ij)                 filter from the distance
///     m_i  = Σ_j Dense(x_j) ⊙ W_ij                                   continuous-filter convolution
///     x_i ← x_i + Dense(ssp(Dense(m_i)))                              residual update
///
/// with `e_k(r) = exp(−γ (r − μ_k)²)` on `K` centres from 0 to the cut-off (`γ = 1/(2Δμ²)`), the
/// cosine cut-off `f_c(r) = ½(cos(πr/r_c) + 1)` and the shifted softplus `ssp(x) = ln(½eˣ + ½)`.
/// The energy is `E = Σ_i [Dense(ssp(Dense(x_i ⊕ o_d))) + b_{d,Z_i}]` with per-dataset, per-element
/// shifts `b_{d,Z}` (constants, fitted by least squares on each data set's energies,
/// ``fitEnergyShifts(counts:energies:)``) and, when the model serves several data sets, the fixed
/// one-hot vector `o_d` of data set `d` concatenated to the descriptor `x_i` before the shared
/// head — the dataset encoding of DeePMD-kit's multi-task training (Zhang et al., DPA3, arXiv
/// 2506.01686): one descriptor and one fitting network learn from data sets computed with
/// different settings and energy references. The forces are `−∂E/∂r`, differentiable again for a
/// force loss.
public struct SchNet<Scalar: TensorScalar>: AtomisticModel {
    /// The elements the model knows, in the order of the embedding's rows.
    public let elements: [String]
    /// Neighbour cut-off (Å) and the number of radial basis functions.
    public let cutoff: Double, radialCount: Int
    /// Atom-type embeddings, `[elements, F]`.
    public var embedding: Embedding<Scalar>
    /// The interaction blocks.
    public var interactions: [SchNetInteraction<Scalar>]
    /// The atom-wise head `F → F/2 → 1`; its last layer starts at zero, so that an untrained
    /// model predicts the energy shifts alone (the least-squares baseline) rather than a random
    /// energy of order 1 eV per atom.
    public var head: [Dense<Scalar>]
    /// The number of data sets encoded (0: no encoding, one set of shifts).
    public let datasets: Int
    /// Energy shifts (eV) per data set (one row without encoding) and element, not trained.
    public var energyShifts: [[Double]]

    /// The longest cut-off the model accepts (Å): beyond it the neighbour lists of condensed
    /// matter grow past what a training step can hold (≈ 4·10³ neighbours per atom at 20 Å).
    public static var maximumCutoff: Double { 20 }

    /// A network with `features` per atom and `blocks` interactions; with `datasets > 0`, a
    /// one-hot dataset encoding of that many data sets enters the head.
    /// - Throws: ``AtomsError`` for a cut-off that is not in `(0, maximumCutoff]`, fewer than two
    ///   radial functions, or no elements, features or negative counts.
    public init(elements: [String], features: Int = 64, blocks: Int = 3, radialCount: Int = 25, cutoff: Double = 5,
                datasets: Int = 0, using generator: inout SeededGenerator) throws {
        guard cutoff > 0, cutoff <= Self.maximumCutoff else {
            throw AtomsError("SchNet: a cut-off of \(cutoff) Å is outside (0, \(Self.maximumCutoff)] Å")
        }
        guard !elements.isEmpty, features >= 1, blocks >= 0, radialCount >= 2, datasets >= 0 else {
            throw AtomsError("SchNet needs elements, features ≥ 1, blocks ≥ 0, radial functions ≥ 2 and datasets ≥ 0")
        }
        self.elements = elements
        self.cutoff = cutoff
        self.radialCount = radialCount
        embedding = Embedding(count: elements.count, dimension: features, initializer: .normal(standardDeviation: 1), using: &generator)
        interactions = (0..<blocks).map { _ in SchNetInteraction(features: features, radialCount: radialCount, using: &generator) }
        self.datasets = datasets
        head = [Dense(inputSize: features + datasets, outputSize: Swift.max(1, features / 2), using: &generator),
                Dense(weight: .zeros(shape: [Swift.max(1, features / 2), 1]), bias: .zeros(shape: [1]))]
        energyShifts = Array(repeating: Array(repeating: 0, count: elements.count), count: Swift.max(1, datasets))
    }

    /// Visits the parameters (see ``Module``): `embedding.table`, `interactions.K.…`, `head.K.…`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&embedding, prefix: "embedding", body)
        for k in interactions.indices { try visit(&interactions[k], prefix: "interactions.\(k)", body) }
        for k in head.indices { try visit(&head[k], prefix: "head.\(k)", body) }
    }

    /// The energies (eV, `[frames]`) of several configurations evaluated as one graph
    /// (``AtomisticGraph``): every layer runs once over the whole batch. Differentiable in
    /// `positions` (`[Σ atoms, 3]`, stacked in the order of `frames`) and the parameters.
    /// - Throws: ``AtomsError`` for a data set the model does not encode or positions that do not
    ///   match the frames' atoms; the neighbour lists' errors.
    public func energies(positions: Tensor<Scalar>, frames: [AtomisticFrame]) throws -> Tensor<Scalar> {
        let graph = try AtomisticGraph(positions: positions, frames: frames, cutoff: cutoff, datasets: datasets, energyShifts: energyShifts)
        let r = graph.distances
        // Radial basis [P, K] and cosine cut-off [P, 1].
        let spacing = cutoff / Double(radialCount - 1)
        let centres = Tensor<Scalar>(shape: [1, radialCount], scalars: (0..<radialCount).map { Scalar(Double($0) * spacing) })
        let distance = r.reshaped(to: [-1, 1]) - centres
        let basis = exp(Scalar(-0.5 / (spacing * spacing)) * distance * distance)
        let envelope = (Scalar(0.5) * (cos(Scalar(Double.pi / cutoff) * r) + 1)).reshaped(to: [-1, 1])
        var x = embedding(graph.types)
        for block in interactions {
            x = x + block(x, basis: basis, envelope: envelope, first: graph.first, second: graph.second, atoms: graph.atoms)
        }
        return graph.frameEnergies(head[1](shiftedSoftplus(head[0](graph.encoded(x)))))
    }
}

/// One SchNet interaction block (see ``SchNet``).
public struct SchNetInteraction<Scalar: TensorScalar>: Module {
    /// Atom-wise map before the convolution, the filter network, the atom-wise update.
    public var input: Dense<Scalar>, filter: [Dense<Scalar>], output: [Dense<Scalar>]

    /// A block of `features` channels over `radialCount` basis functions.
    public init(features: Int, radialCount: Int, using generator: inout SeededGenerator) {
        input = Dense(inputSize: features, outputSize: features, using: &generator)
        filter = [Dense(inputSize: radialCount, outputSize: features, using: &generator),
                  Dense(inputSize: features, outputSize: features, using: &generator)]
        output = [Dense(inputSize: features, outputSize: features, using: &generator),
                  Dense(inputSize: features, outputSize: features, using: &generator)]
    }

    /// Visits the parameters: `input.…`, `filter.K.…`, `output.K.…`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&input, prefix: "input", body)
        for k in filter.indices { try visit(&filter[k], prefix: "filter.\(k)", body) }
        for k in output.indices { try visit(&output[k], prefix: "output.\(k)", body) }
    }

    /// The update `Dense(ssp(Dense(Σ_j Dense(x_j) ⊙ W_ij)))` of every atom.
    func callAsFunction(_ x: Tensor<Scalar>, basis: Tensor<Scalar>, envelope: Tensor<Scalar>,
                        first: [Int], second: [Int], atoms: Int) -> Tensor<Scalar> {
        let w = filter[1](shiftedSoftplus(filter[0](basis))) * envelope
        let messages = (input(x).gathering(second) * w).scatterAdding(first, count: atoms)
        return output[1](shiftedSoftplus(output[0](messages)))
    }
}

/// `ssp(x) = ln(½eˣ + ½) = softplus(x) − ln 2`, SchNet's activation (zero at zero).
func shiftedSoftplus<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> {
    softplus(x) - S(Foundation.log(2.0))
}

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
public struct SchNet<Scalar: TensorScalar>: Module {
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

    /// The index of each species in ``elements``.
    /// - Throws: ``AtomsError`` naming an element the model was not built for.
    public func types(of species: [String]) throws -> [Int] {
        try species.map { name in
            guard let t = elements.firstIndex(of: name) else {
                throw AtomsError("the model knows \(elements.joined(separator: ", ")); '\(name)' is not among them")
            }
            return t
        }
    }

    /// One configuration of a batch: its atoms' element indices, its lattice, and the data set
    /// whose encoding and shifts its energy carries (0 without encoding).
    public struct Frame: Sendable {
        /// Element indices of its atoms.
        public var types: [Int]
        /// Its cell and periodic directions.
        public var lattice: Lattice
        /// Its data set.
        public var dataset: Int

        /// A frame of a batch.
        public init(types: [Int], lattice: Lattice, dataset: Int = 0) {
            self.types = types
            self.lattice = lattice
            self.dataset = dataset
        }
    }

    /// The total energy (eV) of one configuration of data set `dataset` (0 without encoding) as a
    /// scalar tensor, differentiable in `positions` (`[atoms, 3]`) and the parameters.
    /// - Throws: ``AtomsError`` for a data set the model does not encode; the neighbour list's errors.
    public func energy(positions: Tensor<Scalar>, types: [Int], lattice: Lattice, dataset: Int = 0) throws -> Tensor<Scalar> {
        try energies(positions: positions, frames: [Frame(types: types, lattice: lattice, dataset: dataset)]).sum()
    }

    /// The energies (eV, `[frames]`) of several configurations evaluated as one graph: their
    /// atoms stacked in `positions` (`[Σ atoms, 3]`, in the order of `frames`), each frame's
    /// neighbour list built in its own cell and its pairs offset to the stacked atoms, so that
    /// every layer runs once over the whole batch. Differentiable in `positions` and the parameters.
    /// - Throws: ``AtomsError`` for a data set the model does not encode or positions that do not
    ///   match the frames' atoms; the neighbour lists' errors.
    public func energies(positions: Tensor<Scalar>, frames: [Frame]) throws -> Tensor<Scalar> {
        let n = frames.reduce(0) { $0 + $1.types.count }
        guard positions.shape == [n, 3] else { throw AtomsError("positions of shape \(positions.shape) for \(frames.count) frames of \(n) atoms") }
        var first: [Int] = [], second: [Int] = [], shift: [Scalar] = [], types: [Int] = [], frameOfAtom: [Int] = []
        var code: [Scalar] = datasets > 0 ? [Scalar](repeating: 0, count: n * datasets) : []
        var shifts = [Double](repeating: 0, count: frames.count)
        let all = positions.scalars
        var offset = 0
        for (f, frame) in frames.enumerated() {
            guard frame.dataset >= 0, frame.dataset < Swift.max(1, datasets) else {
                throw AtomsError("data set \(frame.dataset) is not one of the model's \(Swift.max(1, datasets))")
            }
            let count = frame.types.count
            let list = try NeighborList(positions: all[(3 * offset)..<(3 * (offset + count))].map(Double.init), lattice: frame.lattice, cutoff: cutoff)
            first += list.first.map { $0 + offset }
            second += list.second.map { $0 + offset }
            // The image's lattice translation S·A, a constant of the pair.
            let a = frame.lattice.vectors
            for p in 0..<list.count {
                let s = list.shifts[(3 * p)..<(3 * p + 3)].map(Double.init)
                for c in 0..<3 { shift.append(Scalar(s[0] * a[c] + s[1] * a[3 + c] + s[2] * a[6 + c])) }
            }
            types += frame.types
            frameOfAtom += Array(repeating: f, count: count)
            if datasets > 0 { for i in offset..<(offset + count) { code[i * datasets + frame.dataset] = 1 } }
            shifts[f] = frame.types.reduce(0.0) { $0 + energyShifts[frame.dataset][$1] }
            offset += count
        }
        let d = positions.gathering(second) - positions.gathering(first) + Tensor<Scalar>(shape: [first.count, 3], scalars: shift)
        let r = sqrt((d * d).sum(alongAxis: 1))
        // Radial basis [P, K] and cosine cut-off [P, 1].
        let spacing = cutoff / Double(radialCount - 1)
        let centres = Tensor<Scalar>(shape: [1, radialCount], scalars: (0..<radialCount).map { Scalar(Double($0) * spacing) })
        let distance = r.reshaped(to: [-1, 1]) - centres
        let basis = exp(Scalar(-0.5 / (spacing * spacing)) * distance * distance)
        let envelope = (Scalar(0.5) * (cos(Scalar(Double.pi / cutoff) * r) + 1)).reshaped(to: [-1, 1])
        var x = embedding(types)
        for block in interactions {
            x = x + block(x, basis: basis, envelope: envelope, first: first, second: second, atoms: n)
        }
        if datasets > 0 { x = concatenate([x, Tensor<Scalar>(shape: [n, datasets], scalars: code)], alongAxis: 1) }
        let atomic = head[1](shiftedSoftplus(head[0](x)))
        return atomic.reshaped(to: [n]).scatterAdding(frameOfAtom, count: frames.count) + Tensor<Scalar>(shape: [frames.count], scalars: shifts.map { Scalar($0) })
    }

    /// Energy and forces `−∂E/∂r` of one configuration; with `createGraph` the forces stay
    /// differentiable in the parameters (for a loss on forces).
    public func energyAndForces(positions: [Scalar], types: [Int], lattice: Lattice, dataset: Int = 0, createGraph: Bool = false) throws -> (energy: Tensor<Scalar>, forces: Tensor<Scalar>) {
        let (e, f) = try energiesAndForces(positions: positions, frames: [Frame(types: types, lattice: lattice, dataset: dataset)], createGraph: createGraph)
        return (e.sum(), f)
    }

    /// Energies `[frames]` and forces `[Σ atoms, 3]` of a batch (see ``energies(positions:frames:)``):
    /// the frames are independent, so `−∂(Σ_f E_f)/∂r` is each frame's own forces.
    public func energiesAndForces(positions: [Scalar], frames: [Frame], createGraph: Bool = false) throws -> (energies: Tensor<Scalar>, forces: Tensor<Scalar>) {
        let x = Tensor<Scalar>(shape: [positions.count / 3, 3], scalars: positions).requiringGradient()
        let e = try energies(positions: x, frames: frames)
        let g = try gradient(of: e.sum(), withRespectTo: x, createGraph: createGraph)
        return (e, -g)
    }

    /// Per-element shifts `b` minimising `Σ_frames (E − Σ_Z c_Z b_Z)²` over element counts `c`:
    /// the normal equations, with a ridge of 10⁻¹⁰ of their trace so that elements that always
    /// appear in the same proportion stay determined, solved by Cholesky (LAPACK, ``DenseSolve``).
    /// - Parameters: `counts[f][z]`, the number of atoms of element `z` in frame `f`; `energies[f]`.
    public static func fitEnergyShifts(counts: [[Double]], energies: [Double]) -> [Double] {
        let m = counts.first?.count ?? 0
        var normal = [Double](repeating: 0, count: m * m), rhs = [Double](repeating: 0, count: m)
        for (c, e) in zip(counts, energies) {
            for a in 0..<m {
                rhs[a] += c[a] * e
                for b in 0..<m { normal[a * m + b] += c[a] * c[b] }
            }
        }
        let trace = (0..<m).reduce(0.0) { $0 + normal[$1 * m + $1] }
        for a in 0..<m { normal[a * m + a] += 1e-10 * Swift.max(trace, 1) }
        return DenseSolve.positiveDefinite(normal, rhs, size: m) ?? Array(repeating: 0, count: m)
    }
}

/// A trained ``SchNet`` as a ``Potential``: molecular dynamics with the model in place of the
/// reference, in the encoding of one of its data sets. Energies in eV, forces `−∂E/∂r` in eV/Å;
/// no stress.
public struct SchNetPotential: Potential, @unchecked Sendable {
    /// The model (its parameters are only read).
    public let model: SchNet<Double>
    /// The data set whose encoding and energy shifts the energies carry.
    public let dataset: Int

    /// The potential of `model` for data set `dataset`.
    public init(model: SchNet<Double>, dataset: Int) {
        self.model = model
        self.dataset = dataset
    }

    /// Energy and forces of one configuration; `stress` is always `nil`.
    /// - Throws: ``AtomsError`` for an element the model does not know; the neighbour list's errors.
    public func evaluate(positions: [Double], species: [String], lattice: Lattice, stress: Bool) throws -> (energy: Double, forces: [Double], stress: [Double]?) {
        let (e, f) = try model.energyAndForces(positions: positions, types: try model.types(of: species), lattice: lattice, dataset: dataset)
        return (e.scalars[0], f.scalars, nil)
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

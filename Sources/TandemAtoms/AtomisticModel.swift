import Foundation
import TandemCore
import TandemNN

/// One configuration of a batch: its atoms' element indices, its lattice, and the data set whose
/// encoding and energy shifts its energy carries (0 without encoding).
public struct AtomisticFrame: Sendable {
    /// Element indices of its atoms (into the model's ``AtomisticModel/elements``).
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

/// A network of atomic energies: `E = Σ_i ε_i + Σ_i b_{d, Z_i}`, the atomic energies `ε_i` of a
/// graph network over the neighbour list and constant per-data-set, per-element shifts `b`
/// (fitted by least squares, ``fitEnergyShifts(counts:energies:)``); with `datasets > 0`, a fixed
/// one-hot data-set vector enters its fitting net (the dataset encoding). Everything else —
/// forces `−∂E/∂r`, batches, training across data sets (``AtomsObjective``), molecular dynamics
/// (``ModelPotential``) — is shared by the models that conform (``SchNet``, ``DPA3``).
public protocol AtomisticModel: Module {
    /// The elements the model knows, in the order of its embedding's rows.
    var elements: [String] { get }
    /// The neighbour cut-off (Å).
    var cutoff: Double { get }
    /// The number of data sets encoded (0: no encoding, one row of shifts).
    var datasets: Int { get }
    /// Energy shifts (eV) per data set (one row without encoding) and element; not trained.
    var energyShifts: [[Double]] { get set }
    /// The energies (eV, `[frames]`) of a batch whose atoms are stacked in `positions`
    /// (`[Σ atoms, 3]`, in the order of `frames`), differentiable in `positions` and the parameters.
    func energies(positions: Tensor<Scalar>, frames: [AtomisticFrame]) throws -> Tensor<Scalar>
}

extension AtomisticModel {
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

    /// The total energy (eV) of one configuration of data set `dataset` (0 without encoding) as a
    /// scalar tensor, differentiable in `positions` (`[atoms, 3]`) and the parameters.
    /// - Throws: ``AtomsError`` for a data set the model does not encode; the neighbour list's errors.
    public func energy(positions: Tensor<Scalar>, types: [Int], lattice: Lattice, dataset: Int = 0) throws -> Tensor<Scalar> {
        try energies(positions: positions, frames: [AtomisticFrame(types: types, lattice: lattice, dataset: dataset)]).sum()
    }

    /// Energy and forces `−∂E/∂r` of one configuration; with `createGraph` the forces stay
    /// differentiable in the parameters (for a loss on forces).
    public func energyAndForces(positions: [Scalar], types: [Int], lattice: Lattice, dataset: Int = 0, createGraph: Bool = false) throws -> (energy: Tensor<Scalar>, forces: Tensor<Scalar>) {
        let (e, f) = try energiesAndForces(positions: positions, frames: [AtomisticFrame(types: types, lattice: lattice, dataset: dataset)], createGraph: createGraph)
        return (e.sum(), f)
    }

    /// Energies `[frames]` and forces `[Σ atoms, 3]` of a batch: the frames are independent, so
    /// `−∂(Σ_f E_f)/∂r` is each frame's own forces.
    public func energiesAndForces(positions: [Scalar], frames: [AtomisticFrame], createGraph: Bool = false) throws -> (energies: Tensor<Scalar>, forces: Tensor<Scalar>) {
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

/// The graph of a batch of frames, as every atomistic model reads it: each frame's neighbour
/// list built in its own cell, its pairs offset to the stacked atoms, the pair vectors
/// `r_j + S·A − r_i` and lengths as differentiable functions of the positions, and what turns
/// atomic energies into frame energies (the frame of each atom, the data-set codes, the shifts).
public struct AtomisticGraph<Scalar: TensorScalar> {
    /// Atoms in the batch, frames.
    public let atoms: Int, frames: Int
    /// The pairs `(first, second)` over the stacked atoms, both directions.
    public let first: [Int], second: [Int]
    /// Pair vectors `[P, 3]` and lengths `[P]` (Å).
    public let vectors: Tensor<Scalar>, distances: Tensor<Scalar>
    /// Each atom's element index and frame.
    public let types: [Int], frameOfAtom: [Int]
    /// The one-hot data-set code of each atom, `[atoms, datasets]` (`nil` without encoding).
    public let code: Tensor<Scalar>?
    /// Each frame's total shift `Σ_i b_{d, Z_i}` (eV).
    public let shifts: [Double]

    /// The graph of `frames` at `positions` (`[Σ atoms, 3]`) for a model with `cutoff`,
    /// `datasets` encoded and `energyShifts`.
    /// - Throws: ``AtomsError`` for a data set outside the model's or positions that do not
    ///   match the frames' atoms; the neighbour lists' errors.
    public init(positions: Tensor<Scalar>, frames list: [AtomisticFrame], cutoff: Double, datasets: Int, energyShifts: [[Double]]) throws {
        let n = list.reduce(0) { $0 + $1.types.count }
        guard positions.shape == [n, 3] else { throw AtomsError("positions of shape \(positions.shape) for \(list.count) frames of \(n) atoms") }
        var first: [Int] = [], second: [Int] = [], shift: [Scalar] = [], types: [Int] = [], frameOfAtom: [Int] = []
        var code: [Scalar] = datasets > 0 ? [Scalar](repeating: 0, count: n * datasets) : []
        var shifts = [Double](repeating: 0, count: list.count)
        let all = positions.scalars
        var offset = 0
        for (f, frame) in list.enumerated() {
            guard frame.dataset >= 0, frame.dataset < Swift.max(1, datasets) else {
                throw AtomsError("data set \(frame.dataset) is not one of the model's \(Swift.max(1, datasets))")
            }
            let count = frame.types.count
            let neighbours = try NeighborList(positions: all[(3 * offset)..<(3 * (offset + count))].map(Double.init), lattice: frame.lattice, cutoff: cutoff)
            first += neighbours.first.map { $0 + offset }
            second += neighbours.second.map { $0 + offset }
            // The image's lattice translation S·A, a constant of the pair.
            let a = frame.lattice.vectors
            for p in 0..<neighbours.count {
                let s = neighbours.shifts[(3 * p)..<(3 * p + 3)].map(Double.init)
                for c in 0..<3 { shift.append(Scalar(s[0] * a[c] + s[1] * a[3 + c] + s[2] * a[6 + c])) }
            }
            types += frame.types
            frameOfAtom += Array(repeating: f, count: count)
            if datasets > 0 { for i in offset..<(offset + count) { code[i * datasets + frame.dataset] = 1 } }
            shifts[f] = frame.types.reduce(0.0) { $0 + energyShifts[frame.dataset][$1] }
            offset += count
        }
        (self.atoms, self.frames, self.first, self.second, self.types, self.frameOfAtom, self.shifts) = (n, list.count, first, second, types, frameOfAtom, shifts)
        vectors = positions.gathering(second) - positions.gathering(first) + Tensor<Scalar>(shape: [first.count, 3], scalars: shift)
        distances = sqrt((vectors * vectors).sum(alongAxis: 1))
        self.code = datasets > 0 ? Tensor<Scalar>(shape: [n, datasets], scalars: code) : nil
    }

    /// Each atom's descriptor `[atoms, F]` with its data-set code appended (unchanged without encoding).
    public func encoded(_ descriptor: Tensor<Scalar>) -> Tensor<Scalar> {
        code.map { concatenate([descriptor, $0], alongAxis: 1) } ?? descriptor
    }

    /// Frame energies `[frames]`: the atomic energies `[atoms]` (or `[atoms, 1]`) summed per frame, plus the shifts.
    public func frameEnergies(_ atomic: Tensor<Scalar>) -> Tensor<Scalar> {
        atomic.reshaped(to: [atoms]).scatterAdding(frameOfAtom, count: frames) + Tensor<Scalar>(shape: [frames], scalars: shifts.map { Scalar($0) })
    }
}

/// A trained ``AtomisticModel`` as a ``Potential``: molecular dynamics with the model in place of
/// the reference, in the encoding of one of its data sets. Energies in eV, forces `−∂E/∂r` in
/// eV/Å; no stress.
public struct ModelPotential<Model: AtomisticModel>: Potential, @unchecked Sendable where Model.Scalar == Double {
    /// The model (its parameters are only read).
    public let model: Model
    /// The data set whose encoding and energy shifts the energies carry.
    public let dataset: Int

    /// The potential of `model` for data set `dataset`.
    public init(model: Model, dataset: Int) {
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

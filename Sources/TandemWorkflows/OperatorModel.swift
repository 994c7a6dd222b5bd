import Foundation
import TandemCore
import TandemNN
import TandemOperators
import TandemSpec

/// Builds the operator network a problem file's `[model]` declares for a dataset's shapes: a
/// DeepONet, or a Fourier neural operator (`kind = "fno"`).
public enum OperatorModel {
    /// The network, initialised from `seed`.
    /// - Throws: ``ProblemFileError`` at `model` when the declaration does not fit the data.
    /// - Parameter basis: the POD modes `[points, p]` of a POD-DeepONet (``OperatorRun/podBasis(dataset:scaling:fit:)``).
    public static func make(_ spec: PDEProblem.Model, dataset: OperatorDataset, problem: PDEProblem, seed: UInt64,
                            basis: Tensor<Float>? = nil) throws -> NeuralOperator<Float> {
        var generator = SeededGenerator(seed: seed)
        let activation = spec.activation.activation
        if let fourier = spec.fourier {
            guard dataset.branchShape.count == 3, dataset.timeCount == 1 else {
                throw problem.error(at: "model.kind", "the Fourier neural operator needs fields on a 2-D grid and a steady solution")
            }
            return .fourier(FourierNeuralOperator(inputShape: dataset.branchShape, width: fourier.width, modes: (fourier.modes[0], fourier.modes[1]),
                                                  blocks: fourier.blocks, projection: fourier.projection, padding: fourier.padding,
                                                  activation: activation, using: &generator))
        }
        func makeBranch(_ outputs: Int) throws -> Branch<Float> {
            switch spec.branchInput {
            case .fields:
                let shape = dataset.branchShape
                guard shape.count == 3, shape[1] >> spec.filters.count >= 1, shape[2] >> spec.filters.count >= 1 else {
                    throw problem.error(at: "model.filters", "\(spec.filters.count) pooling blocks shrink a \(shape.dropFirst().map(String.init).joined(separator: " × ")) grid to nothing")
                }
                return .convolutional(ConvolutionalBranch(
                    inputShape: shape, filters: spec.filters, kernelSize: spec.kernel, head: spec.branchLayers,
                    outputSize: outputs, activation: activation, using: &generator))
            case .parameters, .functionalForm:
                return .dense(FeedForward(widths: [dataset.branchSize] + spec.branchLayers + [outputs], activation: activation,
                                          layerNorm: spec.layerNorm, initializer: .glorotNormal, using: &generator))
            }
        }
        if spec.pod != nil {
            guard let basis, basis.shape[0] == dataset.pointCount else {
                throw problem.error(at: "model.kind", "a POD-DeepONet needs the POD basis of its training outputs on the \(dataset.pointCount) points")
            }
            return .pod(PODDeepONet(branch: try makeBranch(basis.shape[1]), basis: basis))
        }
        // The branch is drawn before the trunk, as it always was, so that a seed gives the same network.
        let branch = try makeBranch(spec.latent)
        let trunkInputs = dataset.pointDimension + (spec.conditionedTrunk ? dataset.branchSize : 0)
        let trunk = FeedForward<Float>(widths: [trunkInputs] + spec.trunkLayers + [spec.latent], activation: activation,
                                       outputActivation: activation, initializer: .glorotNormal, using: &generator)
        return .deepONet(DeepONet(branch: branch, trunk: trunk, latent: spec.latent, conditionedTrunk: spec.conditionedTrunk))
    }

    /// A one-line description, e.g. `DeepONet: CNN branch [2, 100, 100] → … → 150, trunk 2 → … → 150`
    /// or `FNO: [2, 100, 100] + (x, y) → 4 blocks × 32 channels, 24 × 12 modes, padding 8 → 128 → 1`.
    public static func describe(_ network: NeuralOperator<Float>) -> String {
        let model: DeepONet<Float>
        switch network {
        case let .deepONet(deepONet): model = deepONet
        case let .pod(pod):
            return "POD-DeepONet: \(describe(branch: pod.branch)) → \(pod.modeCount) POD modes; \(network.parameterCount) parameters"
        case let .fourier(fno):
            let s = fno.spectral[0]
            return "FNO: \(fno.inputShape) + (x, y) → \(fno.spectral.count) blocks × \(fno.width) channels, \(2 * s.rowModes) × \(s.columnModes) modes, padding \(fno.padding) → \(fno.projection[0].weight.shape[0]) → 1, \(fno.activation.rawValue); \(network.parameterCount) parameters"
        }
        return "DeepONet: \(describe(branch: model.branch)); trunk \(model.trunk.widths.map(String.init).joined(separator: " → "))\(model.conditionedTrunk ? " (points and the branch input)" : ""); \(model.parameterCount) parameters"
    }

    /// `dense branch 5 → 64 → 150` or `CNN branch [2, 100, 100] → conv 16, 32 → 1024 → 128 → 150`.
    static func describe(branch: Branch<Float>) -> String {
        switch branch {
        case let .dense(network): return "dense branch \(network.widths.map(String.init).joined(separator: " → "))\(network.norms.isEmpty ? "" : " (LayerNorm)")"
        case let .convolutional(network):
            return "CNN branch \(network.inputShape) → conv \(network.convolutions.map { String($0.filter.shape[0]) }.joined(separator: ", ")) → \(network.head.widths.map(String.init).joined(separator: " → "))"
        }
    }
}

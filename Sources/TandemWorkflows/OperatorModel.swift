import Foundation
import TandemCore
import TandemNN
import TandemOperators
import TandemSpec

/// Builds the DeepONet a problem file's `[model]` declares for a dataset's shapes.
public enum OperatorModel {
    /// The network, initialised from `seed`.
    /// - Throws: ``ProblemFileError`` at `model` when the declaration does not fit the data.
    public static func make(_ spec: PDEProblem.Model, dataset: OperatorDataset, problem: PDEProblem, seed: UInt64) throws -> DeepONet<Float> {
        var generator = SeededGenerator(seed: seed)
        let activation = spec.activation.activation
        let branch: Branch<Float>
        switch spec.branchInput {
        case .fields:
            let shape = dataset.branchShape
            guard shape.count == 3, shape[1] >> spec.filters.count >= 1, shape[2] >> spec.filters.count >= 1 else {
                throw problem.error(at: "model.filters", "\(spec.filters.count) pooling blocks shrink a \(shape.dropFirst().map(String.init).joined(separator: " × ")) grid to nothing")
            }
            branch = .convolutional(ConvolutionalBranch(
                inputShape: shape, filters: spec.filters, kernelSize: spec.kernel, head: spec.branchLayers,
                outputSize: spec.latent, activation: activation, using: &generator))
        case .parameters, .functionalForm:
            branch = .dense(FeedForward(widths: [dataset.branchSize] + spec.branchLayers + [spec.latent], activation: activation,
                                        layerNorm: spec.layerNorm, initializer: .glorotNormal, using: &generator))
        }
        let trunkInputs = dataset.pointDimension + (spec.conditionedTrunk ? dataset.branchSize : 0)
        let trunk = FeedForward<Float>(widths: [trunkInputs] + spec.trunkLayers + [spec.latent], activation: activation,
                                       outputActivation: activation, initializer: .glorotNormal, using: &generator)
        return DeepONet(branch: branch, trunk: trunk, latent: spec.latent, conditionedTrunk: spec.conditionedTrunk)
    }

    /// A one-line description, e.g. `DeepONet: CNN branch [2, 100, 100] → … → 150, trunk 2 → … → 150`.
    public static func describe(_ model: DeepONet<Float>) -> String {
        let branch: String
        switch model.branch {
        case let .dense(network): branch = "dense branch \(network.widths.map(String.init).joined(separator: " → "))\(network.norms.isEmpty ? "" : " (LayerNorm)")"
        case let .convolutional(network):
            branch = "CNN branch \(network.inputShape) → conv \(network.convolutions.map { String($0.filter.shape[0]) }.joined(separator: ", ")) → \(network.head.widths.map(String.init).joined(separator: " → "))"
        }
        return "DeepONet: \(branch); trunk \(model.trunk.widths.map(String.init).joined(separator: " → "))\(model.conditionedTrunk ? " (points and the branch input)" : ""); \(model.parameterCount) parameters"
    }
}

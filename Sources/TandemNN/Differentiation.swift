import Collections
import TandemCore

/// The value of `loss(model)` and its gradient with respect to the model's selected parameters.
///
/// Each selected parameter becomes a recorded leaf for one evaluation; the rest are constants
/// (frozen), so no work is spent on their gradients.
/// - Returns: the loss value and a gradient per selected parameter name, in the model's order.
/// - Throws: whatever `loss` throws; ``TensorError/notRecorded(_:)`` if the loss is not a scalar.
public func valueWithGradient<M: Module>(
    at model: M, selecting selection: ParameterSelection = .all,
    of loss: (M) throws -> Tensor<M.Scalar>
) throws -> (value: M.Scalar, gradients: OrderedDictionary<String, Tensor<M.Scalar>>) {
    let (tracked, names, leaves) = trackedParameters(of: model, selecting: selection)
    let value = try withGradient { try loss(tracked) }
    let grads = try gradients(of: value, withRespectTo: leaves)
    return (value.scalar, OrderedDictionary(uniqueKeys: names, values: grads))
}

/// The value of each task's loss and each task's gradient with respect to the selected
/// parameters, from **one** forward pass and one backward pass per task over the same recorded
/// graph (not one forward pass per task): the `[tasks × parameters]` gradient matrix that
/// multi-task weighting and gradient surgery work on (GradNorm, PCGrad, MGDA, CAGrad, Nash-MTL).
///
/// `gradients[k]` equals what ``valueWithGradient(at:selecting:of:)`` gives for `losses(model)[k]` alone.
/// - Returns: one value and one gradient dictionary (in the model's parameter order) per task.
/// - Throws: whatever `losses` throws; ``TensorError/notRecorded(_:)`` if a loss is not a scalar.
public func valueWithTaskGradients<M: Module>(
    at model: M, selecting selection: ParameterSelection = .all,
    of losses: (M) throws -> [Tensor<M.Scalar>]
) throws -> (values: [M.Scalar], gradients: [OrderedDictionary<String, Tensor<M.Scalar>>]) {
    let (tracked, names, leaves) = trackedParameters(of: model, selecting: selection)
    let values = try withGradient { try losses(tracked) }
    let grads = try values.map { try OrderedDictionary(uniqueKeys: names, values: gradients(of: $0, withRespectTo: leaves)) }
    return (values.map(\.scalar), grads)
}

/// `model` with each selected parameter made a recorded leaf, the leaves' names and the leaves.
func trackedParameters<M: Module>(of model: M, selecting selection: ParameterSelection) -> (M, [String], [Tensor<M.Scalar>]) {
    var tracked = model
    var names: [String] = []
    var leaves: [Tensor<M.Scalar>] = []
    tracked.visitParameters { name, parameter in
        guard selection.contains(name) else { return }
        parameter = parameter.requiringGradient()
        names.append(name)
        leaves.append(parameter)
    }
    return (tracked, names, leaves)
}

/// The Euclidean norm of all gradients taken together, `√(Σ_p ‖g_p‖²)`.
public func globalNorm<S>(_ gradients: OrderedDictionary<String, Tensor<S>>) -> S {
    var total: S = 0
    for g in gradients.values { for v in g.scalars { total += v * v } }
    return total.squareRoot()
}

/// Scales all gradients by `min(1, maxNorm / ‖g‖)` so their global norm is at most `maxNorm`
/// (Pascanu, Mikolov & Bengio 2013, arXiv:1211.5063). Returns the norm before clipping.
@discardableResult
public func clipByGlobalNorm<S>(_ gradients: inout OrderedDictionary<String, Tensor<S>>, maxNorm: S) -> S {
    let norm = globalNorm(gradients)
    guard norm > maxNorm, norm.isFinite else { return norm }
    let scale = maxNorm / norm
    for key in gradients.keys { gradients[key] = withoutGradient { gradients[key]! * scale } }
    return norm
}

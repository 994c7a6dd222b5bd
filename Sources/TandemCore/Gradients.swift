/// Reverse-mode derivatives of `output` with respect to each of `inputs`.
///
/// Computes `x̄ᵢ = seedᵀ · ∂output/∂xᵢ` by walking the recorded graph backwards once. With a
/// scalar `output` and no seed this is the gradient `∇ₓ output`. With `createGraph: true` the
/// backward pass is itself recorded, so the returned gradients can be differentiated again
/// (Hessian–vector products, `∂/∂θ` of `∂u/∂x`, forces `−∂E/∂r` in a loss).
///
/// - Parameters:
///   - output: the tensor to differentiate.
///   - inputs: tensors `output` was computed from; each must be recorded (a leaf made by
///     ``Tensor/requiringGradient()`` or an intermediate result).
///   - seed: the cotangent of `output`, same shape; defaults to ones for a one-element output.
///   - createGraph: record the backward pass for higher derivatives.
/// - Returns: one gradient per input, with that input's shape; zeros where `output` does not
///   depend on the input.
/// - Throws: ``TensorError/notRecorded(_:)`` when an input is not recorded, or when no seed is
///   given for an output with more than one element; ``TensorError/shapeMismatch(operation:expected:got:)``
///   for a seed of the wrong shape.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func gradients<Scalar>(
    of output: Tensor<Scalar>, withRespectTo inputs: [Tensor<Scalar>],
    seed: Tensor<Scalar>? = nil, createGraph: Bool = false
) throws -> [Tensor<Scalar>] {
    for (index, input) in inputs.enumerated() where input.node == nil {
        throw TensorError.notRecorded(
            "input \(index) (shape \(input.shape)) is not recorded; make it with requiringGradient() before computing with it")
    }
    let seedTensor: Tensor<Scalar>
    if let seed {
        guard seed.shape == output.shape else {
            throw TensorError.shapeMismatch(operation: "gradients(seed:)", expected: "shape \(output.shape)", got: seed.shape)
        }
        seedTensor = seed
    } else {
        guard output.scalarCount == 1 else {
            throw TensorError.notRecorded(
                "output has shape \(output.shape); give a seed (the output's cotangent) for a non-scalar output")
        }
        seedTensor = Tensor.ones(shape: output.shape)
    }
    guard let root = output.node else {
        return inputs.map { Tensor.zeros(shape: $0.shape) }
    }
    let targets = Set(inputs.compactMap { $0.node.map(ObjectIdentifier.init) })
    let order = topologicalOrder(from: root)

    // A node needs a cotangent only if some target is reachable from it.
    var relevant = Set<ObjectIdentifier>()
    for node in order {
        let id = ObjectIdentifier(node)
        if targets.contains(id) || node.inputs.contains(where: { $0.map { relevant.contains(ObjectIdentifier($0)) } ?? false }) {
            relevant.insert(id)
        }
    }

    var cotangents: [ObjectIdentifier: Tensor<Scalar>] = [:]
    GradientMode.$isRecording.withValue(createGraph) {
        cotangents[ObjectIdentifier(root)] = seedTensor
        for node in order.reversed() {
            let id = ObjectIdentifier(node)
            guard let pullback = node.pullback, let cotangent = cotangents[id] else { continue }
            if !targets.contains(id) { cotangents[id] = nil }
            let needed = node.inputs.map { $0.map { relevant.contains(ObjectIdentifier($0)) } ?? false }
            guard needed.contains(true) else { continue }
            let inputCotangents = pullback(cotangent, node.output, needed)
            for (input, inputCotangent) in zip(node.inputs, inputCotangents) {
                guard let input, let inputCotangent else { continue }
                let inputID = ObjectIdentifier(input)
                guard relevant.contains(inputID) else { continue }
                if let existing = cotangents[inputID] {
                    cotangents[inputID] = existing + inputCotangent
                } else {
                    cotangents[inputID] = inputCotangent
                }
            }
        }
    }
    return inputs.map { input in
        let cotangent = cotangents[ObjectIdentifier(input.node!)] ?? Tensor.zeros(shape: input.shape)
        return createGraph ? cotangent : cotangent.detached()
    }
}

/// The gradient of a scalar `output` with respect to one input; see ``gradients(of:withRespectTo:seed:createGraph:)``.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func gradient<Scalar>(
    of output: Tensor<Scalar>, withRespectTo input: Tensor<Scalar>, createGraph: Bool = false
) throws -> Tensor<Scalar> {
    try gradients(of: output, withRespectTo: [input], createGraph: createGraph)[0]
}

/// Nodes reachable from `root`, each after all of its inputs (iterative depth-first search,
/// so deep graphs cannot overflow the stack).
private func topologicalOrder<Scalar>(from root: GraphNode<Scalar>) -> [GraphNode<Scalar>] {
    var order: [GraphNode<Scalar>] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(node: GraphNode<Scalar>, expanded: Bool)] = [(root, false)]
    while let (node, expanded) = stack.popLast() {
        let id = ObjectIdentifier(node)
        if expanded {
            order.append(node)
            continue
        }
        if visited.contains(id) { continue }
        visited.insert(id)
        stack.append((node, true))
        for case let input? in node.inputs where !visited.contains(ObjectIdentifier(input)) {
            stack.append((input, false))
        }
    }
    return order
}

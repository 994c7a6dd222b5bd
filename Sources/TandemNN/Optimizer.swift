import Collections
import TandemCore

/// A first-order optimizer: updates a module's parameters from their gradients, keeping its own
/// per-parameter state by parameter name.
public protocol Optimizer<Scalar>: Sendable {
    associatedtype Scalar: TensorScalar

    /// The optimizer's name in checkpoints and logs (`"adam"`, `"lion"`, …).
    static var name: String { get }
    /// The number of updates made so far.
    var step: Int { get }
    /// The learning rate by step.
    var schedule: LearningRateSchedule { get set }
    /// Per-parameter state tensors, named `slot.parameterName` (e.g. `m.layers.0.weight`).
    var slots: [String: Tensor<Scalar>] { get }

    /// Applies one update to the parameters named in `gradients`; others are left unchanged.
    mutating func update<M: Module>(_ model: inout M, along gradients: OrderedDictionary<String, Tensor<Scalar>>) where M.Scalar == Scalar

    /// Restores state saved from ``step`` and ``slots``.
    mutating func restore(step: Int, slots: [String: Tensor<Scalar>]) throws
}

/// The shared loop of elementwise optimizers: for each parameter with a gradient, gives the
/// update rule raw buffers for the parameter, its gradient and its slots.
struct ElementwiseUpdate<Scalar: TensorScalar>: Sendable {
    var slots: [String: Tensor<Scalar>] = [:]

    mutating func apply<M: Module>(
        to model: inout M, gradients: OrderedDictionary<String, Tensor<Scalar>>, slotNames: [String],
        _ rule: (_ parameter: UnsafeMutableBufferPointer<Scalar>, _ gradient: UnsafeBufferPointer<Scalar>,
                 _ slots: [UnsafeMutableBufferPointer<Scalar>]) -> Void
    ) where M.Scalar == Scalar {
        model.visitParameters { name, parameter in
            guard let gradient = gradients[name] else { return }
            precondition(gradient.shape == parameter.shape, "gradient for \(name) has shape \(gradient.shape), parameter has \(parameter.shape)")
            var state = slotNames.map { slot in
                (slots.removeValue(forKey: slot + "." + name) ?? Tensor<Scalar>.zeros(shape: parameter.shape)).scalars
            }
            var values = parameter.detached().scalars
            values.withUnsafeMutableBufferPointer { p in
                gradient.scalars.withUnsafeBufferPointer { g in
                    withBuffers(&state, index: 0, collected: []) { buffers in rule(p, g, buffers) }
                }
            }
            parameter = Tensor(shape: parameter.shape, scalars: values)
            for (slot, scalars) in zip(slotNames, state) {
                slots[slot + "." + name] = Tensor(shape: parameter.shape, scalars: scalars)
            }
        }
    }

    /// Opens mutable buffers on each array in turn, then calls `body` with all of them.
    private func withBuffers(
        _ arrays: inout [[Scalar]], index: Int, collected: [UnsafeMutableBufferPointer<Scalar>],
        _ body: ([UnsafeMutableBufferPointer<Scalar>]) -> Void
    ) {
        if index == arrays.count { return body(collected) }
        var array = arrays[index]
        arrays[index] = []  // keep `array` uniquely referenced so it is mutated in place
        array.withUnsafeMutableBufferPointer { buffer in
            withBuffers(&arrays, index: index + 1, collected: collected + [buffer], body)
        }
        arrays[index] = array
    }

    /// Checks restored slots against the expected slot names.
    static func validated(_ slots: [String: Tensor<Scalar>], slotNames: [String], optimizer: String) throws -> [String: Tensor<Scalar>] {
        for key in slots.keys where !slotNames.contains(where: { key.hasPrefix($0 + ".") }) {
            throw ParameterError.unknown(name: key, known: slotNames.map { "\($0).<parameter>" })
        }
        return slots
    }
}

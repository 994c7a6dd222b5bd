import Collections
import TandemCore

/// A value holding named trainable parameters: a layer or a whole network.
///
/// Parameters are found by visiting, never by reflection: each module lists its own tensors
/// and delegates to its children under a prefix, giving dotted names such as
/// `branch.conv1.weight`. Those names are what freezing, optimizer state and checkpoints use.
public protocol Module {
    associatedtype Scalar: TensorScalar

    /// Calls `body` once for every parameter with its name, letting it read or replace the tensor.
    mutating func visitParameters(_ body: (_ name: String, _ parameter: inout Tensor<Scalar>) throws -> Void) rethrows
}

/// A module that maps one tensor to another.
public protocol Layer: Module {
    /// Applies the layer to a batch.
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>
}

extension Module {
    /// Every parameter by dotted name, in a stable order.
    public var namedParameters: OrderedDictionary<String, Tensor<Scalar>> {
        var copy = self
        var result: OrderedDictionary<String, Tensor<Scalar>> = [:]
        copy.visitParameters { name, parameter in result[name] = parameter }
        return result
    }

    /// The total number of trainable scalars.
    public var parameterCount: Int { namedParameters.values.reduce(0) { $0 + $1.scalarCount } }

    /// Replaces parameters by name.
    ///
    /// - Parameter requireAll: when true, every parameter of the module must be given.
    /// - Throws: ``ParameterError`` naming an unknown name, a missing one or a shape mismatch;
    ///   the module is left unchanged when it throws.
    public mutating func loadParameters(_ parameters: [String: Tensor<Scalar>], requireAll: Bool = true) throws {
        var copy = self
        var used = Set<String>()
        try copy.visitParameters { name, parameter in
            guard let replacement = parameters[name] else {
                if requireAll { throw ParameterError.missing(name: name) }
                return
            }
            guard replacement.shape == parameter.shape else {
                throw ParameterError.shapeMismatch(name: name, expected: parameter.shape, got: replacement.shape)
            }
            parameter = replacement
            used.insert(name)
        }
        if let unknown = parameters.keys.sorted().first(where: { !used.contains($0) }) {
            throw ParameterError.unknown(name: unknown, known: Array(namedParameters.keys))
        }
        self = copy
    }
}

/// Nests a child module's parameter names under `prefix` (`prefix.childName`).
@inline(__always)
public func visit<Child: Module>(
    _ child: inout Child, prefix: String,
    _ body: (_ name: String, _ parameter: inout Tensor<Child.Scalar>) throws -> Void
) rethrows {
    try child.visitParameters { name, parameter in try body(prefix + "." + name, &parameter) }
}

/// An error about parameters looked up by name.
public enum ParameterError: Error, Equatable, CustomStringConvertible {
    case unknown(name: String, known: [String])
    case missing(name: String)
    case shapeMismatch(name: String, expected: [Int], got: [Int])
    /// Values the parameter (or optimizer state) can never hold.
    case invalid(name: String, reason: String)

    /// The message, naming the parameter and what was expected.
    public var description: String {
        switch self {
        case let .unknown(name, known):
            let list = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", …" : "")
            return "unknown parameter \"\(name)\"; expected one of \(list)"
        case let .missing(name):
            return "parameter \"\(name)\" is missing"
        case let .shapeMismatch(name, expected, got):
            return "parameter \"\(name)\": expected shape \(expected), got \(got)"
        case let .invalid(name, reason):
            return "\"\(name)\": \(reason)"
        }
    }
}

/// Which parameters an optimizer may change, chosen by name (transfer learning freezes the rest).
public struct ParameterSelection: Sendable {
    private let predicate: @Sendable (String) -> Bool

    /// Selects the parameters whose names satisfy `predicate`.
    public init(_ predicate: @escaping @Sendable (String) -> Bool) { self.predicate = predicate }

    /// Every parameter.
    public static var all: ParameterSelection { ParameterSelection { _ in true } }

    /// The parameters whose names equal one of `names` or start with one of them followed by a
    /// dot (so `"trunk.layers.3"` selects that layer's weight and bias).
    public static func named(_ names: [String]) -> ParameterSelection {
        ParameterSelection { name in names.contains { name == $0 || name.hasPrefix($0 + ".") } }
    }

    /// Everything except what `other` selects.
    public func inverted() -> ParameterSelection {
        let p = predicate
        return ParameterSelection { !p($0) }
    }

    /// Whether `name` is selected.
    public func contains(_ name: String) -> Bool { predicate(name) }

    /// Checks that each of `names` selects at least one parameter of `module`.
    /// - Throws: ``ParameterError/unknown(name:known:)`` for a name that matches nothing.
    public static func validate<M: Module>(_ names: [String], in module: M) throws {
        let known = Array(module.namedParameters.keys)
        for name in names where !known.contains(where: { $0 == name || $0.hasPrefix(name + ".") }) {
            throw ParameterError.unknown(name: name, known: known)
        }
    }
}

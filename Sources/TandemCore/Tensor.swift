/// A dense, row-major array of `Float` or `Double` with a shape, and optionally a place in a
/// recorded computation so that gradients can flow through it.
///
/// The first axis is the batch axis by convention. Tensors are values: copying one never
/// copies its scalars until one of the copies is mutated. Operators broadcast their operands
/// with NumPy's rules (trailing axes aligned; an axis of length 1 stretches).
///
/// A tensor takes part in automatic differentiation when it was made by
/// ``requiringGradient()`` or computed from such a tensor while recording is on
/// (see ``GradientMode``); ``gradients(of:withRespectTo:seed:createGraph:)`` then differentiates it.
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// The length of each axis; `[]` for a scalar tensor.
    public let shape: [Int]
    /// The scalars in row-major order; `shape.reduce(1, *)` of them.
    public internal(set) var scalars: [Scalar]
    /// Where this tensor sits in a recorded computation, if it does.
    let node: GraphNode<Scalar>?

    init(shape: [Int], scalars: [Scalar], node: GraphNode<Scalar>?) {
        _ = AllocatorTuning.isApplied
        self.shape = shape
        self.scalars = scalars
        self.node = node
    }

    /// Creates a tensor of the given shape from row-major scalars.
    ///
    /// Stops with a message if the count does not match; use ``init(validatingShape:scalars:)``
    /// for shapes that come from user input.
    public init(shape: [Int], scalars: [Scalar]) {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == scalars.count else {
            shapeFailure(.scalarCountMismatch(shape: shape, count: scalars.count))
        }
        self.init(shape: shape, scalars: scalars, node: nil)
    }

    /// Creates a tensor of the given shape, throwing ``TensorError/scalarCountMismatch(shape:count:)``
    /// if the scalars do not fill it exactly.
    public init(validatingShape shape: [Int], scalars: [Scalar]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == scalars.count else {
            throw TensorError.scalarCountMismatch(shape: shape, count: scalars.count)
        }
        self.init(shape: shape, scalars: scalars, node: nil)
    }

    /// A rank-0 tensor holding one scalar.
    public init(_ value: Scalar) {
        self.init(shape: [], scalars: [value], node: nil)
    }

    /// A rank-1 tensor holding the given scalars.
    public init(_ scalars: [Scalar]) {
        self.init(shape: [scalars.count], scalars: scalars, node: nil)
    }

    /// A rank-2 tensor from rows of equal length.
    public init(rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == columns }) else {
            shapeFailure(.shapeMismatch(operation: "Tensor(rows:)", expected: "rows of equal length", got: rows.map(\.count)))
        }
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 }, node: nil)
    }

    /// The number of axes.
    public var rank: Int { shape.count }
    /// The number of scalars, the product of the shape.
    public var scalarCount: Int { scalars.count }

    /// The single scalar of a tensor with one element.
    public var scalar: Scalar {
        guard scalars.count == 1 else {
            shapeFailure(.shapeMismatch(operation: "scalar", expected: "a tensor with one element", got: shape))
        }
        return scalars[0]
    }

    /// Whether gradients can flow back through this tensor.
    public var isRecorded: Bool { node != nil }

    /// This tensor as a leaf of a new recorded computation: gradients with respect to it can
    /// be requested from anything computed from it.
    public func requiringGradient() -> Tensor {
        Tensor(shape: shape, scalars: scalars, node: GraphNode(leafWithShape: shape, value: scalars))
    }

    /// The same values cut loose from any recorded computation (a constant for differentiation).
    public func detached() -> Tensor {
        Tensor(shape: shape, scalars: scalars, node: nil)
    }

    /// Whether every scalar is finite (neither NaN nor infinite).
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }

    /// This tensor, after checking that every scalar is finite.
    /// - Parameter what: names the tensor in the error (`"loss at step 120"`, `"input K"`).
    /// - Throws: ``TensorError/nonFinite(_:)`` naming `what`, the first bad position and its value.
    public func checkedFinite(_ what: String) throws -> Tensor {
        guard let index = scalars.firstIndex(where: { !$0.isFinite }) else { return self }
        var position: [Int] = []
        var rest = index
        for stride in Shape.strides(shape) {
            position.append(rest / stride)
            rest %= stride
        }
        throw TensorError.nonFinite("\(what) has \(scalars[index]) at \(position) (shape \(shape))")
    }

    /// The same values converted to another precision, as a constant (not recorded).
    public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape, scalars: scalars.map { Other($0) }, node: nil)
    }
}

extension Tensor: CustomStringConvertible {
    /// A short summary: shape, precision and up to eight leading values.
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        let more = scalars.count > 8 ? ", …" : ""
        return "Tensor<\(Scalar.dtypeName)>\(shape) [\(shown)\(more)]"
    }
}

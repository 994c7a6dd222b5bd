import TandemCore

/// A lookup table of learned vectors: row `i` of `table` for index `i`.
/// Used for dataset and task encodings.
public struct Embedding<Scalar: TensorScalar>: Module {
    /// `[count, dimension]`.
    public var table: Tensor<Scalar>

    /// A table of `count` vectors of `dimension`, drawn by `initializer`.
    public init(count: Int, dimension: Int, initializer: Initializer = .normal(standardDeviation: 1), using generator: inout SeededGenerator) {
        table = initializer.make(shape: [count, dimension], fanIn: count, fanOut: dimension, using: &generator)
    }

    /// The rows for `indices`, `[indices.count, dimension]`.
    public func callAsFunction(_ indices: [Int]) -> Tensor<Scalar> { table.gathering(indices) }

    /// Visits this layer's parameters by name (see ``Module``).
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try body("table", &table)
    }
}

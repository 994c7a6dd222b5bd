/// An error a tensor operation reports instead of producing a wrong answer.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// Two shapes cannot be combined by the operation.
    case shapeMismatch(operation: String, expected: String, got: [Int])
    /// A count of scalars does not match a shape.
    case scalarCountMismatch(shape: [Int], count: Int)
    /// An axis is outside `-rank..<rank`.
    case invalidAxis(operation: String, axis: Int, rank: Int)
    /// An index is outside its valid range.
    case indexOutOfRange(operation: String, index: Int, bound: Int)
    /// A gradient was requested for a tensor that the computation did not record.
    case notRecorded(String)
    /// A value is NaN or infinite where a finite value is required.
    case nonFinite(String)

    /// The message, naming the operation and what was expected.
    public var description: String {
        switch self {
        case let .shapeMismatch(operation, expected, got):
            return "\(operation): expected \(expected), got shape \(got)"
        case let .scalarCountMismatch(shape, count):
            return "shape \(shape) holds \(shape.reduce(1, *)) scalars, got \(count)"
        case let .invalidAxis(operation, axis, rank):
            return "\(operation): axis \(axis) is out of range for a tensor of rank \(rank)"
        case let .indexOutOfRange(operation, index, bound):
            return "\(operation): index \(index) is out of range 0..<\(bound)"
        case let .notRecorded(what):
            return "gradient: \(what)"
        case let .nonFinite(what):
            return "non-finite value: \(what)"
        }
    }
}

/// Stops with a readable message when a precondition on shapes fails.
///
/// Tensor operators cannot throw (they are used inside arithmetic expressions), so a shape
/// error stops the program with the same message a thrown ``TensorError`` would carry. Code
/// that takes shapes from user input validates them first with the throwing checks.
@inline(never)
func shapeFailure(_ error: TensorError, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError(error.description, file: file, line: line)
}

/// A failure to set up or solve a reference problem.
public enum PDEError: Error, Equatable, CustomStringConvertible {
    case invalidGrid(String)
    case invalidInput(String)
    case noUnknowns(String)

    public var description: String {
        switch self {
        case let .invalidGrid(reason): return "invalid grid: \(reason)"
        case let .invalidInput(reason): return "invalid input: \(reason)"
        case let .noUnknowns(reason): return "nothing to solve: \(reason)"
        }
    }
}

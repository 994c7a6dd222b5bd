/// A failure to set up or solve a reference problem.
public enum PDEError: Error, Equatable, CustomStringConvertible {
    case invalidGrid(String)
    case invalidInput(String)
    case noUnknowns(String)
    /// Newton's method did not converge within its iteration limit.
    case newtonFailed(time: Double, iterations: Int, residual: Double)

    /// The message, with the reason.
    public var description: String {
        switch self {
        case let .invalidGrid(reason): return "invalid grid: \(reason)"
        case let .invalidInput(reason): return "invalid input: \(reason)"
        case let .noUnknowns(reason): return "nothing to solve: \(reason)"
        case let .newtonFailed(time, iterations, residual):
            return "Newton's method did not converge at t = \(time) after \(iterations) iterations (relative residual \(residual)); reduce the time step"
        }
    }
}

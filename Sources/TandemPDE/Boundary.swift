/// The condition on one face of the grid's box (an axis-aligned part of the domain's boundary).
///
/// Faces are numbered `2·d + side`: `0` is x-min, `1` x-max, `2` y-min, `3` y-max, `4` z-min,
/// `5` z-max. The rest of the boundary — curved or not aligned with the box — takes Dirichlet
/// conditions.
public enum FaceCondition: Sendable, Equatable {
    /// `u = g`.
    case dirichlet
    /// `K ∂u/∂n = g`, with `n` the outward normal (`g > 0` is flux into the domain).
    case neumann
    /// `K ∂u/∂n + α·u = g` with a constant `α > 0` (e.g. a heat-transfer coefficient).
    case robin(alpha: Double)

    /// `α` for Robin faces, zero otherwise.
    public var robinAlpha: Double {
        if case let .robin(alpha) = self { return alpha }
        return 0
    }
}

/// A point where a solver needs boundary data.
public struct BoundaryNode: Sendable, Equatable {
    /// Its coordinates (on the grid, or where the boundary crosses a grid line).
    public let point: [Double]
    /// The box face it lies on (`2·d + side`), or `nil` for the geometry's own boundary.
    public let face: Int?
    /// The grid point it coincides with, or `nil` for a point between grid points.
    public let gridPoint: Int?
}

/// Boundary data for one solve, in the order of the solver's nodes.
public struct BoundaryValues: Sendable, Equatable {
    /// `g` at each Dirichlet node (``DarcySolver/dirichletNodes``).
    public var dirichlet: [Double]
    /// `g` at each flux node (``DarcySolver/fluxNodes``): `K ∂u/∂n` on Neumann faces,
    /// `K ∂u/∂n + α·u` on Robin faces.
    public var flux: [Double]

    /// Data from the node values.
    public init(dirichlet: [Double], flux: [Double] = []) {
        self.dirichlet = dirichlet
        self.flux = flux
    }
}

import TandemExpressions

/// A scalar conservation law in divergence form and its residual as an expression:
///
///     r = [∂u/∂t] − ∇·(k∇u) − s − [R(u)],   ∇·(k∇u) = k·Δu + ∇k·∇u,
///
/// over the names of ``DerivativeNames`` (`u`, `u_x`, `u_xx`, `u_t`, …). Darcy flow
/// (`−∇·(K∇u) = f`), steady and transient heat (`∂T/∂t = ∇·(κ∇T) + q`) and reaction–diffusion
/// (`∂u/∂t = ∇·(D∇u) + R(u)`) are all of this form; a PINN drives `r` to zero at collocation
/// points (Raissi, Perdikaris & Karniadakis, J. Comput. Phys. 378, 2019).
public struct ConservationLaw: Sendable, Equatable {
    /// The diffusion coefficient `k`.
    public enum Coefficient: Sendable, Equatable {
        /// `k` as an expression of the coordinates (and parameters); `∇k` is differentiated symbolically.
        case expression(Expression)
        /// `k` a field known only by its values, read with its gradient from the variables
        /// `symbol`, `symbol_x`, `symbol_y`, … (e.g. `K`, `K_x`, `K_y`).
        case field(symbol: String)
    }

    /// The spatial axes, in order (`x`, `y`, `z`).
    public var space: [String]
    /// Whether the law has the time derivative `∂u/∂t` (the variable `u_t`).
    public var transient: Bool
    /// The diffusion coefficient.
    public var coefficient: Coefficient
    /// The source `s` (of the coordinates, and of `t` when transient).
    public var source: Expression
    /// The reaction `R(u)`, if any.
    public var reaction: Expression?

    /// A law over `space`.
    public init(space: [String], transient: Bool, coefficient: Coefficient, source: Expression, reaction: Expression? = nil) {
        self.space = space
        self.transient = transient
        self.coefficient = coefficient
        self.source = source
        self.reaction = reaction
    }

    /// The residual `r`, simplified.
    /// - Throws: ``ExpressionError`` when the coefficient cannot be differentiated symbolically.
    public func residual() throws -> Expression {
        func v(_ name: String) -> Expression { .variable(name) }
        func add(_ a: Expression, _ b: Expression) -> Expression { .binary(.add, a, b) }
        func mul(_ a: Expression, _ b: Expression) -> Expression { .binary(.multiply, a, b) }
        let k: Expression
        switch coefficient {
        case let .expression(e): k = e
        case let .field(symbol): k = v(symbol)
        }
        let laplacian = space.map { v(DerivativeNames.name([$0, $0])) }.reduce(Expression.number(0), add)
        var flux = mul(k, laplacian)
        for axis in space {
            let dk: Expression
            switch coefficient {
            case .expression: dk = try k.derivative(with: axis).simplified
            case let .field(symbol): dk = v(symbol + "_" + axis)
            }
            if dk != .number(0) { flux = add(flux, mul(dk, v(DerivativeNames.name([axis])))) }
        }
        var r: Expression = .binary(.subtract, .negate(flux), source)
        if transient { r = add(v(DerivativeNames.name(["t"])), r) }
        if let reaction { r = .binary(.subtract, r, reaction) }
        return r.fullySimplified
    }
}

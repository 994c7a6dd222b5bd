/// How expressions name the derivatives of the unknown `u`: `u` itself, `u_x` for `∂u/∂x`,
/// `u_xx` for `∂²u/∂x²`, `u_xt` for `∂²u/∂x∂t` — the axes' names written after `u_` in the
/// order of differentiation. Residuals in problem files and the residuals the PINN builds use
/// these names, so both read the same variables.
public enum DerivativeNames {
    /// The name of the derivative of `u` along `axes` (none: `u`).
    public static func name(_ axes: [String]) -> String { axes.isEmpty ? "u" : "u_" + axes.joined() }

    /// Every name up to second order over `axes`: `u`, `u_a` for each axis and `u_ab` for each
    /// ordered pair of axes.
    public static func all(axes: [String]) -> [String] {
        ["u"] + axes.map { name([$0]) } + axes.flatMap { a in axes.map { name([a, $0]) } }
    }
}

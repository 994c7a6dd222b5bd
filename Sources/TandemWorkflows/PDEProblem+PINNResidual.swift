import TandemExpressions
import TandemPINN
import TandemSpec

extension PDEProblem {
    /// The residual a PINN drives to zero: `[pde] residual` when the file gives one, else the PDE
    /// kind's equation as a ``ConservationLaw`` over `u` and its derivatives:
    /// - darcy: `−(K·Δu + ∇K·∇u) − f`;
    /// - heat: `u_t − (κ·Δu + ∇κ·∇u) − q` (steady: without `u_t`);
    /// - reaction–diffusion: `u_t − (D·Δu + ∇D·∇u) − R(u)` (one reaction family).
    ///
    /// A coefficient expression's gradient is differentiated symbolically; one read from a file
    /// is read with its gradient (`K`, `K_x`, …).
    /// - Throws: ``ProblemFileError`` when the kind's equation cannot be written: a random
    ///   coefficient (a PINN solves one instance), several reaction families, or a coefficient
    ///   that cannot be differentiated.
    public func pinnResidual() throws -> Expression {
        if let residual { return residual }
        let coefficientKey = "pde.\(pde.coefficientKey)"
        let k: ConservationLaw.Coefficient
        switch coefficient {
        case let .expression(e): k = .expression(e)
        case .file: k = .field(symbol: pde.coefficientSymbol)
        case .random:
            throw error(at: coefficientKey, "is a random field; a PINN solves one problem instance, so give an expression or a file")
        }
        var reaction: Expression?
        if pde == .reactionDiffusion {
            guard reactions.count == 1 else {
                throw error(at: "reaction", "declares \(reactions.count) families; a PINN solves one reaction, or give [pde] residual")
            }
            reaction = reactions[0].expression
        }
        let law = ConservationLaw(space: Self.coordinates(dimension), transient: time != nil, coefficient: k, source: source, reaction: reaction)
        do {
            return try law.residual()
        } catch let e as ExpressionError {
            throw error(at: coefficientKey, "its gradient for the residual: \(e.message)")
        }
    }

    /// Checks what needs the residual: every unknown of `[inverse]` appears in it (else the
    /// observations cannot determine it).
    /// - Throws: ``ProblemFileError`` from ``pinnResidual()`` or at the unknown that is missing.
    func checkPINNResidual() throws {
        let residual = try pinnResidual()
        for name in inverse?.names ?? [] where !residual.variables.contains(name) {
            throw error(at: "inverse.unknowns.\(name)", "does not appear in the residual \(residual), so the observations cannot determine it")
        }
    }
}

import Foundation
import TandemCore
import TandemNN

/// The multi-task physics-informed network of electrodermal activity (after Mandal,
/// "Interpretable Multi-Task PINN for Emotion Recognition and EDA Prediction", arXiv:2505.18169):
/// one shared trunk over the inputs (normalised time, context and window features), an EDA head
/// and an emotion head, and the learned parameters of the skin's dynamics
///
///     T · dEDA/dt = −α₀ · EDA + βᵀu(t),     α₀ = softplus(a) > 0,
///
/// i.e. `dEDA/dt = γ(−α₀ EDA + βᵀu)` with the temporal scale fixed by convention at `γ = 1/T`:
/// from EDA alone only `γα₀` and `γβ` are identifiable (scaling `γ` up and `α₀, β` down leaves
/// every trajectory unchanged), so Tandem fixes `γ` and reports `γα₀ = α₀/T` (1/s) and
/// `γβ = α₀κ/T` (µS/s per unit of `u`).
///
/// The ODE is learned as `T · dEDA/dt = −α₀ (EDA − κᵀu)` with the equilibrium gains `κ = β/α₀`
/// (µS per unit of `u`) as the parameter: the same family of equations, but the level reached in
/// a block (`κᵀu`) and the rate of approach (`α₀`) are separate parameters, where `(α₀, β)`
/// share one ill-conditioned ridge (scaling both moves the rate and keeps the level).
///
/// The EDA head predicts the normalised signal `y = (EDA − μ)/σ`; the residual is written for the
/// signal in µS and divided by `σ`, so `κ` keeps physical units whatever the normalisation.
/// Parameters: `trunk.layers.*`, `eda.*`, `emotion.*` (absent without labels), `physics.decay`
/// (`a`, `[1, 1]`) and `physics.gains` (`κ`, `[m, 1]`).
public struct EDANetwork<Scalar: TensorScalar>: Module {
    /// Inputs → hidden features (every layer activated).
    public var trunk: MLP<Scalar>
    /// Hidden features → normalised EDA `[n, 1]`.
    public var eda: Dense<Scalar>
    /// Hidden features → class logits `[n, classes]`, when the data has labels.
    public var emotion: Dense<Scalar>?
    /// `a` with `α₀ = softplus(a)`, `[1, 1]`.
    public var decay: Tensor<Scalar>
    /// `κ = β/α₀`, `[m, 1]` (µS per unit of `u`).
    public var gains: Tensor<Scalar>

    /// A network drawn from `generator`.
    /// - Parameters:
    ///   - inputs: input features per point; `layers`: the trunk's hidden widths.
    ///   - classes: emotion classes (0: no emotion head); `contextSize`: components of `u`.
    ///   - decay: the starting `α₀`; `gains`: the starting `κ` (zeros when `nil`).
    public init(inputs: Int, layers: [Int], activation: Activation, classes: Int, contextSize: Int,
                decay: Scalar = 1, gains: [Scalar]? = nil, using generator: inout SeededGenerator) {
        precondition(!layers.isEmpty && activation.supportsJets, "EDANetwork: hidden layers with a smooth activation are needed")
        trunk = MLP(widths: [inputs] + layers, activation: activation, outputActivation: activation, initializer: .glorotNormal, using: &generator)
        eda = Dense(inputSize: layers.last!, outputSize: 1, initializer: .glorotNormal, using: &generator)
        emotion = classes > 0 ? Dense(inputSize: layers.last!, outputSize: classes, initializer: .glorotNormal, using: &generator) : nil
        // softplus⁻¹(α₀) = log(e^α₀ − 1)
        self.decay = Tensor(shape: [1, 1], scalars: [Scalar(Foundation.log(Foundation.exp(Double(decay)) - 1))])
        self.gains = Tensor(shape: [contextSize, 1], scalars: gains ?? [Scalar](repeating: 0, count: contextSize))
    }

    /// `α₀ = softplus(a)`, `[1, 1]`.
    public var alpha0: Tensor<Scalar> { softplus(decay) }

    /// The normalised EDA `[n, 1]` and the class logits `[n, classes]` (nil without an emotion
    /// head) at inputs `x: [n, d]`.
    public func callAsFunction(_ x: Tensor<Scalar>) -> (eda: Tensor<Scalar>, logits: Tensor<Scalar>?) {
        let h = trunk(x)
        return (eda(h), emotion.map { $0(h) })
    }

    /// The normalised EDA `y` and its rate of change `dy/dt = ∇ₓy · v` along the inputs' velocity
    /// `v: [n, d]` (`dxᵢ/dt`: the time features' slopes, 0 for features constant in time), by one
    /// forward-mode jet through trunk and head.
    public func edaWithRate(at x: Tensor<Scalar>, velocity v: Tensor<Scalar>) -> (value: Tensor<Scalar>, rate: Tensor<Scalar>) {
        let n = x.shape[0]
        let layout = TaylorLayout(rows: n, first: 1, second: [], mixed: [])
        let y = eda.stackedJets(trunk.stackedJets(concatenate([x, v], alongAxis: 0), layout: layout), layout: layout)
        return (y.slice(alongAxis: 0, 0..<n), y.slice(alongAxis: 0, n..<(2 * n)))
    }

    /// The residual of `T dEDA/dt = −α₀ (EDA − κᵀu)`, divided by `σ`, at collocation inputs `x`:
    /// `T ẏ + α₀ (μ/σ + y − uκ/σ)`, `[n, 1]`.
    /// - Parameters:
    ///   - velocity: `dx/dt` per point `[n, d]` (1/s); `context`: `u` per point `[n, m]`;
    ///   - mean, deviation: the normalisation `μ`, `σ` per point `[n, 1]` (µS);
    ///   - timeScale: `T` (s);
    ///   - fitParametersOnly: treat the network's `y` and `ẏ` as data (detached), so that the
    ///     residual's gradient reaches only `a` and `κ`: the ODE is fitted to the network's curve.
    public func residual(at x: Tensor<Scalar>, velocity: Tensor<Scalar>, context: Tensor<Scalar>, mean: Tensor<Scalar>,
                         deviation: Tensor<Scalar>, timeScale: Scalar, fitParametersOnly: Bool = false) -> Tensor<Scalar> {
        var (y, rate) = edaWithRate(at: x, velocity: velocity)
        if fitParametersOnly { (y, rate) = (y.detached(), rate.detached()) }
        return rate * timeScale + alpha0 * (mean / deviation + y - matmul(context, gains) / deviation)
    }

    /// Visits the trunk, the heads, then `physics.decay` and `physics.gains`.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&trunk, prefix: "trunk", body)
        try visit(&eda, prefix: "eda", body)
        if emotion != nil { try visit(&emotion!, prefix: "emotion", body) }
        try body("physics.decay", &decay)
        try body("physics.gains", &gains)
    }
}

import TandemCore

/// Random Fourier features of the inputs, `γ(x) = [sin(2π x·B), cos(2π x·B)]` with a fixed
/// `B: [d, m]` drawn from `N(0, σ²)` (Tancik et al., "Fourier features let networks learn high
/// frequency functions in low dimensional domains", NeurIPS 2020; for PINNs Wang, Wang &
/// Perdikaris, "On the eigenvector bias of Fourier feature networks", CMAME 384 (2021) 113938).
///
/// The map is one `sin` layer with weight `2π[B, B]` and bias `[0, π/2]` (since
/// `cos z = sin(z + π/2)`), so derivatives pass through it like through any dense layer (a PINN's
/// Taylor-mode jets among them). `B` is not a parameter: it is not trained, and
/// it is drawn again from the same seed when a model is rebuilt.
public struct FourierFeatures<Scalar: TensorScalar> {
    /// `B`, `[d, m]`.
    public let frequencies: Tensor<Scalar>
    /// The layer `sin(x·2π[B, B] + [0, π/2])`.
    public let layer: Dense<Scalar>

    /// `m` features of `d` inputs with frequencies of standard deviation `scale`, drawn from `generator`.
    public init(inputs d: Int, count m: Int, scale: Scalar, using generator: inout SeededGenerator) {
        precondition(d >= 1 && m >= 1 && scale > 0, "FourierFeatures: inputs ≥ 1, count ≥ 1, scale > 0 expected")
        frequencies = .randomNormal(shape: [d, m], standardDeviation: scale, using: &generator)
        let b = frequencies.scalars, twoPi = 2 * Scalar.pi
        var weight = [Scalar](repeating: 0, count: d * 2 * m)
        for i in 0..<d {
            for j in 0..<m {
                weight[i * 2 * m + j] = twoPi * b[i * m + j]
                weight[i * 2 * m + m + j] = twoPi * b[i * m + j]
            }
        }
        let bias = [Scalar](repeating: 0, count: m) + [Scalar](repeating: Scalar.pi / 2, count: m)
        layer = Dense(weight: Tensor(shape: [d, 2 * m], scalars: weight), bias: Tensor(bias), activation: .sin)
    }

    /// Features out: `2m`.
    public var outputSize: Int { layer.outputSize }

    /// `γ(x)` for `x: [n, d]`, `[n, 2m]`.
    public func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> { layer(x) }
}

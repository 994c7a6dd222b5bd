import TandemCore
import TandemNN

/// What a PINN trains: the network `u(x[, t]) = N(γ(x[, t]))` — `γ` optional Fourier
/// features, fixed — and for an inverse problem the unknown coefficients of its residual, each a
/// `[1, 1]` tensor learned with the network.
///
/// Parameters are named `network.layers.0.weight`, … and `coefficients.D`, ….
public struct PhysicsInformedNetwork<Scalar: TensorScalar>: Module {
    /// Fourier features of the inputs, if any (not trained).
    public let features: FourierFeatures<Scalar>?
    /// The network.
    public var network: MLP<Scalar>
    /// The unknown coefficients' names, sorted.
    public let coefficientNames: [String]
    /// Their values, `[1, 1]` each, in the order of ``coefficientNames``.
    public var coefficients: [Tensor<Scalar>]

    /// A network and the coefficients' starting values.
    /// - Precondition: the network's input width is the features' output width when there are features.
    public init(network: MLP<Scalar>, features: FourierFeatures<Scalar>? = nil, coefficients: [String: Scalar] = [:]) {
        precondition(features.map { $0.outputSize == network.widths[0] } ?? true, "PhysicsInformedNetwork: the network takes \(network.widths[0]) inputs, the features give \(features?.outputSize ?? 0)")
        self.features = features
        self.network = network
        coefficientNames = coefficients.keys.sorted()
        self.coefficients = coefficientNames.map { Tensor(shape: [1, 1], scalars: [coefficients[$0]!]) }
    }

    /// `u` at points `x: [n, d]`, `[n, 1]`.
    public func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> { network(features.map { $0(x) } ?? x) }

    /// `u` and the input derivatives `request` asks for at points `x: [n, d]`, by Taylor-mode jets
    /// through the features and the network (see ``TandemNN/MLP/jets(at:request:)``).
    public func jets(at x: Tensor<Scalar>, request: JetRequest) -> Jets<Scalar> {
        let n = x.shape[0], layout = request.layout(rows: n)
        var h = request.seed(x)
        if let features { h = features.layer.stackedJets(h, layout: layout) }
        return request.unstack(network.stackedJets(h, layout: layout), rows: n)
    }

    /// The coefficients by name, as tensors (recorded when the module is being differentiated).
    public var coefficientTensors: [String: Tensor<Scalar>] {
        Dictionary(uniqueKeysWithValues: zip(coefficientNames, coefficients))
    }

    /// The coefficients' current values by name.
    public var coefficientValues: [String: Scalar] { coefficientTensors.mapValues { $0.scalars[0] } }

    /// Visits the network's parameters, then the coefficients.
    public mutating func visitParameters(_ body: (String, inout Tensor<Scalar>) throws -> Void) rethrows {
        try visit(&network, prefix: "network", body)
        for i in coefficients.indices { try body("coefficients." + coefficientNames[i], &coefficients[i]) }
    }
}

import TandemCore
import TandemNN

/// What a PINN trains: the network `u(x[, t])`, and for an inverse problem the unknown
/// coefficients of its residual, each a `[1, 1]` tensor learned with the network.
///
/// Parameters are named `network.layers.0.weight`, … and `coefficients.D`, ….
public struct PhysicsInformedNetwork<Scalar: TensorScalar>: Module {
    /// The network.
    public var network: MLP<Scalar>
    /// The unknown coefficients' names, sorted.
    public let coefficientNames: [String]
    /// Their values, `[1, 1]` each, in the order of ``coefficientNames``.
    public var coefficients: [Tensor<Scalar>]

    /// A network and the coefficients' starting values.
    public init(network: MLP<Scalar>, coefficients: [String: Scalar] = [:]) {
        self.network = network
        coefficientNames = coefficients.keys.sorted()
        self.coefficients = coefficientNames.map { Tensor(shape: [1, 1], scalars: [coefficients[$0]!]) }
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

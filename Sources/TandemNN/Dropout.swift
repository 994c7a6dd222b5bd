import TandemCore

/// Inverted dropout: zeroes each element with probability `rate` and scales survivors by
/// `1/(1 − rate)`, with the mask drawn from an explicit generator. Srivastava et al. 2014, JMLR 15:1929.
public struct Dropout<Scalar: TensorScalar>: Sendable {
    /// Probability of zeroing each element.
    public let rate: Double

    /// Dropout with the given rate in `[0, 1)`.
    public init(rate: Double) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
    }

    /// Applies a fresh random mask (training).
    public func callAsFunction(_ input: Tensor<Scalar>, using generator: inout SeededGenerator) -> Tensor<Scalar> {
        guard rate > 0 else { return input }
        let keep = Scalar(1 / (1 - rate))
        var mask = [Scalar]()
        mask.reserveCapacity(input.scalarCount)
        for _ in 0..<input.scalarCount { mask.append(generator.nextUnitDouble() < rate ? 0 : keep) }
        return input * Tensor(shape: input.shape, scalars: mask)
    }
}

extension Tensor {
    /// A tensor of the given shape filled with `value`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func full(_ value: Scalar, shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: [Scalar](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor of zeros.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func zeros(shape: [Int]) -> Tensor { full(0, shape: shape) }

    /// A tensor of ones.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func ones(shape: [Int]) -> Tensor { full(1, shape: shape) }

    /// Zeros with the shape of `other`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func zeros(like other: Tensor) -> Tensor { zeros(shape: other.shape) }

    /// `[start, start + step, …]` up to but excluding `end`, as a rank-1 tensor.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func arange(from start: Scalar = 0, to end: Scalar, step: Scalar = 1) -> Tensor {
        precondition(step != 0, "arange: step must be non-zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<count).map { start + Scalar($0) * step })
    }

    /// `count` evenly spaced values from `start` to `end`, both included.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func linspace(from start: Scalar, to end: Scalar, count: Int) -> Tensor {
        precondition(count >= 1, "linspace: count must be at least 1")
        if count == 1 { return Tensor([start]) }
        let step = (end - start) / Scalar(count - 1)
        return Tensor((0..<count).map { $0 == count - 1 ? end : start + Scalar($0) * step })
    }

    /// Samples from the normal distribution `N(mean, std²)`, drawn from `generator`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func randomNormal(
        shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
        using generator: inout SeededGenerator
    ) -> Tensor {
        let count = shape.reduce(1, *)
        var scalars = [Scalar]()
        scalars.reserveCapacity(count)
        for _ in 0..<count {
            scalars.append(mean + standardDeviation * Scalar(generator.nextStandardNormal()))
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// Samples from the uniform distribution on `[lower, upper)`, drawn from `generator`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func randomUniform(
        shape: [Int], lower: Scalar = 0, upper: Scalar = 1,
        using generator: inout SeededGenerator
    ) -> Tensor {
        let count = shape.reduce(1, *)
        var scalars = [Scalar]()
        scalars.reserveCapacity(count)
        for _ in 0..<count {
            scalars.append(lower + (upper - lower) * Scalar(generator.nextUnitDouble()))
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

extension Tensor {
    /// This tensor repeated along stretched axes to fill `shape` (NumPy broadcasting).
    ///
    /// Pullback: the cotangent summed back over the stretched axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func broadcast(to shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        guard Shape.broadcast(self.shape, shape) == shape else {
            shapeFailure(.shapeMismatch(operation: "broadcast(to: \(shape))", expected: "a shape that broadcasts to \(shape)", got: self.shape))
        }
        let sourceShape = self.shape
        return .recorded("broadcast", shape: shape, scalars: Kernels.broadcast(self, to: shape), inputs: [self]) { g, _, _ in
            [g.sum(toShape: sourceShape)]
        }
    }

    /// This tensor summed over the axes along which `shape` would be broadcast to `self.shape`;
    /// the adjoint of ``broadcast(to:)``, used to reduce gradients of broadcasting operations.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(toShape shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        guard Shape.broadcast(shape, self.shape) == self.shape else {
            shapeFailure(.shapeMismatch(operation: "sum(toShape: \(shape))", expected: "a shape that \(shape) broadcasts to", got: self.shape))
        }
        let sourceShape = self.shape
        return .recorded("sumToShape", shape: shape, scalars: Kernels.sumBroadcast(self, to: shape), inputs: [self]) { g, _, _ in
            [g.broadcast(to: sourceShape)]
        }
    }
}

extension Tensor {
    /// `log softmax(x) = x − log Σ exp x` along `axis`, computed stably by subtracting the
    /// (constant) maximum first. Built from recorded operations, so derivatives of any order hold.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
        let shift = withoutGradient { self.max(alongAxes: [axis], keepingDimensions: true) }.detached()
        let z = self - shift
        return z - log(exp(z).sum(alongAxis: axis, keepingDimensions: true))
    }

    /// `softmax(x)ᵢ = exp xᵢ / Σⱼ exp xⱼ` along `axis`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func softmax(alongAxis axis: Int = -1) -> Tensor {
        exp(logSoftmax(alongAxis: axis))
    }
}

/// Mean cross-entropy `−(1/n) Σᵢ log softmax(logitsᵢ)[labelᵢ]` of logits `[n, classes]`
/// against integer labels.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func crossEntropy<S>(logits: Tensor<S>, labels: [Int]) -> Tensor<S> {
    guard logits.rank == 2, logits.shape[0] == labels.count else {
        shapeFailure(.shapeMismatch(operation: "crossEntropy", expected: "logits [\(labels.count), classes]", got: logits.shape))
    }
    let targets = Tensor<S>.oneHot(labels, depth: logits.shape[1])
    return -(targets * logits.logSoftmax(alongAxis: 1)).sum() / S(Swift.max(labels.count, 1))
}

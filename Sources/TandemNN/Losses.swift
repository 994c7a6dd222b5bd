import TandemCore

/// Loss functions as differentiable tensors, shared by every model family. Each is built from
/// recorded operations, so its derivatives of any order hold (checked against finite
/// differences in `LossesTests`).
public enum Loss {
    /// Masked mean squared error `Σ mᵢ (pᵢ − tᵢ)² / Σ mᵢ` (the plain mean when `mask` is `nil`).
    /// - Parameters: `prediction`, `target` and `mask` share one shape; `mask` holds 0 or 1.
    public static func meanSquaredError<S>(_ prediction: Tensor<S>, _ target: Tensor<S>, mask: Tensor<S>? = nil) -> Tensor<S> {
        let difference = prediction - target
        guard let mask else { return (difference * difference).mean() }
        let masked = difference * mask
        return (masked * masked).sum() / Swift.max(mask.sum().scalar, 1)
    }

    /// Mean over rows of the relative L2 error `‖pᵢ − tᵢ‖ / ‖tᵢ‖` of `[n, m]` predictions
    /// (the per-sample error operator papers report). A tiny constant under each root keeps the
    /// derivative finite where an error or a target row vanishes.
    public static func relativeL2<S>(_ prediction: Tensor<S>, _ target: Tensor<S>) -> Tensor<S> {
        let tiny = S.leastNormalMagnitude.squareRoot()
        let error = prediction - target
        return (TandemCore.sqrt((error * error).sum(alongAxis: 1) + tiny) / TandemCore.sqrt((target * target).sum(alongAxis: 1) + tiny)).mean()
    }

    /// Class-weighted cross-entropy of logits `[n, classes]` against integer labels:
    /// `−Σᵢ w_{yᵢ} log softmax(zᵢ)[yᵢ] / Σᵢ w_{yᵢ}`; with `weights` `nil`, the mean cross-entropy.
    /// Weights inverse to class frequency balance an imbalanced task (King & Zeng 2001).
    /// - Parameter weights: one non-negative weight per class.
    public static func crossEntropy<S>(logits: Tensor<S>, labels: [Int], weights: [S]? = nil) -> Tensor<S> {
        guard let weights else { return TandemCore.crossEntropy(logits: logits, labels: labels) }
        guard logits.rank == 2, logits.shape[0] == labels.count, weights.count == logits.shape[1],
              labels.allSatisfy({ (0..<weights.count).contains($0) }) else {
            preconditionFailure("Loss.crossEntropy: expected logits [\(labels.count), classes], labels in 0..<classes and one weight per class; got logits \(logits.shape), labels \(labels.min() ?? 0)...\(labels.max() ?? 0), \(weights.count) weights")
        }
        let rowWeights = labels.map { weights[$0] }
        let targets = Tensor<S>.oneHot(labels, depth: logits.shape[1]) * Tensor(shape: [labels.count, 1], scalars: rowWeights)
        return -(targets * logits.logSoftmax(alongAxis: 1)).sum() / Swift.max(rowWeights.reduce(0, +), S.leastNormalMagnitude)
    }
}

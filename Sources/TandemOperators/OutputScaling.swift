import Foundation
import TandemCore
import TandemNN

/// Output standardisation `ŷ = (u − μ)/σ`, with `μ`, `σ` per point over the training functions
/// whose geometry contains the point (or one pair over all such values, `[model] output_scaling =
/// "global"`); saved next to the model so predictions can be restored.
public struct OutputScaling: Sendable, Equatable {
    /// `μ` per point.
    public let mean: [Float]
    /// `σ` per point (at least 10⁻³ of the overall deviation, so that points where every
    /// training function agrees do not blow up; 1 where no training function reaches).
    public let deviation: [Float]
    /// The branch input's standardisation (``OperatorDataset/branchStatistics``), kept so that
    /// new inputs are standardised as the training inputs were.
    public let branchStatistics: [Double]

    /// Statistics from `dataset`'s training functions: per point (`perPoint`), or one `μ`, `σ`
    /// over every value inside the training geometries, stored at every point.
    public init(dataset: OperatorDataset, perPoint: Bool = true) {
        let m = dataset.pointCount
        var sum = [Double](repeating: 0, count: m), square = sum, count = sum
        for f in dataset.train {
            for j in 0..<m where dataset.masks[f * m + j] == 1 {
                let u = Double(dataset.targets[f * m + j])
                sum[j] += u
                square[j] += u * u
                count[j] += 1
            }
        }
        let total = count.reduce(0, +)
        let overallMean = sum.reduce(0, +) / Swift.max(total, 1)
        let overall = Swift.max((square.reduce(0, +) / Swift.max(total, 1) - overallMean * overallMean).squareRoot(), 1e-12)
        var mean = [Float](repeating: Float(overallMean), count: m), deviation = [Float](repeating: Float(overall), count: m)
        if perPoint {
            mean = [Float](repeating: 0, count: m)
            deviation = [Float](repeating: 1, count: m)
            for j in 0..<m where count[j] > 0 {
                let mu = sum[j] / count[j]
                mean[j] = Float(mu)
                deviation[j] = Float(Swift.max((Swift.max(square[j] / count[j] - mu * mu, 0)).squareRoot(), 1e-3 * overall))
            }
        }
        self.mean = mean
        self.deviation = deviation
        branchStatistics = dataset.branchStatistics
    }

    /// From saved statistics.
    public init(mean: [Float], deviation: [Float], branchStatistics: [Double]) {
        self.mean = mean
        self.deviation = deviation
        self.branchStatistics = branchStatistics
    }

    /// `(u − μ)/σ` for rows of `m` values.
    public func standardise(_ rows: [Float]) -> [Float] {
        let m = mean.count
        return rows.enumerated().map { ($1 - mean[$0 % m]) / deviation[$0 % m] }
    }

    /// `ŷ·σ + μ` for rows of `m` values.
    public func restore(_ rows: [Float]) -> [Float] {
        let m = mean.count
        return rows.enumerated().map { $1 * deviation[$0 % m] + mean[$0 % m] }
    }

    /// Writes the statistics as safetensors (`mean`, `deviation`, each `[m]`; `branch_statistics`).
    public func write(to path: String) throws {
        let data = try SafeTensors.encode(
            [("mean", .init(Tensor<Float>(shape: [mean.count], scalars: mean))), ("deviation", .init(Tensor<Float>(shape: [deviation.count], scalars: deviation))),
             ("branch_statistics", .init(Tensor<Double>(shape: [branchStatistics.count], scalars: branchStatistics)))],
            metadata: ["tandem.format": "tandem-output-scaling-2"])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads statistics written by ``write(to:)``.
    public static func read(from path: String) throws -> OutputScaling {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.io(path: path, reason: "cannot read the output scaling (missing or unreadable)")
        }
        let (entries, _) = try SafeTensors.decode(data)
        guard let mean = entries["mean"], let deviation = entries["deviation"], let branch = entries["branch_statistics"] else {
            throw CheckpointError.incompatible(path: path, reason: "expected tensors mean, deviation and branch_statistics")
        }
        return OutputScaling(mean: try mean.tensor(as: Float.self, name: "mean").scalars,
                             deviation: try deviation.tensor(as: Float.self, name: "deviation").scalars,
                             branchStatistics: try branch.tensor(as: Double.self, name: "branch_statistics").scalars)
    }
}

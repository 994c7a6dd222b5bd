import Foundation
import TandemIO
import TandemSpec

/// A coefficient read from a NetCDF file (``TandemSpec/Problem/CoefficientFile``): values on a
/// rectilinear grid, interpolated multilinearly, with the gradient from central differences at
/// the file's nodes (one-sided at its edges), interpolated the same way — second-order
/// accurate for a smooth field, like the solver's stencil.
public struct GriddedCoefficient: Sendable {
    /// The coordinates along each axis (`x`, `y`, `z` order), increasing.
    public let axes: [[Double]]
    /// Values with `x` varying fastest.
    public let values: [Double]
    /// `∂K/∂x_a` at the nodes, per axis.
    let gradients: [[Double]]
    /// Where it was read: `file:variable`.
    public let origin: String

    /// The file `spec` names for `problem`: absolute, relative to the problem file, or — inside a
    /// run directory, which keeps its own copy — `coefficient.nc` next to the problem file.
    public static func path(of spec: PDEProblem.CoefficientFile, problem: PDEProblem) -> String {
        if spec.path.hasPrefix("/") { return spec.path }
        let directory = URL(fileURLWithPath: problem.directory ?? FileManager.default.currentDirectoryPath)
        let relative = directory.appendingPathComponent(spec.path).path
        let copy = directory.appendingPathComponent("coefficient.nc").path
        return !FileManager.default.fileExists(atPath: relative) && FileManager.default.fileExists(atPath: copy) ? copy : relative
    }

    /// Reads the coefficient `problem` declares in a file.
    /// - Throws: ``ProblemFileError`` at `inputs.<coefficient>` for a missing file or variable,
    ///   a variable of the wrong rank, a sample out of range, coordinates that do not increase,
    ///   or a non-finite value.
    public init(_ spec: PDEProblem.CoefficientFile, problem: PDEProblem) throws {
        let key = "inputs.\(problem.pde.coefficientKey)"
        let path = Self.path(of: spec, problem: problem)
        origin = "\(spec.path):\(spec.variable)"
        let d = problem.dimension
        let reader: FieldFileReader
        do { reader = try FieldFileReader(path: path) } catch {
            throw problem.error(at: key + ".file", "cannot read \(path): \(error)")
        }
        let variable: (dimensions: [String], shape: [Int], values: [Double])
        do { variable = try reader.variable(spec.variable) } catch NetCDFError.missingVariable(_, _, let available) {
            throw problem.error(at: key + ".variable", "\(path) has no variable \"\(spec.variable)\" (it has \(available.isEmpty ? "none" : available.joined(separator: ", ")))")
        } catch {
            // The variable is there but cannot be read: say so, with the library's reason.
            throw problem.error(at: key + ".variable", "cannot read \"\(spec.variable)\" from \(path) (damaged file?): \(error)")
        }
        guard variable.shape.count >= d else {
            throw problem.error(at: key + ".variable", "\"\(spec.variable)\" in \(path) has dimensions (\(variable.dimensions.joined(separator: ", "))); a \(d)-D problem needs its last \(d) to be the axes")
        }
        let spatialDimensions = Array(variable.dimensions.suffix(d))
        let counts = Array(variable.shape.suffix(d))
        let samples = variable.shape.dropLast(d).reduce(1, *)
        guard spec.sample < samples else {
            throw problem.error(at: key + ".sample", "is \(spec.sample), but \"\(spec.variable)\" in \(path) has \(samples) sample\(samples == 1 ? "" : "s")")
        }
        var axes: [[Double]] = []
        for name in spatialDimensions.reversed() {
            guard let coordinate = try? reader.variable(name), coordinate.shape.count == 1 else {
                throw problem.error(at: key + ".file", "\(path) has no 1-D coordinate variable \"\(name)\" for the dimension of \"\(spec.variable)\"")
            }
            guard coordinate.values.count >= 2, zip(coordinate.values, coordinate.values.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw problem.error(at: key + ".file", "coordinate \"\(name)\" in \(path) must have at least 2 increasing values")
            }
            axes.append(coordinate.values)
        }
        let size = counts.reduce(1, *)
        let values = Array(variable.values[(spec.sample * size)..<((spec.sample + 1) * size)])
        guard values.allSatisfy(\.isFinite) else {
            throw problem.error(at: key + ".variable", "\"\(spec.variable)\" in \(path) has non-finite values (missing data?) in sample \(spec.sample)")
        }
        self.axes = axes
        self.values = values
        // Strides with x fastest (NetCDF's last dimension).
        var strides = [Int](repeating: 1, count: d)
        for a in 1..<d { strides[a] = strides[a - 1] * axes[a - 1].count }
        gradients = (0..<d).map { a in
            let c = axes[a]
            return (0..<size).map { p in
                let i = (p / strides[a]) % c.count
                let (lo, hi) = (Swift.max(i - 1, 0), Swift.min(i + 1, c.count - 1))
                return (values[p + (hi - i) * strides[a]] - values[p - (i - lo) * strides[a]]) / (c[hi] - c[lo])
            }
        }
    }

    /// Whether `point` lies within the file's grid (up to rounding).
    public func covers(_ point: [Double]) -> Bool {
        zip(point, axes).allSatisfy { p, c in
            let slack = 1e-9 * (c.last! - c.first!)
            return p >= c.first! - slack && p <= c.last! + slack
        }
    }

    /// The coordinate box of the file's grid, for messages.
    public var extent: String {
        axes.enumerated().map { a, c in "\(PDEProblem.coordinates(axes.count)[a]) ∈ [\(c.first!), \(c.last!)]" }.joined(separator: ", ")
    }

    /// Multilinear interpolation of `field` (values at the nodes) at `point`, clamped to the grid.
    func interpolate(_ field: [Double], at point: [Double]) -> Double {
        let d = axes.count
        var cells = [Int](repeating: 0, count: d), weights = [Double](repeating: 0, count: d), strides = [Int](repeating: 1, count: d)
        for a in 0..<d {
            if a > 0 { strides[a] = strides[a - 1] * axes[a - 1].count }
            let c = axes[a]
            let p = Swift.min(Swift.max(point[a], c.first!), c.last!)
            // The last node at or below p, and not the last node.
            var lo = 0, hi = c.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if c[mid] <= p { lo = mid } else { hi = mid }
            }
            cells[a] = lo
            weights[a] = (p - c[lo]) / (c[lo + 1] - c[lo])
        }
        var result = 0.0
        for corner in 0..<(1 << d) {
            var w = 1.0, index = 0
            for a in 0..<d {
                let up = (corner >> a) & 1
                w *= up == 1 ? weights[a] : 1 - weights[a]
                index += (cells[a] + up) * strides[a]
            }
            if w != 0 { result += w * field[index] }
        }
        return result
    }

    /// `K` at `point`.
    public func value(at point: [Double]) -> Double { interpolate(values, at: point) }

    /// `∂K/∂x_axis` at `point`.
    public func derivative(_ axis: Int, at point: [Double]) -> Double { interpolate(gradients[axis], at: point) }
}

extension PDEProblem {
    /// The files a run of this problem carries with it (the name in the run for each source):
    /// a coefficient read from a file travels as `coefficient.nc`.
    var runFiles: [String: String] {
        guard case let .file(spec) = coefficient else { return [:] }
        return ["coefficient.nc": GriddedCoefficient.path(of: spec, problem: self)]
    }
}

/// One of the eight maps of a rectangular grid of `H × W` points onto itself that come from the
/// symmetries of the square (the dihedral group D₄; the four with `transposes` need `H = W`):
/// the point `(h, w)` of the mapped field takes the value of the original field at
/// `(h', w')`, where `(h', w') = (w, h)` if `transposes`, then `h' → H − 1 − h'` if `flipsRows` and
/// `w' → W − 1 − w'` if `flipsColumns`.
///
/// On a grid with uniform spacing whose domain is the square (or, without transposes, the
/// rectangle) the map is an isometry of the domain, so for an isotropic PDE whose data other than
/// the inputs (source, boundary values) are symmetric too — as `−∇·(K∇u) = 1`, `u = 0` on the
/// boundary — mapping an input field and its solution alike gives another input and its exact
/// solution. Operator training uses this to multiply a few samples by the symmetries of their
/// geometry (``OperatorObjective/augmentBySymmetries()``).
public struct GridSymmetry: Sendable, Equatable, CustomStringConvertible {
    /// `(h, w) → (w, h)` first.
    public var transposes: Bool
    /// `h → H − 1 − h`.
    public var flipsRows: Bool
    /// `w → W − 1 − w`.
    public var flipsColumns: Bool

    /// The map that transposes, flips the rows and flips the columns as asked, in that order.
    public init(transposes: Bool, flipsRows: Bool, flipsColumns: Bool) {
        self.transposes = transposes
        self.flipsRows = flipsRows
        self.flipsColumns = flipsColumns
    }

    /// The identity.
    public static let identity = GridSymmetry(transposes: false, flipsRows: false, flipsColumns: false)

    /// All eight, the identity first.
    public static let all: [GridSymmetry] = [false, true].flatMap { t in
        [false, true].flatMap { r in [false, true].map { c in GridSymmetry(transposes: t, flipsRows: r, flipsColumns: c) } }
    }

    /// E.g. `transpose·flip-rows`, or `identity`.
    public var description: String {
        let parts = [transposes ? "transpose" : nil, flipsRows ? "flip-rows" : nil, flipsColumns ? "flip-columns" : nil].compactMap { $0 }
        return parts.isEmpty ? "identity" : parts.joined(separator: "·")
    }

    /// The source index `h'·W + w'` of every point `h·W + w` of an `H × W` grid (row-major, `w`
    /// fastest); `nil` when the map transposes a grid that is not square.
    public func sourceIndices(height: Int, width: Int) -> [Int]? {
        guard !transposes || height == width else { return nil }
        var indices = [Int](repeating: 0, count: height * width)
        for h in 0..<height {
            for w in 0..<width {
                var (r, c) = transposes ? (w, h) : (h, w)
                if flipsRows { r = height - 1 - r }
                if flipsColumns { c = width - 1 - c }
                indices[h * width + w] = r * width + c
            }
        }
        return indices
    }
}

extension Tensor {
    /// Elementwise sum with broadcasting. Pullback: `(ḡ, ḡ)`, each summed to its operand's shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (shape, scalars) = Kernels.broadcastingZip(a, b, operation: "+") { $0 + $1 }
        let (sa, sb) = (a.shape, b.shape)
        return .recorded("add", shape: shape, scalars: scalars, inputs: [a, b]) { g, _, needed in
            [needed[0] ? g.sum(toShape: sa) : nil, needed[1] ? g.sum(toShape: sb) : nil]
        }
    }

    /// Elementwise difference with broadcasting. Pullback: `(ḡ, −ḡ)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (shape, scalars) = Kernels.broadcastingZip(a, b, operation: "-") { $0 - $1 }
        let (sa, sb) = (a.shape, b.shape)
        return .recorded("subtract", shape: shape, scalars: scalars, inputs: [a, b]) { g, _, needed in
            [needed[0] ? g.sum(toShape: sa) : nil, needed[1] ? (-g).sum(toShape: sb) : nil]
        }
    }

    /// Elementwise (Hadamard) product with broadcasting. Pullback: `(ḡ⊙b, ḡ⊙a)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (shape, scalars) = Kernels.broadcastingZip(a, b, operation: "*") { $0 * $1 }
        let (sa, sb) = (a.shape, b.shape)
        return .recorded("multiply", shape: shape, scalars: scalars, inputs: [a, b]) { g, _, needed in
            [needed[0] ? (g * b).sum(toShape: sa) : nil, needed[1] ? (g * a).sum(toShape: sb) : nil]
        }
    }

    /// Elementwise quotient with broadcasting. Pullback: `(ḡ/b, −ḡ⊙y/b)` with `y = a/b`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (shape, scalars) = Kernels.broadcastingZip(a, b, operation: "/") { $0 / $1 }
        let (sa, sb) = (a.shape, b.shape)
        return .recorded("divide", shape: shape, scalars: scalars, inputs: [a, b]) { g, y, needed in
            [needed[0] ? (g / b).sum(toShape: sa) : nil, needed[1] ? (-(g * y) / b).sum(toShape: sb) : nil]
        }
    }

    /// Elementwise negation. Pullback: `−ḡ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static prefix func - (x: Tensor) -> Tensor {
        .recorded("negate", shape: x.shape, scalars: Kernels.map(x.scalars) { -$0 }, inputs: [x]) { g, _, _ in [-g] }
    }

    /// `x + c` for a constant scalar `c`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (x: Tensor, c: Scalar) -> Tensor {
        .recorded("addScalar", shape: x.shape, scalars: Kernels.map(x.scalars) { $0 + c }, inputs: [x]) { g, _, _ in [g] }
    }
    /// `c + x` for a constant scalar `c`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (c: Scalar, x: Tensor) -> Tensor { x + c }
    /// `x − c` for a constant scalar `c`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (x: Tensor, c: Scalar) -> Tensor { x + (-c) }
    /// `c − x` for a constant scalar `c`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (c: Scalar, x: Tensor) -> Tensor { -x + c }

    /// `c·x` for a constant scalar `c`. Pullback: `c·ḡ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (x: Tensor, c: Scalar) -> Tensor {
        .recorded("scale", shape: x.shape, scalars: Kernels.map(x.scalars) { $0 * c }, inputs: [x]) { g, _, _ in [g * c] }
    }
    /// `c·x` for a constant scalar `c`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (c: Scalar, x: Tensor) -> Tensor { x * c }
    /// `x / c` for a constant scalar `c`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (x: Tensor, c: Scalar) -> Tensor { x * (1 / c) }
    /// `c / x` for a constant scalar `c`. Pullback: `−ḡ⊙y/x`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (c: Scalar, x: Tensor) -> Tensor {
        .recorded("reciprocalScale", shape: x.shape, scalars: Kernels.map(x.scalars) { c / $0 }, inputs: [x]) { g, y, _ in
            [-(g * y) / x]
        }
    }

    /// In-place sum; records like `a = a + b`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    /// In-place difference; records like `a = a - b`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    /// In-place product; records like `a = a * b`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
}

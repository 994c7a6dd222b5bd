/// Elementwise functions written so the compiler vectorises them (no calls, no branches in the
/// loop body), used where libm's scalar calls dominate a training step.
///
/// `tanh x = expm1(2x) / (expm1(2x) + 2)`, with `expm1(y)` from its Taylor series for
/// `|y| < ln2/2` (no cancellation near 0) and from `2ⁿ·eʳ − 1` with `y = n·ln2 + r` otherwise.
/// Measured accuracy against glibc over a dense sweep is in `VectorMathTests`: within a few ulp.
enum VectorMath {
    static func tanh(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
        let invLn2 = 1.44269504088896338700e+00
        for i in 0..<x.count {
            let y = Swift.min(Swift.max(2 * x[i], -40), 40)
            // Series for small |y|: expm1(y) = y + y²/2! + … + y¹⁴/14!.
            var p = 1.0 / 87178291200
            p = p * y + 1.0 / 6227020800
            p = p * y + 1.0 / 479001600
            p = p * y + 1.0 / 39916800
            p = p * y + 1.0 / 3628800
            p = p * y + 1.0 / 362880
            p = p * y + 1.0 / 40320
            p = p * y + 1.0 / 5040
            p = p * y + 1.0 / 720
            p = p * y + 1.0 / 120
            p = p * y + 1.0 / 24
            p = p * y + 1.0 / 6
            p = p * y + 0.5
            let small = (p * y + 1) * y
            // Range reduction for larger |y|: eʸ = 2ⁿ·eʳ, |r| ≤ ln2/2.
            // Round y/ln2 to an integer by adding 1.5·2⁵², whose low mantissa bits then hold n.
            let shifted = y * invLn2 + 0x1.8p52
            let n = shifted - 0x1.8p52
            let r = (y - n * ln2Hi) - n * ln2Lo
            var q = 1.0 / 6227020800
            q = q * r + 1.0 / 479001600
            q = q * r + 1.0 / 39916800
            q = q * r + 1.0 / 3628800
            q = q * r + 1.0 / 362880
            q = q * r + 1.0 / 40320
            q = q * r + 1.0 / 5040
            q = q * r + 1.0 / 720
            q = q * r + 1.0 / 120
            q = q * r + 1.0 / 24
            q = q * r + 1.0 / 6
            q = q * r + 0.5
            q = q * r + 1
            q = q * r + 1
            let scale = Double(bitPattern: (shifted.bitPattern &+ 1023) << 52)
            let large = q * scale - 1
            let e = Swift.abs(y) < 0.34657359027997264 ? small : large
            out[i] = e / (e + 2)
        }
    }

    static func tanh(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        let ln2Hi: Float = 6.9314575195e-01, ln2Lo: Float = 1.4286067653e-06
        let invLn2: Float = 1.4426950216e+00
        for i in 0..<x.count {
            let y = Swift.min(Swift.max(2 * x[i], -20), 20)
            var p: Float = 1.0 / 362880
            p = p * y + 1.0 / 40320
            p = p * y + 1.0 / 5040
            p = p * y + 1.0 / 720
            p = p * y + 1.0 / 120
            p = p * y + 1.0 / 24
            p = p * y + 1.0 / 6
            p = p * y + 0.5
            let small = (p * y + 1) * y
            let shifted = y * invLn2 + 0x1.8p23
            let n = shifted - 0x1.8p23
            let r = (y - n * ln2Hi) - n * ln2Lo
            var q: Float = 1.0 / 5040
            q = q * r + 1.0 / 720
            q = q * r + 1.0 / 120
            q = q * r + 1.0 / 24
            q = q * r + 1.0 / 6
            q = q * r + 0.5
            q = q * r + 1
            q = q * r + 1
            let scale = Float(bitPattern: (shifted.bitPattern &+ 127) << 23)
            let large = q * scale - 1
            let e = Swift.abs(y) < 0.34657359 ? small : large
            out[i] = e / (e + 2)
        }
    }
}

import Foundation

/// Vectorized exponentials for the training passes, where softmaxes over the vocabulary and over
/// attention rows run hundreds of millions of `exp` per step (libm's scalar `exp` would cost more
/// than the matrix products around it).
///
/// `exp` is Cephes' `expf` on eight lanes: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial
/// for e^r, and 2^n put into the exponent bits. Relative error below 2e-7 (about 1.5 ulp) over
/// the whole f32 range; inputs below -87.3 give 0 (not denormals), above 88.7 saturate.
public enum FastMath {
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Only mask operations and bit casts: Swift's generic float↔int SIMD conversions and
        // `clamped`/`rounded` do not compile to vector instructions.
        let low = SIMD8<Float>(repeating: -87.33654), high = SIMD8<Float>(repeating: 88.72283)
        var clamped = x.replacing(with: low, where: x .< low)
        clamped = clamped.replacing(with: high, where: clamped .> high)
        // n = round(x / ln 2) by the 1.5·2²³ trick: adding it leaves n in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = clamped * 1.442695041 + magic
        let n = t - magic
        // r = x - n·ln2 in two parts (Cody–Waite) so r keeps full precision.
        var r = clamped - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        let scale = unsafeBitCast(bits, to: SIMD8<Float>.self)
        return (p * scale).replacing(with: 0, where: x .< low)
    }

    /// e^x for one value through the vector path (same rounding as the vector lanes).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(SIMD8<Float>(repeating: x))[0] }

    /// The largest of `n` values (−∞ for none).
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m8 = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            m8 = m8.replacing(with: v, where: v .> m8)
            i += 8
        }
        var m = m8.max()
        while i < n {
            m = Swift.max(m, x[i])
            i += 1
        }
        return m
    }

    /// y[i] = e^(x[i] - shift) for n values (y may alias x); returns their sum, accumulated in
    /// f64 per lane group so long rows (a 49152-token vocabulary) keep their precision.
    @inline(__always)
    @discardableResult
    public static func expShifted(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, shift: Float
    ) -> Double {
        let s = SIMD8<Float>(repeating: shift)
        var total = 0.0
        var i = 0
        while i + 8 <= n {
            var acc = SIMD8<Float>()
            let end = Swift.min(n, i + 512) - 7
            while i < end {
                let e = exp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - s)
                UnsafeMutableRawPointer(y + i).storeBytes(of: e, as: SIMD8<Float>.self)
                acc += e
                i += 8
            }
            total += Double(acc.sum())
        }
        while i < n {
            let e = exp(x[i] - shift)
            y[i] = e
            total += Double(e)
            i += 1
        }
        return total
    }

    /// log Σ e^x over n values, stably.
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int, scratch: UnsafeMutablePointer<Float>) -> Float {
        let m = max(x, n)
        guard m.isFinite else { return m }
        return m + Float(Foundation.log(expShifted(x, scratch, n, shift: m)))
    }

    /// σ(z) = 1 / (1 + e^-z) on eight lanes.
    @inline(__always)
    public static func sigmoid(_ z: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + exp(-z)) }

    /// Scalar helpers in f64 for the losses (a handful of values per step).
    public static func logSigmoid(_ x: Double) -> Double {
        x >= 0 ? -Foundation.log1p(Foundation.exp(-x)) : x - Foundation.log1p(Foundation.exp(x))
    }

    public static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }
}

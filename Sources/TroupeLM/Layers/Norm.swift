import Foundation

/// RMSNorm (Llama's `LlamaRMSNorm`), in f32: `y = w ⊙ x · rsqrt(mean(x²) + eps)`.
///
/// Backward (for the trainer) goes beside `forward` and uses the saved `rstd`.
public enum RMSNorm {
    /// x [T, C] → y [T, C]; w [C]; rstd [T] receives `rsqrt(mean(x²) + eps)` per row when given
    /// (saved for the backward pass). `y` may alias `x`.
    public static func forward(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>? = nil, T: Int, C: Int, eps: Float
    ) {
        for t in 0..<T {
            let xr = x + t * C, yr = y + t * C
            // The sum of squares in double, as ggml's `rms_norm` does.
            var sum = 0.0
            for i in 0..<C { sum += Double(xr[i] * xr[i]) }
            let r = 1 / (Float(sum / Double(C)) + eps).squareRoot()
            rstd?[t] = r
            for i in 0..<C { yr[i] = w[i] * (xr[i] * r) }
        }
    }
}

/// Element-wise pieces of the block: the residual add and SwiGLU's gate.
public enum Elementwise {
    /// x += y, n values.
    @inline(__always)
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }

    /// h = silu(g) ⊙ u with `silu(z) = z·σ(z)`, n values (vectorized exp on AVX2 machines,
    /// relative error below 1e-6). `h` may alias `g` or `u`.
    public static func swiglu(
        _ g: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, count n: Int
    ) {
        Kernels.best.swiglu(g, u, h, n)
    }
}

// MARK: Backward (the trainer)

extension RMSNorm {
    /// Backward of `forward`: with r = rstd[t] and y = w ⊙ x · r,
    /// `dx = r · (w ⊙ dy) − r³/C · x · Σ(w ⊙ dy ⊙ x)`, and `dw += Σ_t dy ⊙ x · r`.
    ///
    /// x [T, C] is the forward input, rstd [T] what `forward` saved, dy [T, C] the gradient of y.
    /// `dx` [T, C] is accumulated into (`dx += …`); `dw` [C] too, when given (frozen norms pass nil).
    public static func backward(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>?, T: Int, C: Int
    ) {
        for t in 0..<T {
            let xr = x + t * C, dyr = dy + t * C, dxr = dx + t * C
            let r = rstd[t]
            var dot: Float = 0
            for i in 0..<C { dot += w[i] * dyr[i] * xr[i] }
            let k = r * r * r * dot / Float(C)
            for i in 0..<C { dxr[i] += r * w[i] * dyr[i] - k * xr[i] }
            if let dw { for i in 0..<C { dw[i] += dyr[i] * xr[i] * r } }
        }
    }
}

extension Elementwise {
    /// Backward of `swiglu`: for h = silu(g) ⊙ u with s = σ(g),
    /// `dg = dh ⊙ u ⊙ s(1 + g(1 − s))` and `du = dh ⊙ g·s`. g, u, dh [n]; dg, du [n] are
    /// overwritten (they are activation gradients, fresh each pass). dg may alias g, du may alias u
    /// only if the other input is not needed afterwards (each element is read before it is written).
    public static func swigluBackward(
        _ g: UnsafePointer<Float>, _ u: UnsafePointer<Float>, dh: UnsafePointer<Float>,
        dg: UnsafeMutablePointer<Float>, du: UnsafeMutablePointer<Float>, count n: Int
    ) {
        var i = 0
        while i + 8 <= n {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            let uv = UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self)
            let dv = UnsafeRawPointer(dh + i).loadUnaligned(as: SIMD8<Float>.self)
            let s = FastMath.sigmoid(gv)
            UnsafeMutableRawPointer(dg + i).storeBytes(of: dv * uv * s * (1 + gv * (1 - s)), as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(du + i).storeBytes(of: dv * gv * s, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            let z = g[i], s = 1 / (1 + exp(-z)), d = dh[i], uu = u[i]
            dg[i] = d * uu * s * (1 + z * (1 - s))
            du[i] = d * z * s
            i += 1
        }
    }

    /// h = silu(g) ⊙ u on eight lanes (the training pass's vectorized `swiglu`).
    public static func swigluFast(
        _ g: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, count n: Int
    ) {
        var i = 0
        while i + 8 <= n {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            let uv = UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(h + i).storeBytes(of: gv * FastMath.sigmoid(gv) * uv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            let z = g[i]
            h[i] = z / (1 + exp(-z)) * u[i]
            i += 1
        }
    }
}

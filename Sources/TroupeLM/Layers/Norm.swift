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

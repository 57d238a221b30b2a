internal import CTroupeKernels

/// The products of a low-rank adapter, `y += s · (x · Aᵀ) · Bᵀ` with A [r, in] and B [out, r]
/// (LoRA), and their backward, for training: fused row by row in native kernels
/// (`Sources/CTroupeKernels/lora.c`) and spread over the worker pool.
///
/// Why not sgemm: at rank 8 every product is bound by reading a [T, in] or [T, out] activation,
/// which OpenBLAS first copies into its packed layout, six times per projection and step. The
/// fused kernels read each activation row once per pass, for every product that needs it.
///
/// Invariant: the rows are cut into chunks of `rowChunk` whatever the thread count, each
/// chunk's gradient sums go to its own partial, and the partials are added in chunk order, so
/// the results are bit-identical at any pool thread count. Who calls it: `LoRALayer`'s
/// `trainingForward` and `backward` (TroupeTrain).
public enum LowRank {
    /// Rows per chunk (a pool task, and one partial of the gradient sums).
    public static let rowChunk = 128

    /// xa [T, r] = x [T, in] · Aᵀ (saved for the backward), then y [T, out] += s · xa · Bᵀ.
    public static func forward(
        _ x: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, scale: Float,
        xa: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, tokens T: Int, in n: Int, out: Int,
        rank r: Int, pool: WorkerPool, kernels: Kernels = .best
    ) {
        let bt = scaledTranspose(b, out: out, rank: r, scale: scale)
        pool.parallelFor(chunks(T)) { c in
            let t0 = c * rowChunk, rows = min(rowChunk, T - t0)
            kernels.table.lora_forward(
                x + t0 * n, Int64(n), a, bt.data, Int64(out), Int64(r), xa + t0 * r, y + t0 * out, Int64(rows))
        }
    }

    /// Backward of `forward`, given dy [T, out] and the saved xa: `gradB += s · dyᵀ · xa`,
    /// `d(xa) = s · dy · B`, `gradA += d(xa)ᵀ · x`, and `dx += d(xa) · A` when dx is given.
    /// gradA [r, in] and gradB [out, r] are accumulated into.
    public static func backward(
        _ x: UnsafePointer<Float>, dy: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        scale: Float, xa: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
        gradA: UnsafeMutablePointer<Float>, gradB: UnsafeMutablePointer<Float>, tokens T: Int, in n: Int,
        out: Int, rank r: Int, pool: WorkerPool, kernels: Kernels = .best
    ) {
        let bt = scaledTranspose(b, out: out, rank: r, scale: scale)
        let count = chunks(T), width = r * (n + out)
        // Per chunk: its sums for A [r, in], then for Bᵀ [r, out] (unscaled).
        let partials = Tensor([count, width]), dxa = Tensor([T, r])
        pool.parallelFor(count) { c in
            let t0 = c * rowChunk, rows = min(rowChunk, T - t0), p = partials.data + c * width
            kernels.table.lora_backward(
                x + t0 * n, Int64(n), dy + t0 * out, Int64(out), a, bt.data, Int64(r), xa + t0 * r,
                dx.map { $0 + t0 * n }, p, p + r * n, dxa.data + t0 * r, Int64(rows))
        }
        // The partials, added in chunk order; each rank's row of A and of Bᵀ is one piece.
        pool.parallelRanges(r, minimum: 2) { js in
            for j in js {
                for i in 0..<n {
                    var sum: Float = 0
                    for c in 0..<count { sum += partials.data[c * width + j * n + i] }
                    gradA[j * n + i] += sum
                }
                for o in 0..<out {
                    var sum: Float = 0
                    for c in 0..<count { sum += partials.data[c * width + r * n + j * out + o] }
                    gradB[o * r + j] += scale * sum
                }
            }
        }
    }

    static func chunks(_ T: Int) -> Int { (T + rowChunk - 1) / rowChunk }

    /// s · Bᵀ [r, out] of B [out, r].
    static func scaledTranspose(_ b: UnsafePointer<Float>, out: Int, rank r: Int, scale: Float) -> Tensor {
        let bt = Tensor([r, out])
        for o in 0..<out {
            for j in 0..<r { bt.data[j * out + o] = scale * b[o * r + j] }
        }
        return bt
    }
}

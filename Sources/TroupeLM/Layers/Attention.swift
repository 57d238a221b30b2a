import Foundation

/// A run of consecutive tokens of one sequence inside a batch: tokens `start..<start+count` of
/// the batch are positions `position..<position+count` of sequence `sequence`.
public struct Span: Sendable, Equatable {
    public var sequence: Int
    public var start: Int
    public var count: Int
    public var position: Int
    public init(sequence: Int, start: Int, count: Int, position: Int) {
        self.sequence = sequence
        self.start = start
        self.count = count
        self.position = position
    }
}

/// Causal grouped-query attention over the KV cache: for token t of a span at position p, query
/// head h attends to positions 0…p of its sequence through KV head `h / (NH / NKV)`:
/// `softmax(q kᵀ / sqrt(hs)) v`, softmax in f32.
///
/// Spans of many tokens (prompts) use OpenBLAS products per head; spans of a few tokens
/// (decoding) use SIMD loops spread over the worker pool by (span, head).
///
/// Backward (for the trainer) goes beside `forward`: it needs the probabilities, which a
/// training forward keeps (`probabilities`), or recomputes from q and the cached k.
public enum Attention {
    /// q [T, NH, hs] (after RoPE) → out [T, NH, hs], reading keys and values of each span's
    /// sequence from `cache` at `layer` (the span's own k/v must already be stored).
    static func forward(
        _ q: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, spans: [Span],
        sequences: [KVCache.Sequence], layer: Int, config: LlamaConfig, pool: WorkerPool
    ) {
        let NH = config.heads, hs = config.headDim, group = config.heads / config.kvHeads
        let scale = 1 / Float(hs).squareRoot()
        let qStride = NH * hs
        let longest = spans.map { $0.position + $0.count }.max() ?? 0
        // Long spans: two products per head, serial over heads (OpenBLAS threads inside).
        for (si, span) in spans.enumerated() where span.count >= 8 {
            let s = sequences[si]
            let S = span.position + span.count
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: span.count * S)
            defer { scores.deallocate() }
            for h in 0..<NH {
                let g = h / group
                let K = s.keys[layer] + g * s.capacity * hs, V = s.values[layer] + g * s.capacity * hs
                let qh = q + span.start * qStride + h * hs
                BLAS.gemm(qh, K, scores, m: span.count, n: S, k: hs, transB: true, alpha: scale, lda: qStride, ldb: hs)
                for t in 0..<span.count {
                    let visible = span.position + t + 1
                    softmax(scores + t * S, count: visible)
                    (scores + t * S + visible).update(repeating: 0, count: S - visible)
                }
                BLAS.gemm(
                    scores, V, out + span.start * qStride + h * hs, m: span.count, n: hs, k: S, ldb: hs, ldc: qStride)
            }
        }
        // Short spans: SIMD loops, one task per (span, head).
        let short = spans.indices.filter { spans[$0].count < 8 }
        guard !short.isEmpty else { return }
        pool.parallelFor(short.count * NH) { task in
            let si = short[task / NH], h = task % NH
            let span = spans[si], s = sequences[si]
            let g = h / group
            let K = s.keys[layer] + g * s.capacity * hs, V = s.values[layer] + g * s.capacity * hs
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: longest)
            defer { scores.deallocate() }
            for t in 0..<span.count {
                let visible = span.position + t + 1
                let qh = q + (span.start + t) * qStride + h * hs
                for p in 0..<visible { scores[p] = dot(qh, K + p * hs, hs) * scale }
                softmax(scores, count: visible)
                let o = out + (span.start + t) * qStride + h * hs
                o.update(repeating: 0, count: hs)
                for p in 0..<visible { axpy(scores[p], V + p * hs, o, hs) }
            }
        }
    }

    /// In-place softmax of `count` values (max-subtracted, f32).
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        var m = -Float.infinity
        for i in 0..<n { m = max(m, x[i]) }
        var sum: Float = 0
        for i in 0..<n {
            let e = exp(x[i] - m)
            x[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<n { x[i] *= inverse }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc +=
                UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// y += a·x, n values.
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let av = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + av * xv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += a * x[i]
            i += 1
        }
    }
}

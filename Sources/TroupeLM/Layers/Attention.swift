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
/// (decoding) use the native `attend` kernel, one task per (span, KV head) spread over the
/// worker pool, so the query heads of a group read their keys and values once (per query head
/// when there are too few spans to keep the threads busy).
///
/// With an f16 cache, queries and probabilities are rounded to f16 before their products with
/// keys and values, as ggml's f16 matrix products do (llama.cpp's arithmetic).
///
/// The trainer's attention over packed sequences (no cache), its forward and backward side by
/// side, is in `Attention+Training.swift`.
public enum Attention {
    /// Spans of at least this many tokens run through OpenBLAS, shorter ones through `attend`.
    static let longSpan = 8

    /// q [T, NH, hs] (after RoPE) → out [T, NH, hs], reading keys and values of each span's
    /// sequence from `cache` at `layer` (the span's own k/v must already be stored).
    static func forward(
        _ q: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, spans: [Span],
        sequences: [KVCache.Sequence], layer: Int, config: LlamaConfig, pool: WorkerPool
    ) {
        let NH = config.heads, NKV = config.kvHeads, hs = config.headDim, group = NH / NKV
        let scale = 1 / Float(hs).squareRoot()
        let qStride = NH * hs
        for (si, span) in spans.enumerated() where span.count >= longSpan {
            prompt(q, out, span: span, sequence: sequences[si], layer: layer, config: config, scale: scale)
        }
        let short = spans.indices.filter { spans[$0].count < longSpan }
        guard !short.isEmpty else { return }
        let longest = short.map { spans[$0].position + spans[$0].count }.max()!
        let kernels = Kernels.best
        // One task per (span, KV head), so the query heads of a group read their keys and values
        // once; with too few such tasks to keep every thread busy (a batch of one or two), one
        // per (span, query head) instead. Each head's arithmetic is the same either way.
        let unit = short.count * NKV >= 4 * pool.threads ? group : 1
        let tasksPerSpan = NH / unit
        pool.parallelFor(short.count * tasksPerSpan) { task in
            let si = short[task / tasksPerSpan], h0 = task % tasksPerSpan * unit, g = h0 / group
            let span = spans[si], s = sequences[si]
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: longest + hs)
            defer { scratch.deallocate() }
            let keys = s.keys(layer, head: g, hs: hs), values = s.values(layer, head: g, hs: hs)
            for t in 0..<span.count {
                let row = (span.start + t) * qStride + h0 * hs
                kernels.attend(
                    q + row, heads: unit, stride: hs, keys: keys, values: values, half: s.storage == .f16,
                    positions: span.position + t + 1, headSize: hs, scale: scale, scratch: scratch, out: out + row)
            }
        }
    }

    /// One long span (a prompt): per query head, scores = q Kᵀ and out = P V through OpenBLAS
    /// (its threads inside), serial over heads.
    private static func prompt(
        _ q: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, span: Span, sequence s: KVCache.Sequence,
        layer: Int, config: LlamaConfig, scale: Float
    ) {
        let NH = config.heads, hs = config.headDim, group = NH / config.kvHeads, qStride = NH * hs
        let S = span.position + span.count, n = span.count
        let half = s.storage == .f16
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n * S)
        // With f16 storage: the group's keys and values widened to f32, and the rounded queries.
        let wide = UnsafeMutablePointer<Float>.allocate(capacity: half ? 2 * S * hs + n * hs : 1)
        defer {
            scores.deallocate()
            wide.deallocate()
        }
        for g in 0..<config.kvHeads {
            var K = UnsafePointer(s.keys(layer, head: g, hs: hs).assumingMemoryBound(to: Float.self))
            var V = UnsafePointer(s.values(layer, head: g, hs: hs).assumingMemoryBound(to: Float.self))
            if half {
                Kernels.best.fromHalf(s.keys(layer, head: g, hs: hs).assumingMemoryBound(to: UInt16.self), wide, S * hs)
                Kernels.best.fromHalf(
                    s.values(layer, head: g, hs: hs).assumingMemoryBound(to: UInt16.self), wide + S * hs, S * hs)
                K = UnsafePointer(wide)
                V = UnsafePointer(wide + S * hs)
            }
            for h in (g * group)..<((g + 1) * group) {
                var qh = q + span.start * qStride + h * hs
                var lda = qStride
                if half {
                    let rounded = wide + 2 * S * hs
                    for t in 0..<n { Kernels.best.roundToHalf(qh + t * qStride, rounded + t * hs, hs) }
                    qh = UnsafePointer(rounded)
                    lda = hs
                }
                BLAS.gemm(qh, K, scores, m: n, n: S, k: hs, transB: true, alpha: scale, lda: lda, ldb: hs)
                for t in 0..<n {
                    let visible = span.position + t + 1
                    Kernels.best.softmax(scores + t * S, visible)
                    if half { Kernels.best.roundToHalf(scores + t * S, scores + t * S, visible) }
                    (scores + t * S + visible).update(repeating: 0, count: S - visible)
                }
                BLAS.gemm(scores, V, out + span.start * qStride + h * hs, m: n, n: hs, k: S, ldb: hs, ldc: qStride)
            }
        }
    }
}

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
/// Backward (for the trainer) goes beside `forward`: it needs the probabilities, which a
/// training forward keeps (`probabilities`), or recomputes from q and the cached k.
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

// MARK: Training (forward that saves, and backward)

/// One sequence of a packed training batch. Its own rows `rows` hold its positions
/// `prefix.count ..< prefix.count + rows.count`; its first `prefix.count` positions are rows
/// `prefix` of an earlier sequence that begins with the same tokens (a shared prompt, computed
/// once). `prefix` is empty for a sequence that shares nothing.
///
/// Invariants (checked by `LlamaModel.trainingForward`): the sequences' own rows partition the
/// batch in order and are never empty; a non-empty `prefix` starts at the first row of an
/// earlier sequence that has no prefix itself, and lies within its rows.
public struct PackedSequence: Sendable, Equatable {
    /// The shortest common beginning worth sharing: shorter ones cost more in extra products
    /// than they save.
    public static let minSharedPrefix = 16

    public var rows: Range<Int>
    public var prefix: Range<Int>

    public init(rows: Range<Int>, prefix: Range<Int> = 0..<0) {
        self.rows = rows
        self.prefix = prefix
    }

    /// The sequence's length: its prefix and its own rows.
    public var length: Int { prefix.count + rows.count }
}

extension Attention {
    /// Query rows per block of the training passes: a block of rows r0..<r1 only needs keys
    /// 0..<r1 (causality), so the products skip most of the masked upper triangle (for 256
    /// tokens, 62% of the full square is computed instead of 100%).
    static let trainingRowBlock = 64

    /// The row blocks of a span of n tokens.
    static func rowBlocks(_ n: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: trainingRowBlock).map { $0..<min(n, $0 + trainingRowBlock) }
    }

    /// The keys a block of a sequence's own rows ending at own row `end` sees, as at most two
    /// runs of batch rows: the whole prefix, then its own rows `0..<end`. `column` is where a run
    /// starts in a score row of `prefix.count + end` columns.
    static func keyRuns(_ s: PackedSequence, end: Int) -> [(column: Int, row: Int, count: Int)] {
        let own = (column: s.prefix.count, row: s.rows.lowerBound, count: end)
        return s.prefix.isEmpty ? [own] : [(0, s.prefix.lowerBound, s.prefix.count), own]
    }

    /// The training forward over packed whole sequences (no KV cache): each sequence attends
    /// causally to its prefix and itself only.
    ///
    /// q [T, NH, hs], k and v [T, NKV, hs] (after RoPE) → out [T, NH, hs] for every sequence's
    /// own rows. lse [T, NH] receives each score row's log-sum-exp, so `backward` recomputes the
    /// probabilities with one product and one exp instead of keeping NH·n² values per sequence.
    public static func trainingForward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        lse: UnsafeMutablePointer<Float>, sequences: [PackedSequence], config: LlamaConfig
    ) {
        let NH = config.heads, hs = config.headDim, group = config.heads / config.kvHeads
        let qStride = config.qDim, kvStride = config.kvDim
        let scale = 1 / Float(hs).squareRoot()
        let longest = sequences.map(\.length).max() ?? 0
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, trainingRowBlock * longest))
        defer { scores.deallocate() }
        for s in sequences {
            let s0 = s.rows.lowerBound, P = s.prefix.count
            let blocks = rowBlocks(s.rows.count).map { ($0, keyRuns(s, end: $0.upperBound)) }
            for h in 0..<NH {
                let g = h / group
                for (rows, runs) in blocks {
                    // scores [R, keys]: the prefix's keys, then own keys 0..<rows.upperBound.
                    let R = rows.count, keys = P + rows.upperBound
                    let qh = q + (s0 + rows.lowerBound) * qStride + h * hs
                    for run in runs {
                        BLAS.gemm(
                            qh, k + run.row * kvStride + g * hs, scores + run.column, m: R, n: run.count, k: hs,
                            transB: true, alpha: scale, lda: qStride, ldb: kvStride, ldc: keys)
                    }
                    for i in 0..<R {
                        let t = rows.lowerBound + i, row = scores + i * keys, visible = P + t + 1
                        let m = FastMath.max(row, visible)
                        let sum = FastMath.expShifted(row, row, visible, shift: m)
                        lse[(s0 + t) * NH + h] = m + Float(log(sum))
                        let inverse = Float(1 / sum)
                        for j in 0..<visible { row[j] *= inverse }
                        (row + visible).update(repeating: 0, count: keys - visible)
                    }
                    for (n, run) in runs.enumerated() {
                        BLAS.gemm(
                            scores + run.column, v + run.row * kvStride + g * hs,
                            out + (s0 + rows.lowerBound) * qStride + h * hs, m: R, n: hs, k: run.count,
                            beta: n == 0 ? 0 : 1, lda: keys, ldb: kvStride, ldc: qStride)
                    }
                }
            }
        }
    }

    /// Backward of `trainingForward`. With P the probabilities (recomputed from q, k and lse)
    /// and dO the gradient of out: `dV += Pᵀ dO`, `dP = dO Vᵀ`,
    /// `dS = P ⊙ (dP − rowsum(P ⊙ dP)) / sqrt(hs)`, `dQ = dS K`, `dK += dSᵀ Q`, block by block
    /// of query rows as the forward; a shared prefix's dK and dV add up over every sequence that
    /// reads it.
    ///
    /// dout [T, NH, hs]; dq [T, NH, hs] is overwritten; dk and dv [T, NKV, hs] are accumulated
    /// into (the query heads of a group add up), so the caller zeroes them first.
    public static func backward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, lse: UnsafePointer<Float>,
        dout: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
        dv: UnsafeMutablePointer<Float>, sequences: [PackedSequence], config: LlamaConfig
    ) {
        let NH = config.heads, hs = config.headDim, group = config.heads / config.kvHeads
        let qStride = config.qDim, kvStride = config.kvDim
        let scale = 1 / Float(hs).squareRoot()
        let longest = sequences.map(\.length).max() ?? 0
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, trainingRowBlock * longest))
        let dp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, trainingRowBlock * longest))
        defer {
            p.deallocate()
            dp.deallocate()
        }
        for s in sequences {
            let s0 = s.rows.lowerBound, P = s.prefix.count
            let blocks = rowBlocks(s.rows.count).map { ($0, keyRuns(s, end: $0.upperBound)) }
            for h in 0..<NH {
                let g = h / group
                for (rows, runs) in blocks {
                    let R = rows.count, keys = P + rows.upperBound, r0 = s0 + rows.lowerBound
                    let qh = q + r0 * qStride + h * hs, dqh = dq + r0 * qStride + h * hs
                    let doh = dout + r0 * qStride + h * hs
                    for run in runs {
                        let kv = run.row * kvStride + g * hs
                        BLAS.gemm(
                            qh, k + kv, p + run.column, m: R, n: run.count, k: hs, transB: true, alpha: scale,
                            lda: qStride, ldb: kvStride, ldc: keys)
                        BLAS.gemm(
                            doh, v + kv, dp + run.column, m: R, n: run.count, k: hs, transB: true, lda: qStride,
                            ldb: kvStride, ldc: keys)
                    }
                    for i in 0..<R {
                        let t = rows.lowerBound + i, row = p + i * keys, drow = dp + i * keys, visible = P + t + 1
                        FastMath.expShifted(row, row, visible, shift: lse[(s0 + t) * NH + h])
                        (row + visible).update(repeating: 0, count: keys - visible)
                        var dot: Float = 0
                        for j in 0..<visible { dot += row[j] * drow[j] }
                        for j in 0..<visible { drow[j] = row[j] * (drow[j] - dot) * scale }
                        (drow + visible).update(repeating: 0, count: keys - visible)
                    }
                    for (n, run) in runs.enumerated() {
                        let kv = run.row * kvStride + g * hs
                        BLAS.gemm(
                            p + run.column, doh, dv + kv, m: run.count, n: hs, k: R, transA: true, beta: 1, lda: keys,
                            ldb: qStride, ldc: kvStride)
                        BLAS.gemm(
                            dp + run.column, k + kv, dqh, m: R, n: hs, k: run.count, beta: n == 0 ? 0 : 1, lda: keys,
                            ldb: kvStride, ldc: qStride)
                        BLAS.gemm(
                            dp + run.column, qh, dk + kv, m: run.count, n: hs, k: R, transA: true, beta: 1,
                            lda: keys, ldb: qStride, ldc: kvStride)
                    }
                }
            }
        }
    }
}

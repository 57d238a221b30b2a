import Foundation

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

/// The training attention (forward and backward side by side), spread over the worker pool.
///
/// Parallel layout: the forward runs one task per (sequence, query head): each writes only its
/// own output columns and log-sum-exps. The backward runs one task per (family, KV head), a
/// family being a sequence with no prefix and the later sequences whose prefix lies in its rows:
/// every dK/dV row a task writes belongs to its family and its KV head, so no two tasks write the
/// same value, and within a task the sequences and query heads run in the serial order.
///
/// Every product inside a task is at most `trainingRowBlock` × `keyTile` × hs multiply-adds,
/// which OpenBLAS always runs on the calling thread (it threads a product only above
/// 4 · 65536 multiply-adds), so the tasks' products never touch OpenBLAS's threads or its
/// process-wide thread count, and give the same bits on any thread. With each row's softmax
/// computed as on one thread, the pass is bit-identical at any pool thread count
/// (`trainingDoesNotDependOnTheThreadCount`). (Larger products would be threaded or not
/// depending on OpenBLAS's thread count, and its threaded and single-threaded products differ in
/// the last bits.)
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

    /// Keys per product tile: `trainingRowBlock × keyTile × hs` stays within the size OpenBLAS
    /// runs on the calling thread (4 · 65536 multiply-adds; 64 keys for hs = 64).
    static func keyTile(headDim hs: Int) -> Int { max(1, 4 * 65536 / (trainingRowBlock * hs)) }

    /// The key runs of a block cut into tiles of at most `tile` keys.
    static func tiles(
        _ runs: [(column: Int, row: Int, count: Int)], tile: Int
    ) -> [(column: Int, row: Int, count: Int)] {
        runs.flatMap { run in
            stride(from: 0, to: run.count, by: tile).map { c in
                (column: run.column + c, row: run.row + c, count: min(tile, run.count - c))
            }
        }
    }

    /// Each sequence's row blocks, each with its key runs cut into tiles of at most `tile` keys:
    /// the same for the forward and the backward, so both compute it once per pass.
    static func blockTiles(
        _ sequences: [PackedSequence], tile: Int
    ) -> [[(rows: Range<Int>, runs: [(column: Int, row: Int, count: Int)])]] {
        sequences.map { s in
            rowBlocks(s.rows.count).map { ($0, tiles(keyRuns(s, end: $0.upperBound), tile: tile)) }
        }
    }

    /// The sequences grouped by the rows whose dK/dV they write: each family is a sequence
    /// without a prefix followed by the sequences that read their prefix from its rows, in batch
    /// order.
    static func families(_ sequences: [PackedSequence]) -> [[Int]] {
        var families: [[Int]] = [], host: [Int: Int] = [:]  // first row of a host → its family
        for (i, s) in sequences.enumerated() {
            if let f = s.prefix.isEmpty ? nil : host[s.prefix.lowerBound] {
                families[f].append(i)
            } else {
                host[s.rows.lowerBound] = families.count
                families.append([i])
            }
        }
        return families
    }

    /// The training forward over packed whole sequences (no KV cache): each sequence attends
    /// causally to its prefix and itself only.
    ///
    /// q [T, NH, hs], k and v [T, NKV, hs] (after RoPE) → out [T, NH, hs] for every sequence's
    /// own rows. lse [T, NH] receives each score row's log-sum-exp, so `backward` recomputes the
    /// probabilities with one product and one exp instead of keeping NH·n² values per sequence.
    /// `keyTile` overrides `keyTile(headDim:)` (tests pass a small one to cut blocks into tiles).
    public static func trainingForward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        lse: UnsafeMutablePointer<Float>, sequences: [PackedSequence], config: LlamaConfig, pool: WorkerPool,
        keyTile tileOverride: Int? = nil
    ) {
        let NH = config.heads, hs = config.headDim, group = config.heads / config.kvHeads
        let qStride = config.qDim, kvStride = config.kvDim
        let scale = 1 / Float(hs).squareRoot()
        let tile = tileOverride ?? keyTile(headDim: hs)
        let blocks = blockTiles(sequences, tile: tile)
        pool.parallelFor(sequences.count * NH) { task in
            let si = task / NH, h = task % NH, g = h / group
            let s = sequences[si], s0 = s.rows.lowerBound, P = s.prefix.count
            // scores [R, keys] of the largest block (keys: the prefix's, then own keys).
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: trainingRowBlock * s.length)
            defer { scores.deallocate() }
            for (rows, runs) in blocks[si] {
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

    /// Backward of `trainingForward`. With P the probabilities (recomputed from q, k and lse)
    /// and dO the gradient of out: `dV += Pᵀ dO`, `dP = dO Vᵀ`,
    /// `dS = P ⊙ (dP − rowsum(P ⊙ dP)) / sqrt(hs)`, `dQ = dS K`, `dK += dSᵀ Q`, block by block
    /// of query rows as the forward; a shared prefix's dK and dV add up over every sequence that
    /// reads it.
    ///
    /// dout [T, NH, hs]; dq [T, NH, hs] is overwritten; dk and dv [T, NKV, hs] are accumulated
    /// into (the query heads of a group add up), so the caller zeroes them first. `keyTile` as in
    /// `trainingForward`.
    public static func backward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, lse: UnsafePointer<Float>,
        dout: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
        dv: UnsafeMutablePointer<Float>, sequences: [PackedSequence], config: LlamaConfig, pool: WorkerPool,
        keyTile tileOverride: Int? = nil
    ) {
        let NKV = config.kvHeads, group = config.heads / NKV
        let families = families(sequences)
        let blocks = blockTiles(sequences, tile: tileOverride ?? keyTile(headDim: config.headDim))
        pool.parallelFor(families.count * NKV) { task in
            let family = families[task / NKV], g = task % NKV
            let longest = family.map { sequences[$0].length }.max()!
            let p = UnsafeMutablePointer<Float>.allocate(capacity: 2 * trainingRowBlock * longest)
            let dp = p + trainingRowBlock * longest
            defer { p.deallocate() }
            for si in family {
                let s = sequences[si]
                for h in (g * group)..<((g + 1) * group) {
                    for (rows, runs) in blocks[si] {
                        backwardBlock(
                            q: q, k: k, v: v, lse: lse, dout: dout, dq: dq, dk: dk, dv: dv, p: p, dp: dp,
                            sequence: s, rows: rows, runs: runs, head: h, config: config)
                    }
                }
            }
        }
    }

    /// One block of query rows `rows` of sequence `s` and query head `h`: the backward's products
    /// and softmax for it. p and dp are scratch of at least `trainingRowBlock × s.length` floats.
    private static func backwardBlock(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, lse: UnsafePointer<Float>,
        dout: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
        dv: UnsafeMutablePointer<Float>, p: UnsafeMutablePointer<Float>, dp: UnsafeMutablePointer<Float>,
        sequence s: PackedSequence, rows: Range<Int>, runs: [(column: Int, row: Int, count: Int)], head h: Int,
        config: LlamaConfig
    ) {
        let NH = config.heads, hs = config.headDim, g = h / (config.heads / config.kvHeads)
        let qStride = config.qDim, kvStride = config.kvDim
        let scale = 1 / Float(hs).squareRoot()
        let s0 = s.rows.lowerBound, P = s.prefix.count
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

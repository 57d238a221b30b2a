internal import CTroupeKernels

/// A set of the engine's native kernels (`Sources/CTroupeKernels`): quantized products,
/// activation quantization, attention's vector loops and f16 conversions.
///
/// `best` is what the engine uses: the AVX2 set on x86-64 CPUs that have AVX2, FMA and F16C, the
/// portable C set everywhere else (so no CPU dies with an illegal instruction); setting the
/// environment variable `TROUPE_KERNELS=portable` forces the portable set. Tests compare the sets.
public struct Kernels: @unchecked Sendable, CustomStringConvertible {
    let table: tk_kernels

    /// The fastest set this machine runs (chosen once per process).
    public static let best = Kernels(table: tk_best().pointee)
    /// Plain C, for every CPU.
    public static let portable = Kernels(table: tk_portable().pointee)
    /// AVX2 + FMA + F16C, or nil where this CPU cannot run it.
    public static let avx2: Kernels? = tk_avx2().map { Kernels(table: $0.pointee) }

    /// "avx2" or "portable".
    public var description: String { String(cString: table.name) }

    /// h = silu(g) ⊙ u over n values (h may alias g or u).
    @inline(__always)
    func swiglu(_ g: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, _ n: Int) {
        table.swiglu(g, u, h, Int64(n))
    }

    /// In place: x = softmax(x) over n values.
    @inline(__always)
    func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) { table.softmax(x, Int64(n)) }

    /// Attention of `heads` query rows (`stride` apart, also in `out`) over `positions` keys and
    /// values [positions, hs] (f32, or f16 bits when `half`); `scratch` holds positions + hs floats.
    @inline(__always)
    func attend(
        _ q: UnsafePointer<Float>, heads: Int, stride: Int, keys: UnsafeRawPointer, values: UnsafeRawPointer,
        half: Bool, positions: Int, headSize: Int, scale: Float, scratch: UnsafeMutablePointer<Float>,
        out: UnsafeMutablePointer<Float>
    ) {
        table.attend(
            q, Int64(heads), Int64(stride), keys, values, half ? 1 : 0, Int64(positions), Int64(headSize), scale,
            scratch,
            out, Int64(stride))
    }

    /// y = x rounded to the nearest f16 value (y may be x).
    func roundToHalf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 256) { buffer in
            var i = 0
            while i < n {
                let m = min(256, n - i)
                toHalf(x + i, buffer.baseAddress!, m)
                fromHalf(buffer.baseAddress!, y + i, m)
                i += m
            }
        }
    }

    /// n f32 values → f16 bits (nearest even), and back.
    @inline(__always)
    public func toHalf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt16>, _ n: Int) {
        table.to_f16(x, y, Int64(n))
    }
    @inline(__always)
    public func fromHalf(_ x: UnsafePointer<UInt16>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        table.from_f16(x, y, Int64(n))
    }
}

/// Activations quantized for the integer kernels: per token, blocks of 32 values as int8 with one
/// scale each (ggml's Q8_0 for activations: `d = max|x| / 127`, `q = round(x · 127 / max|x|)`),
/// and the block sums `s = d · Σq` that Q4_1's and Q4_K's offset terms need (ggml's Q8_1). d
/// and s are rounded through f16, as ggml stores them; `sum` is Σq exactly (Q4_0's offset).
///
/// Shapes: q [T, C] int8, d [T, C/32], s [T, C/32], sum [T, C/32]. A scratch buffer: reused by every product of
/// a forward pass with the same input width, grown when more tokens come.
public final class QuantizedActivations: @unchecked Sendable {
    public private(set) var tokens = 0
    public let cols: Int
    let kernels: Kernels
    private(set) var capacity = 0
    private(set) var q: UnsafeMutablePointer<Int8>
    private(set) var d: UnsafeMutablePointer<Float>
    private(set) var s: UnsafeMutablePointer<Float>
    private(set) var sum: UnsafeMutablePointer<Int32>

    public init(cols: Int, kernels: Kernels = .best) {
        precondition(cols % 32 == 0, "QuantizedActivations: \(cols) columns are not a multiple of 32")
        self.cols = cols
        self.kernels = kernels
        q = .allocate(capacity: 1)
        d = .allocate(capacity: 1)
        s = .allocate(capacity: 1)
        sum = .allocate(capacity: 1)
    }

    deinit {
        q.deallocate()
        d.deallocate()
        s.deallocate()
        sum.deallocate()
    }

    /// Quantizes x [T, cols], spreading the tokens over `pool` when there are many.
    public func quantize(_ x: UnsafePointer<Float>, tokens: Int, pool: WorkerPool? = nil) {
        if tokens > capacity {
            q.deallocate()
            d.deallocate()
            s.deallocate()
            sum.deallocate()
            capacity = tokens
            q = .allocate(capacity: tokens * cols)
            d = .allocate(capacity: tokens * cols / 32)
            s = .allocate(capacity: tokens * cols / 32)
            sum = .allocate(capacity: tokens * cols / 32)
        }
        self.tokens = tokens
        let nb = cols / 32
        func rows(_ r: Range<Int>) {
            let first = r.lowerBound
            kernels.table.quantize(
                x + first * cols, Int64(r.count * nb), q + first * cols, d + first * nb, s + first * nb,
                sum + first * nb)
        }
        if let pool { pool.parallelRanges(tokens, minimum: WorkerPool.rowMinimum, rows) } else { rows(0..<tokens) }
    }
}

/// Matrix products of quantized weights with quantized activations: y[t, r] = W[r] · x[t] for
/// Q8_0, Q4_0, Q4_1, Q4_K and Q6_K rows, through a `Kernels` set: integer dot products per block
/// of 32, scaled and summed in f32. Q8_0/Q4_0/Q4_1 weights run on their packed rows
/// (`Weight.packed`, eight rows per vector); Q4_K/Q6_K (and the up to 7 rows past the last group
/// of 8) run row by row, four tokens sharing each block's load. A batch of many sequences reads
/// the weights once per step, which is what makes batched decoding fast.
public enum QuantKernels {
    /// y[t, r] for t in 0..<T and r in `rows` (y is [T, ldy]). `pool` packs the weight on first use.
    public static func matmul(
        _ w: Weight, _ x: QuantizedActivations, _ y: UnsafeMutablePointer<Float>, ldy: Int, rows: Range<Int>,
        kernels: Kernels = .best, pool: WorkerPool = .shared
    ) {
        matmul(w, packed: w.packed(pool: pool), x, y, ldy: ldy, rows: rows, kernels: kernels)
    }

    /// The same with the weight's packed rows already at hand (the projector resolves them once
    /// per product, outside its parallel loop).
    static func matmul(
        _ w: Weight, packed: Weight.Packed?, _ x: QuantizedActivations, _ y: UnsafeMutablePointer<Float>, ldy: Int,
        rows: Range<Int>, kernels: Kernels = .best
    ) {
        precondition(w.hasQuantizedKernel && x.cols == w.cols, "QuantKernels: unsupported weight \(w.name)")
        guard !rows.isEmpty, x.tokens > 0 else { return }
        // Tiles of tokens, so that a tile's activations stay in the L2 cache while every row
        // of the range passes over them (each row's blocks are read once per tile).
        let tile = max(4, 64 * 1024 / x.cols / 4 * 4), nb = x.cols / 32
        var t = 0
        while t < x.tokens {
            let n = min(tile, x.tokens - t)
            var acts = tk_activations(
                q: x.q + t * x.cols, d: x.d + t * nb, s: x.s + t * nb, sum: x.sum + t * nb, cols: Int64(x.cols),
                tokens: Int64(n))
            matmul(w, packed: packed, &acts, y + t * ldy, ldy: ldy, rows: rows, kernels: kernels)
            t += n
        }
    }

    private static func matmul(
        _ w: Weight, packed: Weight.Packed?, _ acts: inout tk_activations, _ y: UnsafeMutablePointer<Float>, ldy: Int,
        rows: Range<Int>, kernels: Kernels
    ) {
        let type = Int32(w.type.rawValue)
        var r = rows.lowerBound
        if let packed {
            // Whole groups of 8 inside the range go through the packed kernel.
            let first = (r + 7) / 8 * 8, end = min(rows.upperBound, packed.rows) / 8 * 8
            if first < end {
                if r < first { plain(kernels, type, w, &acts, y, ldy, r..<first) }
                kernels.table.matmul_packed(
                    type, packed.bytes.pointer + first / 8 * Int(tk_packed_bytes(type, 8, Int64(w.cols))),
                    Int64((end - first) / 8), &acts, y + first, Int64(ldy))
                r = end
            }
        }
        if r < rows.upperBound { plain(kernels, type, w, &acts, y, ldy, r..<rows.upperBound) }
    }

    private static func plain(
        _ kernels: Kernels, _ type: Int32, _ w: Weight, _ acts: inout tk_activations, _ y: UnsafeMutablePointer<Float>,
        _ ldy: Int, _ rows: Range<Int>
    ) {
        kernels.table.matmul(
            type, w.row(rows.lowerBound), w.rowBytes, Int64(rows.count), &acts, y + rows.lowerBound, Int64(ldy))
    }
}

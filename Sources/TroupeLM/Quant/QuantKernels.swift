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

    /// q, d, s of `blocks` blocks of 32 values of x (see `QuantizedActivations`).
    @inline(__always)
    func quantize(
        _ x: UnsafePointer<Float>, blocks: Int, _ q: UnsafeMutablePointer<Int8>, _ d: UnsafeMutablePointer<Float>,
        _ s: UnsafeMutablePointer<Float>
    ) {
        table.quantize(x, Int64(blocks), q, d, s)
    }

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
            q, Int64(heads), Int64(stride), keys, values, half ? 1 : 0, Int64(positions), Int64(headSize), scale, scratch,
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
/// and s are rounded through f16, as ggml stores them, so products match llama.cpp's.
///
/// Shapes: q [T, C] int8, d [T, C/32], s [T, C/32]. A scratch buffer: reused by every product of
/// a forward pass with the same input width, grown when more tokens come.
public final class QuantizedActivations: @unchecked Sendable {
    public private(set) var tokens = 0
    public let cols: Int
    let kernels: Kernels
    private(set) var capacity = 0
    private(set) var q: UnsafeMutablePointer<Int8>
    private(set) var d: UnsafeMutablePointer<Float>
    private(set) var s: UnsafeMutablePointer<Float>

    public init(cols: Int, kernels: Kernels = .best) {
        precondition(cols % 32 == 0, "QuantizedActivations: \(cols) columns are not a multiple of 32")
        self.cols = cols
        self.kernels = kernels
        q = .allocate(capacity: 1)
        d = .allocate(capacity: 1)
        s = .allocate(capacity: 1)
    }

    deinit {
        q.deallocate()
        d.deallocate()
        s.deallocate()
    }

    /// Quantizes x [T, cols].
    public func quantize(_ x: UnsafePointer<Float>, tokens: Int) {
        if tokens > capacity {
            q.deallocate()
            d.deallocate()
            s.deallocate()
            capacity = tokens
            q = .allocate(capacity: tokens * cols)
            d = .allocate(capacity: tokens * cols / 32)
            s = .allocate(capacity: tokens * cols / 32)
        }
        self.tokens = tokens
        kernels.quantize(x, blocks: tokens * cols / 32, q, d, s)
    }
}

/// Matrix products of quantized weights with quantized activations: y[t, r] = W[r] · x[t] for
/// Q8_0, Q4_0, Q4_1, Q4_K and Q6_K rows, through a `Kernels` set (integer dot products per block,
/// scaled and summed in f32; the AVX2 set in the order of ggml's `vec_dot`, so results equal
/// llama.cpp's). Four tokens share each weight block's load: a batch of many sequences reads
/// the weights once per step, which is what makes batched decoding fast.
public enum QuantKernels {
    /// y[t, r] for t in 0..<T and r in `rows` (y is [T, ldy]).
    public static func matmul(
        _ w: Weight, _ x: QuantizedActivations, _ y: UnsafeMutablePointer<Float>, ldy: Int, rows: Range<Int>,
        kernels: Kernels = .best
    ) {
        precondition(w.hasQuantizedKernel && x.cols == w.cols, "QuantKernels: unsupported weight \(w.name)")
        guard !rows.isEmpty, x.tokens > 0 else { return }
        var acts = tk_activations(q: x.q, d: x.d, s: x.s, cols: Int64(x.cols), tokens: Int64(x.tokens))
        kernels.table.matmul(
            Int32(w.type.rawValue), w.row(rows.lowerBound), w.rowBytes, Int64(rows.count), &acts,
            y + rows.lowerBound, Int64(ldy))
    }
}

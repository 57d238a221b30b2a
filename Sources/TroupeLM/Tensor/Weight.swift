internal import CTroupeKernels
import Synchronization

/// A weight matrix [rows = out, cols = in] in its stored form (f32, f16, bf16 or a ggml block
/// quantization), row-major with each row's blocks contiguous (GGUF's layout, and safetensors'
/// for the float types).
///
/// Two ways to multiply by it:
/// - the quantized kernels (`QuantKernels`) read Q8_0/Q4_0/Q4_1/Q4_K/Q6_K blocks directly:
///   decoding is bound by memory bandwidth, and these read 4.5 to 8.5 bits per weight instead of
///   32. Q8_0, Q4_0 and Q4_1 rows are first rearranged in groups of 8 (`packed`, the same bytes
///   in another order, made on first use and kept), which the kernels multiply several times
///   faster than plain rows;
/// - `f32` is the dequantized matrix, made on first use and kept, for OpenBLAS products (long
///   prompts, training, and types without a quantized kernel).
///
/// Invariant: `raw` holds `rows * type.rowBytes(cols)` readable bytes for the object's lifetime
/// (`owner` keeps the mapped file or the owned buffer alive).
public final class Weight: @unchecked Sendable {
    public let name: String
    public let rows: Int
    public let cols: Int
    public let type: TensorType
    public let raw: UnsafeRawPointer
    private let owner: AnyObject
    private let dequantized = Mutex<Tensor?>(nil)

    /// A weight over bytes owned by `owner` (a `MappedFile` or an `OwnedBytes`).
    init(name: String, rows: Int, cols: Int, type: TensorType, raw: UnsafeRawPointer, owner: AnyObject) {
        self.name = name
        self.rows = rows
        self.cols = cols
        self.type = type
        self.raw = raw
        self.owner = owner
    }

    /// A weight holding a copy of f32 values [rows, cols], stored as `type` (quantized with the
    /// reference quantizers when `type` is a block format).
    public convenience init(name: String, rows: Int, cols: Int, values: [Float], type: TensorType = .f32) throws {
        precondition(values.count == rows * cols, "Weight \(name): \(values.count) values for [\(rows), \(cols)]")
        guard cols % type.blockSize == 0 else {
            throw LMError.badRequest(
                "\(name): \(cols) columns are not a multiple of \(type)'s block size \(type.blockSize)")
        }
        let bytes = OwnedBytes(count: rows * type.rowBytes(cols))
        try values.withUnsafeBufferPointer { v in
            try Quantize.row(type, from: v.baseAddress!, to: bytes.pointer, count: values.count)
        }
        self.init(name: name, rows: rows, cols: cols, type: type, raw: UnsafeRawPointer(bytes.pointer), owner: bytes)
    }

    /// Bytes of one row.
    public var rowBytes: Int { type.rowBytes(cols) }

    /// The stored bytes of row `r`.
    @inline(__always)
    public func row(_ r: Int) -> UnsafeRawPointer { raw + r * rowBytes }

    /// Rows 0..<rows of a weight rearranged for the kernels (`tk_pack`); the rest, up to 7 rows
    /// when the row count is not a multiple of 8, stay plain.
    final class Packed: @unchecked Sendable {
        let bytes: OwnedBytes
        let rows: Int
        init(bytes: OwnedBytes, rows: Int) {
            self.bytes = bytes
            self.rows = rows
        }
    }
    private let packedRows = Mutex<Packed?>(nil)

    /// The packed rows of a Q8_0/Q4_0/Q4_1 weight, made on first use (in parallel on `pool`) and
    /// kept; nil for other types.
    func packed(pool: WorkerPool = .shared) -> Packed? {
        guard tk_packable(Int32(type.rawValue)) != 0, rows >= 8 else { return nil }
        return packedRows.withLock { cached in
            if let cached { return cached }
            let count = rows / 8 * 8, type = Int32(type.rawValue), cols = cols, rowBytes = rowBytes, raw = raw
            let groupBytes = tk_packed_bytes(type, 8, Int64(cols))
            let bytes = OwnedBytes(count: tk_packed_bytes(type, Int64(count), Int64(cols)))
            let groupsPerChunk = 64
            let groups = count / 8
            pool.parallelFor((groups + groupsPerChunk - 1) / groupsPerChunk) { c in
                let first = c * groupsPerChunk, n = min(groups, first + groupsPerChunk) - first
                tk_pack(
                    type, raw + 8 * first * rowBytes, rowBytes, Int64(8 * n), Int64(cols),
                    bytes.pointer + first * groupBytes)
            }
            let packed = Packed(bytes: bytes, rows: count)
            cached = packed
            return packed
        }
    }

    /// Whether `QuantKernels` multiplies this type directly.
    public var hasQuantizedKernel: Bool { type.isQuantized }

    /// Dequantizes row `r` into `y` (`cols` floats).
    public func dequantizeRow(_ r: Int, into y: UnsafeMutablePointer<Float>) {
        Dequantize.row(type, from: row(r), to: y, count: cols)
    }

    /// The dequantized matrix [rows, cols], made on first use (in parallel on `pool`) and kept.
    public func f32(pool: WorkerPool = .shared) -> Tensor {
        dequantized.withLock { cached in
            if let cached { return cached }
            let t = Tensor([rows, cols])
            let chunk = 64
            pool.parallelFor((rows + chunk - 1) / chunk) { c in
                for r in (c * chunk)..<min(rows, (c + 1) * chunk) { dequantizeRow(r, into: t.data + r * cols) }
            }
            cached = t
            return t
        }
    }

    /// Drops the dequantized copy (it is made again when needed).
    public func releaseF32() { dequantized.withLock { $0 = nil } }

    /// A copy of rows reordered: row `i` of the result is row `order[i]` of this weight. Rows are
    /// whole blocks, so this is exact for every type (used to undo GGUF's Q/K permutation).
    func reorderingRows(_ order: [Int]) -> Weight {
        let bytes = OwnedBytes(count: rows * rowBytes)
        for (i, source) in order.enumerated() {
            (bytes.pointer + i * rowBytes).copyMemory(from: row(source), byteCount: rowBytes)
        }
        return Weight(
            name: name, rows: rows, cols: cols, type: type, raw: UnsafeRawPointer(bytes.pointer), owner: bytes)
    }
}

/// An owned, 64-byte-aligned byte buffer.
final class OwnedBytes: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let count: Int
    init(count: Int) {
        self.count = count
        pointer = .allocate(byteCount: max(count, 1), alignment: 64)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
    }
    deinit { pointer.deallocate() }
}

import COpenBLAS

/// A contiguous, row-major f32 array with a shape: the one tensor type of the engine.
///
/// It is deliberately small (llm.c style): a buffer, a shape, and the handful of operations the
/// model needs. Layers take and return raw pointers into tensors and state the shape of every
/// buffer in a comment, using fixed letters: B batch, T time, C channels (hidden size), V
/// vocabulary, L layers, NH query heads, NKV key/value heads, hs head size, H hidden MLP size.
///
/// Invariants: `count == shape.reduce(1, *)`; `data` points at `count` floats owned by the tensor
/// and freed with it. A reference type: layers write into tensors in place, and passing one never
/// copies its (often large) buffer.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    /// A zero-filled tensor.
    public init(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        data = .allocate(capacity: max(count, 1))
        data.initialize(repeating: 0, count: max(count, 1))
    }

    /// A tensor holding `values` (which must have `shape`'s element count).
    public convenience init(_ shape: [Int], values: [Float]) {
        self.init(shape)
        precondition(values.count == count, "Tensor: \(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { data.deallocate() }

    /// A copy of the contents.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(_ i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    /// Sets every element to zero.
    public func zero() { data.update(repeating: 0, count: count) }

    /// The row `i` of a tensor viewed as [shape[0], rest].
    public func row(_ i: Int) -> UnsafeMutablePointer<Float> { data + i * (count / shape[0]) }

    public var description: String { "Tensor\(shape)" }
}

/// Products of f32 matrices on OpenBLAS. Every matrix product of the engine goes through here
/// (the quantized decode kernels excepted), so threading and layout conventions live in one place.
public enum BLAS {
    /// `C[M,N] = alpha * op(A) · op(B) + beta * C`, row-major; `op(A)` is [M,K] and `op(B)` is [K,N].
    /// With `transB`, B is stored [N,K] (the layout of a weight [out, in]), so `x · Wᵀ` is
    /// `gemm(x, W, transB: true)`.
    @inline(__always)
    public static func gemm(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
        alpha: Float = 1, beta: Float = 0, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        guard m > 0, n > 0, k > 0 else {
            if m > 0, n > 0, beta == 0 {
                for i in 0..<m { (c + i * (ldc ?? n)).update(repeating: 0, count: n) }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda ?? (transA ? m : k)), b,
            Int32(ldb ?? (transB ? k : n)), beta, c, Int32(ldc ?? n))
    }

    /// The number of threads OpenBLAS uses for its products.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}

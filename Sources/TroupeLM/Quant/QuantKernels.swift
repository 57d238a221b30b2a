#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// Activations quantized for the integer kernels: per token, blocks of 32 values as int8 with one
/// f32 scale each (ggml's Q8_0 for activations: `d = max|x| / 127`, `q = round(x / d)`), and the
/// block sums `s = d · Σq` that Q4_1's offset term needs (ggml's Q8_1).
///
/// Shapes: q [T, C] int8, d [T, C/32], s [T, C/32].
public final class QuantizedActivations: @unchecked Sendable {
    public private(set) var tokens = 0
    public let cols: Int
    private(set) var capacity = 0
    private(set) var q: UnsafeMutablePointer<Int8>
    private(set) var d: UnsafeMutablePointer<Float>
    private(set) var s: UnsafeMutablePointer<Float>

    public init(cols: Int) {
        precondition(cols % 32 == 0, "QuantizedActivations: \(cols) columns are not a multiple of 32")
        self.cols = cols
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
        let blocks = tokens * cols / 32
        for b in 0..<blocks {
            let v = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(v[j])) }
            let scale = amax / 127
            let inverse: Float = scale != 0 ? 1 / scale : 0
            var sum: Int32 = 0
            let out = q + 32 * b
            for j in 0..<32 {
                let value = Int8(clampTruncate((v[j] * inverse).rounded(), -127, 127))
                out[j] = value
                sum += Int32(value)
            }
            // ggml stores both as f16; rounding them the same way keeps results next to llama.cpp's.
            d[b] = halfToFloat(floatToHalf(scale))
            s[b] = halfToFloat(floatToHalf(scale * Float(sum)))
        }
    }
}

/// Matrix products of quantized weights with quantized activations: y[t, r] = W[r] · x[t] for
/// Q8_0, Q4_0 and Q4_1 rows. Integer dot products per block of 32 (AVX2 `vpmaddubsw` on x86-64,
/// portable Swift elsewhere), scaled and summed in f32, in the order ggml's `vec_dot` uses, so
/// results agree with llama.cpp to float rounding.
///
/// Four tokens share each weight block load (`dot4`), so a batch of many sequences reads the
/// weights once per step: that is what makes batched decoding fast.
public enum QuantKernels {
    /// y[t, r] for t in 0..<T and r in `rows` (y is [T, ldy]).
    public static func matmul(
        _ w: Weight, _ x: QuantizedActivations, _ y: UnsafeMutablePointer<Float>, ldy: Int, rows: Range<Int>
    ) {
        precondition(w.hasQuantizedKernel && x.cols == w.cols, "QuantKernels: unsupported weight \(w.name)")
        let nb = w.cols / 32
        let T = x.tokens
        for r in rows {
            let wr = w.row(r)
            var t = 0
            while t + 4 <= T {
                let out = dot4(w.type, wr, x, t, nb)
                y[t * ldy + r] = out.0
                y[(t + 1) * ldy + r] = out.1
                y[(t + 2) * ldy + r] = out.2
                y[(t + 3) * ldy + r] = out.3
                t += 4
            }
            while t < T {
                y[t * ldy + r] = dot1(w.type, wr, x, t, nb)
                t += 1
            }
        }
    }

    /// The portable reference of one dot product (also the kernel on non-x86 machines).
    public static func referenceDot(
        _ type: TensorType, _ w: UnsafeRawPointer, _ x: QuantizedActivations, _ t: Int
    ) -> Float {
        let nb = x.cols / 32
        let q = x.q + t * x.cols, d = x.d + t * nb, s = x.s + t * nb
        var total: Float = 0
        for b in 0..<nb {
            let xq = q + 32 * b
            var sum: Int32 = 0
            switch type {
            case .q8_0:
                let block = w + 34 * b
                let wq = (block + 2).assumingMemoryBound(to: Int8.self)
                for j in 0..<32 { sum += Int32(wq[j]) * Int32(xq[j]) }
                total += Float(sum) * (halfToFloat(block.loadUnaligned(as: UInt16.self)) * d[b])
            case .q4_0:
                let block = w + 18 * b
                let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    sum += (Int32(qs[j] & 0xF) - 8) * Int32(xq[j]) + (Int32(qs[j] >> 4) - 8) * Int32(xq[j + 16])
                }
                total += Float(sum) * (halfToFloat(block.loadUnaligned(as: UInt16.self)) * d[b])
            case .q4_1:
                let block = w + 20 * b
                let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 { sum += Int32(qs[j] & 0xF) * Int32(xq[j]) + Int32(qs[j] >> 4) * Int32(xq[j + 16]) }
                total += Float(sum) * (halfToFloat(block.loadUnaligned(as: UInt16.self)) * d[b])
                total += halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) * s[b]
            default:
                preconditionFailure("referenceDot: \(type) has no quantized kernel")
            }
        }
        return total
    }

    #if arch(x86_64)
        /// The 32 weights of a block as bytes (int8 for Q8_0/Q4_0, 0…15 for Q4_1), and its scale.
        @inline(__always)
        static func loadBlock(_ type: TensorType, _ w: UnsafeRawPointer, _ b: Int) -> (__m256i, Float, Float) {
            switch type {
            case .q8_0:
                let block = w + 34 * b
                let v = _mm256_loadu_si256((block + 2).assumingMemoryBound(to: __m256i.self))
                return (v, halfToFloat(block.loadUnaligned(as: UInt16.self)), 0)
            case .q4_0:
                let block = w + 18 * b
                let v = nibbles(block + 2)
                return (_mm256_sub_epi8(v, _mm256_set1_epi8(8)), halfToFloat(block.loadUnaligned(as: UInt16.self)), 0)
            default:  // q4_1
                let block = w + 20 * b
                return (
                    nibbles(block + 4), halfToFloat(block.loadUnaligned(as: UInt16.self)),
                    halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                )
            }
        }

        /// 16 bytes of packed nibbles → 32 bytes: low nibbles (elements 0…15) then high (16…31).
        @inline(__always)
        static func nibbles(_ p: UnsafeRawPointer) -> __m256i {
            let packed = _mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self))
            let mask = _mm_set1_epi8(0x0F)
            let lo = _mm_and_si128(packed, mask)
            let hi = _mm_and_si128(_mm_srli_epi16(packed, 4), mask)
            return _mm256_set_m128i(hi, lo)
        }

        /// Σ w·x over a block as 8 int32 lanes → f32. Signed weights use the sign trick so that
        /// `vpmaddubsw` (unsigned × signed) applies; Q4_1's weights are already unsigned.
        @inline(__always)
        static func blockDot(_ signed: Bool, _ w: __m256i, _ absW: __m256i, _ x: UnsafePointer<Int8>) -> __m256 {
            let xv = _mm256_loadu_si256(UnsafeRawPointer(x).assumingMemoryBound(to: __m256i.self))
            let products =
                signed ? _mm256_maddubs_epi16(absW, _mm256_sign_epi8(xv, w)) : _mm256_maddubs_epi16(w, xv)
            return _mm256_cvtepi32_ps(_mm256_madd_epi16(products, _mm256_set1_epi16(1)))
        }

        @inline(__always)
        static func horizontalSum(_ v: __m256) -> Float { v.sum() }

        static func dot1(
            _ type: TensorType, _ w: UnsafeRawPointer, _ x: QuantizedActivations, _ t: Int, _ nb: Int
        ) -> Float {
            let q = x.q + t * x.cols, d = x.d + t * nb, s = x.s + t * nb
            let signed = type != .q4_1
            var acc = _mm256_setzero_ps()
            var offset: Float = 0
            for b in 0..<nb {
                let (wv, dw, mw) = loadBlock(type, w, b)
                let absW = signed ? _mm256_sign_epi8(wv, wv) : wv
                acc = _mm256_fmadd_ps(blockDot(signed, wv, absW, q + 32 * b), _mm256_set1_ps(dw * d[b]), acc)
                offset += mw * s[b]
            }
            return horizontalSum(acc) + offset
        }

        static func dot4(
            _ type: TensorType, _ w: UnsafeRawPointer, _ x: QuantizedActivations, _ t: Int, _ nb: Int
        ) -> (Float, Float, Float, Float) {
            let C = x.cols
            let q0 = x.q + t * C, q1 = q0 + C, q2 = q1 + C, q3 = q2 + C
            let d0 = x.d + t * nb, d1 = d0 + nb, d2 = d1 + nb, d3 = d2 + nb
            let s0 = x.s + t * nb, s1 = s0 + nb, s2 = s1 + nb, s3 = s2 + nb
            let signed = type != .q4_1
            var a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
            var o0: Float = 0, o1: Float = 0, o2: Float = 0, o3: Float = 0
            for b in 0..<nb {
                let (wv, dw, mw) = loadBlock(type, w, b)
                let absW = signed ? _mm256_sign_epi8(wv, wv) : wv
                let k = 32 * b
                a0 = _mm256_fmadd_ps(blockDot(signed, wv, absW, q0 + k), _mm256_set1_ps(dw * d0[b]), a0)
                a1 = _mm256_fmadd_ps(blockDot(signed, wv, absW, q1 + k), _mm256_set1_ps(dw * d1[b]), a1)
                a2 = _mm256_fmadd_ps(blockDot(signed, wv, absW, q2 + k), _mm256_set1_ps(dw * d2[b]), a2)
                a3 = _mm256_fmadd_ps(blockDot(signed, wv, absW, q3 + k), _mm256_set1_ps(dw * d3[b]), a3)
                if !signed {
                    o0 += mw * s0[b]
                    o1 += mw * s1[b]
                    o2 += mw * s2[b]
                    o3 += mw * s3[b]
                }
            }
            return (horizontalSum(a0) + o0, horizontalSum(a1) + o1, horizontalSum(a2) + o2, horizontalSum(a3) + o3)
        }
    #else
        static func dot1(
            _ type: TensorType, _ w: UnsafeRawPointer, _ x: QuantizedActivations, _ t: Int, _ nb: Int
        ) -> Float {
            referenceDot(type, w, x, t)
        }

        static func dot4(
            _ type: TensorType, _ w: UnsafeRawPointer, _ x: QuantizedActivations, _ t: Int, _ nb: Int
        ) -> (Float, Float, Float, Float) {
            (
                referenceDot(type, w, x, t), referenceDot(type, w, x, t + 1), referenceDot(type, w, x, t + 2),
                referenceDot(type, w, x, t + 3)
            )
        }
    #endif
}

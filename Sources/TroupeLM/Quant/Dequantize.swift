/// Dequantization of ggml block formats to f32, exactly as ggml's reference code defines them
/// (the formats spec §1.2). Used to build the f32 weights of the matrix-product path and by the
/// tests; the decode kernels (`QuantKernels.swift`) read the blocks directly instead.
public enum Dequantize {
    /// Writes `count` f32 values decoded from `source` (which holds `type.rowBytes(count)` bytes).
    /// `count` must be a multiple of `type.blockSize`.
    public static func row(
        _ type: TensorType, from source: UnsafeRawPointer, to y: UnsafeMutablePointer<Float>, count: Int
    ) {
        let blocks = count / type.blockSize
        switch type {
        case .f32:
            y.update(from: source.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { y[i] = halfToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<count { y[i] = bf16ToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .q8_0:
            for b in 0..<blocks {
                let block = source + b * 34
                let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
                let qs = (block + 2).assumingMemoryBound(to: Int8.self)
                let out = y + b * 32
                for j in 0..<32 { out[j] = Float(qs[j]) * d }
            }
        case .q4_0:
            for b in 0..<blocks {
                let block = source + b * 18
                let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
                let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
                let out = y + b * 32
                for j in 0..<16 {
                    out[j] = Float(Int(qs[j] & 0xF) - 8) * d
                    out[j + 16] = Float(Int(qs[j] >> 4) - 8) * d
                }
            }
        case .q4_1:
            for b in 0..<blocks {
                let block = source + b * 20
                let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
                let m = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
                let out = y + b * 32
                for j in 0..<16 {
                    out[j] = Float(qs[j] & 0xF) * d + m
                    out[j + 16] = Float(qs[j] >> 4) * d + m
                }
            }
        case .q4_K:
            for b in 0..<blocks { q4KBlock(source + b * 144, y + b * 256) }
        case .q6_K:
            for b in 0..<blocks { q6KBlock(source + b * 210, y + b * 256) }
        }
    }

    /// The 6-bit scale and min of sub-block `j` of a Q4_K block (ggml's `get_scale_min_k4`).
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        let sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)
        let m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(sc), Float(m))
    }

    static func q4KBlock(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let dmin = halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
        let qs = (block + 16).assumingMemoryBound(to: UInt8.self)
        for c in 0..<4 {
            let (sc1, m1) = scaleMinK4(2 * c, scales)
            let (sc2, m2) = scaleMinK4(2 * c + 1, scales)
            let d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2
            let q = qs + 32 * c
            let out = y + 64 * c
            for l in 0..<32 {
                out[l] = d1 * Float(q[l] & 0xF) - min1
                out[l + 32] = d2 * Float(q[l] >> 4) - min2
            }
        }
    }

    static func q6KBlock(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let ql0 = block.assumingMemoryBound(to: UInt8.self)
        let qh0 = (block + 128).assumingMemoryBound(to: UInt8.self)
        let sc0 = (block + 192).assumingMemoryBound(to: Int8.self)
        let d = halfToFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
        for h in 0..<2 {
            let ql = ql0 + 64 * h, qh = qh0 + 32 * h, sc = sc0 + 8 * h
            let out = y + 128 * h
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32
                let q2 = Int((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32
                let q3 = Int((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32
                let q4 = Int((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32
                out[l] = d * Float(sc[s]) * Float(q1)
                out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
        }
    }
}

/// Reference quantizers (ggml's `quantize_row_*_ref`), used to write compact GGUF files (tests,
/// exports) and by the decode kernels to quantize activations.
public enum Quantize {
    /// Encodes `count` values of `x` as `type` into `destination` (`type.rowBytes(count)` bytes).
    /// Supports F32, F16, BF16, Q8_0, Q4_0 and Q4_1; `count` must be a multiple of the block size.
    public static func row(
        _ type: TensorType, from x: UnsafePointer<Float>, to destination: UnsafeMutableRawPointer, count: Int
    ) throws {
        let blocks = count / type.blockSize
        switch type {
        case .f32:
            destination.copyMemory(from: x, byteCount: 4 * count)
        case .f16:
            for i in 0..<count { destination.storeBytes(of: floatToHalf(x[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<count { destination.storeBytes(of: floatToBF16(x[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .q8_0:
            for b in 0..<blocks {
                let v = x + 32 * b, block = destination + 34 * b
                var amax: Float = 0
                for j in 0..<32 { amax = max(amax, abs(v[j])) }
                let d = amax / 127
                let id: Float = d != 0 ? 1 / d : 0
                block.storeBytes(of: floatToHalf(d), as: UInt16.self)
                for j in 0..<32 {
                    block.storeBytes(
                        of: Int8(clampTruncate((v[j] * id).rounded(), -128, 127)), toByteOffset: 2 + j, as: Int8.self)
                }
            }
        case .q4_0:
            for b in 0..<blocks {
                let v = x + 32 * b, block = destination + 18 * b
                var amax: Float = 0, signed: Float = 0
                for j in 0..<32 where abs(v[j]) > amax {
                    amax = abs(v[j])
                    signed = v[j]
                }
                let d = signed / -8
                let id: Float = d != 0 ? 1 / d : 0
                block.storeBytes(of: floatToHalf(d), as: UInt16.self)
                for j in 0..<16 {
                    let lo = UInt8(clampTruncate(v[j] * id + 8.5, 0, 15))
                    let hi = UInt8(clampTruncate(v[j + 16] * id + 8.5, 0, 15))
                    block.storeBytes(of: lo | hi << 4, toByteOffset: 2 + j, as: UInt8.self)
                }
            }
        case .q4_1:
            for b in 0..<blocks {
                let v = x + 32 * b, block = destination + 20 * b
                var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
                for j in 0..<32 {
                    lo = min(lo, v[j])
                    hi = max(hi, v[j])
                }
                let d = (hi - lo) / 15
                let id: Float = d != 0 ? 1 / d : 0
                block.storeBytes(of: floatToHalf(d), as: UInt16.self)
                block.storeBytes(of: floatToHalf(lo), toByteOffset: 2, as: UInt16.self)
                for j in 0..<16 {
                    let a = UInt8(clampTruncate((v[j] - lo) * id + 0.5, 0, 15))
                    let c = UInt8(clampTruncate((v[j + 16] - lo) * id + 0.5, 0, 15))
                    block.storeBytes(of: a | c << 4, toByteOffset: 4 + j, as: UInt8.self)
                }
            }
        case .q4_K, .q6_K:
            throw LMError.badRequest("writing \(type) is not implemented; write Q8_0, Q4_0, Q4_1, F16, BF16 or F32")
        }
    }
}

/// `Int(f)` (truncation toward zero, as a C cast) clamped to `lo...hi`; NaN gives 0. Quantizers use
/// it so that a NaN or an overflowing weight never traps.
@inline(__always)
func clampTruncate(_ f: Float, _ lo: Int, _ hi: Int) -> Int {
    f.isNaN ? 0 : Int(Swift.max(Float(lo), Swift.min(Float(hi), f)))
}

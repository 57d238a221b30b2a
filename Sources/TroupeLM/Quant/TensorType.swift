/// The element types of checkpoint tensors, with ggml's numbering (GGUF stores these ids).
///
/// Quantized types store rows in blocks along the fastest dimension; `blockSize` elements take
/// `blockBytes` bytes. Layouts are those of ggml (see `docs/lm.md` and the formats spec §1.2).
public enum TensorType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8
    case q4_K = 12
    case q6_K = 14
    case bf16 = 30

    /// Elements per block (1 for the plain float types).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q8_0: return 32
        case .q4_K, .q6_K: return 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18
        case .q4_1: return 20
        case .q8_0: return 34
        case .q4_K: return 144
        case .q6_K: return 210
        }
    }

    /// Bytes of a row of `n` elements (`n` must be a multiple of `blockSize`).
    public func rowBytes(_ n: Int) -> Int { n / blockSize * blockBytes }

    public var isQuantized: Bool { blockSize > 1 }

    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q8_0: return "Q8_0"
        case .q4_K: return "Q4_K"
        case .q6_K: return "Q6_K"
        }
    }

    /// The names of every supported type, for error messages.
    public static var supportedList: String { allCases.map(\.description).joined(separator: ", ") }

    /// ggml's names for the ids this engine does not implement, so errors can name them.
    static func ggmlName(_ id: UInt32) -> String {
        let names: [UInt32: String] = [
            6: "Q5_0", 7: "Q5_1", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 13: "Q5_K", 15: "Q8_K",
            16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
            23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 34: "TQ1_0",
            35: "TQ2_0", 39: "MXFP4",
        ]
        return names[id].map { "\($0) (type \(id))" } ?? "type \(id)"
    }
}

// MARK: Half-precision conversions

/// IEEE binary16 → f32, exactly (subnormals, infinities and NaN included).
@inline(__always)
public func halfToFloat(_ bits: UInt16) -> Float {
    #if !(os(macOS) && arch(x86_64))
        return Float(Float16(bitPattern: bits))
    #else
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    #endif
}

/// f32 → IEEE binary16, rounding to nearest even.
@inline(__always)
public func floatToHalf(_ value: Float) -> UInt16 {
    #if !(os(macOS) && arch(x86_64))
        return Float16(value).bitPattern
    #else
        // Round to nearest even through the f32 bits (Intel Macs lack Float16).
        let u = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (u >> 16) & 0x8000)
        let magnitude = u & 0x7FFF_FFFF
        if magnitude > 0x7F80_0000 { return sign | 0x7E00 }  // NaN
        if magnitude >= 0x4780_0000 { return sign | 0x7C00 }  // overflow → infinity
        if magnitude < 0x3880_0000 {  // subnormal or zero in half
            let scaled = Float(bitPattern: magnitude) * 0x1p24
            return sign | UInt16(scaled.rounded(.toNearestOrEven))
        }
        let rebased = magnitude &- 0x3800_0000
        let rounded = rebased &+ 0xFFF &+ ((rebased >> 13) & 1)
        return sign | UInt16(truncatingIfNeeded: rounded >> 13)
    #endif
}

/// bfloat16 → f32: the bits are the top half of an f32.
@inline(__always)
public func bf16ToFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

/// f32 → bfloat16, rounding to nearest even, NaN kept quiet (as ggml does).
@inline(__always)
public func floatToBF16(_ value: Float) -> UInt16 {
    let u = value.bitPattern
    if (u & 0x7FFF_FFFF) > 0x7F80_0000 { return UInt16(truncatingIfNeeded: (u >> 16) | 64) }
    return UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
}

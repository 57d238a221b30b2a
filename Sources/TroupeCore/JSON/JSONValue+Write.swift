/// Serialization of `JSONValue` to UTF-8 bytes.
///
/// The writer is ours rather than json-c's for two reasons: building a json-c object tree only to
/// print it costs an allocation per node, and json-c prints doubles with `%.17g` (`0.1` becomes
/// `0.10000000000000001`). Here doubles print as Swift's shortest round-trip form, objects in
/// insertion order, and nothing depends on the locale, so the same value gives the same bytes on
/// every machine: the basis of byte-identical replays.
extension JSONValue {
    /// The compact JSON text of this value (no insignificant whitespace, never a newline).
    public func serialized() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The compact JSON bytes of this value.
    public func serializedBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        write(into: &bytes)
        return bytes
    }

    /// Appends the compact JSON text of this value to `out`. Non-finite doubles are written as
    /// `null`, as JSON has no spelling for them.
    public func write(into out: inout [UInt8]) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i):
            JSONValue.writeInteger(i, into: &out)
        case .double(let d):
            JSONValue.writeDouble(d, into: &out)
        case .string(let s):
            JSONValue.writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONValue.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes a double as Swift's `description` spells it (`null` when it is not finite), without
    /// going through `String` for integral values up to 2^53 (rewards are mostly 0.0 and 1.0),
    /// which `description` spells as their digits and `.0`.
    static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        guard value.magnitude <= 0x1p53, value.rounded(.towardZero) == value else {
            out.append(contentsOf: value.description.utf8)
            return
        }
        if value == 0, value.sign == .minus { out.append(UInt8(ascii: "-")) }
        writeInteger(Int64(value), into: &out)
        out.append(contentsOf: ".0".utf8)
    }

    /// Writes a decimal integer without going through `String`.
    @inline(__always)
    static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            while magnitude > 0 {
                scratch[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                out.append(scratch[index])
            }
        }
    }

    /// Writes a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`, …
    /// or `\u00XX`, everything else as raw UTF-8.
    package static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                    continue
                }
                if runStart < index {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                }
                runStart = index + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                }
            }
            if runStart < utf8.count {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: - Canonical form

extension JSONValue {
    /// The canonical form used for hashing and cache keys: object keys sorted by their UTF-8 bytes,
    /// recursively, and doubles with an exact integer value (|x| < 2^53) turned into integers, so
    /// that `{"b":1.0,"a":2}` and `{"a":2,"b":1}` are the same key.
    public func canonicalized() -> JSONValue {
        switch self {
        case .double(let d) where d.isFinite && d.rounded() == d && abs(d) < 9_007_199_254_740_992:
            return .int(Int64(d))
        case .array(let elements):
            return .array(elements.map { $0.canonicalized() })
        case .object(let members):
            let sorted = members.sorted { lhs, rhs in
                lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
            }
            return .object(JSONObject(uniqueKeysWithValues: sorted.map { ($0.key, $0.value.canonicalized()) }))
        default:
            return self
        }
    }

    /// The compact text of the canonical form.
    public func canonicalString() -> String { canonicalized().serialized() }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { serialized() }
}

import TroupeCore

/// Finds the `id` of a frame that could not be parsed (malformed or oversized), so that its error
/// answer can still name the request: a pipelining client then knows which request failed.
///
/// Best effort by design: it looks for the first `"id"` key followed by an integer or a string
/// without escapes; anything else gives `null`.
public enum FrameSalvage {
    public static func id(in bytes: UnsafeRawBufferPointer) -> TroupeCore.JSONValue {
        let key: [UInt8] = Array("\"id\"".utf8)
        guard bytes.count >= key.count + 2 else { return .null }
        var start = 0
        search: while start + key.count <= bytes.count {
            for offset in 0..<key.count where bytes[start + offset] != key[offset] {
                start += 1
                continue search
            }
            var index = start + key.count
            func skipSpaces() { while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
            skipSpaces()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return .null }
            index += 1
            skipSpaces()
            guard index < bytes.count else { return .null }
            if bytes[index] == UInt8(ascii: "\"") {
                let begin = index + 1
                var end = begin
                while end < bytes.count, end - begin <= 128, bytes[end] != UInt8(ascii: "\"") {
                    if bytes[end] == UInt8(ascii: "\\") || bytes[end] < 0x20 { return .null }
                    end += 1
                }
                guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return .null }
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[begin..<end]), as: UTF8.self)
                return text.utf8.elementsEqual(bytes[begin..<end]) ? .string(text) : .null
            }
            var end = index
            if end < bytes.count, bytes[end] == UInt8(ascii: "-") { end += 1 }
            while end < bytes.count, end - index < 19, (0x30...0x39).contains(bytes[end]) { end += 1 }
            let digits = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self)
            if let value = Int64(digits) { return .int(value) }
            return .null
        }
        return .null
    }

    public static func id(in bytes: [UInt8]) -> TroupeCore.JSONValue {
        bytes.withUnsafeBytes { id(in: $0) }
    }
}

/// How text is split into pieces before byte-level BPE runs on each piece.
///
/// The splitters are hand-written equivalents of the published regular expressions (no regex
/// engine: they run in one pass and cannot backtrack badly), applied to Unicode scalars:
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `smollm` (SmolLM, SmolLM2, StarCoder; llama.cpp's `smollm`): every `\p{N}` scalar alone
///   first (HF's `Digits(individual_digits)`), then `gpt2` on the rest.
/// - `llama3`: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
///   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `qwen2`: the same with `\p{N}` (one number at a time) in place of `\p{N}{1,3}`.
///
/// Input is bytes, not `String`, so that invalid UTF-8 survives: each byte of an invalid sequence
/// becomes a unit of its own that counts as "other" (neither letter, number nor space), and
/// encoding followed by decoding gives back exactly the input bytes.
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2, smollm, llama3, qwen2

    /// The pre-tokenizer llama.cpp names `tokenizer.ggml.pre`, or nil if unknown.
    public init?(ggmlName: String) {
        switch ggmlName {
        case "smollm", "starcoder", "refact", "codeshell", "command-r", "exaone", "minerva-7b": self = .smollm
        case "llama3", "llama-v3", "llama-bpe", "smaug-bpe", "dbrx", "falcon3", "pixtral": self = .llama3
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        case "gpt-2", "gpt2", "default", "phi-2", "jina-es", "jina-de", "jina-v2-es", "jina-v2-de", "olmo": self = .gpt2
        default: return nil
        }
    }

    /// Byte ranges of the pieces of `bytes`, in order, covering every byte exactly once.
    public func split(_ bytes: [UInt8]) -> [Range<Int>] {
        let units = Unit.decode(bytes)
        var pieces: [Range<Int>] = []
        switch self {
        case .gpt2: PreTokenizer.gpt2(units, 0..<units.count, &pieces)
        case .llama3: PreTokenizer.llama3(units, maxDigits: 3, &pieces)
        case .qwen2: PreTokenizer.llama3(units, maxDigits: 1, &pieces)
        case .smollm:
            var start = 0
            for (i, u) in units.enumerated() where u.kind == .number {
                PreTokenizer.gpt2(units, start..<i, &pieces)
                pieces.append(i..<i + 1)
                start = i + 1
            }
            PreTokenizer.gpt2(units, start..<units.count, &pieces)
        }
        // Unit ranges → byte ranges.
        return pieces.map { units[$0.lowerBound].start..<units[$0.upperBound - 1].end }
    }

    /// A Unicode scalar (or a lone invalid byte) with its byte span and category.
    struct Unit {
        enum Kind { case letter, number, space, other }
        var start: Int
        var end: Int
        var scalar: UInt32  // 0xFFFF_FFFF for an invalid byte
        var kind: Kind

        static func decode(_ bytes: [UInt8]) -> [Unit] {
            var units: [Unit] = []
            units.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                let (scalar, length) = decodeScalar(bytes, i)
                guard let scalar, let s = Unicode.Scalar(scalar) else {
                    units.append(Unit(start: i, end: i + 1, scalar: 0xFFFF_FFFF, kind: .other))
                    i += 1
                    continue
                }
                let kind: Kind
                if s.properties.isWhitespace {
                    kind = .space
                } else {
                    switch s.properties.generalCategory {
                    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                        kind = .letter
                    case .decimalNumber, .letterNumber, .otherNumber: kind = .number
                    default: kind = .other
                    }
                }
                units.append(Unit(start: i, end: i + length, scalar: scalar, kind: kind))
                i += length
            }
            return units
        }

        /// Strict UTF-8 decoding of one scalar (no overlongs, surrogates or values past U+10FFFF).
        static func decodeScalar(_ b: [UInt8], _ i: Int) -> (UInt32?, Int) {
            let b0 = b[i]
            if b0 < 0x80 { return (UInt32(b0), 1) }
            let length: Int
            let minimum: UInt32
            var value: UInt32
            switch b0 {
            case 0xC2...0xDF: (length, minimum, value) = (2, 0x80, UInt32(b0 & 0x1F))
            case 0xE0...0xEF: (length, minimum, value) = (3, 0x800, UInt32(b0 & 0x0F))
            case 0xF0...0xF4: (length, minimum, value) = (4, 0x10000, UInt32(b0 & 0x07))
            default: return (nil, 1)
            }
            guard i + length <= b.count else { return (nil, 1) }
            for k in 1..<length {
                let c = b[i + k]
                guard c & 0xC0 == 0x80 else { return (nil, 1) }
                value = value << 6 | UInt32(c & 0x3F)
            }
            guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return (nil, 1) }
            return (value, length)
        }
    }

    @inline(__always)
    static func isContraction(_ u: [Unit], _ i: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard u[i].scalar == 0x27, i + 1 < end else { return 0 }  // '
        func lower(_ k: Int) -> UInt32 {
            let s = u[k].scalar
            return caseInsensitive && s >= 0x41 && s <= 0x5A ? s + 32 : s
        }
        let c1 = lower(i + 1)
        if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 { return 2 }  // s t m d
        if i + 2 < end {
            let c2 = lower(i + 2)
            // re ve ll
            if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) { return 3 }
        }
        return 0
    }

    /// `\s+(?!\S)|\s+` at `i` (a space): the run, less its last scalar when a non-space follows.
    @inline(__always)
    static func spaceRun(_ u: [Unit], _ i: Int, _ end: Int) -> Int {
        var k = i
        while k < end, u[k].kind == .space { k += 1 }
        if k == end || k - i == 1 { return k }
        return k - 1
    }

    static func gpt2(_ u: [Unit], _ range: Range<Int>, _ pieces: inout [Range<Int>]) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            var j: Int
            let c = isContraction(u, i, end, caseInsensitive: false)
            if c > 0 {
                j = i + c
            } else {
                // ` ?X+` for X in letter, number, other: a literal space may lead.
                let leadSpace = u[i].scalar == 0x20 && i + 1 < end && u[i + 1].kind != .space
                let k = leadSpace ? i + 1 : i
                let kind = u[k].kind
                if kind != .space {
                    j = k + 1
                    while j < end, u[j].kind == kind { j += 1 }
                } else {
                    j = spaceRun(u, i, end)
                }
            }
            pieces.append(i..<j)
            i = j
        }
    }

    static func llama3(_ u: [Unit], maxDigits: Int, _ pieces: inout [Range<Int>]) {
        var i = 0
        let end = u.count
        func isNewline(_ k: Int) -> Bool { u[k].scalar == 0x0A || u[k].scalar == 0x0D }
        while i < end {
            var j: Int
            let c = isContraction(u, i, end, caseInsensitive: true)
            if c > 0 {
                j = i + c
            } else if u[i].kind == .letter
                || (u[i].kind != .number && !isNewline(i) && i + 1 < end && u[i + 1].kind == .letter)
            {
                j = i + 1
                while j < end, u[j].kind == .letter { j += 1 }
            } else if u[i].kind == .number {
                j = i + 1
                while j < end, j < i + maxDigits, u[j].kind == .number { j += 1 }
            } else if u[i].kind == .other || (u[i].scalar == 0x20 && i + 1 < end && u[i + 1].kind == .other) {
                j = u[i].kind == .other ? i + 1 : i + 2
                while j < end, u[j].kind == .other { j += 1 }
                while j < end, isNewline(j) { j += 1 }
            } else {
                // A run of spaces: `\s*[\r\n]+` up to its last newline, else `\s+(?!\S)|\s+`.
                var k = i
                var lastNewline = -1
                while k < end, u[k].kind == .space {
                    if isNewline(k) { lastNewline = k }
                    k += 1
                }
                j = lastNewline >= 0 ? lastNewline + 1 : spaceRun(u, i, end)
            }
            pieces.append(i..<j)
            i = j
        }
    }
}

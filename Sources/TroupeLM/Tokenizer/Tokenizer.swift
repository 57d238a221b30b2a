/// A byte-level BPE tokenizer (GPT-2 family: SmolLM2, Llama 3, Qwen2), built from GGUF metadata
/// (`Tokenizer+GGUF.swift`) or a Hugging Face `tokenizer.json` (`Tokenizer+HF.swift`).
///
/// Encoding: special-token strings are cut out first (all of them when `parseSpecial`, only the
/// user-defined ones otherwise, as llama.cpp does), the rest is split by the pre-tokenizer, and
/// each piece's bytes are merged with BPE. Decoding concatenates the tokens' bytes, so
/// `decodeBytes(encode(bytes))` gives back the input for any bytes, valid UTF-8 or not, provided
/// the vocabulary spells every byte (SmolLM2's does not contain a few bytes that never occur in
/// UTF-8: those are dropped, as Hugging Face does, and reported by `missingBytes`).
///
/// Invariant: immutable after construction, so one tokenizer is shared by every thread.
public final class Tokenizer: Sendable {
    /// Token spellings as stored (byte-level characters for normal tokens).
    public let tokens: [String]
    /// The bytes each token stands for when decoded.
    let tokenBytes: [[UInt8]]
    /// Whether each token is special (control): skipped by `decode(skipSpecial:)`.
    public let isSpecial: [Bool]
    let vocabulary: [String: Int32]
    let merges: BPEMerges
    let byteSymbol: [Int32]  // byte → id of its single-byte token, or -1
    /// Added tokens matched in text before pre-tokenization: (bytes, id, special).
    let addedTokens: [(bytes: [UInt8], id: Int32, special: Bool)]
    public let preTokenizer: PreTokenizer
    /// Hugging Face's `ignore_merges`: a piece found whole in the vocabulary is not merged.
    public let ignoreMerges: Bool
    public let bosID: Int?
    public let eosID: Int?
    /// Whether encoding a prompt prepends BOS (`tokenizer.ggml.add_bos_token`).
    public let addBOS: Bool
    /// The chat template text, if the model has one.
    public let chatTemplateText: String?

    public var vocabularySize: Int { tokens.count }

    /// Bytes that no token spells (they cannot be encoded and are dropped).
    public var missingBytes: [UInt8] { (0..<256).filter { byteSymbol[$0] < 0 }.map(UInt8.init) }

    init(
        tokens: [String], special: [Bool], userDefined: [Bool], merges: [String], preTokenizer: PreTokenizer,
        ignoreMerges: Bool, bosID: Int?, eosID: Int?, addBOS: Bool, chatTemplate: String?
    ) throws {
        guard !tokens.isEmpty else { throw LMError.badTokenizer("the vocabulary is empty") }
        self.tokens = tokens
        self.isSpecial = special
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        var tokenBytes: [[UInt8]] = []
        tokenBytes.reserveCapacity(tokens.count)
        var added: [(bytes: [UInt8], id: Int32, special: Bool)] = []
        for (i, t) in tokens.enumerated() {
            if special[i] || userDefined[i] {
                let bytes = Array(t.utf8)
                tokenBytes.append(bytes)
                if !bytes.isEmpty { added.append((bytes, Int32(i), special[i])) }
            } else {
                // A normal token spells bytes; a spelling outside the byte alphabet is kept as UTF-8.
                tokenBytes.append(ByteLevel.decode(t) ?? Array(t.utf8))
            }
            if vocabulary[t] == nil { vocabulary[t] = Int32(i) }
        }
        self.tokenBytes = tokenBytes
        self.vocabulary = vocabulary
        // Longest first, so that "<|im_start|>" wins over a shorter added token that prefixes it.
        self.addedTokens = added.sorted { $0.bytes.count > $1.bytes.count }
        self.merges = try BPEMerges(merges: merges, vocabulary: vocabulary)
        self.byteSymbol = (0..<256).map { b in vocabulary[ByteLevel.encode([UInt8(b)])] ?? -1 }
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
        for (name, id) in [("BOS", bosID), ("EOS", eosID)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw LMError.badTokenizer("the \(name) token id \(id) is outside the vocabulary of \(tokens.count)")
            }
        }
        self.bosID = bosID
        self.eosID = eosID
        self.addBOS = addBOS && bosID != nil
        self.chatTemplateText = chatTemplate
    }

    /// The id of a token spelled `text` exactly (special tokens by their text), if any.
    public func id(of text: String) -> Int? { vocabulary[text].map(Int.init) }

    // MARK: Encoding

    /// Token ids of `text`. `parseSpecial` matches control tokens such as `<|im_start|>` in the
    /// text (needed for chat-formatted prompts); `addBOS` defaults to the model's setting.
    public func encode(_ text: String, parseSpecial: Bool = true, addBOS: Bool? = nil) -> [Int] {
        encode(bytes: Array(text.utf8), parseSpecial: parseSpecial, addBOS: addBOS)
    }

    /// Token ids of raw bytes (any bytes; see the type's documentation for invalid UTF-8).
    public func encode(bytes: [UInt8], parseSpecial: Bool = true, addBOS: Bool? = nil) -> [Int] {
        var out: [Int] = []
        if addBOS ?? self.addBOS, let bos = bosID { out.append(bos) }
        var start = 0
        var i = 0
        while i < bytes.count {
            if let (length, id) = matchAdded(bytes, at: i, parseSpecial: parseSpecial) {
                encodePlain(bytes[start..<i], into: &out)
                out.append(Int(id))
                i += length
                start = i
            } else {
                i += 1
            }
        }
        encodePlain(bytes[start..<bytes.count], into: &out)
        return out
    }

    private func matchAdded(_ bytes: [UInt8], at i: Int, parseSpecial: Bool) -> (Int, Int32)? {
        for token in addedTokens where parseSpecial || !token.special {
            let n = token.bytes.count
            guard i + n <= bytes.count, bytes[i] == token.bytes[0] else { continue }
            var equal = true
            for k in 1..<n where bytes[i + k] != token.bytes[k] {
                equal = false
                break
            }
            if equal { return (n, token.id) }
        }
        return nil
    }

    private func encodePlain(_ bytes: ArraySlice<UInt8>, into out: inout [Int]) {
        guard !bytes.isEmpty else { return }
        let array = Array(bytes)
        for piece in preTokenizer.split(array) {
            let symbols = array[piece].compactMap { b -> Int32? in
                let id = byteSymbol[Int(b)]
                return id >= 0 ? id : nil
            }
            // With `ignore_merges` (Llama 3), a piece that is itself a token is taken whole.
            if ignoreMerges, symbols.count > 1, let whole = vocabulary[ByteLevel.encode(array[piece])],
                !isSpecial[Int(whole)]
            {
                out.append(Int(whole))
                continue
            }
            for id in merges.apply(symbols) { out.append(Int(id)) }
        }
    }

    // MARK: Decoding

    /// The bytes of `ids` concatenated. Ids outside the vocabulary throw.
    public func decodeBytes(_ ids: [Int], skipSpecial: Bool = false) throws -> [UInt8] {
        var out: [UInt8] = []
        for id in ids {
            guard id >= 0, id < tokens.count else { throw LMError.badToken(id: id, vocabularySize: tokens.count) }
            if skipSpecial && isSpecial[id] { continue }
            out.append(contentsOf: tokenBytes[id])
        }
        return out
    }

    /// The text of `ids`; invalid UTF-8 (for example a character cut in the middle) becomes U+FFFD.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) throws -> String {
        String(decoding: try decodeBytes(ids, skipSpecial: skipSpecial), as: UTF8.self)
    }

    /// The bytes of one token.
    public func bytes(of id: Int) -> [UInt8] { id >= 0 && id < tokenBytes.count ? tokenBytes[id] : [] }
}

import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Tokenizer {
    /// The tokenizer stored in a GGUF file's `tokenizer.ggml.*` metadata (model "gpt2" only:
    /// SentencePiece "llama" vocabularies are not supported).
    public convenience init(gguf: GGUFFile) throws {
        let model = (try? gguf.string("tokenizer.ggml.model")) ?? "(none)"
        guard model == "gpt2" else {
            throw LMError.unsupported(
                path: gguf.path, what: "tokenizer model '\(model)'", supported: "gpt2 (byte-level BPE)")
        }
        guard let tokenValues = gguf.metadata["tokenizer.ggml.tokens"]?.array else {
            throw LMError.badTokenizer("\(gguf.path) has no tokenizer.ggml.tokens array")
        }
        let tokens = try tokenValues.enumerated().map { i, v -> String in
            guard let s = v.string else { throw LMError.badTokenizer("tokenizer.ggml.tokens[\(i)] is not a string") }
            return s
        }
        let types = (gguf.metadata["tokenizer.ggml.token_type"]?.array ?? []).map { $0.int ?? 1 }
        guard types.isEmpty || types.count == tokens.count else {
            throw LMError.badTokenizer(
                "tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        let merges = try (gguf.metadata["tokenizer.ggml.merges"]?.array ?? []).enumerated().map { i, v -> String in
            guard let s = v.string else { throw LMError.badTokenizer("tokenizer.ggml.merges[\(i)] is not a string") }
            return s
        }
        let preName = (try? gguf.string("tokenizer.ggml.pre")) ?? "default"
        guard let pre = PreTokenizer(ggmlName: preName) else {
            throw LMError.unsupported(
                path: gguf.path, what: "pre-tokenizer '\(preName)'",
                supported: "smollm (and starcoder, refact, …), llama3 (llama-bpe, …), qwen2, gpt2/default")
        }
        let special = tokens.indices.map { types.isEmpty ? false : types[$0] == 3 }
        let userDefined = tokens.indices.map { types.isEmpty ? false : types[$0] == 4 }
        try self.init(
            tokens: tokens, special: special, userDefined: userDefined, merges: merges, preTokenizer: pre,
            ignoreMerges: pre == .llama3, bosID: gguf.metadata["tokenizer.ggml.bos_token_id"]?.int,
            eosID: gguf.metadata["tokenizer.ggml.eos_token_id"]?.int,
            addBOS: gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? false,
            chatTemplate: gguf.metadata["tokenizer.chat_template"]?.string)
    }

    /// The tokenizer of a Hugging Face model directory: `tokenizer.json` (BPE with a byte-level
    /// pre-tokenizer), with BOS/EOS and the chat template from `tokenizer_config.json` when present.
    public convenience init(huggingFaceDirectory directory: String) throws {
        let path = directory + "/tokenizer.json"
        let json = try readJSON(path)
        guard let model = json["model"], model["type"]?.stringValue == "BPE" else {
            throw LMError.unsupported(
                path: path, what: "tokenizer model '\(json["model"]?["type"]?.stringValue ?? "?")'", supported: "BPE")
        }
        guard let vocab = model["vocab"]?.objectValue else { throw LMError.badTokenizer("\(path) has no model.vocab") }
        var idToToken: [Int: String] = [:]
        for (token, id) in vocab {
            guard let id = id.intValue, id >= 0, id < 10_000_000 else {
                throw LMError.badTokenizer("\(path): the id of '\(token)' is not a valid integer")
            }
            idToToken[Int(id)] = token
        }
        var specialIDs = Set<Int>(), userIDs = Set<Int>()
        for entry in json["added_tokens"]?.arrayValue ?? [] {
            guard let id = entry["id"]?.intValue, let content = entry["content"]?.stringValue, id >= 0, id < 10_000_000
            else {
                throw LMError.badTokenizer("\(path): an added token lacks an id or content")
            }
            idToToken[Int(id)] = content
            if entry["special"]?.boolValue ?? false { specialIDs.insert(Int(id)) } else { userIDs.insert(Int(id)) }
        }
        let size = (idToToken.keys.max() ?? -1) + 1
        // Ids with no token (holes) get a placeholder that no text can produce.
        let tokens = (0..<size).map { idToToken[$0] ?? "<unused_\($0)>" }
        var merges: [String] = []
        for (i, m) in (model["merges"]?.arrayValue ?? []).enumerated() {
            if let s = m.stringValue {
                merges.append(s)
            } else if let pair = m.arrayValue, pair.count == 2, let a = pair[0].stringValue, let b = pair[1].stringValue
            {
                merges.append(a + " " + b)
            } else {
                throw LMError.badTokenizer("\(path): merge #\(i) is neither \"A B\" nor [\"A\", \"B\"]")
            }
        }
        let pre = try Tokenizer.preTokenizer(of: json["pre_tokenizer"], path: path)
        let config = try? readJSON(directory + "/tokenizer_config.json")
        func tokenID(_ key: String) -> Int? {
            let value = config?[key]
            let text = value?.stringValue ?? value?["content"]?.stringValue
            return text.flatMap { t in tokens.firstIndex(of: t) }
        }
        let postProcessor = json["post_processor"]?.serialized() ?? ""
        let bos = tokenID("bos_token")
        try self.init(
            tokens: tokens, special: tokens.indices.map { specialIDs.contains($0) },
            userDefined: tokens.indices.map { userIDs.contains($0) }, merges: merges, preTokenizer: pre,
            ignoreMerges: model["ignore_merges"]?.boolValue ?? false, bosID: bos, eosID: tokenID("eos_token"),
            addBOS: config?["add_bos_token"]?.boolValue
                ?? (bos.map { postProcessor.contains("\"" + tokens[$0] + "\"") } ?? false),
            chatTemplate: config?["chat_template"]?.stringValue)
    }

    /// Recognizes the pre-tokenizer of a tokenizer.json.
    static func preTokenizer(of value: JSONValue?, path: String) throws -> PreTokenizer {
        let text = value?.serialized() ?? "null"
        let parts = value?["pretokenizers"]?.arrayValue ?? (value.map { [$0] } ?? [])
        let types = parts.compactMap { $0["type"]?.stringValue }
        if types == ["Digits", "ByteLevel"], parts[0]["individual_digits"]?.boolValue == true { return .smollm }
        if types == ["ByteLevel"] { return .gpt2 }
        if types.first == "Split", let regex = parts[0]["pattern"]?["Regex"]?.stringValue {
            if regex.contains("\\p{N}{1,3}") { return .llama3 }
            if regex.contains("|\\p{N}|") || regex.contains("|\\p{N}| ?") { return .qwen2 }
        }
        throw LMError.unsupported(
            path: path, what: "pre-tokenizer \(text.prefix(200))",
            supported:
                "Digits(individual)+ByteLevel (SmolLM2), Split(Llama 3 regex)+ByteLevel, Split(Qwen2 regex)+ByteLevel, ByteLevel (GPT-2)"
        )
    }
}

/// Reads and parses a JSON file, with errors that name it.
func readJSON(_ path: String) throws -> JSONValue {
    let file = try MappedFile(path: path)
    do {
        return try JSONParser(maxDepth: 128).parse(UnsafeRawBufferPointer(start: file.base, count: file.count))
    } catch {
        throw LMError.malformed(path: path, detail: "not valid JSON: \(error)")
    }
}

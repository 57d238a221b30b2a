#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension LlamaModel {
    /// Loads a GGUF file of the llama architecture. Weights stay memory-mapped, except Q and K,
    /// whose rows are copied back into Hugging Face order (GGUF permutes them for ggml's
    /// interleaved RoPE; see `RoPE`).
    public convenience init(gguf: GGUFFile) throws {
        let config = try LlamaConfig(gguf: gguf)
        let C = config.hiddenSize
        func weight(_ name: String, rows: Int, cols: Int) throws -> Weight {
            guard let info = gguf.tensor(name) else { throw LMError.missingTensor(path: gguf.path, name: name) }
            let expected = rows == 1 ? [cols] : [cols, rows]
            guard info.shape == expected else {
                throw LMError.badShape(path: gguf.path, name: name, expected: expected, found: info.shape)
            }
            let type = try gguf.type(of: info)
            return Weight(name: name, rows: rows, cols: cols, type: type, raw: gguf.data(info), owner: gguf.file)
        }
        func vector(_ name: String) throws -> Tensor {
            try weight(name, rows: 1, cols: C).f32(pool: .shared)
        }
        let embedding = try weight("token_embd.weight", rows: config.vocabularySize, cols: C)
        var blocks: [LlamaBlock] = []
        for l in 0..<config.layers {
            let p = "blk.\(l)."
            let q = try weight(p + "attn_q.weight", rows: config.qDim, cols: C)
            let k = try weight(p + "attn_k.weight", rows: config.kvDim, cols: C)
            blocks.append(
                LlamaBlock(
                    attentionNorm: try vector(p + "attn_norm.weight"),
                    q: Linear(
                        weight: q.reorderingRows(
                            LlamaModel.unpermuteOrder(heads: config.heads, headDim: config.headDim))),
                    k: Linear(
                        weight: k.reorderingRows(
                            LlamaModel.unpermuteOrder(heads: config.kvHeads, headDim: config.headDim))),
                    v: Linear(weight: try weight(p + "attn_v.weight", rows: config.kvDim, cols: C)),
                    o: Linear(weight: try weight(p + "attn_output.weight", rows: C, cols: config.qDim)),
                    mlpNorm: try vector(p + "ffn_norm.weight"),
                    gate: Linear(weight: try weight(p + "ffn_gate.weight", rows: config.intermediateSize, cols: C)),
                    up: Linear(weight: try weight(p + "ffn_up.weight", rows: config.intermediateSize, cols: C)),
                    down: Linear(weight: try weight(p + "ffn_down.weight", rows: C, cols: config.intermediateSize))))
        }
        let head =
            config.tieWordEmbeddings ? embedding : try weight("output.weight", rows: config.vocabularySize, cols: C)
        self.init(
            config: config, embedding: embedding, blocks: blocks, finalNorm: try vector("output_norm.weight"),
            head: head, source: gguf.path)
    }

    /// The source row of each Hugging Face row: GGUF row `h·hs + 2i + half` holds HF row
    /// `h·hs + half·hs/2 + i` (llama.cpp's `permute` in convert_hf_to_gguf.py).
    static func unpermuteOrder(heads: Int, headDim: Int) -> [Int] {
        var order = [Int](repeating: 0, count: heads * headDim)
        let half = headDim / 2
        for h in 0..<heads {
            for part in 0..<2 {
                for i in 0..<half { order[h * headDim + part * half + i] = h * headDim + 2 * i + part }
            }
        }
        return order
    }

    /// Loads a Hugging Face checkpoint directory: `config.json` and one or more `*.safetensors`
    /// files (F32, F16 or BF16), memory-mapped.
    public convenience init(huggingFaceDirectory directory: String) throws {
        let config = try LlamaConfig(huggingFaceConfig: directory + "/config.json")
        let files = try LlamaModel.safetensorsFiles(in: directory).map { try SafetensorsFile(path: $0) }
        var index: [String: (SafetensorsFile, SafetensorsInfo)] = [:]
        for f in files {
            for (name, info) in f.tensors { index[name] = (f, info) }
        }
        if index.keys.contains(where: { $0.hasSuffix("_proj.bias") }) {
            throw LMError.unsupported(
                path: directory, what: "projection biases (Qwen2-style q/k/v bias)", supported: "bias-free Llama layers"
            )
        }
        let C = config.hiddenSize
        func weight(_ name: String, rows: Int, cols: Int) throws -> Weight {
            guard let (file, info) = index[name] else { throw LMError.missingTensor(path: directory, name: name) }
            let expected = rows == 1 ? [cols] : [rows, cols]
            guard info.shape == expected else {
                throw LMError.badShape(path: file.path, name: name, expected: expected, found: info.shape)
            }
            return Weight(
                name: name, rows: rows, cols: cols, type: try file.type(of: info), raw: file.data(info),
                owner: file.file)
        }
        func vector(_ name: String) throws -> Tensor { try weight(name, rows: 1, cols: C).f32(pool: .shared) }
        let embedding = try weight("model.embed_tokens.weight", rows: config.vocabularySize, cols: C)
        var blocks: [LlamaBlock] = []
        for l in 0..<config.layers {
            let p = "model.layers.\(l)."
            blocks.append(
                LlamaBlock(
                    attentionNorm: try vector(p + "input_layernorm.weight"),
                    q: Linear(weight: try weight(p + "self_attn.q_proj.weight", rows: config.qDim, cols: C)),
                    k: Linear(weight: try weight(p + "self_attn.k_proj.weight", rows: config.kvDim, cols: C)),
                    v: Linear(weight: try weight(p + "self_attn.v_proj.weight", rows: config.kvDim, cols: C)),
                    o: Linear(weight: try weight(p + "self_attn.o_proj.weight", rows: C, cols: config.qDim)),
                    mlpNorm: try vector(p + "post_attention_layernorm.weight"),
                    gate: Linear(
                        weight: try weight(p + "mlp.gate_proj.weight", rows: config.intermediateSize, cols: C)),
                    up: Linear(weight: try weight(p + "mlp.up_proj.weight", rows: config.intermediateSize, cols: C)),
                    down: Linear(weight: try weight(p + "mlp.down_proj.weight", rows: C, cols: config.intermediateSize))
                ))
        }
        let head =
            config.tieWordEmbeddings || index["lm_head.weight"] == nil
            ? embedding : try weight("lm_head.weight", rows: config.vocabularySize, cols: C)
        self.init(
            config: config, embedding: embedding, blocks: blocks, finalNorm: try vector("model.norm.weight"),
            head: head,
            source: directory)
    }

    /// The safetensors files of a directory, in name order.
    static func safetensorsFiles(in directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw LMError.cannotOpen(path: directory, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".safetensors") { names.append(directory + "/" + name) }
        }
        guard !names.isEmpty else {
            throw LMError.cannotOpen(path: directory, reason: "no *.safetensors file in the directory")
        }
        return names.sorted()
    }
}

/// A model with its tokenizer, loaded from a `.gguf` file or a Hugging Face directory.
public struct LanguageModel: Sendable {
    public let model: LlamaModel
    public let tokenizer: Tokenizer

    public init(model: LlamaModel, tokenizer: Tokenizer) throws {
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw LMError.badTokenizer(
                "the tokenizer has \(tokenizer.vocabularySize) tokens but the model's vocabulary is \(model.config.vocabularySize)"
            )
        }
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Loads `path`: a GGUF file, or a directory with config.json, *.safetensors and tokenizer.json.
    public static func load(_ path: String) throws -> LanguageModel {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw LMError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return try LanguageModel(
                model: LlamaModel(huggingFaceDirectory: path), tokenizer: Tokenizer(huggingFaceDirectory: path))
        }
        let gguf = try GGUFFile(path: path)
        return try LanguageModel(model: LlamaModel(gguf: gguf), tokenizer: Tokenizer(gguf: gguf))
    }
}

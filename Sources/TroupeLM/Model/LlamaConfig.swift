import TroupeCore

/// The hyperparameters of a Llama-family model, validated when read (from GGUF metadata or a
/// Hugging Face `config.json`), so that no inconsistent shape reaches the numerics.
public struct LlamaConfig: Codable, Sendable, Equatable {
    /// C: the width of the residual stream.
    public var hiddenSize: Int
    /// H: the inner width of the MLP.
    public var intermediateSize: Int
    /// L: the number of transformer blocks.
    public var layers: Int
    /// NH: query heads.
    public var heads: Int
    /// NKV: key/value heads (grouped-query attention when fewer than NH).
    public var kvHeads: Int
    /// hs: the width of a head.
    public var headDim: Int
    /// V: the vocabulary size.
    public var vocabularySize: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float
    /// The longest sequence the model supports (positions 0..<contextLength).
    public var contextLength: Int
    public var tieWordEmbeddings: Bool

    public init(
        hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int, kvHeads: Int, headDim: Int? = nil,
        vocabularySize: Int, rmsNormEps: Float = 1e-5, ropeTheta: Float = 10_000, contextLength: Int = 2048,
        tieWordEmbeddings: Bool = true
    ) throws {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim ?? (heads > 0 ? hiddenSize / heads : 0)
        self.vocabularySize = vocabularySize
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.contextLength = contextLength
        self.tieWordEmbeddings = tieWordEmbeddings
        try validate()
    }

    /// Checks every rule the forward pass relies on.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw LMError.badConfig(message) } }
        for (name, value) in [
            ("hidden size", hiddenSize), ("intermediate size", intermediateSize), ("layer count", layers),
            ("head count", heads), ("key/value head count", kvHeads), ("head dimension", headDim),
            ("vocabulary size", vocabularySize), ("context length", contextLength),
        ] {
            try check(value > 0 && value < 1 << 24, "\(name) must be positive and reasonable, found \(value)")
        }
        try check(heads % kvHeads == 0, "head count \(heads) must be a multiple of the key/value head count \(kvHeads)")
        try check(headDim % 2 == 0, "head dimension \(headDim) must be even (RoPE rotates pairs)")
        try check(rmsNormEps > 0 && rmsNormEps < 1, "rms_norm_eps must be in (0, 1), found \(rmsNormEps)")
        try check(ropeTheta > 1, "rope_theta must be greater than 1, found \(ropeTheta)")
    }

    /// NH·hs, the width of the query projection.
    public var qDim: Int { heads * headDim }
    /// NKV·hs, the width of the key and value projections.
    public var kvDim: Int { kvHeads * headDim }

    /// Reads `{arch}.*` keys of a GGUF file (arch "llama").
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture")
        guard arch == "llama" else {
            throw LMError.unsupported(path: gguf.path, what: "architecture '\(arch)'", supported: "llama")
        }
        let heads = try gguf.int("llama.attention.head_count")
        let hidden = try gguf.int("llama.embedding_length")
        let vocab =
            gguf.metadata["llama.vocab_size"]?.int ?? gguf.metadata["tokenizer.ggml.tokens"]?.array?.count
            ?? gguf.tensor("token_embd.weight")?.shape.last ?? 0
        let headDim =
            gguf.metadata["llama.attention.key_length"]?.int ?? gguf.metadata["llama.rope.dimension_count"]?.int
        try self.init(
            hiddenSize: hidden, intermediateSize: try gguf.int("llama.feed_forward_length"),
            layers: try gguf.int("llama.block_count"), heads: heads,
            kvHeads: gguf.metadata["llama.attention.head_count_kv"]?.int ?? heads, headDim: headDim,
            vocabularySize: vocab,
            rmsNormEps: Float(try gguf.double("llama.attention.layer_norm_rms_epsilon")),
            ropeTheta: Float(gguf.metadata["llama.rope.freq_base"]?.double ?? 10_000),
            contextLength: gguf.metadata["llama.context_length"]?.int ?? 2048,
            tieWordEmbeddings: gguf.tensor("output.weight") == nil)
        if let scaling = gguf.metadata["llama.rope.scaling.type"]?.string, scaling != "none" {
            throw LMError.unsupported(path: gguf.path, what: "RoPE scaling '\(scaling)'", supported: "none")
        }
    }

    /// Reads a Hugging Face `config.json` (model_type llama, or qwen2/mistral without biases and
    /// sliding windows).
    public init(huggingFaceConfig path: String) throws {
        let json = try readJSON(path)
        let modelType = json["model_type"]?.stringValue ?? "?"
        guard ["llama", "mistral", "qwen2"].contains(modelType) else {
            throw LMError.unsupported(path: path, what: "model_type '\(modelType)'", supported: "llama, mistral, qwen2")
        }
        func int(_ key: String) throws -> Int {
            guard let v = json[key]?.intValue else { throw LMError.badConfig("\(path) has no integer '\(key)'") }
            return Int(v)
        }
        if let scaling = json["rope_scaling"], !scaling.isNull {
            throw LMError.unsupported(path: path, what: "rope_scaling \(scaling.serialized())", supported: "null")
        }
        // transformers ≥ 5 writes `rope_parameters: {rope_type, rope_theta}` instead of `rope_theta`.
        let rope = json["rope_parameters"]
        if let type = rope?["rope_type"]?.stringValue, type != "default" {
            throw LMError.unsupported(path: path, what: "rope_type '\(type)'", supported: "default")
        }
        let theta = json["rope_theta"]?.doubleValue ?? rope?["rope_theta"]?.doubleValue ?? 10_000
        if json["attention_bias"]?.boolValue == true || json["mlp_bias"]?.boolValue == true {
            throw LMError.unsupported(path: path, what: "attention or MLP biases", supported: "bias-free Llama layers")
        }
        let heads = try int("num_attention_heads")
        try self.init(
            hiddenSize: try int("hidden_size"), intermediateSize: try int("intermediate_size"),
            layers: try int("num_hidden_layers"), heads: heads,
            kvHeads: json["num_key_value_heads"]?.intValue.map(Int.init) ?? heads,
            headDim: json["head_dim"]?.intValue.map(Int.init), vocabularySize: try int("vocab_size"),
            rmsNormEps: Float(json["rms_norm_eps"]?.doubleValue ?? 1e-6),
            ropeTheta: Float(theta),
            contextLength: json["max_position_embeddings"]?.intValue.map(Int.init) ?? 2048,
            tieWordEmbeddings: json["tie_word_embeddings"]?.boolValue ?? false)
    }
}

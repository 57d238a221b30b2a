/// The weights of one transformer block (parameters only; activations live in the forward pass).
///
/// Shapes: norms [C]; q [NH·hs, C]; k, v [NKV·hs, C]; o [C, NH·hs]; gate, up [H, C]; down [C, H].
public struct LlamaBlock: Sendable {
    public var attentionNorm: Tensor
    public var q: Linear
    public var k: Linear
    public var v: Linear
    public var o: Linear
    public var mlpNorm: Tensor
    public var gate: Linear
    public var up: Linear
    public var down: Linear

    /// The seven projections by their Hugging Face names (q_proj … down_proj), for adapters.
    public var projections: [(name: String, linear: Linear)] {
        [
            ("q_proj", q), ("k_proj", k), ("v_proj", v), ("o_proj", o), ("gate_proj", gate), ("up_proj", up),
            ("down_proj", down),
        ]
    }
}

/// A Llama-architecture decoder (SmolLM2, Llama 3, bias-free Qwen2/Mistral), ported from
/// Hugging Face's `modeling_llama.py`: token embedding, L blocks of pre-norm attention with RoPE
/// and grouped-query heads plus a SwiGLU MLP, a final RMSNorm, and a head that may share the
/// embedding matrix (tied embeddings).
///
/// Weights stay in their stored form (memory-mapped where possible); see `Weight` for how
/// products choose between quantized kernels and OpenBLAS. The forward pass is in
/// `LlamaModel+Forward.swift`, loading in `LlamaModel+Load.swift`.
///
/// Invariant: every weight's shape matches `config` (checked by the loaders). Not thread-safe for
/// concurrent forward passes; run one at a time (batch requests instead).
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    /// E [V, C]: the token embedding.
    public let embedding: Weight
    public var blocks: [LlamaBlock]
    /// [C]
    public let finalNorm: Tensor
    /// [V, C]: `embedding` itself when the embeddings are tied.
    public var head: Linear
    public let rope: RoPE
    public var projector: Projector
    /// Where the weights came from (a file or directory), for messages.
    public let source: String

    init(config: LlamaConfig, embedding: Weight, blocks: [LlamaBlock], finalNorm: Tensor, head: Weight, source: String)
    {
        self.config = config
        self.embedding = embedding
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.head = Linear(weight: head)
        self.rope = RoPE(headDim: config.headDim, theta: config.ropeTheta)
        self.projector = Projector(pool: .shared, quantizedTokenLimit: .max)
        self.source = source
    }

    /// The worker pool the kernels use.
    public var pool: WorkerPool {
        get { projector.pool }
        set { projector.pool = newValue }
    }

    /// Parameter count (embedding counted once when tied).
    public var parameterCount: Int {
        let c = config
        let block =
            2 * c.hiddenSize + c.hiddenSize * (c.qDim + 2 * c.kvDim) + c.qDim * c.hiddenSize
            + 3 * c.hiddenSize * c.intermediateSize
        return c.vocabularySize * c.hiddenSize * (c.tieWordEmbeddings ? 1 : 2) + c.layers * block + c.hiddenSize
    }

    /// Bytes of the stored weights (what one decode step reads).
    public var weightBytes: Int {
        var total = embedding.rows * embedding.rowBytes
        if head.weight !== embedding { total += head.weight.rows * head.weight.rowBytes }
        for b in blocks {
            for (_, l) in b.projections { total += l.weight.rows * l.weight.rowBytes }
        }
        return total
    }
}

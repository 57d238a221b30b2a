import Foundation
import TroupeCore
import TroupeLM

/// llama.cpp LoRA adapters (GGUF, `general.type = adapter`), as `convert_lora_to_gguf.py`
/// writes them: tensors `blk.N.attn_q.weight.lora_a` with ne [in, r] and `.lora_b` with
/// ne [r, out] (the same bytes as PEFT's A [r, in] and B [out, r]), f32, and
/// `adapter.lora.alpha`. llama.cpp applies `scale = alpha / r` (no rsLoRA flag exists), so an
/// rsLoRA adapter is written with alpha·√r.
///
/// B of q_proj and k_proj is permuted into llama.cpp's row order (its GGUF base models store Q
/// and K rows permuted for interleaved RoPE; the converter permutes lora_B the same way).
extension LoRAModel {
    static let ggufNames = [
        "q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output", "gate_proj": "ffn_gate",
        "up_proj": "ffn_up", "down_proj": "ffn_down",
    ]

    /// Writes the adapter as a llama.cpp LoRA GGUF (atomically). A reward model's score head
    /// has no llama.cpp counterpart and is not written.
    public func saveLlamaCpp(to path: String) throws {
        var alphas = Set<Float>()
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("general.type", .string("adapter"))
        writer.set("general.name", .string("Troupe LoRA adapter"))
        writer.set("adapter.type", .string("lora"))
        for (l, modules) in layers.enumerated() {
            for module in LoRAConfig.allModules {
                guard let layer = modules[module] else { continue }
                // llama.cpp's scale is alpha / r with r = lora_b's ne[0]: alpha = scaling · r.
                alphas.insert(layer.scaling * Float(layer.rank))
                let base = "blk.\(l).\(LoRAModel.ggufNames[module]!).weight"
                var b = layer.b.values
                if module == "q_proj" || module == "k_proj" {
                    let heads = module == "q_proj" ? modelConfig.heads : modelConfig.kvHeads
                    b = LoRAModel.permuteRows(b, heads: heads, headDim: modelConfig.headDim, columns: layer.rank)
                }
                try writer.addTensor(
                    base + ".lora_a", shape: [layer.inFeatures, layer.rank], type: .f32, values: layer.a.values)
                try writer.addTensor(base + ".lora_b", shape: [layer.rank, layer.outFeatures], type: .f32, values: b)
            }
        }
        guard alphas.count <= 1 else {
            throw TrainError.badAdapter(
                path: path,
                detail: "llama.cpp adapters carry one alpha, but these layers have different alpha/r scalings")
        }
        writer.set("adapter.lora.alpha", .float32(alphas.first ?? Float(config.alpha)))
        do { try writer.write(to: path) } catch { throw TrainError.cannotWrite(path: path, reason: "\(error)") }
    }

    /// Rows of a [heads·hs, columns] matrix in llama.cpp's order: its row h·hs + 2i + j holds
    /// Hugging Face row h·hs + j·hs/2 + i (convert_hf_to_gguf.py's `permute`).
    static func permuteRows(_ values: [Float], heads: Int, headDim: Int, columns: Int) -> [Float] {
        var out = values
        let half = headDim / 2
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let to = h * headDim + 2 * i + j, from = h * headDim + j * half + i
                    for c in 0..<columns { out[to * columns + c] = values[from * columns + c] }
                }
            }
        }
        return out
    }
}

/// The base model with adapters merged in (W + s·B·A), written as a Hugging Face checkpoint:
/// `config.json` and `model.safetensors` (F32 or BF16, Q/K in Hugging Face order), plus the
/// tokenizer files when the base is a Hugging Face directory. Quantized GGUF weights are
/// dequantized first, so the merged model is exact in f32.
public enum MergedExport {
    public static func write(
        model: LlamaModel, lora: LoRAModel?, to directory: String, type: TensorType = .f32
    ) throws {
        try FileIO.makeDirectory(directory)
        let c = model.config
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        func add(_ name: String, _ weight: Weight, adapter: LoRALayer?) throws {
            var values = weight.f32(pool: model.pool).values
            if let adapter {
                // W += s · B · A, [out, r] × [r, in].
                values.withUnsafeMutableBufferPointer { w in
                    BLAS.gemm(
                        adapter.b.data, adapter.a.data, w.baseAddress!, m: adapter.outFeatures, n: adapter.inFeatures,
                        k: adapter.rank, alpha: adapter.scaling, beta: 1)
                }
            }
            try writer.add(name, shape: [weight.rows, weight.cols], values: values, type: type)
        }
        try add("model.embed_tokens.weight", model.embedding, adapter: nil)
        for (l, block) in model.blocks.enumerated() {
            let p = "model.layers.\(l)."
            try writer.add(
                p + "input_layernorm.weight", shape: [c.hiddenSize], values: block.attentionNorm.values, type: type)
            try writer.add(
                p + "post_attention_layernorm.weight", shape: [c.hiddenSize], values: block.mlpNorm.values, type: type)
            for (module, linear) in block.projections {
                try add(LoRAModel.modulePath(l, module) + ".weight", linear.weight, adapter: lora?.layers[l][module])
            }
        }
        try writer.add("model.norm.weight", shape: [c.hiddenSize], values: model.finalNorm.values, type: type)
        if !c.tieWordEmbeddings { try add("lm_head.weight", model.head.weight, adapter: nil) }
        do { try writer.write(to: directory + "/model.safetensors") } catch {
            throw TrainError.cannotWrite(path: directory + "/model.safetensors", reason: "\(error)")
        }
        let config: JSONValue = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": .number(c.hiddenSize),
            "intermediate_size": .number(c.intermediateSize), "num_hidden_layers": .number(c.layers),
            "num_attention_heads": .number(c.heads), "num_key_value_heads": .number(c.kvHeads),
            "head_dim": .number(c.headDim), "vocab_size": .number(c.vocabularySize),
            "rms_norm_eps": .number(Double(c.rmsNormEps)), "rope_theta": .number(Double(c.ropeTheta)),
            "max_position_embeddings": .number(c.contextLength), "tie_word_embeddings": .bool(c.tieWordEmbeddings),
            "hidden_act": "silu", "attention_bias": false, "mlp_bias": false, "rope_scaling": nil,
            "torch_dtype": type == .bf16 ? "bfloat16" : "float32",
        ]
        try FileIO.write(config.serialized() + "\n", to: directory + "/config.json")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model.source, isDirectory: &isDirectory), isDirectory.boolValue {
            for name in [
                "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
            ] {
                let from = model.source + "/" + name, to = directory + "/" + name
                if FileIO.exists(from) {
                    try? FileManager.default.removeItem(atPath: to)
                    try FileManager.default.copyItem(atPath: from, toPath: to)
                }
            }
        }
    }
}

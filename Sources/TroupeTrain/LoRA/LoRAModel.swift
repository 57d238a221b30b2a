import Foundation
import TroupeCore
import TroupeLM

/// A trainable parameter with its gradient, named as PEFT names it in `adapter_model.safetensors`.
public struct Parameter: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let gradient: Tensor
    /// Whether AdamW's weight decay applies (Hugging Face's Trainer decays every weight matrix).
    public let decay: Bool
}

/// The LoRA adapters of one model: one `LoRALayer` per (block, target module), plus, for a
/// reward model, the scalar score head.
///
/// Who uses it: the trainer (parameters, gradients), the exporters and loaders (PEFT, GGUF), and
/// anything that runs the model with an adapter (`install(on:)`). The model's base weights are
/// never changed; `install` only sets each projection's adapter slot.
public final class LoRAModel: @unchecked Sendable {
    public let config: LoRAConfig
    public let modelConfig: LlamaConfig
    /// layers[l][module] for the adapted blocks and modules.
    public private(set) var layers: [[String: LoRALayer]]
    /// A reward model's head: score [C] (PEFT saves it as `score.weight` [1, C]), and its gradient.
    public private(set) var score: (value: Tensor, gradient: Tensor)?

    /// Fresh adapters for `modelConfig` (A as PEFT initializes it from `seed`, B zero).
    public init(config: LoRAConfig, modelConfig: LlamaConfig, seed: UInt64) throws {
        self.config = config
        self.modelConfig = modelConfig
        let blocks = config.layers ?? Array(0..<modelConfig.layers)
        for l in blocks where !(0..<modelConfig.layers).contains(l) {
            throw TrainError.badConfig("lora layer \(l) is outside the model's \(modelConfig.layers) blocks")
        }
        var rng = SeededRNG(seed: seed, stream: "lora-init")
        layers = Array(repeating: [:], count: modelConfig.layers)
        for l in blocks.sorted() {
            for module in LoRAConfig.allModules where config.targetModules.contains(module) {
                let (out, inp) = LoRAModel.shape(module, modelConfig)
                let layer = LoRALayer(
                    inFeatures: inp, outFeatures: out, rank: config.r, scaling: config.scaling,
                    dropout: Float(config.dropout))
                layer.initialize(&rng)
                layers[l][module] = layer
            }
        }
    }

    /// [out, in] of a projection.
    public static func shape(_ module: String, _ c: LlamaConfig) -> (out: Int, in: Int) {
        switch module {
        case "q_proj": return (c.qDim, c.hiddenSize)
        case "k_proj", "v_proj": return (c.kvDim, c.hiddenSize)
        case "o_proj": return (c.hiddenSize, c.qDim)
        case "gate_proj", "up_proj": return (c.intermediateSize, c.hiddenSize)
        default: return (c.hiddenSize, c.intermediateSize)  // down_proj
        }
    }

    /// The Hugging Face module path of a projection in block l (without the PEFT prefix).
    public static func modulePath(_ l: Int, _ module: String) -> String {
        let group = ["q_proj", "k_proj", "v_proj", "o_proj"].contains(module) ? "self_attn" : "mlp"
        return "model.layers.\(l).\(group).\(module)"
    }

    /// Adds a reward model's score head, initialized N(0, σ²) as `LlamaForSequenceClassification`
    /// does with `initializer_range` σ = 0.02.
    public func addScoreHead(seed: UInt64, std: Double = 0.02) {
        var rng = SeededRNG(seed: seed, stream: "score-head")
        let value = Tensor([modelConfig.hiddenSize])
        for i in 0..<value.count {
            // Box–Muller
            let u1 = max(rng.double(), 1e-300), u2 = rng.double()
            value[i] = Float(std * (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
        }
        score = (value, Tensor([modelConfig.hiddenSize]))
    }

    /// Sets a score head from values (a loaded reward model).
    public func setScoreHead(_ values: [Float]) throws {
        guard values.count == modelConfig.hiddenSize else {
            throw TrainError.badConfig(
                "score head has \(values.count) values, the model's width is \(modelConfig.hiddenSize)")
        }
        score = (Tensor([values.count], values: values), Tensor([values.count]))
    }

    /// Every trainable parameter in a fixed order (blocks, then modules in `allModules` order, A
    /// before B, then the score head), with PEFT's tensor names.
    public var parameters: [Parameter] {
        var out: [Parameter] = []
        for (l, modules) in layers.enumerated() {
            for module in LoRAConfig.allModules {
                guard let layer = modules[module] else { continue }
                let path = "base_model.model." + LoRAModel.modulePath(l, module)
                out.append(Parameter(name: path + ".lora_A.weight", value: layer.a, gradient: layer.gradA, decay: true))
                out.append(Parameter(name: path + ".lora_B.weight", value: layer.b, gradient: layer.gradB, decay: true))
            }
        }
        if let score {
            out.append(
                Parameter(
                    name: "base_model.model.score.weight", value: score.value, gradient: score.gradient, decay: true))
        }
        return out
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    public func zeroGradients() { for p in parameters { p.gradient.zero() } }

    /// Puts these adapters into `model`'s projections (replacing any others).
    public func install(on model: LlamaModel) throws {
        guard model.config == modelConfig else {
            throw TrainError.badAdapter(path: model.source, detail: "the adapters were made for another model shape")
        }
        for l in 0..<model.blocks.count {
            let modules = layers[l]
            model.blocks[l].q.adapter = modules["q_proj"]
            model.blocks[l].k.adapter = modules["k_proj"]
            model.blocks[l].v.adapter = modules["v_proj"]
            model.blocks[l].o.adapter = modules["o_proj"]
            model.blocks[l].gate.adapter = modules["gate_proj"]
            model.blocks[l].up.adapter = modules["up_proj"]
            model.blocks[l].down.adapter = modules["down_proj"]
        }
    }

    /// Removes every adapter from `model`.
    public static func uninstall(from model: LlamaModel) {
        for l in 0..<model.blocks.count {
            model.blocks[l].q.adapter = nil
            model.blocks[l].k.adapter = nil
            model.blocks[l].v.adapter = nil
            model.blocks[l].o.adapter = nil
            model.blocks[l].gate.adapter = nil
            model.blocks[l].up.adapter = nil
            model.blocks[l].down.adapter = nil
        }
    }

    /// A frozen copy (same config and values; used as DPO's reference when training continues
    /// from an existing adapter).
    public func copy() throws -> LoRAModel {
        let other = try LoRAModel(config: config, modelConfig: modelConfig, seed: 0)
        for (mine, theirs) in zip(parameters, other.parameters) {
            theirs.value.data.update(from: mine.value.data, count: mine.value.count)
        }
        if let score {
            try other.setScoreHead(score.value.values)
        }
        return other
    }

    /// A model with no adapters yet (the loaders fill it with `setLayer`).
    init(empty config: LoRAConfig, modelConfig: LlamaConfig) {
        self.config = config
        self.modelConfig = modelConfig
        layers = Array(repeating: [:], count: modelConfig.layers)
    }

    /// Replaces adapters (used by the loaders).
    func setLayer(_ layer: LoRALayer, block l: Int, module: String) { layers[l][module] = layer }
}

import Foundation
import TroupeCore
import TroupeLM

/// PEFT adapter directories: `adapter_config.json` and `adapter_model.safetensors`, exactly as
/// PEFT writes them (tensor names `base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`,
/// shapes A [r, in] and B [out, r], Q/K rows in Hugging Face order). PEFT, vLLM and
/// llama.cpp's `convert_lora_to_gguf.py` load them.
extension LoRAModel {
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"

    /// Writes the adapter to `directory` (created if needed; each file written atomically).
    /// `baseModel` goes to `base_model_name_or_path` (PEFT and vLLM only record it).
    public func savePEFT(to directory: String, baseModel: String) throws {
        try FileIO.makeDirectory(directory)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for p in parameters {
            let shape = p.name.hasSuffix("score.weight") ? [1, p.value.count] : p.value.shape
            try writer.add(p.name, shape: shape, values: p.value.values)
        }
        do {
            try writer.write(to: directory + "/" + LoRAModel.weightsFile)
        } catch {
            throw TrainError.cannotWrite(path: directory + "/" + LoRAModel.weightsFile, reason: "\(error)")
        }
        try FileIO.write(
            peftConfig(baseModel: baseModel).canonicalString() + "\n", to: directory + "/" + LoRAModel.configFile)
    }

    /// adapter_config.json's fields (PEFT's `LoraConfig` with its defaults for the rest).
    func peftConfig(baseModel: String) -> JSONValue {
        var rankPattern = JSONObject(), alphaPattern = JSONObject()
        for (l, modules) in layers.enumerated() {
            for (module, layer) in modules
            where layer.rank != config.r || abs(Double(layer.scaling) - Double(config.scaling)) > 1e-6 {
                let key = LoRAModel.modulePath(l, module)
                rankPattern[key] = .number(layer.rank)
                let alpha =
                    config.useRSLoRA
                    ? Double(layer.scaling) * Double(layer.rank).squareRoot()
                    : Double(layer.scaling) * Double(layer.rank)
                alphaPattern[key] = .number(alpha)
            }
        }
        let targets = LoRAConfig.allModules.filter { m in layers.contains { $0[m] != nil } }
        let adapted = layers.indices.filter { !layers[$0].isEmpty }
        return [
            "alpha_pattern": .object(alphaPattern), "auto_mapping": nil, "base_model_name_or_path": .string(baseModel),
            "bias": "none", "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true,
            "layers_pattern": nil,
            "layers_to_transform": adapted.count == modelConfig.layers ? nil : .array(adapted.map { .number($0) }),
            "lora_alpha": .number(config.alpha), "lora_dropout": .number(config.dropout),
            "modules_to_save": score == nil ? nil : ["score"], "peft_type": "LORA", "r": .number(config.r),
            "rank_pattern": .object(rankPattern), "revision": nil,
            "target_modules": .array(targets.map { .string($0) }),
            "task_type": score == nil ? "CAUSAL_LM" : "SEQ_CLS", "use_dora": false,
            "use_rslora": .bool(config.useRSLoRA),
        ]
    }

    /// Loads a PEFT LoRA adapter directory (Troupe's or one PEFT wrote) for a model of shape
    /// `modelConfig`. Supports per-module ranks and alphas (`rank_pattern`, `alpha_pattern`),
    /// rsLoRA, F32/F16/BF16 tensors, and a `score` head (`modules_to_save`); rejects what would
    /// change the math silently (DoRA, biases, fan_in_fan_out, other saved modules).
    public static func loadPEFT(_ directory: String, modelConfig: LlamaConfig) throws -> LoRAModel {
        let configPath = directory + "/" + configFile
        guard FileIO.exists(configPath) else {
            throw TrainError.badAdapter(path: directory, detail: "no \(configFile): not a PEFT adapter directory")
        }
        let json: JSONValue
        do { json = try FileIO.readJSON(configPath) } catch {
            throw TrainError.badAdapter(path: configPath, detail: "not valid JSON: \(error)")
        }
        func fail(_ detail: String) -> TrainError { TrainError.badAdapter(path: directory, detail: detail) }
        if let type = json["peft_type"]?.stringValue, type != "LORA" {
            throw fail("peft_type is \(type); only LORA adapters are supported")
        }
        if json["use_dora"]?.boolValue == true { throw fail("DoRA adapters (use_dora) are not supported") }
        if json["fan_in_fan_out"]?.boolValue == true {
            throw fail("fan_in_fan_out adapters (GPT-2 Conv1D) are not supported")
        }
        if let bias = json["bias"]?.stringValue, bias != "none" {
            throw fail("bias '\(bias)' is not supported (only none)")
        }
        let saved = (json["modules_to_save"]?.arrayValue ?? []).compactMap(\.stringValue)
        for m in saved where m != "score" {
            throw fail("modules_to_save '\(m)' is not supported (only a reward model's 'score')")
        }
        let r = Int(json["r"]?.intValue ?? 8)
        let alpha = json["lora_alpha"]?.doubleValue ?? 8
        let rs = json["use_rslora"]?.boolValue ?? false
        let dropout = json["lora_dropout"]?.doubleValue ?? 0
        let rankPattern = json["rank_pattern"]?.objectValue ?? [:]
        let alphaPattern = json["alpha_pattern"]?.objectValue ?? [:]

        let weightsPath = directory + "/" + weightsFile
        guard FileIO.exists(weightsPath) else {
            throw fail(
                "no \(weightsFile) (adapter_model.bin, PyTorch's pickle format, is not read; re-save with safe_serialization=True)"
            )
        }
        let file = try SafetensorsFile(path: weightsPath)
        // module path -> (A, B)
        var pairs: [String: (a: SafetensorsInfo?, b: SafetensorsInfo?)] = [:]
        var scoreInfo: SafetensorsInfo?
        for (name, info) in file.tensors {
            var n = name
            if n.hasPrefix("base_model.model.") { n.removeFirst("base_model.model.".count) }
            n = n.replacingOccurrences(of: ".default.", with: ".")
            if n == "score.weight" || n == "score.modules_to_save.weight" {
                scoreInfo = info
                continue
            }
            for (suffix, isA) in [(".lora_A.weight", true), (".lora_B.weight", false)] where n.hasSuffix(suffix) {
                let path = String(n.dropLast(suffix.count))
                var entry = pairs[path] ?? (nil, nil)
                if isA { entry.a = info } else { entry.b = info }
                pairs[path] = entry
            }
            if !n.hasSuffix(".lora_A.weight") && !n.hasSuffix(".lora_B.weight") {
                throw fail("tensor '\(name)' is not a LoRA weight this loader understands")
            }
        }
        guard !pairs.isEmpty || scoreInfo != nil else { throw fail("\(weightsFile) holds no LoRA tensors") }
        var modules = Set<String>()
        var blocks = Set<Int>()
        var found: [(l: Int, module: String, a: SafetensorsInfo, b: SafetensorsInfo, path: String)] = []
        for (path, pair) in pairs {
            let parts = path.split(separator: ".")
            guard parts.count == 5, parts[0] == "model", parts[1] == "layers", let l = Int(parts[2]),
                LoRAConfig.allModules.contains(String(parts[4])), l >= 0, l < modelConfig.layers
            else {
                throw fail("module '\(path)' is not a projection of this \(modelConfig.layers)-block Llama model")
            }
            guard let a = pair.a, let b = pair.b else { throw fail("module '\(path)' lacks its lora_A or lora_B") }
            let module = String(parts[4])
            modules.insert(module)
            blocks.insert(l)
            found.append((l, module, a, b, path))
        }
        let config = try LoRAConfig(
            r: r, alpha: alpha, dropout: dropout, useRSLoRA: rs,
            targetModules: LoRAConfig.allModules.filter { modules.contains($0) }.nilIfEmpty ?? LoRAConfig.allModules,
            layers: blocks.count == modelConfig.layers || blocks.isEmpty ? nil : blocks.sorted())
        let model = LoRAModel(empty: config, modelConfig: modelConfig)
        func pattern(_ patterns: JSONObject, _ path: String, module: String) -> JSONValue? {
            // PEFT matches a pattern key against the module path's end.
            patterns.first { key, _ in path == key || path.hasSuffix("." + key) }?.value
        }
        for m in found {
            let (out, inp) = LoRAModel.shape(m.module, modelConfig)
            let rank = m.a.shape.first ?? 0
            guard m.a.shape == [rank, inp], m.b.shape == [out, rank], rank > 0 else {
                throw fail(
                    "\(m.path): lora_A \(m.a.shape) and lora_B \(m.b.shape) do not fit [r, \(inp)] and [\(out), r]")
            }
            if let expected = pattern(rankPattern, m.path, module: m.module)?.intValue, Int(expected) != rank {
                throw fail("\(m.path) has rank \(rank) but rank_pattern says \(expected)")
            }
            let a = pattern(alphaPattern, m.path, module: m.module)?.doubleValue ?? alpha
            let scaling = Float(rs ? a / Double(rank).squareRoot() : a / Double(rank))
            let layer = LoRALayer(
                inFeatures: inp, outFeatures: out, rank: rank, scaling: scaling, dropout: Float(dropout))
            let av = try FileIO.floats(file, m.a), bv = try FileIO.floats(file, m.b)
            layer.a.data.update(from: av, count: av.count)
            layer.b.data.update(from: bv, count: bv.count)
            model.setLayer(layer, block: m.l, module: m.module)
        }
        if let scoreInfo {
            guard scoreInfo.elementCount == modelConfig.hiddenSize else {
                throw fail("score.weight has shape \(scoreInfo.shape); a reward head is [1, \(modelConfig.hiddenSize)]")
            }
            try model.setScoreHead(try FileIO.floats(file, scoreInfo))
        }
        return model
    }
}

extension Array {
    var nilIfEmpty: [Element]? { isEmpty ? nil : self }
}

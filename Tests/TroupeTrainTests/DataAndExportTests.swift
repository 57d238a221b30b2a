import Foundation
import Testing
import TroupeCore

@testable import TroupeLM
@testable import TroupeTrain

/// JSONL formats (TRL's and OpenRLHF's), templates, truncation, errors with line numbers; adapter
/// files (PEFT round trip, llama.cpp GGUF layout, merged model).
@Suite struct DataAndExportTests {
    static let lm = try! Fixtures.tinyModel()

    static func formatter(_ change: (inout DataFormat) -> Void = { _ in }) throws -> ExampleFormatter {
        var f = DataFormat()
        change(&f)
        return try ExampleFormatter(tokenizer: lm.tokenizer, template: try lm.tokenizer.chatTemplate(), format: f)
    }

    static func write(_ lines: [String]) -> String {
        let path = Fixtures.temporaryDirectory("data") + "/data.jsonl"
        try! lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func conversationalPairFollowsTheTemplate() throws {
        let f = try Self.formatter()
        let e = try f.preference(
            try JSONValue.parse(
                #"{"prompt": [{"role": "user", "content": "Hi?"}], "chosen": [{"role": "assistant", "content": "Yes."}], "rejected": [{"role": "assistant", "content": "No."}]}"#
            ))
        let t = Self.lm.tokenizer
        #expect(try t.decode(e.prompt).hasSuffix("<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\n"))
        #expect(try t.decode(e.chosen) == "Yes.<|im_end|>\n")  // TRL keeps the newline after <|im_end|>
        #expect(try t.decode(e.rejected) == "No.<|im_end|>\n")
        // The implicit-prompt form gives the same pair.
        let implicit = try f.preference(
            try JSONValue.parse(
                #"{"chosen": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Yes."}], "rejected": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "No."}]}"#
            ))
        #expect(implicit == e)
    }

    @Test func stringPairGetsEOS() throws {
        let e = try Self.formatter().preference(
            try JSONValue.parse(#"{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}"#))
        #expect(e.chosen.last == Self.lm.tokenizer.eosID)
        #expect(e.prompt == Self.lm.tokenizer.encode("The sky is"))
    }

    @Test func messagesLearnOnlyAssistantTurns() throws {
        let e = try Self.formatter().sft(
            try JSONValue.parse(
                #"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}"#
            ))
        let t = Self.lm.tokenizer
        let learned = zip(e.completion, e.weights).filter { $0.1 > 0 }.map(\.0)
        #expect(try t.decode(learned) == "b<|im_end|>\nd<|im_end|>\n")
        #expect(
            try t.decode(e.prompt + e.completion)
                == (try t.chatTemplate().render(
                    [
                        .init(role: "user", content: "a"), .init(role: "assistant", content: "b"),
                        .init(role: "user", content: "c"), .init(role: "assistant", content: "d"),
                    ],
                    addGenerationPrompt: false)))
    }

    /// TriPosT's weighting: the completion from "\nFeedback:" on weighs 1.5.
    @Test func sectionWeights() throws {
        let f = try Self.formatter {
            $0.sectionStart = "\nFeedback:"
            $0.sectionWeight = 1.5
        }
        let e = try f.sft(try JSONValue.parse(#"{"text": "Q: 1+1?\nAnswer: 3\nFeedback: wrong"}"#))
        let t = Self.lm.tokenizer
        let heavy = zip(e.completion, e.weights).filter { $0.1 == 1.5 }.map(\.0)
        #expect(try t.decode(heavy).hasPrefix("\nFeedback: wrong"))
        #expect(e.weights.first == 1)
    }

    /// Over-long examples are truncated by the documented rule, never dropped, and reported.
    @Test func truncationKeepsEveryExample() throws {
        let f = try Self.formatter {
            $0.maxLength = 16
            $0.maxPromptLength = 6
        }
        let long = String(repeating: "word ", count: 40)
        let path = Self.write([
            #"{"prompt": "\#(long)", "chosen": "\#(long)", "rejected": "short"}"#,
            #"{"prompt": "hi", "chosen": "a", "rejected": "b"}"#,
        ])
        let (pairs, report) = try JSONLDataset.preferences(path, formatter: f)
        #expect(pairs.count == 2)
        #expect(report.truncatedLines == [1])
        #expect(pairs[0].prompt.count == 6)
        #expect(pairs[0].prompt == Array(Self.lm.tokenizer.encode(long).suffix(6)))  // the prompt keeps its end
        #expect(pairs[0].prompt.count + pairs[0].chosen.count == 16)  // the completion keeps its start
        #expect(!pairs[1].truncated)
    }

    @Test(arguments: [
        (#"{"prompt": "a", "chosen": "#, 2, "not valid JSON"),
        (#"[1, 2]"#, 2, "expected a JSON object"),
        (#"{"prompt": "a", "chosen": "b"}"#, 2, "needs \"chosen\" and \"rejected\""),
        (#"{"prompt": "a", "chosen": 3, "rejected": "b"}"#, 2, "must be strings or message lists"),
        (
            #"{"prompt": [{"role": "robot", "content": "x"}], "chosen": [{"role": "assistant", "content": "y"}], "rejected": [{"role": "assistant", "content": "z"}]}"#,
            2, "role 'robot'"
        ),
    ])
    func malformedLinesNameTheirLine(_ line: String, _ number: Int, _ message: String) throws {
        let path = Self.write([#"{"prompt": "ok", "chosen": "a", "rejected": "b"}"#, line])
        do {
            _ = try JSONLDataset.preferences(path, formatter: try Self.formatter())
            Issue.record("accepted a malformed line")
        } catch let TrainError.badData(_, n, m) {
            #expect(n == number)
            #expect(m.contains(message), "\(m)")
        }
    }

    @Test func emptyFileIsAnError() throws {
        #expect(throws: TrainError.self) {
            _ = try JSONLDataset.sft(Self.write(["", "  "]), formatter: try Self.formatter())
        }
        #expect(throws: TrainError.self) {
            _ = try JSONLDataset.sft("/nonexistent/file.jsonl", formatter: try Self.formatter())
        }
    }

    /// Our PEFT directory loads back with the same values and the same logits.
    @Test func peftRoundTrip() throws {
        let lm = try Fixtures.tinyModel()
        let lora = try LoRAModel(
            config: LoRAConfig(r: 3, alpha: 5, useRSLoRA: true, targetModules: ["q_proj", "down_proj"]),
            modelConfig: lm.model.config, seed: 9)
        for p in lora.parameters {
            p.value.data.update(from: randomFloats(p.value.count, seed: 3, scale: 0.1), count: p.value.count)
        }
        let dir = Fixtures.temporaryDirectory("peft")
        try lora.savePEFT(to: dir, baseModel: "tiny")
        let config = try FileIO.readJSON(dir + "/adapter_config.json")
        #expect(config["target_modules"] == ["q_proj", "down_proj"])
        #expect(config["use_rslora"] == true)
        #expect(config["peft_type"] == "LORA")
        let back = try LoRAModel.loadPEFT(dir, modelConfig: lm.model.config)
        #expect(back.parameters.map(\.name) == lora.parameters.map(\.name))
        #expect(back.parameters.map(\.value.values) == lora.parameters.map(\.value.values))
        #expect(back.layers[0]["q_proj"]!.scaling == lora.layers[0]["q_proj"]!.scaling)
        let ids = [5, 9, 30, 2, 77]
        try lora.install(on: lm.model)
        let a = try lm.model.forward(tokens: ids).values
        try back.install(on: lm.model)
        #expect(try lm.model.forward(tokens: ids).values == a)
        // Adapters change the output; uninstalled, the base returns.
        LoRAModel.uninstall(from: lm.model)
        #expect(try lm.model.forward(tokens: ids).values != a)
    }

    @Test func peftLoaderRejectsWhatItCannotApply() throws {
        let dir = Fixtures.temporaryDirectory("peft-bad")
        try FileManager.default.copyItem(
            atPath: Fixtures.path("lora-init/adapter_model.safetensors"), toPath: dir + "/adapter_model.safetensors")
        for (config, message) in [
            (#"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "use_dora": true}"#, "DoRA"),
            (#"{"peft_type": "PREFIX_TUNING"}"#, "only LORA"),
            (#"{"r": 4, "lora_alpha": 8, "modules_to_save": ["lm_head"]}"#, "modules_to_save"),
        ] {
            try config.write(toFile: dir + "/adapter_config.json", atomically: true, encoding: .utf8)
            #expect {
                _ = try LoRAModel.loadPEFT(dir, modelConfig: Self.lm.model.config)
            } throws: { error in "\(error)".contains(message) }
        }
        #expect(throws: TrainError.self) {
            _ = try LoRAModel.loadPEFT("/nonexistent", modelConfig: Self.lm.model.config)
        }
    }

    /// The llama.cpp adapter: names, ne shapes, alpha, and q/k lora_b in llama.cpp's row order
    /// (what convert_lora_to_gguf.py produces).
    @Test func llamaCppAdapterLayout() throws {
        let c = Self.lm.model.config
        let lora = try LoRAModel(config: LoRAConfig(r: 2, alpha: 4, useRSLoRA: true), modelConfig: c, seed: 1)
        for p in lora.parameters {
            p.value.data.update(from: randomFloats(p.value.count, seed: 8), count: p.value.count)
        }
        let path = Fixtures.temporaryDirectory("gguf") + "/adapter.gguf"
        try lora.saveLlamaCpp(to: path)
        let gguf = try GGUFFile(path: path)
        #expect(gguf.metadata["general.type"]?.string == "adapter")
        #expect(gguf.metadata["adapter.type"]?.string == "lora")
        // rsLoRA: alpha' = alpha·√r so that llama.cpp's alpha'/r equals alpha/√r.
        #expect(abs(Double(gguf.metadata["adapter.lora.alpha"]!.double!) - 4 * 2.0.squareRoot()) < 1e-5)
        let a = gguf.tensor("blk.1.attn_k.weight.lora_a")!, b = gguf.tensor("blk.1.attn_k.weight.lora_b")!
        #expect(a.shape == [c.hiddenSize, 2])
        #expect(b.shape == [2, c.kvDim])
        var stored = [Float](repeating: 0, count: b.elementCount)
        stored.withUnsafeMutableBufferPointer {
            Dequantize.row(.f32, from: gguf.data(b), to: $0.baseAddress!, count: b.elementCount)
        }
        // Undoing llama.cpp's permutation gives back our (Hugging Face order) B.
        let order = LlamaModel.unpermuteOrder(heads: c.kvHeads, headDim: c.headDim)
        let hf = lora.layers[1]["k_proj"]!.b.values
        var undone = [Float](repeating: 0, count: hf.count)
        for row in 0..<c.kvDim {
            for col in 0..<2 { undone[row * 2 + col] = stored[order[row] * 2 + col] }
        }
        #expect(undone == hf)
        #expect(gguf.tensors.count == 2 * 7 * c.layers)
    }

    /// The merged model (W + s·B·A) gives the logits of the base with the adapter.
    @Test func mergedModelEqualsBaseWithAdapter() throws {
        let lm = try Fixtures.tinyModel()
        let lora = try LoRAModel.loadPEFT(Fixtures.path("lora-init"), modelConfig: lm.model.config)
        try lora.install(on: lm.model)
        let ids = [3, 50, 7, 99, 120, 2]
        let expected = try lm.model.forward(tokens: ids).values
        let dir = Fixtures.temporaryDirectory("merged")
        try MergedExport.write(model: lm.model, lora: lora, to: dir)
        let merged = try LanguageModel.load(dir)
        #expect(maxDifference(try merged.model.forward(tokens: ids).values, expected, "merged vs adapter") < 1e-4)
    }

    /// A GGUF base (Q/K rows permuted in the file) and the safetensors base give the same result
    /// with the same adapter: LoRA lives in Hugging Face row order whatever the source.
    @Test func adapterOnGGUFBaseMatchesSafetensorsBase() throws {
        let hf = try Fixtures.tinyModel()
        let gguf = try LanguageModel.load(Fixtures.path("tiny-llama-f32.gguf"))
        let lora = try LoRAModel.loadPEFT(Fixtures.path("lora-init"), modelConfig: hf.model.config)
        try lora.install(on: hf.model)
        try lora.install(on: gguf.model)
        gguf.model.projector.exactF32 = true
        let ids = [4, 8, 15, 16, 23, 42]
        #expect(
            maxDifference(
                try gguf.model.forward(tokens: ids).values, try hf.model.forward(tokens: ids).values,
                "GGUF vs HF base with adapter") < 2e-4)
    }
}

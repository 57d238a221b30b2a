import Foundation
import Testing
import TroupeCore
import TroupeLM

@testable import TroupeTrain

/// Full-size learning checks on SmolLM2-135M-Instruct (TROUPE_SLOW=1; needs the default model,
/// `scripts/fetch-model`): SFT teaches a fixed answer format, DPO raises the held-out margin and
/// accuracy.
@Suite(.enabled(if: Fixtures.slow)) struct SmolLM2Tests {
    static func load() throws -> LanguageModel {
        let lm = try LanguageModel.load(try ModelStore.requireDefaultModel())
        lm.model.pool = WorkerPool(threads: 2)
        BLAS.threads = 2
        return lm
    }

    @Test func sftTeachesAnAnswerFormat() throws {
        let lm = try Self.load()
        let formatter = try ExampleFormatter(
            tokenizer: lm.tokenizer, template: try lm.tokenizer.chatTemplate(), format: DataFormat())
        func example(_ a: Int, _ b: Int) throws -> SFTExample {
            try formatter.sft([
                "messages": [
                    ["role": "user", "content": .string("What is \(a) + \(b)?")],
                    ["role": "assistant", "content": .string("#### \(a + b) ####")],
                ]
            ])
        }
        let train = try (0..<16).map { try example($0, 2 * $0 + 1) }
        let held = try example(40, 2)
        func answer() throws -> String {
            let options = try SamplingOptions(maxTokens: 8)
            return try BatchDecoder(model: lm).generate([GenerationRequest(prompt: held.prompt, options: options)])[0]
                .text
        }
        let lora = try LoRAModel(config: LoRAConfig(r: 8, alpha: 16), modelConfig: lm.model.config, seed: 1)
        try lora.install(on: lm.model)
        let before = try answer()
        var c = TrainerConfig(learningRate: 2e-3)
        c.maxSteps = 16
        c.batchSize = 8
        c.scheduler = .constant
        try Trainer(objective: SFTObjective(model: lm.model), model: lm.model, lora: lora, examples: train, config: c)
            .train()
        let after = try answer()
        print("SmolLM2 before: \(before.debugDescription), after: \(after.debugDescription)")
        #expect(!before.hasPrefix("####"))
        #expect(after.hasPrefix("#### "))
    }

    @Test func dpoRaisesHeldOutMargin() throws {
        let lm = try Self.load()
        let formatter = try ExampleFormatter(
            tokenizer: lm.tokenizer, template: try lm.tokenizer.chatTemplate(), format: DataFormat())
        let topics = [
            "the sea", "a cat", "winter", "coffee", "trains", "the moon", "gardens", "music", "bread", "rain",
            "mountains", "books",
        ]
        func pair(_ topic: String) throws -> PreferenceExample {
            try formatter.preference([
                "prompt": [["role": "user", "content": .string("Write one short sentence about \(topic).")]],
                "chosen": [["role": "assistant", "content": .string("Here is a calm sentence about \(topic).")]],
                "rejected": [
                    ["role": "assistant", "content": .string("NO. I WILL NOT WRITE ABOUT \(topic.uppercased())!")]
                ],
            ])
        }
        let train = try topics.prefix(8).map(pair), held = try topics.suffix(4).map(pair)
        let lora = try LoRAModel(config: LoRAConfig(r: 8, alpha: 16), modelConfig: lm.model.config, seed: 2)
        let (before, after) = try dpoHeldOutRun(
            lm, lora: lora, beta: 0.1, labelSmoothing: 0.1, learningRate: 1e-3, train: train, held: held, "SmolLM2")
        #expect(after["eval_rewards/margins"]! > before["eval_rewards/margins"]! + 1)
        #expect(after["eval_rewards/accuracies"]! == 1)
    }
}

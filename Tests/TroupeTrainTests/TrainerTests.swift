import Foundation
import Testing
import TroupeCore
import TroupeLM

@testable import TroupeTrain

/// The training loop's guarantees: exact resume, crash-safe checkpoints, accumulation
/// invariance, schedules, and that training actually learns.
@Suite struct TrainerTests {
    static func pairs(_ n: Int, seed: UInt64) -> [PreferenceExample] {
        var rng = SeededRNG(seed: seed)
        func ids(_ k: Int) -> [Int] { (0..<k).map { _ in rng.int(in: 3..<400) } }
        return (0..<n).map { _ in
            PreferenceExample(
                prompt: ids(rng.int(in: 2...6)), chosen: ids(rng.int(in: 2...5)), rejected: ids(rng.int(in: 2...5)))
        }
    }

    static func config(steps: Int) -> TrainerConfig {
        var c = TrainerConfig(learningRate: 5e-3)
        c.maxSteps = steps
        c.batchSize = 2
        c.gradientAccumulationSteps = 2
        c.warmupSteps = 2
        c.scheduler = .cosine
        c.adam.weightDecay = 0.01
        return c
    }

    static func dpoTrainer(_ dir: String?, steps: Int, dropout: Double = 0.1) throws -> Trainer<DPOObjective> {
        let lm = try Fixtures.tinyModel()
        let lora = try LoRAModel(
            config: LoRAConfig(r: 4, alpha: 8, dropout: dropout), modelConfig: lm.model.config, seed: 1)
        let objective = DPOObjective(
            model: lm.model, lora: lora, config: try DPOConfig(beta: 0.2, labelSmoothing: 0.05))
        var output = OutputSettings()
        output.saveSteps = 3
        output.saveTotalLimit = nil
        let trainer = try Trainer(
            objective: objective, model: lm.model, lora: lora, examples: pairs(10, seed: 3),
            config: config(steps: steps),
            output: output, outputDirectory: dir)
        trainer.dataFingerprint = 99
        return trainer
    }

    /// A run stopped after 5 steps (its last checkpoint at step 3) and resumed from that
    /// checkpoint in a fresh trainer continues with exactly the losses of an uninterrupted run
    /// (dropout on, gradient accumulation, warmup and cosine, weight decay, DPO reference cache).
    @Test func resumedRunEqualsUninterruptedRun() throws {
        let full = try Self.dpoTrainer(nil, steps: 9).train()
        let dir = Fixtures.temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try Self.dpoTrainer(dir, steps: 9)
        try first.train(stopAfter: 5)
        #expect(Trainer<DPOObjective>.checkpoints(in: dir).map(\.step) == [3])
        let second = try Self.dpoTrainer(dir, steps: 9)
        try second.resume(from: Trainer<DPOObjective>.latestCheckpoint(in: dir)!)
        #expect(second.step == 3)
        let rest = try second.train()
        #expect(rest.count == 6)
        for (a, b) in zip(full.suffix(6), rest) {
            #expect(a.step == b.step)
            for key in ["loss", "grad_norm", "rewards/margins", "learning_rate", "num_tokens"] {
                #expect(a[key] == b[key], "step \(a.step) \(key): \(a[key]!) vs \(b[key]!)")
            }
        }
        // metrics.jsonl describes one run: steps 1…9, once each, and the plot is written.
        let lines = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.compactMap { try? JSONValue.parse(String($0))["step"]?.intValue } == Array(1...9))
        #expect(try String(contentsOfFile: dir + "/metrics.svg", encoding: .utf8).contains("<polyline"))
    }

    /// A checkpoint is never seen half-written: a partial directory (a crash in the middle of a
    /// save) is ignored, earlier checkpoints stay loadable, and other settings are refused.
    @Test func interruptedCheckpointLeavesTheLastOneIntact() throws {
        let dir = Fixtures.temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trainer = try Self.dpoTrainer(dir, steps: 6)
        try trainer.train(stopAfter: 3)
        // What a kill during the next save leaves behind.
        let partial = dir + "/.checkpoint-6.partial-12345"
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        try Data("{\"truncated".utf8).write(to: URL(fileURLWithPath: partial + "/trainer_state.json"))
        // A directory named like a checkpoint but without its state file is not one either.
        try FileManager.default.createDirectory(atPath: dir + "/checkpoint-9", withIntermediateDirectories: true)
        #expect(Trainer<DPOObjective>.latestCheckpoint(in: dir) == dir + "/checkpoint-3")
        let resumed = try Self.dpoTrainer(dir, steps: 6)
        try resumed.resume(from: dir + "/checkpoint-3")
        #expect(resumed.step == 3)
        #expect(resumed.objective.referenceCache.count == trainer.objective.referenceCache.count)
        // A checkpoint from other settings is refused with the difference named.
        let other = try Self.dpoTrainer(dir, steps: 7)
        #expect(throws: TrainError.self) { try other.resume(from: dir + "/checkpoint-3") }
        // The checkpoint's adapter directory is a PEFT adapter that loads on its own.
        let lora = try LoRAModel.loadPEFT(dir + "/checkpoint-3", modelConfig: trainer.model.config)
        #expect(lora.parameters.map(\.value.values) == trainer.lora.parameters.map(\.value.values))
    }

    /// Gradient accumulation: one micro-batch of 4 or 4 micro-batches of 1 give the same step.
    @Test func accumulationMatchesOneBigBatch() throws {
        var results: [[Float]] = []
        for (batch, accumulation) in [(4, 1), (1, 4), (2, 2)] {
            let lm = try Fixtures.tinyModel()
            let lora = try LoRAModel(config: LoRAConfig(r: 2, alpha: 4), modelConfig: lm.model.config, seed: 1)
            var c = TrainerConfig(learningRate: 1e-2)
            c.maxSteps = 1
            c.batchSize = batch
            c.gradientAccumulationSteps = accumulation
            let examples = (0..<4).map { i in SFTExample(prompt: [5 + i, 7], completion: [9, 11 + i, 13, 2]) }
            let trainer = try Trainer(
                objective: SFTObjective(model: lm.model), model: lm.model, lora: lora, examples: examples, config: c)
            try trainer.train()
            results.append(lora.parameters.flatMap { $0.value.values })
        }
        #expect(maxDifference(results[0], results[1], "batch 4 vs 4 × 1") < 1e-6)
        #expect(maxDifference(results[0], results[2], "batch 4 vs 2 × 2") < 1e-6)
    }

    @Test func schedules() throws {
        let linear = try LearningRateSchedule(kind: .linear, baseLR: 1, warmupSteps: 2, totalSteps: 10)
        #expect([0, 1, 2, 6, 10].map(linear.factor) == [0, 0.5, 1, 0.5, 0])
        let cosine = try LearningRateSchedule(
            kind: .cosineWithMinLR, baseLR: 1, warmupSteps: 0, totalSteps: 4, minLRRate: 0.1)
        #expect(abs(cosine.factor(2) - 0.55) < 1e-12)
        #expect(abs(cosine.factor(4) - 0.1) < 1e-12)
        #expect(LearningRateSchedule.warmupSteps(ratio: 0.03, steps: 100, explicit: 0) == 3)
        #expect(throws: TrainError.self) {
            try LearningRateSchedule(kind: .linear, baseLR: 0, warmupSteps: 0, totalSteps: 1)
        }
    }

    @Test func seededOrderAndLengthGrouping() {
        let a = EpochOrder.indices(count: 20, seed: 1, epoch: 0, lengths: nil, batchSize: 2)
        #expect(a == EpochOrder.indices(count: 20, seed: 1, epoch: 0, lengths: nil, batchSize: 2))
        #expect(a != EpochOrder.indices(count: 20, seed: 1, epoch: 1, lengths: nil, batchSize: 2))
        #expect(a.sorted() == Array(0..<20))
        let lengths = (0..<20).map { ($0 * 7) % 13 }
        let grouped = EpochOrder.indices(count: 20, seed: 1, epoch: 0, lengths: lengths, batchSize: 2)
        #expect(grouped.map { lengths[$0] } == grouped.map { lengths[$0] }.sorted(by: >))
    }

    /// SFT teaches the tiny random model a fixed answer format it never produced before.
    @Test func sftLearnsAFixedFormat() throws {
        let lm = try Fixtures.tinyModel()
        let template = try lm.tokenizer.chatTemplate()
        let formatter = try ExampleFormatter(tokenizer: lm.tokenizer, template: template, format: DataFormat())
        let answer = "ANSWER: ok"
        func example(_ q: String) throws -> SFTExample {
            try formatter.sft(
                [
                    "messages": [
                        ["role": "user", "content": .string(q)], ["role": "assistant", "content": .string(answer)],
                    ]
                ])
        }
        let train = try (0..<8).map { try example("question number \($0)?") }
        let held = try example("a question never seen")
        func greedy() throws -> String {
            let options = try SamplingOptions(maxTokens: 12)
            return try BatchDecoder(model: lm).generate([GenerationRequest(prompt: held.prompt, options: options)])[0]
                .text
        }
        let lora = try LoRAModel(config: LoRAConfig(r: 8, alpha: 16), modelConfig: lm.model.config, seed: 2)
        try lora.install(on: lm.model)
        let before = try greedy()
        var c = TrainerConfig(learningRate: 1e-2)
        c.maxSteps = 30
        c.batchSize = 4
        c.scheduler = .constant
        let trainer = try Trainer(
            objective: SFTObjective(model: lm.model), model: lm.model, lora: lora, examples: train, config: c)
        let history = try trainer.train()
        let after = try greedy()
        print(
            "before: \(before.debugDescription), after: \(after.debugDescription), loss \(history.first!["loss"]!) → \(history.last!["loss"]!)"
        )
        #expect(!before.hasPrefix(answer))
        #expect(after.hasPrefix(answer))
    }

    /// DPO raises the chosen-over-rejected margin and accuracy on held-out pairs that follow the
    /// same preference (the chosen completion ends with token 7, the rejected with token 8).
    @Test func dpoRaisesHeldOutMarginAndAccuracy() throws {
        let lm = try Fixtures.tinyModel()
        var rng = SeededRNG(seed: 11)
        func pair() -> PreferenceExample {
            let prompt = (0..<4).map { _ in rng.int(in: 20..<400) }
            let body = (0..<3).map { _ in rng.int(in: 20..<400) }
            return PreferenceExample(prompt: prompt, chosen: body + [7], rejected: body + [8])
        }
        let train = (0..<16).map { _ in pair() }, held = (0..<8).map { _ in pair() }
        let lora = try LoRAModel(config: LoRAConfig(r: 4, alpha: 8), modelConfig: lm.model.config, seed: 3)
        let (before, after) = try dpoHeldOutRun(
            lm, lora: lora, beta: 0.5, learningRate: 5e-3, train: train, held: held, "tiny Llama")
        #expect(after["eval_rewards/margins"]! > before["eval_rewards/margins"]! + 0.25)
        #expect(after["eval_rewards/accuracies"]! == 1)
    }

    /// The reward model learns to rank held-out pairs of the same kind.
    @Test func rewardModelRanksHeldOutPairs() throws {
        let lm = try Fixtures.tinyModel()
        var rng = SeededRNG(seed: 12)
        func pair() -> PreferenceExample {
            let prompt = (0..<3).map { _ in rng.int(in: 20..<400) }
            let body = (0..<3).map { _ in rng.int(in: 20..<400) }
            return PreferenceExample(prompt: prompt, chosen: body + [7], rejected: body + [8])
        }
        let train = (0..<16).map { _ in pair() }, held = (0..<8).map { _ in pair() }
        let lora = try LoRAModel(config: LoRAConfig(r: 4, alpha: 8), modelConfig: lm.model.config, seed: 4)
        lora.addScoreHead(seed: 4)
        var c = TrainerConfig(learningRate: 5e-3)
        c.epochs = 4
        c.batchSize = 4
        let trainer = try Trainer(
            objective: try RewardObjective(model: lm.model, lora: lora), model: lm.model, lora: lora, examples: train,
            evalExamples: held, config: c)
        try trainer.train()
        print("reward model held-out accuracy \(trainer.evaluations.last!["eval_accuracy"]!)")
        #expect(trainer.evaluations.last!["eval_accuracy"]! == 1)
    }
}

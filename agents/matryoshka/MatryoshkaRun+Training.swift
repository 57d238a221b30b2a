import AgentKit
import Foundation
import MatryoshkaEnv
import TroupeCore
import TroupeLM
import TroupeTrain

extension MatryoshkaRun {
    /// Builds the round's pairs from its samples: `pairs.jsonl` (TRL's conversational format,
    /// what the trainer reads) and `pairs.openrlhf.jsonl` (OpenRLHF's and Matryoshka's).
    func buildPairs(round: Int) throws {
        let phase = "round-\(round)/pairs"
        guard !isDone(phase) else { return }
        let records = try RunFiles.readLines(path("round-\(round)/collect.jsonl"))
        var samples: [LabeledGuidance] = []
        var prompts: [Int: [ChatMessage]] = [:]
        for record in records {
            guard let game = record["labels"]?["game"]?.intValue, let sample = record["labels"]?["sample"]?.intValue,
                let guidance = record["steps"]?.arrayValue?.first?["action"]?.stringValue
            else {
                throw MatryoshkaError.inconsistent("round-\(round)/collect.jsonl has a record without its guidance")
            }
            samples.append(
                LabeledGuidance(
                    game: Int(game), sample: Int(sample), guidance: guidance, won: record["won"]?.boolValue == true))
            prompts[Int(game)] = ControllerPrompt.messages(
                intro: record["observation"]?.stringValue ?? "",
                taskType: record["reset_info"]?["task_type"]?.stringValue)
        }
        let pairs = PairBuilder.pairs(samples, seed: settings.seed &+ UInt64(round))
        let trl = pairs.map { PairBuilder.trlLine($0, prompt: prompts[$0.game]!).serialized() }
        let openRLHF = pairs.map { PairBuilder.openRLHFLine($0, prompt: prompts[$0.game]!).serialized() }
        try RunFiles.write(trl.map { $0 + "\n" }.joined(), to: path("round-\(round)/pairs.jsonl"))
        try RunFiles.write(openRLHF.map { $0 + "\n" }.joined(), to: path("round-\(round)/pairs.openrlhf.jsonl"))
        try markDone(phase, summary: "\(pairs.count) pairs from \(Set(pairs.map(\.game)).count) games")
    }

    /// LoRA-DPO on the round's pairs, continuing `previous` (which is then the reference; the base
    /// model when nil). Returns the adapter to use next: the new one, or `previous` when the round
    /// has no pairs.
    func trainDPO(round: Int, from previous: String?) throws -> String? {
        let phase = "round-\(round)/dpo"
        let output = path("round-\(round)/dpo")
        let pairsPath = path("round-\(round)/pairs.jsonl")
        if isDone(phase) { return RunFiles.exists(output + "/adapter_config.json") ? output : previous }
        guard !(try RunFiles.readLines(pairsPath)).isEmpty else {
            try markDone(phase, summary: "no pairs: the adapter is unchanged")
            return previous
        }
        controller.pause()
        let lm = controller.lm
        let formatter = try formatter()
        let (pairs, report) = try JSONLDataset.preferences(pairsPath, formatter: formatter)
        let lora = try adapters(from: previous, seed: settings.seed &+ UInt64(round))
        let dpo = try DPOConfig(beta: settings.beta, labelSmoothing: settings.labelSmoothing)
        let objective = DPOObjective(
            model: lm.model, lora: lora, config: dpo, referenceAdapters: previous == nil ? nil : try lora.copy())
        let trainer = try Trainer(
            objective: objective, model: lm.model, lora: lora, examples: pairs,
            config: try trainerConfig(settings.dpo, seed: settings.seed &+ UInt64(round)),
            output: outputSettings(settings.dpo), outputDirectory: output)
        trainer.dataFingerprint = report.fingerprint
        try train(trainer, phase: phase, lm: lm)
        try lora.saveLlamaCpp(to: path("round-\(round)/adapter.gguf"))
        let last = trainer.history.last
        try markDone(
            phase,
            summary:
                "\(pairs.count) pairs, \(trainer.totalSteps) steps, loss \(format(last?["loss"])), margin \(format(last?["rewards/margins"]))"
        )
        return output
    }

    /// SFT warm-up on the planner's walkthroughs of the warm-up games, turned into guidance
    /// (`GuidanceWriter.walkthrough`) after the controller's prompt. Returns the adapter.
    func warmup() async throws -> String {
        let phase = "warmup"
        let output = path("warmup/sft")
        if isDone(phase) { return output }
        try RunFiles.makeDirectory(path("warmup"))
        let dataPath = path("warmup/sft.jsonl")
        if !RunFiles.exists(dataPath) {
            observer?.run(.phase("warmup/walkthroughs", total: settings.warmupGames, done: 0))
            let session = try await driver.make(
                "matryoshka-alfworld-v0", config: environment(split: "train", tries: 1, walkthrough: true),
                seed: settings.seed)
            var lines: [String] = []
            for (index, game) in settings.warmupGameIndices.enumerated() {
                let first = try await session.reset(seed: UInt64(game), options: ["game": .number(game)])
                let intro = first.observation.stringValue ?? ""
                let plan = first.info["extra.walkthrough"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let prompt = ControllerPrompt.messages(intro: intro, taskType: first.info["task_type"]?.stringValue)
                let line: JSONValue = [
                    "prompt": PairBuilder.messagesJSON(prompt),
                    "completion": PairBuilder.messagesJSON([
                        ChatMessage(role: "assistant", content: GuidanceWriter.walkthrough(plan))
                    ]),
                    "game": .number(game),
                ]
                lines.append(line.serialized() + "\n")
                observer?.run(.episode(done: index + 1, total: settings.warmupGames, won: nil))
            }
            try? await session.close()
            try RunFiles.write(lines.joined(), to: dataPath)
        }
        controller.pause()
        let lm = controller.lm
        let (examples, report) = try JSONLDataset.sft(dataPath, formatter: try formatter())
        let lora = try adapters(from: nil, seed: settings.seed)
        let trainer = try Trainer(
            objective: SFTObjective(model: lm.model), model: lm.model, lora: lora, examples: examples,
            config: try trainerConfig(settings.sft, seed: settings.seed), output: outputSettings(settings.sft),
            outputDirectory: output)
        trainer.dataFingerprint = report.fingerprint
        try train(trainer, phase: phase, lm: lm)
        try lora.saveLlamaCpp(to: path("warmup/adapter.gguf"))
        try markDone(phase, summary: "\(examples.count) walkthroughs, loss \(format(trainer.history.last?["loss"]))")
        return output
    }

    /// Resumes from the newest checkpoint, trains to the end (or to the interruption point), and
    /// saves the final adapter (PEFT) in the trainer's directory.
    func train<O: TrainingObjective>(_ trainer: Trainer<O>, phase: String, lm: LanguageModel) throws {
        let forward = TrainingForwarder(observer: observer)
        trainer.observer = forward
        let resumed = Trainer<O>.latestCheckpoint(in: trainer.outputDirectory!)
        if let resumed { try trainer.resume(from: resumed) }
        observer?.run(.phase(phase, total: trainer.totalSteps, done: trainer.step))
        if let interruption, interruption.phase == phase {
            try trainer.train(stopAfter: interruption.count)
            if trainer.step < trainer.totalSteps { throw Interrupted(phase: phase) }
        } else {
            try trainer.train()
        }
        try trainer.lora.savePEFT(to: trainer.outputDirectory!, baseModel: lm.model.source)
    }

    /// Fresh adapters, or the ones saved in `directory`.
    func adapters(from directory: String?, seed: UInt64) throws -> LoRAModel {
        let config = controller.lm.model.config
        if let directory { return try LoRAModel.loadPEFT(directory, modelConfig: config) }
        let lora = try LoRAConfig(r: settings.loraR, alpha: settings.loraAlpha, dropout: settings.loraDropout)
        return try LoRAModel(config: lora, modelConfig: config, seed: seed)
    }

    func formatter() throws -> ExampleFormatter {
        var format = DataFormat()
        format.maxLength = settings.maxLength
        format.maxPromptLength = settings.maxLength - settings.maxTokens - 8
        return try ExampleFormatter(tokenizer: controller.lm.tokenizer, template: controller.template, format: format)
    }

    func trainerConfig(_ o: RunSettings.Optimization, seed: UInt64) throws -> TrainerConfig {
        var config = TrainerConfig(learningRate: o.learningRate)
        config.epochs = o.epochs
        config.batchSize = o.batchSize
        config.gradientAccumulationSteps = o.gradientAccumulation
        config.seed = seed
        try config.validate()
        return config
    }

    func outputSettings(_ o: RunSettings.Optimization) -> OutputSettings {
        var output = OutputSettings()
        output.saveSteps = o.saveSteps
        output.saveTotalLimit = 2
        return output
    }

    func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "n/a" }
}

/// Passes the trainer's events to the run's observer.
final class TrainingForwarder: TrainingObserver {
    weak var observer: (any RunObserver)?
    init(observer: (any RunObserver)?) { self.observer = observer }
    func training(_ event: TrainingEvent) { observer?.run(.training(event)) }
}

import ArgumentParser
import Foundation
import TroupeLM
import TroupeTrain

extension Agent {
    /// `agent sft`: supervised LoRA fine-tuning on completion tokens.
    struct SFT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sft",
            abstract: "Supervised LoRA fine-tuning (loss on completion tokens, optional per-token weights).",
            discussion: """
                Reads JSONL lines {"prompt", "completion"} (or "response"/"output"), as strings or \
                message lists; {"messages": [...]} (loss on assistant turns); or {"text"} (loss on \
                every token). Loss: Σ w·(−log p) / N over the completion tokens of each optimizer \
                step's batch. --section-start/--section-weight give TriPosT's weighting. Writes \
                checkpoints, metrics.jsonl, metrics.svg and the final adapter (PEFT) to --output-dir.
                """)

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var data: DataOptions
        @OptionGroup var lora: LoRAOptions
        @OptionGroup var optimization: OptimizationOptions
        @OptionGroup var output: OutputOptions
        @Option(
            name: .customLong("section-start"),
            help:
                "Completion tokens from the first occurrence of this text on get --section-weight (TriPosT: \"\\nFeedback:\")."
        )
        var sectionStart: String?
        @Option(name: .customLong("section-weight"), help: "Weight of the section's tokens (TriPosT: 1.5).")
        var sectionWeight = 1.0
        @Flag(name: .customLong("train-on-prompt"), help: "For messages: learn every turn, not only the assistant's.")
        var trainOnPrompt = false

        func run() async throws {
            let lm = try modelOptions.load(applyingAdapter: false)
            let formatter = try data.formatter(tokenizer: lm.tokenizer) { f in
                f.sectionStart = sectionStart
                f.sectionWeight = sectionWeight
                f.assistantOnlyLoss = !trainOnPrompt
            }
            let (examples, evalExamples, report) = try data.load { try JSONLDataset.sft($0, formatter: formatter) }
            let config = try optimization.config(defaultLearningRate: 2e-4)
            let adapters = try TrainingSetup.adapters(modelOptions, lora, lm: lm, seed: config.seed)
            let trainer = try Trainer(
                objective: SFTObjective(model: lm.model), model: lm.model, lora: adapters, examples: examples,
                evalExamples: evalExamples, config: config, output: output.settings(), outputDirectory: output.outputDir
            )
            trainer.dataFingerprint = report.fingerprint
            try TrainingRun.run(
                trainer, output: output, lm: lm, progressKeys: ["loss", "mean_token_accuracy", "learning_rate"])
        }
    }
}

/// Adapters for a training command: the `--adapter` directory to continue training, or fresh
/// ones from the LoRA options.
enum TrainingSetup {
    static func adapters(
        _ model: ModelOptions, _ options: LoRAOptions, lm: LanguageModel, seed: UInt64
    ) throws -> LoRAModel {
        if let path = model.adapter { return try LoRAModel.loadPEFT(path, modelConfig: lm.model.config) }
        return try LoRAModel(config: options.config(), modelConfig: lm.model.config, seed: seed)
    }
}

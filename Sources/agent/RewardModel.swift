import ArgumentParser
import Foundation
import TroupeLM
import TroupeTrain

extension Agent {
    /// `agent rm`: a LoRA reward model with a scalar head (Bradley–Terry).
    struct RM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Train a reward model: LoRA plus a scalar head on the last token, Bradley–Terry loss.",
            discussion: """
                Reads the same preference JSONL as agent dpo. The reward of a sequence is w·h of \
                the final-normed hidden state of its last token (Hugging Face's \
                LlamaForSequenceClassification with one label); the loss is −logσ(r_chosen − \
                r_rejected), averaged over pairs (ALMoST, TRL's RewardTrainer). The adapter is saved \
                with the head as PEFT's modules_to_save "score" (task SEQ_CLS).
                """)

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var data: DataOptions
        @OptionGroup var lora: LoRAOptions
        @OptionGroup var optimization: OptimizationOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let lm = try modelOptions.load(applyingAdapter: false)
            let formatter = try data.formatter(tokenizer: lm.tokenizer)
            let (pairs, evalPairs, report) = try data.load { try JSONLDataset.preferences($0, formatter: formatter) }
            let config = try optimization.config(defaultLearningRate: 5e-5)
            let adapters = try TrainingSetup.adapters(modelOptions, lora, lm: lm, seed: config.seed)
            if adapters.score == nil { adapters.addScoreHead(seed: config.seed) }
            let trainer = try Trainer(
                objective: try RewardObjective(model: lm.model, lora: adapters), model: lm.model, lora: adapters,
                examples: pairs, evalExamples: evalPairs, config: config, output: output.settings(),
                outputDirectory: output.outputDir)
            trainer.dataFingerprint = report.fingerprint
            try TrainingRun.run(trainer, output: output, lm: lm, progressKeys: ["loss", "accuracy", "margin"])
        }
    }
}

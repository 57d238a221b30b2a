import ArgumentParser
import Foundation
import TroupeLM
import TroupeTrain

extension Agent {
    /// `agent dpo`: LoRA direct preference optimization.
    struct DPO: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dpo",
            abstract: "LoRA DPO (sigmoid with label smoothing, IPO, optional NLL term) on preference pairs.",
            discussion: """
                Reads JSONL lines {"prompt", "chosen", "rejected"} as strings or message lists \
                (TRL's and OpenRLHF's formats; without "prompt", chosen/rejected are conversations \
                whose prompt is all but the last message). Log-probabilities are summed over \
                completion tokens. The reference is the base model (adapters off), or the \
                --adapter training started from; its log-probabilities are computed once per pair \
                and cached (and saved in checkpoints). See docs/train.md for the exact losses.
                """)

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var data: DataOptions
        @OptionGroup var lora: LoRAOptions
        @OptionGroup var optimization: OptimizationOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "β: the KL strength.") var beta = 0.1
        @Option(name: .customLong("label-smoothing"), help: "ε of conservative DPO (cDPO).") var labelSmoothing = 0.0
        @Option(name: .customLong("loss-type"), help: "sigmoid or ipo.") var lossType = "sigmoid"
        @Flag(name: .customLong("ipo"), help: "Same as --loss-type ipo (OpenRLHF's flag).") var ipo = false
        @Option(
            name: .customLong("nll-loss-coef"),
            help: "Add coef × mean over pairs of −(Σ log p(chosen))/#tokens (OpenRLHF; AutoIF's variant).")
        var nllLossCoef = 0.0
        @Option(
            name: .customLong("rpo-alpha"),
            help: "Add alpha × mean over the batch's chosen tokens of −log p (TRL ≤ 0.28).")
        var rpoAlpha = 0.0

        func run() async throws {
            guard let type = DPOConfig.LossType(rawValue: ipo ? "ipo" : lossType) else {
                throw ValidationError("--loss-type: sigmoid or ipo")
            }
            let dpo = try DPOConfig(
                beta: beta, labelSmoothing: labelSmoothing, lossType: type, nllLossCoef: nllLossCoef, rpoAlpha: rpoAlpha
            )
            let lm = try modelOptions.load(applyingAdapter: false)
            let formatter = try data.formatter(tokenizer: lm.tokenizer)
            let (pairs, evalPairs, report) = try data.load { try JSONLDataset.preferences($0, formatter: formatter) }
            let config = try optimization.config(defaultLearningRate: 5e-6)
            let adapters = try TrainingSetup.adapters(modelOptions, lora, lm: lm, seed: config.seed)
            // Continuing from an adapter: the reference is that adapter (TRL's "ref" adapter).
            let reference = modelOptions.adapter != nil ? try adapters.copy() : nil
            let objective = DPOObjective(model: lm.model, lora: adapters, config: dpo, referenceAdapters: reference)
            let trainer = try Trainer(
                objective: objective, model: lm.model, lora: adapters, examples: pairs, evalExamples: evalPairs,
                config: config, output: output.settings(), outputDirectory: output.outputDir)
            trainer.dataFingerprint = report.fingerprint
            try TrainingRun.run(
                trainer, output: output, lm: lm, progressKeys: ["loss", "rewards/margins", "rewards/accuracies"])
        }
    }
}

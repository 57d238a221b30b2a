import ArgumentParser
import Foundation
import TroupeCore
import TroupeLM
import TroupeTrain

/// Optimization options shared by `agent sft`, `agent dpo` and `agent rm`, named as TRL's
/// `TrainingArguments` (with OpenRLHF's names as aliases where they differ).
struct OptimizationOptions: ParsableArguments {
    @Option(name: .customLong("learning-rate"), help: "Peak learning rate (default: per command).")
    var learningRate: Double?
    @Option(name: [.customLong("num-train-epochs"), .customLong("max-epochs")], help: "Passes over the data.")
    var epochs: Double = 1
    @Option(name: .customLong("max-steps"), help: "Optimizer steps; overrides --num-train-epochs when positive.")
    var maxSteps = 0
    @Option(
        name: [
            .customLong("per-device-train-batch-size"), .customLong("micro-train-batch-size"),
            .customLong("batch-size"),
        ],
        help: "Examples (pairs for dpo/rm) per micro-batch.")
    var batchSize = 4
    @Option(name: .customLong("gradient-accumulation-steps"), help: "Micro-batches per optimizer step.")
    var gradientAccumulationSteps = 1
    @Option(
        name: .customLong("lr-scheduler-type"),
        help: "constant, constant_with_warmup, linear, cosine, cosine_with_min_lr.")
    var scheduler = "linear"
    @Option(name: .customLong("warmup-ratio"), help: "Warmup as a fraction of the steps.") var warmupRatio = 0.0
    @Option(name: .customLong("warmup-steps"), help: "Warmup steps (wins over --warmup-ratio).") var warmupSteps = 0
    @Option(name: .customLong("min-lr-rate"), help: "Final learning rate fraction for cosine_with_min_lr.")
    var minLRRate = 0.0
    @Option(name: [.customLong("weight-decay"), .customLong("l2")], help: "AdamW's decoupled weight decay.")
    var weightDecay = 0.0
    @Option(name: .customLong("adam-beta1")) var adamBeta1 = 0.9
    @Option(name: .customLong("adam-beta2")) var adamBeta2 = 0.999
    @Option(name: .customLong("adam-epsilon")) var adamEpsilon = 1e-8
    @Option(name: .customLong("max-grad-norm"), help: "Gradient clipping (0: none).") var maxGradNorm = 1.0
    @Option(help: "Seed of the data order, the adapter's initialization and dropout.") var seed: UInt64 = 42
    @Flag(name: .customLong("group-by-length"), help: "Group examples of similar length in micro-batches.")
    var groupByLength = false

    func config(defaultLearningRate: Double) throws -> TrainerConfig {
        var c = TrainerConfig(learningRate: learningRate ?? defaultLearningRate)
        c.epochs = epochs
        c.maxSteps = maxSteps
        c.batchSize = batchSize
        c.gradientAccumulationSteps = gradientAccumulationSteps
        guard let kind = LearningRateSchedule.Kind(rawValue: scheduler) else {
            throw ValidationError(
                "--lr-scheduler-type \(scheduler): use \(LearningRateSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        c.scheduler = kind
        c.warmupRatio = warmupRatio
        c.warmupSteps = warmupSteps
        c.minLRRate = minLRRate
        c.adam = AdamW.Settings(beta1: adamBeta1, beta2: adamBeta2, epsilon: adamEpsilon, weightDecay: weightDecay)
        c.maxGradNorm = maxGradNorm
        c.seed = seed
        c.groupByLength = groupByLength
        try c.validate()
        return c
    }
}

/// LoRA options (TRL's `--lora_r/--lora_alpha/--lora_dropout/--lora_target_modules`, with
/// OpenRLHF's `--lora_rank`/`--target_modules` as aliases).
struct LoRAOptions: ParsableArguments {
    @Option(name: [.customLong("lora-r"), .customLong("lora-rank")], help: "LoRA rank.") var r = 8
    @Option(name: .customLong("lora-alpha"), help: "LoRA alpha (the update is scaled by alpha/r).") var alpha = 16.0
    @Option(name: .customLong("lora-dropout"), help: "Dropout on the adapters' input.") var dropout = 0.05
    @Option(
        name: [.customLong("lora-target-modules"), .customLong("target-modules")],
        help: "Comma-separated projections, or all-linear (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj).")
    var targetModules = "all-linear"
    @Flag(name: .customLong("use-rslora"), help: "Scale by alpha/sqrt(r) (rank-stabilized LoRA).") var useRSLoRA = false

    func config() throws -> LoRAConfig {
        try LoRAConfig(
            r: r, alpha: alpha, dropout: dropout, useRSLoRA: useRSLoRA, targetModules: LoRAConfig.modules(targetModules)
        )
    }
}

/// Data options: files, keys, template, lengths.
struct DataOptions: ParsableArguments {
    @Option(name: [.customLong("dataset"), .customLong("train-file")], help: "Training data (JSONL).") var dataset:
        String
    @Option(name: .customLong("eval-dataset"), help: "Evaluation data (JSONL, same format).") var evalDataset: String?
    @Option(name: [.customLong("max-length"), .customLong("max-len")], help: "Longest prompt + completion, in tokens.")
    var maxLength = 1024
    @Option(
        name: .customLong("max-prompt-length"),
        help: "Prompt tokens kept when an example is too long (default: half of --max-length).")
    var maxPromptLength: Int?
    @Option(name: .customLong("prompt-key")) var promptKey = "prompt"
    @Option(name: .customLong("chosen-key")) var chosenKey = "chosen"
    @Option(name: .customLong("rejected-key")) var rejectedKey = "rejected"
    @Option(name: .customLong("messages-key")) var messagesKey = "messages"
    @Flag(
        name: .customLong("apply-chat-template"),
        help: "Wrap string prompts and completions as user/assistant messages and apply the chat template.")
    var applyChatTemplate = false
    @Option(
        name: .customLong("chat-template"), help: "Template family instead of the model's: chatml, smollm2, llama3.")
    var chatTemplate: String?
    @Flag(name: .customLong("no-eos"), help: "Do not append EOS to string completions.") var noEOS = false

    func formatter(tokenizer: Tokenizer, customize: (inout DataFormat) -> Void = { _ in }) throws -> ExampleFormatter {
        var f = DataFormat()
        f.promptKey = promptKey
        f.chosenKey = chosenKey
        f.rejectedKey = rejectedKey
        f.messagesKey = messagesKey
        f.applyChatTemplateToStrings = applyChatTemplate
        f.appendEOS = !noEOS
        f.maxLength = maxLength
        f.maxPromptLength = maxPromptLength
        customize(&f)
        let template = try chatTemplate.map { try ChatTemplate(name: $0) } ?? (try? tokenizer.chatTemplate())
        return try ExampleFormatter(tokenizer: tokenizer, template: template, format: f)
    }
}

extension DataOptions {
    /// The training and evaluation examples, each file reported on standard error.
    func load<E>(
        _ read: (String) throws -> ([E], DatasetReport)
    ) throws -> (train: [E], eval: [E], report: DatasetReport) {
        let (train, report) = try read(dataset)
        TrainingRun.reportData(report, maxLength: maxLength)
        var eval: [E] = []
        if let evalDataset {
            let (e, r) = try read(evalDataset)
            TrainingRun.reportData(r, maxLength: maxLength)
            eval = e
        }
        return (train, eval, report)
    }
}

/// Output options: where, how often, resume, exports.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("output-dir"), help: "Checkpoints, metrics.jsonl, metrics.svg and the final adapter.")
    var outputDir: String
    @Option(name: .customLong("logging-steps")) var loggingSteps = 1
    @Option(name: .customLong("save-steps"), help: "Checkpoint every N steps (0: only at the end).") var saveSteps = 0
    @Option(name: .customLong("save-total-limit"), help: "Checkpoints kept (0: all).") var saveTotalLimit = 2
    @Option(name: .customLong("eval-steps"), help: "Evaluate every N steps (0: at the end).") var evalSteps = 0
    @Flag(name: .customLong("resume"), help: "Continue from the newest checkpoint in --output-dir.") var resume = false
    @Option(name: .customLong("resume-from-checkpoint"), help: "Continue from this checkpoint directory.")
    var resumeFrom: String?
    @Flag(
        name: .customLong("gradient-checkpointing"),
        help:
            "Always recompute blocks in the backward pass (default: only when a micro-batch would exceed --activation-memory)."
    )
    var gradientCheckpointing = false
    @Option(
        name: .customLong("activation-memory"), help: "GiB of activations a micro-batch may keep before recomputing.")
    var activationMemory = 2.0
    @Option(name: .customLong("export-gguf"), help: "Also write the adapter as a llama.cpp LoRA GGUF here.")
    var exportGGUF: String?
    @Option(name: .customLong("save-merged"), help: "Also write the merged model (HF safetensors) to this directory.")
    var saveMerged: String?

    func settings() -> OutputSettings {
        var o = OutputSettings()
        o.loggingSteps = max(1, loggingSteps)
        o.saveSteps = saveSteps
        o.saveTotalLimit = saveTotalLimit > 0 ? saveTotalLimit : nil
        o.evalSteps = evalSteps
        o.activations = gradientCheckpointing ? .recompute : .auto
        o.activationMemoryLimit = Int(activationMemory * Double(1 << 30))
        return o
    }
}

/// The progress line on standard error, redrawn in place, and a line per evaluation and checkpoint.
final class ProgressLine: TrainingObserver {
    let keys: [String]
    let start = Date()
    init(keys: [String]) { self.keys = keys }

    func training(_ event: TrainingEvent) {
        switch event {
        case .started(let total, let examples, let parameters, let resumedAt):
            let resumed = resumedAt.map { ", resuming after step \($0)" } ?? ""
            write("training: \(examples) examples, \(total) steps, \(parameters) trainable parameters\(resumed)\n")
        case .step(let record, let total):
            var parts = ["step \(record.step)/\(total)"]
            for key in keys { if let v = record[key] { parts.append("\(key) \(format(v))") } }
            if let tps = record["tokens_per_second"] { parts.append(String(format: "%.0f tok/s", tps)) }
            if let s = record["step_seconds"] {
                let remaining = Double(total - record.step) * s
                parts.append(String(format: "eta %dm%02ds", Int(remaining) / 60, Int(remaining) % 60))
            }
            write("\r\u{1B}[K" + parts.joined(separator: " | "))
        case .evaluated(let record):
            let text = record.values.map { "\($0.0) \(format($0.1))" }.joined(separator: " | ")
            write("\nevaluation at step \(record.step): \(text)\n")
        case .checkpointed(let path):
            write("\ncheckpoint: \(path)\n")
        }
    }

    func format(_ v: Double) -> String {
        abs(v) >= 0.001 || v == 0 ? String(format: "%.4f", v) : String(format: "%.2e", v)
    }

    func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

/// The flow every training command shares: data report, resume, train, save, export.
enum TrainingRun {
    static func reportData(_ report: DatasetReport, maxLength: Int) {
        var text = "data: \(report.path): \(report.examples) examples"
        if !report.truncatedLines.isEmpty {
            let lines = report.truncatedLines.prefix(10).map(String.init).joined(separator: ", ")
            text +=
                "; \(report.truncatedLines.count) truncated to --max-length \(maxLength) (lines \(lines)\(report.truncatedLines.count > 10 ? ", …" : ""))"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func run<O: TrainingObjective>(
        _ trainer: Trainer<O>, output: OutputOptions, lm: LanguageModel, progressKeys: [String]
    ) throws {
        let progress = ProgressLine(keys: progressKeys)
        trainer.observer = progress
        if let path = output.resumeFrom ?? (output.resume ? Trainer<O>.latestCheckpoint(in: output.outputDir) : nil) {
            try trainer.resume(from: path)
            progress.write("resumed from \(path) at step \(trainer.step)\n")
        } else if output.resume {
            progress.write("no checkpoint in \(output.outputDir); starting from step 0\n")
        }
        try trainer.train()
        progress.write("\n")
        try trainer.lora.savePEFT(to: output.outputDir, baseModel: lm.model.source)
        print("adapter: \(output.outputDir) (PEFT: adapter_config.json, adapter_model.safetensors)")
        print("metrics: \(output.outputDir)/metrics.jsonl, plot: \(output.outputDir)/metrics.svg")
        if let path = output.exportGGUF {
            try trainer.lora.saveLlamaCpp(to: path)
            print("llama.cpp adapter: \(path)")
        }
        if let dir = output.saveMerged {
            try MergedExport.write(model: lm.model, lora: trainer.lora, to: dir)
            print("merged model: \(dir)")
        }
        if let last = trainer.history.last {
            print(
                "final step \(last.step): "
                    + last.values.filter { !$0.0.hasSuffix("seconds") }.map { "\($0.0) \(progress.format($0.1))" }
                    .joined(separator: ", "))
        }
        if let evaluation = trainer.evaluations.last {
            print("evaluation: " + evaluation.values.map { "\($0.0) \(progress.format($0.1))" }.joined(separator: ", "))
        }
    }
}

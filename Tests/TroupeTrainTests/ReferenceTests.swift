import Foundation
import Testing
import TroupeCore
import TroupeLM

@testable import TroupeTrain

/// The trainer against PyTorch + PEFT (`train-reference.json`, written by
/// `scripts/reference/train_reference.py` on the tiny Llama with adapters PEFT itself saved):
/// the loss and every LoRA gradient after one step, and the losses, learning rates and gradient
/// norms of ten AdamW steps (warmup 2, cosine, clipping at 1).
///
/// Tolerances (both sides compute in f32; only summation order differs): gradients within 1e-4
/// of the largest gradient magnitude; one-step losses within 1e-5 relative; the ten-step
/// trajectory within 1e-3 relative (AdamW's normalization amplifies rounding on tiny gradients).
@Suite struct ReferenceTests {
    static let reference = try! Fixtures.json("train-reference.json")

    static func sftExamples() -> [SFTExample] {
        (reference["sft_examples"]?.arrayValue ?? []).map { e in
            SFTExample(
                prompt: Fixtures.ints(e["prompt"]), completion: Fixtures.ints(e["completion"]),
                weights: (e["weights"]?.arrayValue ?? []).map { Float($0.doubleValue!) })
        }
    }

    static func pairs() -> [PreferenceExample] {
        (reference["pairs"]?.arrayValue ?? []).map { e in
            PreferenceExample(
                prompt: Fixtures.ints(e["prompt"]), chosen: Fixtures.ints(e["chosen"]),
                rejected: Fixtures.ints(e["rejected"]))
        }
    }

    static func dpoConfig(_ c: JSONValue) throws -> DPOConfig {
        try DPOConfig(
            beta: c["beta"]!.doubleValue!, labelSmoothing: c["label_smoothing"]!.doubleValue!,
            lossType: DPOConfig.LossType(rawValue: c["loss_type"]!.stringValue!)!,
            nllLossCoef: c["nll_loss_coef"]!.doubleValue!)
    }

    /// The model with the case's PEFT-written adapter installed.
    static func load(_ c: JSONValue) throws -> (LanguageModel, LoRAModel) {
        let lm = try Fixtures.tinyModel()
        let lora = try LoRAModel.loadPEFT(Fixtures.path(c["adapter"]!.stringValue!), modelConfig: lm.model.config)
        try lora.install(on: lm.model)
        return (lm, lora)
    }

    static func compareGradients(_ lora: LoRAModel, _ c: JSONValue, _ label: String) {
        let expected = c["gradients"]!.objectValue!
        #expect(expected.count == lora.parameters.count)
        let scale = expected.values.flatMap { Fixtures.floats($0) }.map { abs($0) }.max()!
        var worst: Float = 0
        for p in lora.parameters {
            guard let e = expected[p.name] else {
                Issue.record("no reference gradient for \(p.name)")
                continue
            }
            worst = max(worst, maxDifference(p.gradient.values, Fixtures.floats(e), "\(label) \(p.name)"))
        }
        print("\(label): worst gradient difference \(worst) of scale \(scale)")
        #expect(worst <= 1e-4 * scale)
    }

    @Test func sftStepMatchesPyTorch() throws {
        let c = Self.reference["cases"]!["sft"]!
        let (lm, lora) = try Self.load(c)
        let objective = SFTObjective(model: lm.model)
        let examples = Self.sftExamples()
        let metrics = try objective.microStep(
            examples, indices: Array(examples.indices), totals: objective.totals(examples),
            options: TrainingPassOptions())
        #expect(abs(metrics["loss"]! - c["loss"]!.doubleValue!) < 1e-5 * c["loss"]!.doubleValue!)
        Self.compareGradients(lora, c, "sft")
    }

    @Test(arguments: ["dpo_cdpo", "dpo_ipo_nll"])
    func dpoStepMatchesPyTorch(_ name: String) throws {
        let c = Self.reference["cases"]![name]!
        let (lm, lora) = try Self.load(c)
        let objective = DPOObjective(model: lm.model, lora: lora, config: try Self.dpoConfig(c))
        let pairs = Self.pairs()
        let metrics = try objective.microStep(
            pairs, indices: Array(pairs.indices), totals: objective.totals(pairs), options: TrainingPassOptions())
        for (i, r) in (Self.reference["references"]?.arrayValue ?? []).enumerated() {
            #expect(abs(Double(objective.referenceCache[i]!.chosen) - r.arrayValue![0].doubleValue!) < 1e-3)
            #expect(abs(Double(objective.referenceCache[i]!.rejected) - r.arrayValue![1].doubleValue!) < 1e-3)
        }
        print("\(name): loss \(metrics["loss"]!) vs \(c["loss"]!.doubleValue!)")
        #expect(abs(metrics["loss"]! - c["loss"]!.doubleValue!) < 1e-5 * abs(c["loss"]!.doubleValue!))
        Self.compareGradients(lora, c, name)
    }

    /// Ten AdamW steps through the Trainer, with gradient accumulation (3 micro-batches of one
    /// example stand for PyTorch's one batch of three).
    @Test(arguments: ["sft", "dpo_cdpo", "dpo_ipo_nll"])
    func tenAdamWStepsMatchPyTorch(_ name: String) throws {
        let c = Self.reference["cases"]![name]!
        let (lm, lora) = try Self.load(c)
        let o = c["optimizer"]!
        var config = TrainerConfig(learningRate: o["lr"]!.doubleValue!)
        config.maxSteps = 10
        config.batchSize = 1
        config.gradientAccumulationSteps = 3
        config.scheduler = .cosine
        config.warmupSteps = 2
        config.adam.weightDecay = o["weight_decay"]!.doubleValue!
        config.maxGradNorm = 1
        let steps: [StepRecord]
        if name == "sft" {
            steps = try Trainer(
                objective: SFTObjective(model: lm.model), model: lm.model, lora: lora, examples: Self.sftExamples(),
                config: config
            ).train()
        } else {
            let objective = DPOObjective(model: lm.model, lora: lora, config: try Self.dpoConfig(c))
            steps = try Trainer(
                objective: objective, model: lm.model, lora: lora, examples: Self.pairs(), config: config
            )
            .train()
        }
        let expected = c["steps"]!.arrayValue!
        #expect(steps.count == expected.count)
        for (mine, theirs) in zip(steps, expected) {
            let loss = theirs["loss"]!.doubleValue!
            print(
                "\(name) step \(mine.step): loss \(mine["loss"]!) vs \(loss), lr \(mine["learning_rate"]!) vs \(theirs["lr"]!.doubleValue!), grad norm \(mine["grad_norm"]!) vs \(theirs["grad_norm"]!.doubleValue!)"
            )
            #expect(abs(mine["loss"]! - loss) <= 1e-3 * abs(loss))
            #expect(abs(mine["learning_rate"]! - theirs["lr"]!.doubleValue!) <= 1e-12)
            #expect(
                abs(mine["grad_norm"]! - theirs["grad_norm"]!.doubleValue!) <= 1e-3 * theirs["grad_norm"]!.doubleValue!)
        }
    }
}

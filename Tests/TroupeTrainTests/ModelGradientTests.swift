import Foundation
import Testing
import TroupeCore
import TroupeLM

@testable import TroupeTrain

/// Gradients through the whole model and every loss: the analytic gradient of all LoRA
/// parameters (and the reward head) along a random direction d, against the central difference
/// (L(θ+εd) − L(θ−εd)) / 2ε of the loss the objective reports. Tolerance 1e-2 relative (the
/// forward is f32 throughout).
@Suite struct ModelGradientTests {
    /// The tiny model with random adapters (B non-zero, so every gradient is non-zero).
    static func setUp(dropout: Double = 0, rank: Int = 3) throws -> (LanguageModel, LoRAModel) {
        let lm = try Fixtures.tinyModel()
        let lora = try LoRAModel(
            config: LoRAConfig(r: rank, alpha: 6, dropout: dropout), modelConfig: lm.model.config, seed: 5)
        for (i, p) in lora.parameters.enumerated() where p.name.contains("lora_B") {
            p.value.data.update(
                from: randomFloats(p.value.count, seed: 100 + UInt64(i), scale: 0.2), count: p.value.count)
        }
        try lora.install(on: lm.model)
        return (lm, lora)
    }

    static func tokens(_ n: Int, seed: UInt64) -> [Int] {
        var rng = SeededRNG(seed: seed)
        return (0..<n).map { _ in rng.int(in: 3..<400) }
    }

    /// Directional derivative check; returns the relative error.
    static func check(
        _ lora: LoRAModel, label: String, loss: () throws -> Double, gradient: () throws -> Void
    ) throws
        -> Double
    {
        lora.zeroGradients()
        try gradient()
        let params = lora.parameters
        var rng = SeededRNG(seed: 42)
        let directions = params.map { p in (0..<p.value.count).map { _ in Float(rng.double() * 2 - 1) } }
        var analytic = 0.0
        for (p, d) in zip(params, directions) {
            for i in 0..<p.value.count { analytic += Double(p.gradient[i]) * Double(d[i]) }
        }
        let eps: Float = 2e-3
        func shift(_ s: Float) {
            for (p, d) in zip(params, directions) { for i in 0..<p.value.count { p.value[i] += s * d[i] } }
        }
        shift(eps)
        let plus = try loss()
        shift(-2 * eps)
        let minus = try loss()
        shift(eps)
        let numeric = (plus - minus) / (2 * Double(eps))
        let error = abs(numeric - analytic) / max(abs(analytic), 1e-6)
        print("\(label): analytic \(analytic), finite differences \(numeric), relative error \(error)")
        return error
    }

    @Test(arguments: [0.0, 0.3])
    func sftThroughTheModel(dropout: Double) throws {
        let (lm, lora) = try Self.setUp(dropout: dropout)
        let objective = SFTObjective(model: lm.model)
        let examples = [
            SFTExample(
                prompt: Self.tokens(4, seed: 1), completion: Self.tokens(6, seed: 2), weights: [1, 1, 1.5, 1.5, 0, 2]),
            SFTExample(prompt: [], completion: Self.tokens(7, seed: 3)),
        ]
        let options = TrainingPassOptions(dropoutSeed: 9)
        var eval = options
        eval.saveForBackward = false
        let error = try Self.check(
            lora, label: "sft (dropout \(dropout))",
            loss: {
                try objective.microStep(examples, indices: [0, 1], totals: objective.totals(examples), options: eval)[
                    "loss"]!
            },
            gradient: {
                _ = try objective.microStep(
                    examples, indices: [0, 1], totals: objective.totals(examples), options: options)
            })
        #expect(error < 1e-2)
    }

    @Test(arguments: [
        try! DPOConfig(beta: 0.5, labelSmoothing: 0.1),
        try! DPOConfig(beta: 0.3, lossType: .ipo),
        try! DPOConfig(beta: 0.2, nllLossCoef: 0.7),
        try! DPOConfig(beta: 0.2, rpoAlpha: 0.5),
    ])
    func dpoThroughTheModel(config: DPOConfig) throws {
        let (lm, lora) = try Self.setUp()
        let objective = DPOObjective(model: lm.model, lora: lora, config: config)
        let pairs = [
            PreferenceExample(
                prompt: Self.tokens(3, seed: 4), chosen: Self.tokens(5, seed: 5), rejected: Self.tokens(4, seed: 6)),
            // A prompt long enough for chosen and rejected to share its rows (SequenceBatch).
            PreferenceExample(
                prompt: Self.tokens(20, seed: 7), chosen: Self.tokens(3, seed: 8), rejected: Self.tokens(6, seed: 9)),
        ]
        let totals = objective.totals(pairs)
        let error = try Self.check(
            lora,
            label: "dpo \(config.lossType) ε=\(config.labelSmoothing) nll=\(config.nllLossCoef) rpo=\(config.rpoAlpha)",
            loss: {
                try objective.microStep(
                    pairs, indices: [0, 1], totals: totals, options: TrainingPassOptions(saveForBackward: false))[
                        "loss"]!
            },
            gradient: {
                _ = try objective.microStep(pairs, indices: [0, 1], totals: totals, options: TrainingPassOptions())
            })
        #expect(error < 1e-2)
        // The reference is the base model: equal to a pass with the adapters uninstalled.
        LoRAModel.uninstall(from: lm.model)
        let base = try lm.model.tokenLogProbs([pairs[0].prompt + pairs[0].chosen])[0].suffix(5).reduce(0, +)
        #expect(abs(Double(objective.referenceCache[0]!.chosen) - Double(base)) < 1e-3)
    }

    @Test func rewardModelThroughTheModel() throws {
        let (lm, lora) = try Self.setUp()
        lora.addScoreHead(seed: 3, std: 0.5)
        let objective = try RewardObjective(model: lm.model, lora: lora)
        let pairs = [
            PreferenceExample(
                prompt: Self.tokens(3, seed: 10), chosen: Self.tokens(5, seed: 11), rejected: Self.tokens(2, seed: 12)),
            PreferenceExample(
                prompt: Self.tokens(4, seed: 13), chosen: Self.tokens(3, seed: 14), rejected: Self.tokens(6, seed: 15)),
        ]
        let totals = objective.totals(pairs)
        let error = try Self.check(
            lora, label: "reward model",
            loss: {
                try objective.microStep(
                    pairs, indices: [0, 1], totals: totals, options: TrainingPassOptions(saveForBackward: false))[
                        "loss"]!
            },
            gradient: {
                _ = try objective.microStep(pairs, indices: [0, 1], totals: totals, options: TrainingPassOptions())
            })
        #expect(error < 1e-2)
        #expect(lora.score!.gradient.values.contains { $0 != 0 })
    }

    /// Activation recomputation gives the same gradients as keeping activations.
    @Test func recomputingBlocksChangesNothing() throws {
        let (lm, lora) = try Self.setUp(dropout: 0.2)
        let objective = SFTObjective(model: lm.model)
        let examples = [SFTExample(prompt: Self.tokens(5, seed: 20), completion: Self.tokens(9, seed: 21))]
        var gradients: [[Float]] = []
        for recompute in [false, true] {
            lora.zeroGradients()
            var options = TrainingPassOptions(dropoutSeed: 3)
            options.recomputeBlocks = recompute
            _ = try objective.microStep(examples, indices: [0], totals: objective.totals(examples), options: options)
            gradients.append(lora.parameters.flatMap { $0.gradient.values })
        }
        #expect(gradients[0] == gradients[1])
        #expect(
            lm.model.activationBytes(tokens: 1024, recomputeBlocks: true)
                < lm.model.activationBytes(tokens: 1024, recomputeBlocks: false))
    }

    /// Sequences that share their beginning (a DPO pair's prompt, and one sequence that is a
    /// prefix-plus-one of another) give the same log-probabilities and gradients as packing each
    /// whole, with fewer rows.
    @Test func sharedPrefixesChangeNothing() throws {
        let (lm, lora) = try Self.setUp()
        let prompt = Self.tokens(24, seed: 40)
        let sequences = [
            ScoredSequence(tokens: prompt + Self.tokens(7, seed: 41), completionStart: 24),
            ScoredSequence(tokens: prompt + Self.tokens(9, seed: 42), completionStart: 24),
            ScoredSequence(tokens: Self.tokens(12, seed: 43), completionStart: 3),
            ScoredSequence(tokens: prompt + [5], completionStart: 20),
        ]
        var logProbs: [[Float]] = [], gradients: [[Float]] = [], rows: [Int] = []
        for share in [false, true] {
            lora.zeroGradients()
            let batch = try SequenceBatch(
                model: lm.model, sequences: sequences, options: TrainingPassOptions(), sharePrefixes: share)
            logProbs.append(batch.tokens.flatMap { $0.map(\.logProb) })
            try batch.backward(
                coefficients: sequences.indices.map { i in
                    (0..<sequences[i].completionCount).map { Float(i + 1) * (0.5 + Float($0 % 3)) }
                })
            gradients.append(lora.parameters.flatMap { $0.gradient.values })
            rows.append(batch.pass.tokens.count)
        }
        #expect(rows == [31 + 33 + 12 + 25, 31 + 9 + 12 + 1])
        #expect(maxDifference(logProbs[0], logProbs[1], "shared vs whole: log p") < 1e-4)
        let scale = gradients[0].map(abs).max()!
        #expect(maxDifference(gradients[0], gradients[1], "shared vs whole: gradients") < 1e-4 * scale)
    }

    /// The thread count does not change the arithmetic of a training pass: the row-wise pieces,
    /// the attention (one task per sequence and head forward, per family and KV head backward)
    /// and the head's log-softmax rows give the same log-probabilities and gradients, bit for
    /// bit, on one thread and on three. Sequences of several row blocks, one sharing a prefix.
    @Test func trainingDoesNotDependOnTheThreadCount() throws {
        let prompt = Self.tokens(40, seed: 50)
        let sequences = [
            ScoredSequence(tokens: prompt + Self.tokens(70, seed: 51), completionStart: 40),
            ScoredSequence(tokens: prompt + Self.tokens(60, seed: 52), completionStart: 40),
            ScoredSequence(tokens: Self.tokens(90, seed: 53), completionStart: 20),
        ]
        var runs: [[Float]] = []
        for threads in [1, 3] {
            let (lm, lora) = try Self.setUp(dropout: 0.1)
            lm.model.pool = WorkerPool(threads: threads)
            let batch = try SequenceBatch(
                model: lm.model, sequences: sequences, options: TrainingPassOptions(dropoutSeed: 4),
                sharePrefixes: true)
            try batch.backward(
                coefficients: sequences.indices.map { i in
                    (0..<sequences[i].completionCount).map { Float(i + 1) * (0.5 + Float($0 % 3)) }
                })
            runs.append(batch.tokens.flatMap { $0.map(\.logProb) } + lora.parameters.flatMap { $0.gradient.values })
        }
        #expect(runs[0].map(\.bitPattern) == runs[1].map(\.bitPattern))
    }

    /// The training forward equals the engine's inference forward (logits through the same head).
    @Test func trainingForwardMatchesInference() throws {
        let (lm, _) = try Self.setUp()
        let tokens = Self.tokens(11, seed: 30)
        let inference = try lm.model.tokenLogProbs([tokens])[0]
        let training = try SequenceBatch(
            model: lm.model, sequences: [ScoredSequence(tokens: tokens, completionStart: 1)],
            options: TrainingPassOptions(saveForBackward: false))
        #expect(
            maxDifference(Array(inference.dropFirst()), training.tokens[0].map(\.logProb), "train vs inference logp")
                < 1e-4)
    }

    @Test func lossDerivatives() throws {
        for config in [try DPOConfig(beta: 0.4, labelSmoothing: 0.2), try DPOConfig(beta: 0.4, lossType: .ipo)] {
            let h = 1e-6
            let (_, d) = Loss.dpo(
                policyChosen: -3, policyRejected: -5, referenceChosen: -4, referenceRejected: -4.5, config: config)
            let plus = Loss.dpo(
                policyChosen: -3 + h, policyRejected: -5, referenceChosen: -4, referenceRejected: -4.5, config: config
            ).loss
            let minus = Loss.dpo(
                policyChosen: -3 - h, policyRejected: -5, referenceChosen: -4, referenceRejected: -4.5, config: config
            ).loss
            #expect(abs((plus - minus) / (2 * h) - d) < 1e-6)
        }
        let (l, d) = Loss.bradleyTerry(chosen: 0.3, rejected: 1.1)
        let h = 1e-6
        #expect(
            abs(
                (Loss.bradleyTerry(chosen: 0.3 + h, rejected: 1.1).loss
                    - Loss.bradleyTerry(chosen: 0.3 - h, rejected: 1.1).loss) / (2 * h) - d) < 1e-6)
        #expect(abs(l - log(1 + exp(0.8))) < 1e-12)
        // cDPO at Δ = 0 is log 2 whatever ε.
        #expect(
            abs(
                Loss.dpo(
                    policyChosen: 0, policyRejected: 0, referenceChosen: 0, referenceRejected: 0,
                    config: try DPOConfig(labelSmoothing: 0.3)
                ).loss - log(2)) < 1e-12)
    }
}

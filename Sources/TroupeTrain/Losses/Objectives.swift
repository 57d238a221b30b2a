import TroupeCore
import TroupeLM

/// What a global batch (all micro-batches of one optimizer step) holds, so that every
/// micro-batch normalizes its loss by the whole batch and gradient accumulation changes nothing.
public struct BatchTotals: Sendable, Equatable {
    /// Examples (SFT) or pairs (DPO, reward model).
    public var examples: Int
    /// Scored tokens: SFT completion tokens; DPO chosen completion tokens.
    public var scoredTokens: Int
}

/// A training objective: the loss of one kind of example, with its metrics.
///
/// Who calls it: `Trainer`, once per micro-batch (`microStep`, which runs forward and backward
/// and accumulates the adapters' gradients) and for evaluation (`evaluate`, no gradients).
/// `indices` are the examples' positions in the dataset (the DPO reference cache is keyed by it).
public protocol TrainingObjective: AnyObject {
    associatedtype Example: Sendable
    /// The metric logged as the step's headline (after `loss`).
    var name: String { get }
    func tokenCount(_ example: Example) -> Int
    func totals(_ batch: [Example]) -> BatchTotals
    func microStep(
        _ micro: [Example], indices: [Int], totals: BatchTotals, options: TrainingPassOptions
    ) throws
        -> MetricSums
    func evaluate(_ micro: [Example], indices: [Int]) throws -> MetricSums
    /// Settings that shape the loss (a checkpoint resumes only with the same), as JSON.
    var settings: JSONValue { get }
    /// State a checkpoint keeps beside the optimizer's (the DPO reference cache).
    func checkpointTensors() -> [(name: String, values: [Float])]
    func restore(tensors: [String: [Float]]) throws
}

extension TrainingObjective {
    public var settings: JSONValue { ["objective": .string(name)] }
    public func checkpointTensors() -> [(name: String, values: [Float])] { [] }
    public func restore(tensors: [String: [Float]]) throws {}
}

/// Supervised fine-tuning on completion tokens with per-token weights (TriPosT's weighted SFT):
/// `L = Σ_t w_t · (−log p_t) / N` with N the number of completion tokens in the global batch.
public final class SFTObjective: TrainingObjective {
    public typealias Example = SFTExample
    public let model: LlamaModel
    public var name: String { "sft" }

    public init(model: LlamaModel) { self.model = model }

    public func tokenCount(_ e: SFTExample) -> Int { e.tokenCount }

    public func totals(_ batch: [SFTExample]) -> BatchTotals {
        BatchTotals(
            examples: batch.count, scoredTokens: batch.reduce(0) { $0 + $1.scored.weights.filter { $0 > 0 }.count })
    }

    public func microStep(
        _ micro: [SFTExample], indices: [Int], totals: BatchTotals, options: TrainingPassOptions
    )
        throws -> MetricSums
    {
        let scored = micro.map(\.scored)
        let batch = try SequenceBatch(model: model, sequences: scored.map(\.sequence), options: options)
        let n = Double(max(1, totals.scoredTokens))
        var coefficients: [[Float]] = []
        var metrics = MetricSums()
        var weightedNLL = 0.0, count = 0
        for (i, s) in scored.enumerated() {
            coefficients.append(s.weights.map { Float(-Double($0) / n) })
            for (t, row) in batch.tokens[i].enumerated() where s.weights[t] > 0 {
                weightedNLL -= Double(s.weights[t]) * Double(row.logProb)
                metrics.add("mean_token_accuracy", row.top1 ? 1 : 0)
                metrics.add("entropy", Double(row.entropy))
                count += 1
            }
        }
        if count > 0 { metrics.add("loss", weightedNLL / Double(count), weight: Double(count)) }
        if options.saveForBackward { try batch.backward(coefficients: coefficients) }
        return metrics
    }

    public func evaluate(_ micro: [SFTExample], indices: [Int]) throws -> MetricSums {
        try microStep(
            micro, indices: indices, totals: totals(micro), options: TrainingPassOptions(saveForBackward: false))
    }
}

/// DPO and its variants on summed completion log-probabilities (see `DPOConfig`), with the
/// reference log-probabilities computed once per pair (adapters off, or the adapter training
/// started from) and cached.
public final class DPOObjective: TrainingObjective {
    public typealias Example = PreferenceExample
    public let model: LlamaModel
    public let lora: LoRAModel
    public let config: DPOConfig
    /// The reference adapters when training continues from an adapter (TRL's "ref" adapter);
    /// nil: the base model.
    public let referenceAdapters: LoRAModel?
    /// Reference (chosen, rejected) summed log-probabilities by dataset index.
    /// (Kept as f32, the precision a checkpoint stores, so a resumed run sees the same values.)
    public var referenceCache: [Int: (chosen: Float, rejected: Float)] = [:]
    public var name: String { "dpo" }

    public var settings: JSONValue {
        [
            "objective": "dpo", "beta": .number(config.beta), "label_smoothing": .number(config.labelSmoothing),
            "loss_type": .string(config.lossType.rawValue), "nll_loss_coef": .number(config.nllLossCoef),
            "rpo_alpha": .number(config.rpoAlpha), "reference_adapter": .bool(referenceAdapters != nil),
        ]
    }

    /// The cache as rows (index, chosen, rejected); indices are exact in f32 below 2^24.
    public func checkpointTensors() -> [(name: String, values: [Float])] {
        var rows: [Float] = []
        for key in referenceCache.keys.sorted() {
            let v = referenceCache[key]!
            rows += [Float(key), v.chosen, v.rejected]
        }
        return [("reference_logps", rows)]
    }

    public func restore(tensors: [String: [Float]]) throws {
        guard let rows = tensors["reference_logps"], rows.count % 3 == 0 else { return }
        referenceCache = [:]
        for i in stride(from: 0, to: rows.count, by: 3) { referenceCache[Int(rows[i])] = (rows[i + 1], rows[i + 2]) }
    }

    public init(model: LlamaModel, lora: LoRAModel, config: DPOConfig, referenceAdapters: LoRAModel? = nil) {
        self.model = model
        self.lora = lora
        self.config = config
        self.referenceAdapters = referenceAdapters
    }

    public func tokenCount(_ e: PreferenceExample) -> Int { e.tokenCount }

    public func totals(_ batch: [PreferenceExample]) -> BatchTotals {
        BatchTotals(examples: batch.count, scoredTokens: batch.reduce(0) { $0 + $1.sequences.chosen.completionCount })
    }

    /// Fills the reference cache for `indices` (one pass over the missing pairs, no activations kept).
    public func computeReferences(_ micro: [PreferenceExample], indices: [Int]) throws {
        let missing = indices.indices.filter { referenceCache[indices[$0]] == nil }
        guard !missing.isEmpty else { return }
        var sequences: [ScoredSequence] = []
        for i in missing { sequences += [micro[i].sequences.chosen, micro[i].sequences.rejected] }
        if let referenceAdapters { try referenceAdapters.install(on: model) }
        defer { if referenceAdapters != nil { try? lora.install(on: model) } }
        let batch = try SequenceBatch(
            model: model, sequences: sequences,
            options: TrainingPassOptions(adapters: referenceAdapters != nil, saveForBackward: false))
        for (k, i) in missing.enumerated() {
            referenceCache[indices[i]] = (Float(batch.logProbSum(2 * k)), Float(batch.logProbSum(2 * k + 1)))
        }
    }

    public func microStep(
        _ micro: [PreferenceExample], indices: [Int], totals: BatchTotals, options: TrainingPassOptions
    ) throws -> MetricSums {
        try computeReferences(micro, indices: indices)
        var sequences: [ScoredSequence] = []
        for e in micro { sequences += [e.sequences.chosen, e.sequences.rejected] }
        let batch = try SequenceBatch(model: model, sequences: sequences, options: options)
        let pairs = Double(max(1, totals.examples)), chosenTokens = Double(max(1, totals.scoredTokens))
        let b = config.beta
        var metrics = MetricSums()
        var coefficients: [[Float]] = []
        for (k, index) in indices.enumerated() {
            let cached = referenceCache[index]!
            let ref = (chosen: Double(cached.chosen), rejected: Double(cached.rejected))
            let pc = batch.logProbSum(2 * k), pr = batch.logProbSum(2 * k + 1)
            var (loss, d) = Loss.dpo(
                policyChosen: pc, policyRejected: pr, referenceChosen: ref.chosen, referenceRejected: ref.rejected,
                config: config)
            let nc = Double(batch.tokens[2 * k].count), nr = batch.tokens[2 * k + 1].count
            var chosenPerToken = d / pairs
            if config.nllLossCoef > 0 {
                let nll = -pc / max(1, nc)
                loss += config.nllLossCoef * nll
                chosenPerToken -= config.nllLossCoef / (pairs * max(1, nc))
                metrics.add("nll_loss", nll)
            }
            coefficients.append(Array(repeating: Float(chosenPerToken), count: Int(nc)))
            coefficients.append(Array(repeating: Float(-d / pairs), count: nr))
            if config.rpoAlpha > 0 {
                // Mean over the global batch's chosen tokens: each token's share is α/N.
                coefficients[2 * k] = coefficients[2 * k].map { $0 - Float(config.rpoAlpha / chosenTokens) }
                loss += config.rpoAlpha * (-pc) / chosenTokens * pairs
                metrics.add("nll_loss", -pc / max(1, nc), weight: nc)
            }
            let rc = b * (pc - ref.chosen), rr = b * (pr - ref.rejected)
            metrics.add("loss", loss)
            metrics.add("rewards/chosen", rc)
            metrics.add("rewards/rejected", rr)
            metrics.add("rewards/accuracies", rc > rr ? 1 : 0)
            metrics.add("rewards/margins", rc - rr)
            metrics.add("logps/chosen", pc)
            metrics.add("logps/rejected", pr)
            for row in batch.tokens[2 * k] { metrics.add("logits/chosen", Double(row.meanLogit)) }
            for row in batch.tokens[2 * k + 1] { metrics.add("logits/rejected", Double(row.meanLogit)) }
        }
        if options.saveForBackward { try batch.backward(coefficients: coefficients) }
        return metrics
    }

    public func evaluate(_ micro: [PreferenceExample], indices: [Int]) throws -> MetricSums {
        // Evaluation pairs have their own indices space: keep their references apart.
        let saved = referenceCache
        referenceCache = [:]
        defer { referenceCache = saved }
        return try microStep(
            micro, indices: Array(micro.indices), totals: totals(micro),
            options: TrainingPassOptions(saveForBackward: false))
    }
}

/// A reward model: a scalar head on the final-normed hidden state of each sequence's last token
/// (`r = w·h`, Hugging Face's `LlamaForSequenceClassification` with one label), trained with the
/// Bradley–Terry loss `−logσ(r_c − r_r)` averaged over pairs (ALMoST, TRL's RewardTrainer).
public final class RewardObjective: TrainingObjective {
    public typealias Example = PreferenceExample
    public let model: LlamaModel
    public let lora: LoRAModel
    public var name: String { "reward" }

    public init(model: LlamaModel, lora: LoRAModel) throws {
        guard lora.score != nil else { throw TrainError.badConfig("a reward model needs a score head") }
        self.model = model
        self.lora = lora
    }

    public func tokenCount(_ e: PreferenceExample) -> Int { e.tokenCount }

    public func totals(_ batch: [PreferenceExample]) -> BatchTotals {
        BatchTotals(examples: batch.count, scoredTokens: 0)
    }

    /// The rewards of sequences (one forward, no gradients).
    public func rewards(_ sequences: [ScoredSequence]) throws -> [Double] {
        let batch = try SequenceBatch(
            model: model, sequences: sequences, options: TrainingPassOptions(saveForBackward: false), scoreTokens: false
        )
        return sequences.indices.map { reward(batch, $0) }
    }

    func reward(_ batch: SequenceBatch, _ i: Int) -> Double {
        let h = batch.lastHidden(i), w = lora.score!.value
        var r = 0.0
        for j in 0..<w.count { r += Double(w[j]) * Double(h[j]) }
        return r
    }

    public func microStep(
        _ micro: [PreferenceExample], indices: [Int], totals: BatchTotals, options: TrainingPassOptions
    ) throws -> MetricSums {
        var sequences: [ScoredSequence] = []
        for e in micro { sequences += [e.sequences.chosen, e.sequences.rejected] }
        let batch = try SequenceBatch(model: model, sequences: sequences, options: options, scoreTokens: false)
        let pairs = Double(max(1, totals.examples))
        let score = lora.score!
        var metrics = MetricSums()
        var dReward = [Double](repeating: 0, count: sequences.count)
        for k in micro.indices {
            let rc = reward(batch, 2 * k), rr = reward(batch, 2 * k + 1)
            let (loss, d) = Loss.bradleyTerry(chosen: rc, rejected: rr)
            dReward[2 * k] = d / pairs
            dReward[2 * k + 1] = -d / pairs
            metrics.add("loss", loss)
            metrics.add("accuracy", rc > rr ? 1 : 0)
            metrics.add("margin", rc - rr)
            metrics.add("rewards/chosen", rc)
            metrics.add("rewards/rejected", rr)
        }
        guard options.saveForBackward else { return metrics }
        for i in sequences.indices {
            let h = batch.lastHidden(i), c = Float(dReward[i])
            for j in 0..<score.gradient.count { score.gradient[j] += c * h[j] }
        }
        try batch.backward(
            coefficients: sequences.map { _ in [] },
            lastTokenGradient: { i in
                let c = Float(dReward[i])
                return score.value.values.map { $0 * c }
            })
        return metrics
    }

    public func evaluate(_ micro: [PreferenceExample], indices: [Int]) throws -> MetricSums {
        try microStep(
            micro, indices: indices, totals: totals(micro), options: TrainingPassOptions(saveForBackward: false))
    }
}

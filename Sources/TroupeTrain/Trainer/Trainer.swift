import Foundation
import TroupeCore
import TroupeLM

/// One optimizer step's metrics, named as TRL names them (`loss`, `rewards/margins`, …) plus
/// `step`, `epoch`, `learning_rate`, `grad_norm`, `num_tokens` and `tokens_per_second`.
public struct StepRecord: Sendable {
    public var step: Int
    public var values: [(String, Double)]

    public subscript(_ name: String) -> Double? { values.first { $0.0 == name }?.1 }

    public var json: JSONValue {
        var o = JSONObject()
        o["step"] = .number(step)
        for (k, v) in values { o[k] = v.isFinite ? .number(v) : .string("\(v)") }
        return .object(o)
    }
}

/// What a run reports while it works (the library never prints; the CLI draws a progress line).
public enum TrainingEvent: Sendable {
    case started(totalSteps: Int, examples: Int, parameters: Int, resumedAt: Int?)
    case step(StepRecord, totalSteps: Int)
    case evaluated(StepRecord)
    case checkpointed(path: String)
}

public protocol TrainingObserver: AnyObject {
    func training(_ event: TrainingEvent)
}

/// The training loop: micro-batches with gradient accumulation, gradient clipping, AdamW with a
/// warmup-and-decay schedule, seeded data order, evaluation, metrics and checkpoints.
///
/// Determinism: the data order of epoch e is a pure function of (seed, e), the examples of step
/// s follow from s alone, and dropout masks from (seed, s, micro-batch); the optimizer state is
/// saved exactly. So a run resumed from a checkpoint continues with the same losses as one that
/// never stopped.
///
/// Who calls it: the `agent sft/dpo/rm` commands and the agents' training phases.
public final class Trainer<Objective: TrainingObjective> {
    public let objective: Objective
    public let model: LlamaModel
    public let lora: LoRAModel
    public let examples: [Objective.Example]
    public let evalExamples: [Objective.Example]
    public let config: TrainerConfig
    public var output: OutputSettings
    /// Where checkpoints, metrics.jsonl and metrics.svg go (nil: nothing is written).
    public let outputDirectory: String?
    /// Identifies the data and the base model for resume checks.
    public var dataFingerprint: UInt64 = 0
    public weak var observer: (any TrainingObserver)?

    public let optimizer: AdamW
    public let totalSteps: Int
    public let stepsPerEpoch: Int
    /// Optimizer steps completed.
    public private(set) var step = 0
    /// Tokens seen so far (TRL's `num_tokens`).
    public private(set) var tokensSeen = 0
    public private(set) var history: [StepRecord] = []
    public private(set) var evaluations: [StepRecord] = []
    private var orders: [Int: [Int]] = [:]

    public init(
        objective: Objective, model: LlamaModel, lora: LoRAModel, examples: [Objective.Example],
        evalExamples: [Objective.Example] = [], config: TrainerConfig, output: OutputSettings = OutputSettings(),
        outputDirectory: String? = nil
    ) throws {
        try config.validate()
        guard !examples.isEmpty else { throw TrainError.badConfig("there are no training examples") }
        self.objective = objective
        self.model = model
        self.lora = lora
        self.examples = examples
        self.evalExamples = evalExamples
        self.config = config
        self.output = output
        self.outputDirectory = outputDirectory
        optimizer = try AdamW(parameters: lora.parameters, settings: config.adam)
        totalSteps = config.totalSteps(examples: examples.count)
        stepsPerEpoch = config.stepsPerEpoch(examples: examples.count)
        try lora.install(on: model)
    }

    /// The schedule of this run.
    public func schedule() throws -> LearningRateSchedule {
        try LearningRateSchedule(
            kind: config.scheduler, baseLR: config.learningRate,
            warmupSteps: LearningRateSchedule.warmupSteps(
                ratio: config.warmupRatio, steps: totalSteps, explicit: config.warmupSteps),
            totalSteps: totalSteps, minLRRate: config.minLRRate)
    }

    /// The dataset indices of optimizer step s (0-based).
    public func batchIndices(step s: Int) -> [Int] {
        let epoch = s / stepsPerEpoch, position = s % stepsPerEpoch
        if orders[epoch] == nil {
            orders = [
                epoch: EpochOrder.indices(
                    count: examples.count, seed: config.seed, epoch: epoch,
                    lengths: config.groupByLength ? examples.map(objective.tokenCount) : nil,
                    batchSize: config.globalBatch)
            ]
        }
        let order = orders[epoch]!
        let start = position * config.globalBatch
        return Array(order[start..<min(order.count, start + config.globalBatch)])
    }

    /// Runs until `totalSteps` (or `stopAfter` more steps, for tests that interrupt a run).
    @discardableResult
    public func train(stopAfter: Int? = nil) throws -> [StepRecord] {
        let schedule = try schedule()
        observer?.training(
            .started(
                totalSteps: totalSteps, examples: examples.count, parameters: lora.parameterCount,
                resumedAt: step > 0 ? step : nil))
        let log = try outputDirectory.map { try MetricsLog(directory: $0, keepingThrough: step) }
        let end = min(totalSteps, stopAfter.map { step + $0 } ?? totalSteps)
        while step < end {
            let record = try trainStep(schedule: schedule)
            history.append(record)
            observer?.training(.step(record, totalSteps: totalSteps))
            let last = step == totalSteps
            if step % max(1, output.loggingSteps) == 0 || last { try log?.append(record) }
            if !evalExamples.isEmpty, (output.evalSteps > 0 && step % output.evalSteps == 0) || last {
                let evaluation = try evaluate(evalExamples)
                evaluations.append(evaluation)
                observer?.training(.evaluated(evaluation))
                try log?.append(evaluation)
            }
            if let dir = outputDirectory, (output.saveSteps > 0 && step % output.saveSteps == 0) || last {
                let path = try saveCheckpoint(in: dir)
                observer?.training(.checkpointed(path: path))
            }
        }
        if let dir = outputDirectory, step == totalSteps {
            try MetricsPlot.write(records: (log?.records ?? history), to: dir + "/metrics.svg")
        }
        return history
    }

    /// One optimizer step: the global batch in micro-batches, clipping, AdamW.
    func trainStep(schedule: LearningRateSchedule) throws -> StepRecord {
        let start = Date()
        let indices = batchIndices(step: step)
        let batch = indices.map { examples[$0] }
        let totals = objective.totals(batch)
        lora.zeroGradients()
        var metrics = MetricSums()
        var tokens = 0
        var m = 0
        while m * config.batchSize < batch.count {
            let range = (m * config.batchSize)..<min(batch.count, (m + 1) * config.batchSize)
            let micro = Array(batch[range])
            let microTokens = micro.reduce(0) { $0 + objective.tokenCount($1) }
            var options = TrainingPassOptions(dropoutSeed: dropoutSeed(step: step, micro: m))
            options.recomputeBlocks = recompute(tokens: microTokens)
            metrics.merge(
                try objective.microStep(micro, indices: Array(indices[range]), totals: totals, options: options))
            tokens += microTokens
            m += 1
        }
        let norm = optimizer.clipGradients(maxNorm: config.maxGradNorm)
        guard norm.isFinite, let loss = metrics["loss"], loss.isFinite else {
            throw TrainError.diverged(step: step + 1, detail: "loss \(metrics["loss"] ?? .nan), gradient norm \(norm)")
        }
        let lr = schedule.learningRate(step)
        optimizer.update(lr: lr)
        step += 1
        tokensSeen += tokens
        let seconds = Date().timeIntervalSince(start)
        var values = metrics.means
        values += [
            ("learning_rate", lr), ("grad_norm", norm), ("epoch", Double(step) / Double(stepsPerEpoch)),
            ("num_tokens", Double(tokensSeen)), ("tokens_per_second", Double(tokens) / max(seconds, 1e-9)),
            ("step_seconds", seconds),
        ]
        return StepRecord(step: step, values: values)
    }

    /// The metrics of `examples` without training (micro-batches of `batchSize`), prefixed `eval_`.
    public func evaluate(_ examples: [Objective.Example]) throws -> StepRecord {
        var metrics = MetricSums()
        var i = 0
        while i < examples.count {
            let micro = Array(examples[i..<min(examples.count, i + config.batchSize)])
            metrics.merge(try objective.evaluate(micro, indices: Array(i..<(i + micro.count))))
            i += micro.count
        }
        return StepRecord(step: step, values: metrics.means.map { ("eval_" + $0.0, $0.1) })
    }

    func dropoutSeed(step: Int, micro: Int) -> UInt64 {
        var s = config.seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(micro) &* 0xC2B2_AE3D_27D4_EB4F)
        return SeededRNG.splitMix64(&s)
    }

    func recompute(tokens: Int) -> Bool {
        switch output.activations {
        case .keep: return false
        case .recompute: return true
        case .auto: return model.activationBytes(tokens: tokens, recomputeBlocks: false) > output.activationMemoryLimit
        }
    }

    // MARK: Checkpoint state (see Checkpoint.swift)

    func restore(step: Int, tokensSeen: Int, adamStep: Int) {
        self.step = step
        self.tokensSeen = tokensSeen
        optimizer.step = adamStep
        history = []
    }
}

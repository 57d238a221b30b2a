/// The optimization settings of a run, with Hugging Face `TrainingArguments` names in the
/// comments. Everything that shapes the loss curve is here, and a checkpoint resumes only with
/// the same values (the logging and saving cadence may change).
public struct TrainerConfig: Codable, Sendable, Equatable {
    /// `learning_rate`
    public var learningRate: Double
    /// `num_train_epochs` (fractional epochs allowed)
    public var epochs: Double = 1
    /// `max_steps`: when positive, the run's length in optimizer steps (overrides `epochs`).
    public var maxSteps: Int = 0
    /// `per_device_train_batch_size`: examples (or pairs) per micro-batch.
    public var batchSize: Int = 1
    /// `gradient_accumulation_steps`: micro-batches per optimizer step.
    public var gradientAccumulationSteps: Int = 1
    /// `lr_scheduler_type`
    public var scheduler: LearningRateSchedule.Kind = .linear
    /// `warmup_ratio` and `warmup_steps` (steps win when positive).
    public var warmupRatio: Double = 0
    public var warmupSteps: Int = 0
    /// `lr_scheduler_kwargs.min_lr_rate` for `cosine_with_min_lr`.
    public var minLRRate: Double = 0
    public var adam = AdamW.Settings()
    /// `max_grad_norm` (0: no clipping).
    public var maxGradNorm: Double = 1
    /// `seed`: the data order, the adapters' initialization and dropout all derive from it.
    public var seed: UInt64 = 42
    /// `group_by_length`
    public var groupByLength = false

    public init(learningRate: Double) { self.learningRate = learningRate }

    public var globalBatch: Int { batchSize * gradientAccumulationSteps }

    public func validate() throws {
        guard learningRate > 0, learningRate.isFinite else {
            throw TrainError.badConfig("learning rate must be positive, found \(learningRate)")
        }
        guard batchSize >= 1, gradientAccumulationSteps >= 1 else {
            throw TrainError.badConfig("batch size and gradient accumulation steps must be at least 1")
        }
        guard epochs > 0 || maxSteps > 0 else { throw TrainError.badConfig("give positive epochs or max steps") }
        guard warmupRatio >= 0, warmupRatio <= 1, warmupSteps >= 0 else {
            throw TrainError.badConfig("warmup ratio must be in [0, 1] and warmup steps not negative")
        }
        guard maxGradNorm >= 0 else { throw TrainError.badConfig("max grad norm must not be negative") }
    }

    /// Optimizer steps in one pass over `examples`.
    public func stepsPerEpoch(examples: Int) -> Int { max(1, (examples + globalBatch - 1) / globalBatch) }

    /// Optimizer steps of the whole run.
    public func totalSteps(examples: Int) -> Int {
        maxSteps > 0 ? maxSteps : max(1, Int((epochs * Double(stepsPerEpoch(examples: examples))).rounded(.up)))
    }
}

/// How a run keeps activations for the backward pass.
public enum ActivationPolicy: String, Codable, Sendable, CaseIterable {
    /// Keep every block's activations (fastest).
    case keep
    /// Keep each block's input only and recompute the block in the backward pass (Hugging
    /// Face's `gradient_checkpointing`).
    case recompute
    /// Recompute only for micro-batches whose activations would exceed the memory limit.
    case auto
}

/// The cadence of a run's outputs (free to change on resume).
public struct OutputSettings: Sendable, Equatable {
    /// `logging_steps`: a metrics line every this many steps (and the last).
    public var loggingSteps = 1
    /// `save_steps`: a checkpoint every this many steps (0: only at the end).
    public var saveSteps = 0
    /// `save_total_limit`: checkpoints kept (older ones are deleted; nil keeps all).
    public var saveTotalLimit: Int? = 2
    /// `eval_steps`: evaluation every this many steps (0: only at the end, when there is data).
    public var evalSteps = 0
    public var activations = ActivationPolicy.auto
    /// With `auto`: the most bytes of activations a micro-batch keeps before recomputing.
    public var activationMemoryLimit = 2 << 30

    public init() {}
}

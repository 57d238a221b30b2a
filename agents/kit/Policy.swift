import TroupeCore

/// A policy: what acts in episodes that `EpisodeRunner` plays through `envd` (or any
/// `EnvDriver`). Policies of every method plug in here, so `agent bench` and the training loops
/// measure them the same way.
///
/// Who calls it: the runner, once per step, from many episodes at once (so implementations are
/// `Sendable` and batch concurrent calls themselves when that pays, as the Matryoshka controller
/// does). A policy reads only what the episode showed it; `EpisodeView.seed` is its own random
/// seed for the episode, so a run is reproducible.
public protocol Policy: Sendable {
    /// A short name for tables and logs.
    var name: String { get }
    /// The next action of `episode`.
    func act(_ episode: EpisodeView) async throws -> JSONValue
}

/// Everything an episode has shown so far: the reset and each step with the action taken.
public struct EpisodeView: Sendable {
    /// The episode's key in its run (`train-17/sample-3`).
    public var key: String
    /// The policy's seed for this episode.
    public var seed: UInt64
    public var reset: ResetResult
    public var steps: [(action: JSONValue, result: StepResult)]

    public init(key: String, seed: UInt64, reset: ResetResult, steps: [(action: JSONValue, result: StepResult)] = []) {
        self.key = key
        self.seed = seed
        self.reset = reset
        self.steps = steps
    }

    /// The latest observation and info.
    public var observation: JSONValue { steps.last?.result.observation ?? reset.observation }
    public var info: JSONObject { steps.last?.result.info ?? reset.info }

    /// A random stream for this step, a pure function of the episode seed and the step index.
    public var rng: SeededRNG { SeededRNG(seed: seed, stream: "policy/\(steps.count)") }
}

/// ALFWorld's expert (or any environment publishing `info["extra.expert_plan"]`): the first
/// command of the expert's plan. `alfworld-v0` fills it with `expert: handcoded` (the default)
/// or `expert: planner`.
public struct ExpertPolicy: Policy {
    public init() {}
    public var name: String { "expert" }

    public func act(_ episode: EpisodeView) async throws -> JSONValue {
        guard let first = episode.info["extra.expert_plan"]?.arrayValue?.first else {
            throw PolicyError.missingInfo(
                "extra.expert_plan",
                hint: "make the environment with an expert (alfworld-v0: expert handcoded or planner)")
        }
        return first
    }
}

/// A uniformly random admissible command (`info["admissible_commands"]`), or the environment's
/// own action sampler when there is no such list.
public struct RandomPolicy: Policy {
    public let sampler: EnvRegistration.ActionSampler?

    public init(sampler: EnvRegistration.ActionSampler? = nil) { self.sampler = sampler }
    public var name: String { "random" }

    public func act(_ episode: EpisodeView) async throws -> JSONValue {
        var rng = episode.rng
        if let commands = episode.info["admissible_commands"]?.arrayValue, let pick = rng.element(of: commands) {
            return pick
        }
        guard let sampler else {
            throw PolicyError.missingInfo("admissible_commands", hint: "this environment lists no admissible actions")
        }
        return sampler(episode.observation, episode.info, &rng)
    }
}

/// Why a policy cannot act.
public enum PolicyError: CodedError, Equatable {
    /// The environment's info lacks what the policy reads.
    case missingInfo(String, hint: String)
    /// The policy was given a run it cannot serve (wrong environment, bad settings).
    case unsupported(String)

    public var code: ErrorCode { ErrorCode("policy_error") }

    public var message: String {
        switch self {
        case .missingInfo(let key, let hint): return "the environment's info has no `\(key)`: \(hint)"
        case .unsupported(let why): return why
        }
    }
}

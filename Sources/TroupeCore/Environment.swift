import OrderedCollections

/// The contract every environment implements, with Gymnasium's semantics.
///
/// An environment is an actor: one instance is one session's world, and the actor serializes the
/// session's calls. Many sessions run concurrently because they are different actors.
///
/// The rules (the conformance checker tests each of them on every registered environment):
/// - `reset(seed:options:)` starts an episode and returns the first observation and an info
///   object. With a seed, the episode is a pure function of (configuration, seed, options) and of
///   the actions that follow: byte-identical on any machine. With `nil`, the environment continues
///   its current random stream (Gymnasium's behaviour), which itself began from the seed the
///   session was made with (`MakeContext.seed`).
/// - `step(_:)` returns `StepResult`. `terminated` means the episode reached a terminal state of
///   the task (won or lost); `truncated` means it was cut short from outside (a step limit).
/// - Environments never print and never crash on input: a bad action is either an observation
///   that says what was wrong (what a text world does) or `EnvError.invalidAction`.
/// - Calling `step` before `reset` or after the end is handled by the `OrderEnforcing` wrapper,
///   which the registry puts around every environment; environments need not check it.
/// - `close()` releases resources; it is called exactly once, and no call follows it.
public protocol Environment: Actor {
    /// The spec this instance was made from.
    nonisolated var spec: EnvSpec { get }

    /// Starts a new episode. `options` is `null` or an object of environment-defined options.
    func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult

    /// Advances the episode by one action.
    func step(_ action: JSONValue) async throws -> StepResult

    /// Releases resources held by the session. Called once, last.
    func close() async

    /// The full state of the session as JSON, such that `restore` on a fresh instance of the same
    /// environment and configuration continues identically (same observations, same random
    /// stream). Only for environments whose spec declares `.snapshot`.
    func snapshot() async throws -> JSONValue

    /// Replaces the session's state with a snapshot taken from an instance of the same environment
    /// and configuration.
    func restore(_ snapshot: JSONValue) async throws
}

extension Environment {
    public func close() async {}

    public func snapshot() async throws -> JSONValue {
        throw EnvError.notSupported("snapshot")
    }

    public func restore(_ snapshot: JSONValue) async throws {
        throw EnvError.notSupported("restore")
    }
}

/// What `reset` returns: Gymnasium's `(observation, info)`.
public struct ResetResult: Sendable, Equatable {
    /// The first observation: a string for text environments, any JSON otherwise.
    public var observation: JSONValue
    /// Extra information as a JSON object (never `null`).
    public var info: JSONObject

    public init(observation: JSONValue, info: JSONObject = [:]) {
        self.observation = observation
        self.info = info
    }
}

/// What `step` returns: Gymnasium's `(observation, reward, terminated, truncated, info)`.
public struct StepResult: Sendable, Equatable {
    public var observation: JSONValue
    /// A finite reward.
    public var reward: Double
    /// The episode reached a terminal state of the task.
    public var terminated: Bool
    /// The episode was cut short from outside the task (for example a step limit).
    public var truncated: Bool
    /// Extra information as a JSON object (never `null`).
    public var info: JSONObject

    public init(
        observation: JSONValue, reward: Double = 0, terminated: Bool = false, truncated: Bool = false,
        info: JSONObject = [:]
    ) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
        self.info = info
    }

    /// Whether the episode is over, one way or the other.
    public var done: Bool { terminated || truncated }
}

/// The random stream of a session under Gymnasium's seeding rules: `reset(seed: s)` restarts it
/// from `s`; `reset(seed: nil)` keeps drawing from where it is. Environments keep one of these and
/// draw every random choice of an episode from `rng`.
public struct EpisodeSeeding: Sendable, Codable, Equatable {
    /// The stream to draw from.
    public var rng: SeededRNG
    /// The seed of the last explicit reseeding (or of the session), for reporting.
    public private(set) var lastSeed: UInt64

    enum CodingKeys: String, CodingKey {
        case rng
        case lastSeed = "last_seed"
    }

    /// Starts from the session's seed.
    public init(sessionSeed: UInt64) {
        rng = SeededRNG(seed: sessionSeed)
        lastSeed = sessionSeed
    }

    /// Applies the seeding rule of `reset`.
    public mutating func reset(seed: UInt64?) {
        if let seed {
            rng = SeededRNG(seed: seed)
            lastSeed = seed
        }
    }
}

import TroupeCore

/// One episode to play: how to reset, and what to remember about it.
public struct EpisodePlan: Sendable {
    /// Unique within a run; records are matched to plans by it (resume skips finished keys).
    public var key: String
    /// The reset options (`{"split": "eval_out", "game": 7}`).
    public var options: JSONValue
    /// The reset seed.
    public var seed: UInt64
    /// The policy's seed for the episode (`EpisodeView.seed`).
    public var policySeed: UInt64
    /// Carried into the record unchanged (game index, sample number, round, …).
    public var labels: JSONObject

    public init(key: String, options: JSONValue, seed: UInt64, policySeed: UInt64, labels: JSONObject = [:]) {
        self.key = key
        self.options = options
        self.seed = seed
        self.policySeed = policySeed
        self.labels = labels
    }
}

/// A finished episode: the plan's key and labels, the reset, every step, and the totals.
public struct EpisodeRecord: Sendable {
    public var key: String
    public var labels: JSONObject
    public var reset: ResetResult
    public var steps: [(action: JSONValue, result: StepResult)]

    public var totalReward: Double { steps.reduce(0) { $0 + $1.result.reward } }
    /// The episode ended in a terminal state with a positive return (a win, in ALFWorld and
    /// Matryoshka's environment).
    public var won: Bool { (steps.last?.result.terminated ?? false) && totalReward > 0 }
    public var ended: Bool { steps.last?.result.done ?? false }

    /// The record as one JSON line: key, labels, the reset observation and info, each step's
    /// action, observation, reward, flags and info (`keepInfo` filters the infos), and totals.
    public func json(keepInfo: (String) -> Bool = { $0 != "admissible_commands" }) -> JSONValue {
        func filtered(_ info: JSONObject) -> JSONValue { .object(info.filter { keepInfo($0.key) }) }
        return [
            "key": .string(key), "labels": .object(labels), "observation": reset.observation,
            "reset_info": filtered(reset.info),
            "steps": .array(
                steps.map { step in
                    [
                        "action": step.action, "observation": step.result.observation,
                        "reward": .double(step.result.reward), "terminated": .bool(step.result.terminated),
                        "truncated": .bool(step.result.truncated), "info": filtered(step.result.info),
                    ]
                }),
            "return": .double(totalReward), "won": .bool(won), "length": .number(steps.count),
        ]
    }
}

/// Plays episodes with a policy through an `EnvDriver` (`envd`'s client, or in process), many at
/// once: `sessions` sessions of one environment and configuration, each playing plans from a
/// shared queue, so that while the policy thinks about one episode the server steps others.
///
/// Records are handed to `onRecord` as episodes finish (in completion order, one call at a
/// time per worker: the callee serializes its own writing). A plan whose session failed
/// (closed on a timeout, lost with the connection) is played again once on a new session; any
/// other error stops the run, and what was recorded stays recorded.
public struct EpisodeRunner: Sendable {
    public var driver: any EnvDriver
    public var env: String
    public var config: JSONValue
    public var sessions: Int
    /// Steps after which an episode is cut (its environment's own limit usually comes first).
    public var maxSteps: Int
    /// Session seeds are `sessionSeed + worker`.
    public var sessionSeed: UInt64

    public init(
        driver: any EnvDriver, env: String, config: JSONValue = .null, sessions: Int = 8, maxSteps: Int = 1_000,
        sessionSeed: UInt64 = 1
    ) {
        self.driver = driver
        self.env = env
        self.config = config
        self.sessions = max(1, sessions)
        self.maxSteps = max(1, maxSteps)
        self.sessionSeed = sessionSeed
    }

    public func run(
        _ plans: [EpisodePlan], policy: any Policy, onRecord: @escaping @Sendable (EpisodeRecord) async throws -> Void
    ) async throws {
        guard !plans.isEmpty else { return }
        let queue = PlanQueue(plans)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<min(sessions, plans.count) {
                group.addTask {
                    var session = try await driver.make(env, config: config, seed: sessionSeed &+ UInt64(worker))
                    do {
                        while let plan = await queue.next() {
                            let record: EpisodeRecord
                            do {
                                record = try await play(plan, on: session, policy: policy)
                            } catch let error as any CodedError where EpisodeRunner.sessionLost(error.code) {
                                try? await session.close()
                                session = try await driver.make(
                                    env, config: config, seed: sessionSeed &+ UInt64(worker))
                                record = try await play(plan, on: session, policy: policy)
                            }
                            try await onRecord(record)
                        }
                    } catch {
                        try? await session.close()
                        throw error
                    }
                    try? await session.close()
                }
            }
            try await group.waitForAll()
        }
    }

    /// One episode on `session`.
    public func play(_ plan: EpisodePlan, on session: any EnvSession, policy: any Policy) async throws -> EpisodeRecord
    {
        let first = try await session.reset(seed: plan.seed, options: plan.options)
        var view = EpisodeView(key: plan.key, seed: plan.policySeed, reset: first)
        while view.steps.count < maxSteps {
            let action = try await policy.act(view)
            let result = try await session.step(action)
            view.steps.append((action, result))
            if result.done { break }
        }
        return EpisodeRecord(key: plan.key, labels: plan.labels, reset: first, steps: view.steps)
    }

    /// Errors after which the session is gone but the server is fine: play the episode again.
    static func sessionLost(_ code: ErrorCode) -> Bool {
        ["unknown_session", "timeout", "connection_lost"].contains(code.rawValue)
    }
}

/// The plans not yet started, handed out one at a time.
actor PlanQueue {
    private var plans: [EpisodePlan]
    private var position = 0

    init(_ plans: [EpisodePlan]) { self.plans = plans }

    func next() -> EpisodePlan? {
        guard position < plans.count else { return nil }
        defer { position += 1 }
        return plans[position]
    }
}

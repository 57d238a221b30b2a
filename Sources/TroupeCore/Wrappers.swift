import OrderedCollections

/// Gymnasium's `TimeLimit`: truncates an episode after `maxEpisodeSteps` steps by setting
/// `truncated` (never `terminated`) on the last step. A step that both reaches a terminal state and
/// the limit reports `terminated` and `truncated` both, as Gymnasium does.
///
/// Its counter is part of snapshots: the inner snapshot is nested under `inner`.
public actor TimeLimit: Environment {
    public nonisolated let spec: EnvSpec
    let inner: any Environment
    /// The number of steps after which `truncated` is set.
    public let maxEpisodeSteps: Int
    private var elapsed = 0

    public init(_ inner: any Environment, maxEpisodeSteps: Int) {
        precondition(maxEpisodeSteps > 0, "TimeLimit needs a positive step limit")
        self.spec = inner.spec
        self.inner = inner
        self.maxEpisodeSteps = maxEpisodeSteps
    }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        let result = try await inner.reset(seed: seed, options: options)
        elapsed = 0
        return result
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        var result = try await inner.step(action)
        elapsed += 1
        if elapsed >= maxEpisodeSteps { result.truncated = true }
        return result
    }

    public func close() async { await inner.close() }

    public func snapshot() async throws -> JSONValue {
        ["elapsed": .number(elapsed), "inner": try await inner.snapshot()]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let elapsed = snapshot["elapsed"]?.intValue, let innerState = snapshot["inner"] else {
            throw EnvError.badSnapshot("expected an object with `elapsed` and `inner` (time limit)")
        }
        try await inner.restore(innerState)
        self.elapsed = Int(elapsed)
    }
}

/// Gymnasium's `OrderEnforcing`, extended to the end of episodes: `step` before the first `reset`
/// throws `EnvError.resetNeeded`; `step` after `terminated` or `truncated` throws
/// `EnvError.episodeEnded`. It also validates observations and actions against the spec's spaces
/// (a text environment given a number gets `invalidAction`), and calls `close` at most once.
///
/// It is the outermost wrapper, so snapshots taken through it include the episode phase and every
/// inner wrapper's state; a snapshot envelope names the environment id so that a snapshot is never
/// restored into another environment.
public actor OrderEnforcing: Environment {
    public nonisolated let spec: EnvSpec
    let inner: any Environment

    /// Where the session is in its episode.
    enum Phase: String { case needsReset = "needs_reset", running, ended, closed }
    private var phase = Phase.needsReset

    public init(_ inner: any Environment) {
        self.spec = inner.spec
        self.inner = inner
    }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        guard phase != .closed else { throw EnvError.notSupported("reset after close") }
        let result = try await inner.reset(seed: seed, options: options)
        phase = .running
        return result
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        switch phase {
        case .needsReset: throw EnvError.resetNeeded
        case .ended: throw EnvError.episodeEnded
        case .closed: throw EnvError.notSupported("step after close")
        case .running: break
        }
        if let problem = spec.action.violation(of: action) {
            throw EnvError.invalidAction(problem)
        }
        let result = try await inner.step(action)
        if result.done { phase = .ended }
        return result
    }

    public func close() async {
        guard phase != .closed else { return }
        phase = .closed
        await inner.close()
    }

    public func snapshot() async throws -> JSONValue {
        guard spec.capabilities.contains(.snapshot) else { throw EnvError.notSupported("snapshot") }
        guard phase != .closed else { throw EnvError.notSupported("snapshot after close") }
        return ["env": .string(spec.id), "phase": .string(phase.rawValue), "state": try await inner.snapshot()]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard spec.capabilities.contains(.snapshot) else { throw EnvError.notSupported("restore") }
        guard phase != .closed else { throw EnvError.notSupported("restore after close") }
        guard let id = snapshot["env"]?.stringValue,
            let phaseName = snapshot["phase"]?.stringValue, let restoredPhase = Phase(rawValue: phaseName),
            restoredPhase != .closed, let state = snapshot["state"]
        else {
            throw EnvError.badSnapshot("expected an object with `env`, `phase` and `state`, as snapshot returns")
        }
        guard id == spec.id else {
            throw EnvError.badSnapshot("the snapshot was taken from '\(id)', not '\(spec.id)'")
        }
        try await inner.restore(state)
        phase = restoredPhase
    }
}

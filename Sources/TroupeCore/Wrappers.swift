import OrderedCollections

/// Gymnasium's `TimeLimit`: truncates an episode after `maxEpisodeSteps` steps by setting
/// `truncated` (never `terminated`) on the last step. A step that both reaches a terminal state and
/// the limit reports `terminated` and `truncated` both, as Gymnasium does.
///
/// Its counter is part of snapshots: the inner snapshot is nested under `inner`.
///
/// It shares the executor of what it wraps (one isolation domain, so a call through it is one
/// actor hop, not two), and runs inline when what it wraps does.
public actor TimeLimit: InlineEnvironment {
    public nonisolated let spec: EnvSpec
    let inner: any Environment
    public nonisolated let inlineIsolation: InlineIsolation?
    private let inlineInner: (any InlineEnvironment)?
    /// The number of steps after which `truncated` is set.
    public let maxEpisodeSteps: Int
    private var elapsed = 0

    public init(_ inner: any Environment, maxEpisodeSteps: Int) {
        precondition(maxEpisodeSteps > 0, "TimeLimit needs a positive step limit")
        self.spec = inner.spec
        self.inner = inner
        self.inlineInner = inlineEnvironment(inner)
        self.inlineIsolation = inlineInner?.inlineIsolation
        self.maxEpisodeSteps = maxEpisodeSteps
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { inner.unownedExecutor }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        if inlineIsolation != nil { return try resetNow(seed: seed, options: options) }
        return restarted(try await inner.reset(seed: seed, options: options))
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        if inlineIsolation != nil { return try stepNow(action) }
        return counted(try await inner.step(action))
    }

    public func resetNow(seed: UInt64?, options: JSONValue) throws -> ResetResult {
        restarted(try inlined(inlineInner).resetOnExecutor(seed: seed, options: options))
    }

    public func stepNow(_ action: JSONValue) throws -> StepResult {
        counted(try inlined(inlineInner).stepOnExecutor(action))
    }

    private func restarted(_ result: ResetResult) -> ResetResult {
        elapsed = 0
        return result
    }

    private func counted(_ result: StepResult) -> StepResult {
        var result = result
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
///
/// Like `TimeLimit`, it shares the executor of what it wraps and runs inline when that does.
public actor OrderEnforcing: InlineEnvironment {
    public nonisolated let spec: EnvSpec
    let inner: any Environment
    public nonisolated let inlineIsolation: InlineIsolation?
    private let inlineInner: (any InlineEnvironment)?

    /// Where the session is in its episode.
    enum Phase: String { case needsReset = "needs_reset", running, ended, closed }
    private var phase = Phase.needsReset

    public init(_ inner: any Environment) {
        self.spec = inner.spec
        self.inner = inner
        self.inlineInner = inlineEnvironment(inner)
        self.inlineIsolation = inlineInner?.inlineIsolation
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { inner.unownedExecutor }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        if inlineIsolation != nil { return try resetNow(seed: seed, options: options) }
        try checkReset()
        return started(try await inner.reset(seed: seed, options: options))
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        if inlineIsolation != nil { return try stepNow(action) }
        try checkStep(action)
        return ended(try await inner.step(action))
    }

    public func resetNow(seed: UInt64?, options: JSONValue) throws -> ResetResult {
        try checkReset()
        return started(try inlined(inlineInner).resetOnExecutor(seed: seed, options: options))
    }

    public func stepNow(_ action: JSONValue) throws -> StepResult {
        try checkStep(action)
        return ended(try inlined(inlineInner).stepOnExecutor(action))
    }

    private func checkReset() throws {
        guard phase != .closed else { throw EnvError.notSupported("reset after close") }
    }

    private func started(_ result: ResetResult) -> ResetResult {
        phase = .running
        return result
    }

    /// Throws unless a step may be taken now with `action`.
    private func checkStep(_ action: JSONValue) throws {
        switch phase {
        case .needsReset: throw EnvError.resetNeeded
        case .ended: throw EnvError.episodeEnded
        case .closed: throw EnvError.notSupported("step after close")
        case .running: break
        }
        if let problem = spec.action.violation(of: action) {
            throw EnvError.invalidAction(problem)
        }
    }

    private func ended(_ result: StepResult) -> StepResult {
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

/// `inner` as an environment that runs inline, or nil.
private func inlineEnvironment(_ inner: any Environment) -> (any InlineEnvironment)? {
    guard let inline = inner as? any InlineEnvironment, inline.inlineIsolation != nil else { return nil }
    return inline
}

/// The inner environment of a wrapper whose `inlineIsolation` is set (which it is only when that
/// environment runs inline).
private func inlined(_ inner: (any InlineEnvironment)?) -> any InlineEnvironment {
    guard let inner else {
        preconditionFailure("resetNow or stepNow on a wrapper around an environment that is not inline")
    }
    return inner
}

/// An environment whose `reset` and `step` are plain computation on the actor's own state: they
/// never suspend, never block and return within microseconds. The server then runs them
/// synchronously on the event loop of the connection that made the session, inside the read that
/// carried the request: no task, no actor hop, no queueing. Everything else (snapshot, restore,
/// close, and every call from another thread) goes through the actor as usual.
///
/// Such an actor is isolated to the executor its `MakeContext` gives it (`InlineIsolation`): the
/// server's event loop, or a private default executor of its own when made in process. Adopting it
/// takes three lines besides `resetNow` and `stepNow`:
///
/// ```swift
/// public actor MyEnv: InlineEnvironment {
///     let isolation: InlineIsolation  // InlineIsolation(context) in init
///     public nonisolated var inlineIsolation: InlineIsolation? { isolation }
///     public nonisolated var unownedExecutor: UnownedSerialExecutor { isolation.executor }
///     public func resetNow(seed: UInt64?, options: JSONValue) throws -> ResetResult { … }
///     public func stepNow(_ action: JSONValue) throws -> StepResult { … }
/// }
/// ```
///
/// `reset` and `step` default to the synchronous versions, so the two paths cannot disagree.
/// Do not adopt it for anything that waits: a slow `stepNow` stalls every connection on its event
/// loop, and the server's step timeout cannot interrupt it.
public protocol InlineEnvironment: Environment {
    /// The executor the actor is isolated to, or nil when `resetNow` and `stepNow` may not be
    /// called: never nil for an environment; nil for a wrapper around one that is not inline.
    nonisolated var inlineIsolation: InlineIsolation? { get }

    /// `reset(seed:options:)`, synchronously.
    func resetNow(seed: UInt64?, options: JSONValue) throws -> ResetResult

    /// `step(_:)`, synchronously.
    func stepNow(_ action: JSONValue) throws -> StepResult

    /// `stepNow(_:)`, called from outside the actor by code that runs on its executor and knows
    /// it: the server after checking `InlineIsolation.isOn` for the current event loop, a wrapper
    /// calling what it wraps (they share one executor by construction). Do not implement it: the
    /// default below is the only correct one.
    nonisolated func stepOnExecutor(_ action: JSONValue) throws -> StepResult

    /// `resetNow(seed:options:)`, as `stepOnExecutor`.
    nonisolated func resetOnExecutor(seed: UInt64?, options: JSONValue) throws -> ResetResult
}

extension InlineEnvironment {
    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        try resetNow(seed: seed, options: options)
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        try stepNow(action)
    }
}

/// Debug builds check the caller's claim as `assumeIsolated` does. Release builds skip the check,
/// which costs about as much as the step of a small environment, at every layer.
///
/// These are requirements with inlinable defaults, not extension methods, so each conforming type
/// gets its own specialized copy: the function cast below then captures nothing. Generic over
/// `Self` (from the server, through `any InlineEnvironment`) the same cast allocated a context per
/// call and per layer, 6 of the 19 allocations of a batched echo-v0 step.
extension InlineEnvironment {
    @inlinable public nonisolated func stepOnExecutor(_ action: JSONValue) throws -> StepResult {
        #if DEBUG
            return try assumeIsolated { try $0.stepNow(action) }
        #else
            let step: (isolated Self, JSONValue) throws -> StepResult = { env, action in try env.stepNow(action) }
            return try unsafeBitCast(step, to: ((Self, JSONValue) throws -> StepResult).self)(self, action)
        #endif
    }

    @inlinable public nonisolated func resetOnExecutor(seed: UInt64?, options: JSONValue) throws -> ResetResult {
        #if DEBUG
            return try assumeIsolated { try $0.resetNow(seed: seed, options: options) }
        #else
            let reset: (isolated Self, UInt64?, JSONValue) throws -> ResetResult = { env, seed, options in
                try env.resetNow(seed: seed, options: options)
            }
            return try unsafeBitCast(reset, to: ((Self, UInt64?, JSONValue) throws -> ResetResult).self)(
                self, seed, options)
        #endif
    }
}

/// The executor an `InlineEnvironment` is isolated to, kept alive for as long as the environment.
///
/// With `MakeContext.executor` (the server passes its connection's event loop) the environment
/// runs there. Without one it gets the executor of a private default actor: it then behaves like
/// any default actor, serialized on the global concurrency pool.
public struct InlineIsolation: Sendable {
    /// The object behind `executor` (an executor or the private actor), retained here because
    /// `UnownedSerialExecutor` does not retain it.
    private let owner: any AnyObject & Sendable
    public let executor: UnownedSerialExecutor

    public init(_ context: MakeContext) { self.init(executor: context.executor) }

    /// On `executor`, or on a private default executor when it is nil.
    public init(executor given: (any SerialExecutor)?) {
        if let given {
            owner = given
            executor = given.asUnownedSerialExecutor()
        } else {
            let host = ExecutorHost()
            owner = host
            executor = host.unownedExecutor
        }
    }

    /// Whether this is `executor`'s isolation (the same object).
    public func isOn(_ executor: any SerialExecutor) -> Bool { owner === executor }
}

/// A default actor that lends its executor to an inline environment made without one.
private actor ExecutorHost {}

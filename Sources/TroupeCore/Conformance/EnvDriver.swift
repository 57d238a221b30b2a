/// One session of an environment, wherever it lives: an actor in this process or a session on an
/// `envd` server. The conformance checker and agents speak to environments through this, so the
/// same check runs in process and through the socket.
public protocol EnvSession: Sendable {
    /// The spec of the session's environment.
    var spec: EnvSpec { get }
    func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult
    func step(_ action: JSONValue) async throws -> StepResult
    func snapshot() async throws -> JSONValue
    func restore(_ snapshot: JSONValue) async throws
    func close() async throws
}

/// Something that makes sessions: the in-process registry, or a client of an `envd` server.
public protocol EnvDriver: Sendable {
    /// Makes a session of environment `id`. `seed` is the session seed (nil: the driver picks one).
    func make(_ id: String, config: JSONValue, seed: UInt64?) async throws -> any EnvSession
}

/// Sessions made directly from a registry, in this process, with the registry's wrappers.
public struct InProcessDriver: EnvDriver {
    public let registry: EnvRegistry
    public let shared: SharedResources

    public init(registry: EnvRegistry, shared: SharedResources = SharedResources()) {
        self.registry = registry
        self.shared = shared
    }

    public func make(_ id: String, config: JSONValue, seed: UInt64?) async throws -> any EnvSession {
        let context = MakeContext(seed: seed ?? SeededRNG.entropySeed(), shared: shared)
        return InProcessSession(env: try await registry.make(id, config: config, context: context))
    }
}

/// An `EnvSession` over an environment actor in this process.
public struct InProcessSession: EnvSession {
    public let env: any Environment

    public init(env: any Environment) { self.env = env }

    public var spec: EnvSpec { env.spec }
    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        try await env.reset(seed: seed, options: options)
    }
    public func step(_ action: JSONValue) async throws -> StepResult { try await env.step(action) }
    public func snapshot() async throws -> JSONValue { try await env.snapshot() }
    public func restore(_ snapshot: JSONValue) async throws { try await env.restore(snapshot) }
    public func close() async throws { await env.close() }
}

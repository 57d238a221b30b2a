import OrderedCollections

/// How one environment is registered: its spec, how to make an instance from a configuration, and
/// how to draw a plausible random action (what Gymnasium's `action_space.sample()` is for; the
/// conformance checker and `envd bench` use it).
///
/// Adding an environment is one file (the environment, with a `static let registration`) and one
/// line in `TroupeCatalog`.
public struct EnvRegistration: Sendable {
    public typealias Factory = @Sendable (_ config: JSONValue, _ context: MakeContext) async throws -> any Environment
    public typealias ActionSampler =
        @Sendable (
            _ observation: JSONValue, _ info: JSONObject, _ rng: inout SeededRNG
        ) -> JSONValue

    public let spec: EnvSpec
    public let factory: Factory
    public let sampleAction: ActionSampler
    /// The configuration the conformance checker makes sessions with: one that needs no network
    /// and runs fast (for example the `sim` backend of `llm-v0`). `null` means the defaults.
    public let conformanceConfig: JSONValue

    public init(
        spec: EnvSpec, conformanceConfig: JSONValue = .null, sampleAction: @escaping ActionSampler,
        factory: @escaping Factory
    ) {
        self.spec = spec
        self.factory = factory
        self.sampleAction = sampleAction
        self.conformanceConfig = conformanceConfig
    }

    /// A registration whose configuration is a `Decodable` type, decoded (and validated, in its
    /// `init(from:)`) before the factory sees it; `null` decodes as `{}`. A decoding failure
    /// becomes `EnvError.badConfig` naming the field.
    public static func decoding<Config: Decodable & Sendable>(
        _ configType: Config.Type, spec: EnvSpec, conformanceConfig: JSONValue = .null,
        sampleAction: @escaping ActionSampler,
        factory: @escaping @Sendable (Config, MakeContext) async throws -> any Environment
    ) -> EnvRegistration {
        EnvRegistration(spec: spec, conformanceConfig: conformanceConfig, sampleAction: sampleAction) {
            raw, context in
            let config: Config = try decodeConfig(raw)
            return try await factory(config, context)
        }
    }
}

/// Decodes a configuration, turning decoding errors into `EnvError.badConfig` with the field's
/// path and turning `null` into an empty object.
public func decodeConfig<Config: Decodable>(_ raw: JSONValue) throws -> Config {
    let value: JSONValue = raw.isNull ? .object([:]) : raw
    guard case .object = value else {
        throw EnvError.badConfig("the configuration must be a JSON object, got \(value.typeName)")
    }
    do {
        return try value.decode(Config.self)
    } catch let error as DecodingError {
        throw EnvError.badConfig(error.readableDescription)
    } catch let error as EnvError {
        throw error
    } catch {
        throw EnvError.badConfig(error.troupeMessage)
    }
}

/// What a factory receives besides the configuration.
public struct MakeContext: Sendable {
    /// The session's seed: where its random stream starts before any `reset(seed:)`.
    public var seed: UInt64
    /// Resources shared by all sessions of one server or process (LLM backends, worker pools).
    public var shared: SharedResources
    /// Where an `InlineEnvironment` runs: the server passes the event loop of the connection
    /// that makes the session; nil in process (see `InlineIsolation`). Other environments ignore it.
    public var executor: (any SerialExecutor)?

    public init(seed: UInt64, shared: SharedResources, executor: (any SerialExecutor)? = nil) {
        self.seed = seed
        self.shared = shared
        self.executor = executor
    }
}

/// A keyed store of shared, long-lived resources (an LLM backend, a Python worker pool), so that
/// every session naming the same resource gets the same instance.
///
/// Invariant: for a key, `resource(_:create:)` calls `create` at most once while the value lives;
/// concurrent callers for the same key wait for the one creation. A creation that throws is not
/// cached, so a later call tries again.
public actor SharedResources {
    private var values: [String: any Sendable] = [:]
    private var pending: [String: Task<any Sendable, any Error>] = [:]

    public init() {}

    /// The resource stored under `key`, created by `create` the first time.
    public func resource<T: Sendable>(
        _ key: String, create: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        if let value = values[key] {
            guard let typed = value as? T else {
                preconditionFailure("shared resource '\(key)' holds \(type(of: value)), not \(T.self)")
            }
            return typed
        }
        let task: Task<any Sendable, any Error>
        if let existing = pending[key] {
            task = existing
        } else {
            task = Task { try await create() }
            pending[key] = task
        }
        do {
            let value = try await task.value
            pending[key] = nil
            values[key] = value
            guard let typed = value as? T else {
                preconditionFailure("shared resource '\(key)' holds \(type(of: value)), not \(T.self)")
            }
            return typed
        } catch {
            pending[key] = nil
            throw error
        }
    }

    /// Every resource stored so far (for shutdown hooks and stats).
    public func all() -> [String: any Sendable] { values }
}

/// The set of environments a server or process can make: a dictionary from id to registration.
///
/// `make` puts the standard wrappers around every instance, in Gymnasium's order: the environment,
/// then `TimeLimit` when the spec has `maxEpisodeSteps`, then `OrderEnforcing` outermost.
public struct EnvRegistry: Sendable {
    public let registrations: [String: EnvRegistration]

    /// - Precondition: no two registrations share an id.
    public init(_ registrations: [EnvRegistration]) {
        self.registrations = Dictionary(
            registrations.map { ($0.spec.id, $0) },
            uniquingKeysWith: { first, _ in preconditionFailure("duplicate environment id \(first.spec.id)") })
    }

    /// The specs, sorted by id.
    public var specs: [EnvSpec] { registrations.values.map(\.spec).sorted { $0.id < $1.id } }

    /// The registration for `id`, or `EnvError.unknownEnv` listing the known ids.
    public func registration(_ id: String) throws -> EnvRegistration {
        guard let registration = registrations[id] else {
            throw EnvError.unknownEnv(id, known: registrations.keys.sorted())
        }
        return registration
    }

    /// Makes a wrapped instance of environment `id` from `config`.
    ///
    /// Besides the environment's own fields, every configuration may hold `max_episode_steps`
    /// (a positive integer) to override the spec's step limit, as `gymnasium.make` allows. When
    /// the spec's config schema lists `properties`, any other unknown field is rejected, so a
    /// misspelled option is an error rather than silently ignored.
    public func make(_ id: String, config: JSONValue = .null, context: MakeContext) async throws -> any Environment {
        let registration = try registration(id)
        var config = config
        var limit = registration.spec.maxEpisodeSteps
        if case .object(var members) = config {
            if let override = members.removeValue(forKey: "max_episode_steps") {
                guard let value = override.intValue, value > 0 else {
                    throw EnvError.badConfig("`max_episode_steps` must be a positive integer, got \(override)")
                }
                limit = Int(value)
            }
            if let known = registration.spec.configSchema["properties"]?.objectValue {
                if let unknown = members.keys.first(where: { known[$0] == nil }) {
                    let names = (known.keys + ["max_episode_steps"]).sorted().joined(separator: ", ")
                    throw EnvError.badConfig("unknown field `\(unknown)`; the fields of \(id) are: \(names)")
                }
            }
            config = .object(members)
        }
        var env = try await registration.factory(config, context)
        if let limit {
            env = TimeLimit(env, maxEpisodeSteps: limit)
        }
        return OrderEnforcing(env)
    }
}

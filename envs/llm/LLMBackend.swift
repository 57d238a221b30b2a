import TroupeCore

/// A source of completions: an OpenAI-compatible endpoint, the in-process engine, or a scripted
/// simulator. One instance serves every session whose configuration names the same backend (it
/// lives in the process's `SharedResources`), so `complete` is called concurrently from many
/// sessions and must not serialize more than the backend itself requires.
///
/// Contract for implementations (the `local` backend included):
/// - `complete` answers one request: the text, the finish reason (`stop` or `length`), token usage
///   and the model's name. It honors `request.sampling` (temperature, top_p, max_tokens, stop
///   sequences) and, when it samples by itself, draws from `request.sampleSeed` so that the same
///   request and sample give the same answer in every run.
/// - Failures are `LLMError`s (a context overflow is `.contextLength`, never a truncated answer);
///   task cancellation ends the request with `CancellationError`. Never an empty string in place
///   of an error.
/// - No printing; nothing secret in errors.
public protocol LLMBackend: Actor {
    func complete(_ request: LLMRequest) async throws -> LLMCompletion
}

/// One kind of backend (`openai`, `sim`, later `local`): how to read its configuration, what in
/// that configuration decides its answers (for cache keys), and how to create it.
///
/// `llm-v0` takes a list of kinds (`LLMEnv.registration(backends:)`), so a new backend is one value
/// of this type and one entry in that list.
public struct LLMBackendKind: Sendable {
    /// The name used as `backend.kind` in configurations.
    public let name: String
    /// One line for `envd list` and the docs.
    public let summary: String
    /// Validates the `backend` object of a configuration (with `kind` removed) and returns the plan
    /// to create it. Throws `EnvError.badConfig` naming the field. Must not touch the network.
    public let prepare: @Sendable (_ config: JSONObject) throws -> LLMBackendPlan

    public init(
        name: String, summary: String, prepare: @escaping @Sendable (_ config: JSONObject) throws -> LLMBackendPlan
    ) {
        self.name = name
        self.summary = summary
        self.prepare = prepare
    }

    /// The kinds that ship with this module.
    public static let builtin: [LLMBackendKind] = [OpenAIBackend.kind, SimBackend.kind]
}

/// A validated backend configuration, ready to be created.
public struct LLMBackendPlan: Sendable {
    /// What besides the request decides the answers: part of every cache key. Never a secret.
    public var identity: JSONValue
    /// The model name when the configuration gives none (nil: `model` is required).
    public var defaultModel: String?
    /// Creates the backend. Called once per distinct configuration per process (through
    /// `SharedResources`); `shared` is there for resources a backend shares more widely (the
    /// `openai` backend's per-endpoint limit).
    public var make: @Sendable (_ shared: SharedResources) async throws -> any LLMBackend

    public init(
        identity: JSONValue, defaultModel: String? = nil,
        make: @escaping @Sendable (_ shared: SharedResources) async throws -> any LLMBackend
    ) {
        self.identity = identity
        self.defaultModel = defaultModel
        self.make = make
    }
}

/// Decodes a backend's own configuration (a `Codable` type that validates itself) from the
/// `backend` object, with `backend.` in front of field names in errors.
public func decodeBackendConfig<Config: Decodable>(_ members: JSONObject, kind: String) throws -> Config {
    do {
        return try decodeConfig(.object(members))
    } catch let error as EnvError {
        if case .badConfig(let message) = error {
            throw EnvError.badConfig("backend `\(kind)`: \(message)")
        }
        throw error
    }
}

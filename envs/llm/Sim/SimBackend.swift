import Foundation
import TroupeCore

/// The `sim` backend: a scripted stand-in for an LLM, answering from a registry of responders
/// keyed by task family. No network, no model; deterministic for a request and sample.
///
/// ```json
/// {"kind": "sim", "family": "generic", "competence": 0.9, "options": {"templates": [...]}}
/// ```
/// It applies what a real server would: stop sequences (the answer ends before the first), the
/// `max_tokens` budget (finish reason `length`), an optional context window
/// (`context_length_exceeded` when prompt plus `max_tokens` do not fit), token usage counted by
/// `SimTokens`, and an optional artificial latency for load tests.
public actor SimBackend: LLMBackend {
    /// The configuration of a `sim` backend.
    public struct Config: Sendable, Decodable, Equatable {
        /// The responder family (`generic`, or one a task module registers).
        public var family: String
        /// How often the responder is right, from 0 to 1 (see `SimResponder`).
        public var competence: Double
        /// The responder's options, checked by the responder.
        public var options: JSONObject
        /// Milliseconds each answer takes (0: none). Not part of cache keys.
        public var latencyMS: Int
        /// Prompt plus `max_tokens` above this is a context overflow (nil: no limit).
        public var contextWindow: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case family, competence, options
            case latencyMS = "latency_ms"
            case contextWindow = "context_window"
        }

        public init(family: String = "generic", competence: Double = 1, options: JSONObject = [:]) {
            self.family = family
            self.competence = competence
            self.options = options
            latencyMS = 0
            contextWindow = nil
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "backend")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            family = try c.decodeIfPresent(String.self, forKey: .family) ?? "generic"
            competence = try c.decodeIfPresent(Double.self, forKey: .competence) ?? 1
            options = try c.decodeIfPresent(JSONValue.self, forKey: .options)?.objectValue ?? [:]
            latencyMS = try c.decodeIfPresent(Int.self, forKey: .latencyMS) ?? 0
            contextWindow = try c.decodeIfPresent(Int.self, forKey: .contextWindow)
            guard (0...1).contains(competence) else { throw EnvError.badConfig("`competence` must be from 0 to 1") }
            guard (0...600_000).contains(latencyMS) else {
                throw EnvError.badConfig("`latency_ms` must be from 0 to 600000")
            }
            if let contextWindow, contextWindow < 1 { throw EnvError.badConfig("`context_window` must be positive") }
        }
    }

    /// The `sim` kind with the built-in responders.
    public static let kind = kind(responders: SimResponderKind.builtin)

    /// The `sim` kind with the given responder families (the built-in ones plus a task module's).
    public static func kind(responders: [SimResponderKind]) -> LLMBackendKind {
        let registry = Dictionary(responders.map { ($0.family, $0) }, uniquingKeysWith: { first, _ in first })
        return LLMBackendKind(
            name: "sim",
            summary: "a scripted stand-in for an LLM; families: \(registry.keys.sorted().joined(separator: ", "))"
        ) { members in
            let config: Config = try decodeBackendConfig(members, kind: "sim")
            guard let family = registry[config.family] else {
                throw EnvError.badConfig(
                    "backend `sim`: no responder family \"\(config.family)\"; known: \(registry.keys.sorted().joined(separator: ", "))"
                )
            }
            let responder: any SimResponder
            do {
                responder = try family.make(config.options)
            } catch let error as EnvError {
                throw EnvError.badConfig("backend `sim`, family `\(config.family)`: \(error.message)")
            }
            let identity: JSONValue = [
                "kind": "sim", "family": .string(config.family), "competence": .double(config.competence),
                "options": .object(config.options), "context_window": config.contextWindow.map { .number($0) } ?? .null,
            ]
            return LLMBackendPlan(identity: identity, defaultModel: "sim-\(config.family)") { _ in
                SimBackend(config: config, responder: responder)
            }
        }
    }

    public nonisolated let config: Config
    nonisolated let responder: any SimResponder

    init(config: Config, responder: any SimResponder) {
        self.config = config
        self.responder = responder
    }

    public nonisolated func complete(_ request: LLMRequest) async throws -> LLMCompletion {
        if config.latencyMS > 0 { try await Task.sleep(for: .milliseconds(config.latencyMS)) }
        let promptTokens = SimTokens.count(request.input.plainText)
        if let window = config.contextWindow, promptTokens + request.sampling.maxTokens > window {
            throw LLMError.contextLength(
                providerMessage:
                    "the prompt has \(promptTokens) tokens and max_tokens is \(request.sampling.maxTokens), more than the context window of \(window)"
            )
        }
        var rng = SeededRNG(seed: request.sampleSeed)
        var text = try responder.respond(to: request.input, competence: config.competence, rng: &rng)
        var finish = "stop"
        if let cut = request.sampling.stop.compactMap({ text.range(of: $0)?.lowerBound }).min() {
            text = String(text[..<cut])
        }
        let (truncated, wasCut) = SimTokens.truncate(text, to: request.sampling.maxTokens)
        if wasCut {
            text = truncated
            finish = "length"
        }
        return LLMCompletion(
            text: text, finishReason: finish,
            usage: TokenUsage(promptTokens: promptTokens, completionTokens: SimTokens.count(text)), model: request.model
        )
    }
}

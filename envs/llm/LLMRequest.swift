import TroupeCore

/// One message of a chat, as OpenAI's chat API and every chat template take it.
public struct ChatMessage: Sendable, Hashable {
    /// `system`, `developer`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// The roles an action may use.
    public static let roles: Set<String> = ["system", "developer", "user", "assistant"]

    var json: JSONValue { ["role": .string(role), "content": .string(content)] }
}

/// What the model is asked to continue: a chat (the chat-completions API, with the model's chat
/// template) or a raw prompt (the completions API, no template).
public enum LLMInput: Sendable, Hashable {
    case chat([ChatMessage])
    case prompt(String)

    /// The text a model would read, roles marked in a neutral way (`role: content` per line for a
    /// chat). What the `sim` backend's responders see; no hidden state is ever added to it.
    public var plainText: String {
        switch self {
        case .chat(let messages): return messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
        case .prompt(let text): return text
        }
    }

    /// The content of the last user message, or the whole prompt.
    public var lastUserText: String {
        switch self {
        case .chat(let messages): return messages.last(where: { $0.role == "user" })?.content ?? ""
        case .prompt(let text): return text
        }
    }
}

/// Sampling parameters with OpenAI's names and meanings. `temperature` and `maxTokens` are always
/// set (the environment fills them from its defaults) so that a cache key never depends on a
/// provider's unstated default; the others are sent only when given.
public struct SamplingParameters: Sendable, Hashable {
    /// 0 is greedy; above 0 the answer is a sample (see `LLMRequest.sample`).
    public var temperature: Double
    /// The most tokens to generate.
    public var maxTokens: Int
    public var topP: Double?
    /// Generation stops before the first of these strings.
    public var stop: [String]
    /// A provider-side sampling seed, sent as OpenAI's `seed`.
    public var seed: Int64?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?

    public init(
        temperature: Double = 0, maxTokens: Int = 256, topP: Double? = nil, stop: [String] = [], seed: Int64? = nil,
        presencePenalty: Double? = nil, frequencyPenalty: Double? = nil
    ) {
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.stop = stop
        self.seed = seed
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
    }

    /// The parameters as OpenAI request fields (only those that are set).
    var json: JSONObject {
        var fields: JSONObject = ["temperature": .double(temperature), "max_tokens": .number(maxTokens)]
        if let topP { fields["top_p"] = .double(topP) }
        if !stop.isEmpty { fields["stop"] = .array(stop.map { .string($0) }) }
        if let seed { fields["seed"] = .int(seed) }
        if let presencePenalty { fields["presence_penalty"] = .double(presencePenalty) }
        if let frequencyPenalty { fields["frequency_penalty"] = .double(frequencyPenalty) }
        return fields
    }
}

/// One completion request, as a backend receives it.
///
/// Invariant: everything that can change the answer is in `cacheKeyJSON` (model, input, sampling,
/// extra fields), except the sample identity, which the environment adds to the key itself.
public struct LLMRequest: Sendable, Hashable {
    /// The model name the backend serves or forwards (`gpt-4o-mini`, a GGUF alias, a sim label).
    public var model: String
    public var input: LLMInput
    public var sampling: SamplingParameters
    /// Provider-specific request fields passed through unchanged (`top_k`, `repeat_penalty`, …).
    /// They never override the fields above.
    public var extra: JSONObject
    /// A seed derived from the request and its sample identity: the same request and sample give
    /// the same seed in every run. Backends that sample themselves (`sim`, `local`) draw from it;
    /// `openai` sends `sampling.seed` only.
    public var sampleSeed: UInt64

    public init(
        model: String, input: LLMInput, sampling: SamplingParameters = SamplingParameters(), extra: JSONObject = [:],
        sampleSeed: UInt64 = 0
    ) {
        self.model = model
        self.input = input
        self.sampling = sampling
        self.extra = extra
        self.sampleSeed = sampleSeed
    }

    /// The request's part of a cache key (not yet canonicalized).
    public var cacheKeyJSON: JSONValue {
        var fields: JSONObject = ["model": .string(model)]
        switch input {
        case .chat(let messages): fields["messages"] = .array(messages.map(\.json))
        case .prompt(let text): fields["prompt"] = .string(text)
        }
        for (key, value) in sampling.json { fields[key] = value }
        if !extra.isEmpty { fields["extra"] = .object(extra) }
        return .object(fields)
    }
}

import TroupeCore

/// Token counts of one completion, as the provider reported them.
public struct TokenUsage: Sendable, Hashable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    var json: JSONValue {
        [
            "prompt_tokens": .number(promptTokens), "completion_tokens": .number(completionTokens),
            "total_tokens": .number(totalTokens),
        ]
    }

    init?(json: JSONValue?) {
        guard let json, let prompt = json["prompt_tokens"]?.intValue,
            let completion = json["completion_tokens"]?.intValue,
            prompt >= 0, completion >= 0
        else { return nil }
        self.init(promptTokens: Int(prompt), completionTokens: Int(completion))
    }
}

/// What a backend returns for one request.
///
/// Invariant: `text` is what the model produced; a backend that cannot produce text throws an
/// `LLMError` instead of returning an empty string.
public struct LLMCompletion: Sendable, Hashable {
    public var text: String
    /// `stop` (natural end or a stop sequence), `length` (hit `max_tokens`), or what the provider
    /// said.
    public var finishReason: String
    /// Nil when the provider did not report usage.
    public var usage: TokenUsage?
    /// The model that answered, as the provider named it.
    public var model: String
    /// HTTP attempts it took (1 without retries; 1 for backends without a network).
    public var attempts: Int

    public init(text: String, finishReason: String, usage: TokenUsage?, model: String, attempts: Int = 1) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.model = model
        self.attempts = attempts
    }

    /// What the response cache stores: everything but `attempts`, which belongs to one run.
    var cacheJSON: JSONValue {
        [
            "text": .string(text), "finish_reason": .string(finishReason), "usage": usage?.json ?? .null,
            "model": .string(model),
        ]
    }

    init?(cacheJSON json: JSONValue) {
        guard let text = json["text"]?.stringValue, let finish = json["finish_reason"]?.stringValue,
            let model = json["model"]?.stringValue
        else { return nil }
        self.init(text: text, finishReason: finish, usage: TokenUsage(json: json["usage"]), model: model, attempts: 0)
    }
}

/// Prices in US dollars per million tokens, for cost accounting. Zero (the default) counts no
/// cost; set them for paid endpoints.
public struct Prices: Sendable, Codable, Equatable {
    public var promptPerMillion: Double
    public var completionPerMillion: Double

    public init(promptPerMillion: Double = 0, completionPerMillion: Double = 0) {
        self.promptPerMillion = promptPerMillion
        self.completionPerMillion = completionPerMillion
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case promptPerMillion = "prompt_per_million"
        case completionPerMillion = "completion_per_million"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "prices")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        promptPerMillion = try c.decodeIfPresent(Double.self, forKey: .promptPerMillion) ?? 0
        completionPerMillion = try c.decodeIfPresent(Double.self, forKey: .completionPerMillion) ?? 0
        guard promptPerMillion >= 0, completionPerMillion >= 0, promptPerMillion.isFinite,
            completionPerMillion.isFinite
        else {
            throw EnvError.badConfig("`prices` must be non-negative numbers (US dollars per million tokens)")
        }
    }

    /// The cost of `usage` in US dollars.
    public func cost(of usage: TokenUsage?) -> Double {
        guard let usage else { return 0 }
        return (Double(usage.promptTokens) * promptPerMillion + Double(usage.completionTokens) * completionPerMillion)
            / 1_000_000
    }
}

/// Running totals of requests, tokens and cost: kept per session (in `info.session_usage`) and per
/// backend for the whole run (`info.run_usage`, `LLMBackend.usage()`).
///
/// Tokens and cost count answers that came from the endpoint; cache hits are counted apart in
/// `cacheHits` and cost nothing.
public struct UsageTotals: Sendable, Hashable, Codable {
    public var requests = 0
    public var cacheHits = 0
    public var failures = 0
    public var promptTokens = 0
    public var completionTokens = 0
    public var costUSD = 0.0

    public init() {}

    /// Counts one answered request.
    public mutating func add(_ usage: TokenUsage?, cost: Double, cached: Bool) {
        requests += 1
        if cached {
            cacheHits += 1
            return
        }
        promptTokens += usage?.promptTokens ?? 0
        completionTokens += usage?.completionTokens ?? 0
        costUSD += cost
    }

    enum CodingKeys: String, CodingKey {
        case requests, failures
        case cacheHits = "cache_hits"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case costUSD = "cost_usd"
    }

    var json: JSONValue {
        [
            "requests": .number(requests), "cache_hits": .number(cacheHits), "failures": .number(failures),
            "prompt_tokens": .number(promptTokens), "completion_tokens": .number(completionTokens),
            "cost_usd": .double(costUSD),
        ]
    }
}

/// Throws `bad_config` when the object being decoded has a key outside `allowed`, so that a
/// misspelled nested option is an error rather than silently ignored.
public func rejectUnknownKeys(_ decoder: any Decoder, allowed: [String], in place: String) throws {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    let container = try decoder.container(keyedBy: AnyKey.self)
    if let unknown = container.allKeys.map(\.stringValue).first(where: { !allowed.contains($0) }) {
        throw EnvError.badConfig(
            "unknown field `\(place).\(unknown)`; the fields of `\(place)` are \(allowed.sorted().joined(separator: ", "))"
        )
    }
}

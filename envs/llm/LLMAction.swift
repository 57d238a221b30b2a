import TroupeCore

/// An action of `llm-v0`, parsed and validated: the request to send, and an explicit sample index
/// if the action gave one.
///
/// The action is either a string (shorthand for a chat of one user message) or an object with
/// exactly one of `messages` (a chat) or `prompt` (raw text for the completions API), and any of
/// the sampling fields; fields it leaves out come from the configuration's `defaults`. Anything
/// else is `invalid_action` naming the field, so a typo never silently changes sampling.
struct LLMAction: Sendable, Equatable {
    var request: LLMRequest
    /// `sample` from the action: pins the sample identity (see `LLMEnv`).
    var sample: Int?

    static let fields = [
        "messages", "prompt", "model", "temperature", "max_tokens", "top_p", "stop", "seed", "presence_penalty",
        "frequency_penalty", "extra", "sample",
    ]

    /// The largest `max_tokens` accepted (a guard against typos, far above any model's window).
    static let maxTokensLimit = 1 << 20

    /// Parses `action` with `defaults` for the fields it omits and `model` unless it names one.
    static func parse(_ action: JSONValue, defaults: SamplingDefaults, model: String) throws -> LLMAction {
        let members: JSONObject
        switch action {
        case .string(let text):
            members = ["messages": [["role": "user", "content": .string(text)]]]
        case .object(let object):
            members = object
        default:
            throw EnvError.invalidAction(
                "expected a string or an object with `messages` or `prompt`, got \(action.typeName)")
        }
        if let unknown = members.keys.first(where: { !fields.contains($0) }) {
            throw EnvError.invalidAction("unknown field `\(unknown)`; the fields are \(fields.joined(separator: ", "))")
        }

        let input: LLMInput
        switch (members["messages"], members["prompt"]) {
        case (let messages?, nil): input = .chat(try parseMessages(messages))
        case (nil, let prompt?):
            guard let text = prompt.stringValue else { throw field("prompt", "must be a string") }
            input = .prompt(text)
        case (nil, nil): throw EnvError.invalidAction("give `messages` (a chat) or `prompt` (raw text)")
        case (.some, .some): throw EnvError.invalidAction("give either `messages` or `prompt`, not both")
        }

        var sampling = defaults.parameters
        if let value = members["temperature"] {
            sampling.temperature = try number(value, "temperature", in: 0...2)
        }
        if let value = members["max_tokens"] {
            guard let tokens = value.intValue, tokens >= 1, tokens <= maxTokensLimit else {
                throw field("max_tokens", "must be an integer from 1 to \(maxTokensLimit), got \(value)")
            }
            sampling.maxTokens = Int(tokens)
        }
        if let value = members["top_p"] {
            let p = try number(value, "top_p", in: 0...1)
            guard p > 0 else { throw field("top_p", "must be above 0") }
            sampling.topP = p
        }
        if let value = members["stop"] { sampling.stop = try parseStop(value) }
        if let value = members["seed"] {
            guard case .int(let seed) = value else { throw field("seed", "must be an integer, got \(value)") }
            sampling.seed = seed
        }
        if let value = members["presence_penalty"] {
            sampling.presencePenalty = try number(value, "presence_penalty", in: -2...2)
        }
        if let value = members["frequency_penalty"] {
            sampling.frequencyPenalty = try number(value, "frequency_penalty", in: -2...2)
        }

        var extra = defaults.extra
        if let value = members["extra"] {
            guard case .object(let object) = value else { throw field("extra", "must be an object") }
            for (key, value) in object { extra[key] = value }
        }
        let reserved = Set(fields).union(["stream", "n"])
        if let clash = extra.keys.first(where: { reserved.contains($0) }) {
            throw field(
                "extra",
                "must not set `\(clash)`; use the action's own field (or leave it out: `n` and `stream` are not supported)"
            )
        }

        var modelName = model
        if let value = members["model"] {
            guard let name = value.stringValue, !name.isEmpty else {
                throw field("model", "must be a non-empty string")
            }
            modelName = name
        }

        var sample: Int?
        if let value = members["sample"] {
            guard let index = value.intValue, index >= 0, index <= Int64(Int32.max) else {
                throw field("sample", "must be a non-negative integer, got \(value)")
            }
            sample = Int(index)
        }
        return LLMAction(
            request: LLMRequest(model: modelName, input: input, sampling: sampling, extra: extra), sample: sample)
    }

    static func parseMessages(_ value: JSONValue) throws -> [ChatMessage] {
        guard case .array(let items) = value, !items.isEmpty else {
            throw field("messages", "must be a non-empty array of {\"role\", \"content\"} objects")
        }
        return try items.enumerated().map { index, item in
            guard case .object(let object) = item, let role = object["role"]?.stringValue,
                let content = object["content"]?.stringValue
            else {
                throw field("messages[\(index)]", "must be an object with string `role` and `content`")
            }
            guard ChatMessage.roles.contains(role) else {
                throw field(
                    "messages[\(index)].role",
                    "must be one of \(ChatMessage.roles.sorted().joined(separator: ", ")), got \"\(role)\"")
            }
            if let extraKey = object.keys.first(where: { $0 != "role" && $0 != "content" }) {
                throw field("messages[\(index)]", "has unknown field `\(extraKey)`; only `role` and `content` are sent")
            }
            return ChatMessage(role: role, content: content)
        }
    }

    static func parseStop(_ value: JSONValue) throws -> [String] {
        let list: [JSONValue]
        switch value {
        case .string: list = [value]
        case .array(let items): list = items
        default: throw field("stop", "must be a string or an array of strings")
        }
        let strings = list.compactMap(\.stringValue)
        guard strings.count == list.count, strings.allSatisfy({ !$0.isEmpty }), strings.count <= 16 else {
            throw field("stop", "must be a non-empty string or an array of at most 16 non-empty strings")
        }
        return strings
    }

    static func number(_ value: JSONValue, _ name: String, in range: ClosedRange<Double>) throws -> Double {
        guard let number = value.doubleValue, range.contains(number) else {
            throw field(name, "must be a number from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return number
    }

    static func field(_ name: String, _ problem: String) -> EnvError {
        .invalidAction("`\(name)` \(problem)")
    }
}

/// Sampling fields applied to every action that leaves them out (the configuration's `defaults`).
public struct SamplingDefaults: Sendable, Codable, Equatable {
    public var parameters: SamplingParameters
    public var extra: JSONObject

    public init(parameters: SamplingParameters = SamplingParameters(), extra: JSONObject = [:]) {
        self.parameters = parameters
        self.extra = extra
    }

    /// Decodes through the same validation as actions: `defaults` is a partial action.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let members) = value else {
            throw EnvError.badConfig("`defaults` must be an object of sampling fields")
        }
        let allowed = Set(LLMAction.fields).subtracting(["messages", "prompt", "model", "sample"])
        if let unknown = members.keys.first(where: { !allowed.contains($0) }) {
            throw EnvError.badConfig(
                "`defaults.\(unknown)` is not a sampling field; the fields are \(allowed.sorted().joined(separator: ", "))"
            )
        }
        var probe = members
        probe["prompt"] = ""
        do {
            let parsed = try LLMAction.parse(.object(probe), defaults: SamplingDefaults(), model: "-")
            self.init(parameters: parsed.request.sampling, extra: parsed.request.extra)
        } catch let error as EnvError {
            throw EnvError.badConfig("`defaults`: " + error.message.replacingPrefix("invalid action: ", with: ""))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = parameters.json
        if !extra.isEmpty { fields["extra"] = .object(extra) }
        try JSONValue.object(fields).encode(to: encoder)
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}

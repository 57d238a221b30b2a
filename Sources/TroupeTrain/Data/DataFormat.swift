import TroupeCore
import TroupeLM

/// How JSONL lines become token sequences: keys, chat template, EOS and truncation.
///
/// Formats read (TRL's and OpenRLHF's):
/// - SFT: `{"prompt", "completion"}` (also `"response"`/`"output"` for the completion), as strings
///   or message lists; `{"messages": [...]}` (loss on assistant turns); `{"text"}` (loss on all).
/// - Preferences (DPO, reward model): `{"prompt", "chosen", "rejected"}` as strings or message
///   lists, or `{"chosen", "rejected"}` full conversations whose prompt is all but the last message.
///
/// Message lists are rendered with the model's chat template; a completion is the text the
/// template adds after the prompt rendered with a generation prompt (TRL ≥ 0.29's rule), so with
/// ChatML it ends `<|im_end|>\n`. String completions get the EOS token appended (TRL's rule for
/// non-conversational data) unless they already end with it.
public struct DataFormat: Codable, Sendable, Equatable {
    public var promptKey = "prompt"
    public var chosenKey = "chosen"
    public var rejectedKey = "rejected"
    /// Keys tried in order for an SFT completion.
    public var completionKeys = ["completion", "response", "output"]
    public var messagesKey = "messages"
    public var textKey = "text"
    /// Wrap string prompts and completions as user/assistant messages and apply the template.
    public var applyChatTemplateToStrings = false
    /// Append EOS to string completions (TRL's default for non-conversational data).
    public var appendEOS = true
    /// For `messages`: loss only on assistant turns (false: on every token after the first).
    public var assistantOnlyLoss = true
    /// The longest sequence (prompt + completion) in tokens (TRL's `max_length`).
    public var maxLength = 1024
    /// The longest prompt kept when a sequence must be shortened (TRL ≤ 0.28's
    /// `max_prompt_length`); default half of `maxLength`.
    public var maxPromptLength: Int?
    /// TriPosT's weighted SFT: completion tokens from the first occurrence of this text onward
    /// get `sectionWeight` (TriPosT: "\nFeedback:" and 1.5).
    public var sectionStart: String?
    public var sectionWeight: Double = 1

    public init() {}

    public var promptLimit: Int { maxPromptLength ?? maxLength / 2 }

    public func validate() throws {
        guard maxLength >= 2 else { throw TrainError.badConfig("max length must be at least 2, found \(maxLength)") }
        guard promptLimit >= 0, promptLimit < maxLength else {
            throw TrainError.badConfig(
                "max prompt length (\(promptLimit)) must be below max length (\(maxLength)) so completions keep a token"
            )
        }
        guard sectionWeight >= 0, sectionWeight.isFinite else {
            throw TrainError.badConfig("section weight must be a finite number ≥ 0")
        }
    }
}

/// Turns JSON lines into examples with one model's tokenizer and template. Pure: the same line
/// gives the same tokens; errors are `TrainError.badData` messages naming the key at fault.
public struct ExampleFormatter: Sendable {
    public let tokenizer: Tokenizer
    public let template: ChatTemplate?
    public let format: DataFormat

    public init(tokenizer: Tokenizer, template: ChatTemplate?, format: DataFormat) throws {
        try format.validate()
        self.tokenizer = tokenizer
        self.template = template
        self.format = format
    }

    struct LineError: Error { let message: String }

    // MARK: SFT

    public func sft(_ json: JSONValue) throws -> SFTExample {
        if let messages = json[format.messagesKey] {
            return try sftMessages(try chat(messages, format.messagesKey))
        }
        if let key = format.completionKeys.first(where: { json[$0] != nil }) {
            let promptValue = json[format.promptKey]
            if let completionMessages = json[key]?.arrayValue {
                let prompt = try chat(promptValue ?? .array([]), format.promptKey)
                let (p, c) = try renderCompletion(prompt: prompt, completion: try chat(.array(completionMessages), key))
                return truncate(SFTExample(prompt: p, completion: c))
            }
            guard let completion = json[key]?.stringValue else {
                throw LineError(message: "\"\(key)\" must be a string or a list of messages")
            }
            let prompt = promptValue?.stringValue ?? ""
            if promptValue != nil, promptValue?.stringValue == nil {
                throw LineError(message: "\"\(format.promptKey)\" must be a string when \"\(key)\" is a string")
            }
            if format.applyChatTemplateToStrings {
                let (p, c) = try renderCompletion(
                    prompt: prompt.isEmpty ? [] : [ChatMessage(role: "user", content: prompt)],
                    completion: [ChatMessage(role: "assistant", content: completion)])
                return truncate(SFTExample(prompt: p, completion: c))
            }
            let p = prompt.isEmpty ? [] : tokenizer.encode(prompt)
            let (c, w) = weightedCompletion(completion, first: p.isEmpty)
            return truncate(SFTExample(prompt: p, completion: c, weights: w))
        }
        if let text = json[format.textKey]?.stringValue {
            let (c, w) = weightedCompletion(text, first: true)
            return truncate(SFTExample(prompt: [], completion: c, weights: w))
        }
        throw LineError(
            message:
                "an SFT line needs \"\(format.messagesKey)\", \"\(format.promptKey)\" with one of \(format.completionKeys.map { "\"\($0)\"" }.joined(separator: "/")), or \"\(format.textKey)\""
        )
    }

    /// Tokens of a string completion with EOS appended, and their weights (TriPosT's section).
    func weightedCompletion(_ text: String, first: Bool) -> ([Int], [Float]) {
        var pieces: [(String, Float)] = [(text, 1)]
        if let marker = format.sectionStart, !marker.isEmpty, let r = text.range(of: marker) {
            pieces = [(String(text[..<r.lowerBound]), 1), (String(text[r.lowerBound...]), Float(format.sectionWeight))]
        }
        var tokens: [Int] = [], weights: [Float] = []
        for (i, (piece, w)) in pieces.enumerated() where !piece.isEmpty {
            let ids = tokenizer.encode(piece, addBOS: first && i == 0 ? nil : false)
            tokens += ids
            weights += Array(repeating: w, count: ids.count)
        }
        if format.appendEOS, let eos = tokenizer.eosID, tokens.last != eos {
            tokens.append(eos)
            weights.append(weights.last ?? 1)
        }
        return (tokens, weights)
    }

    /// A conversation: tokens of each turn's rendering, with loss on assistant turns.
    func sftMessages(_ messages: [ChatMessage]) throws -> SFTExample {
        let template = try requireTemplate()
        guard messages.contains(where: { $0.role == "assistant" }) else {
            throw LineError(message: "\"\(format.messagesKey)\" has no assistant message to learn")
        }
        var prompt: [Int] = [], completion: [Int] = [], weights: [Float] = []
        var rendered = ""
        for (i, m) in messages.enumerated() {
            let before =
                m.role == "assistant" ? try template.render(Array(messages[..<i]), addGenerationPrompt: true) : nil
            let after = try template.render(Array(messages[...i]), addGenerationPrompt: false)
            if let before, i > 0 {
                // The turn header (e.g. "<|im_start|>assistant\n") is context, not learned.
                try append(before, to: &rendered, &prompt, &completion, &weights, weight: 0)
            }
            let learned: Float = (m.role == "assistant" || !format.assistantOnlyLoss) ? 1 : 0
            try append(after, to: &rendered, &prompt, &completion, &weights, weight: learned)
        }
        return truncate(SFTExample(prompt: prompt, completion: completion, weights: weights))
    }

    /// Appends the text `full` adds to `rendered`: to the prompt while nothing is learned yet,
    /// else to the completion with `weight`.
    private func append(
        _ full: String, to rendered: inout String, _ prompt: inout [Int], _ completion: inout [Int],
        _ weights: inout [Float], weight: Float
    ) throws {
        guard full.hasPrefix(rendered) else {
            throw LineError(message: "the chat template does not render earlier turns as a prefix of later ones")
        }
        let delta = String(full.dropFirst(rendered.count))
        rendered = full
        guard !delta.isEmpty else { return }
        let ids = tokenizer.encode(delta, addBOS: prompt.isEmpty && completion.isEmpty ? nil : false)
        if completion.isEmpty && weight == 0 {
            prompt += ids
        } else {
            completion += ids
            weights += Array(repeating: weight, count: ids.count)
        }
    }

    // MARK: Preferences

    public func preference(_ json: JSONValue) throws -> PreferenceExample {
        guard let chosenValue = json[format.chosenKey], let rejectedValue = json[format.rejectedKey] else {
            throw LineError(message: "a preference line needs \"\(format.chosenKey)\" and \"\(format.rejectedKey)\"")
        }
        let promptValue = json[format.promptKey]
        if chosenValue.arrayValue != nil || rejectedValue.arrayValue != nil {
            var chosen = try chat(chosenValue, format.chosenKey), rejected = try chat(rejectedValue, format.rejectedKey)
            var prompt: [ChatMessage]
            if let promptValue {
                prompt =
                    try promptValue.stringValue.map { [ChatMessage(role: "user", content: $0)] }
                    ?? chat(promptValue, format.promptKey)
            } else {
                // Implicit prompt: every message before the last (OpenRLHF's rule).
                guard chosen.count >= 2, Array(chosen.dropLast()) == Array(rejected.dropLast()) else {
                    throw LineError(
                        message:
                            "without \"\(format.promptKey)\", \"\(format.chosenKey)\" and \"\(format.rejectedKey)\" must be conversations that differ only in their last message"
                    )
                }
                prompt = Array(chosen.dropLast())
                chosen = [chosen.last!]
                rejected = [rejected.last!]
            }
            let (p, c) = try renderCompletion(prompt: prompt, completion: chosen)
            let (_, r) = try renderCompletion(prompt: prompt, completion: rejected)
            return truncate(PreferenceExample(prompt: p, chosen: c, rejected: r))
        }
        guard let chosen = chosenValue.stringValue, let rejected = rejectedValue.stringValue else {
            throw LineError(
                message: "\"\(format.chosenKey)\" and \"\(format.rejectedKey)\" must be strings or message lists")
        }
        let prompt = promptValue?.stringValue ?? ""
        if promptValue != nil && promptValue?.stringValue == nil {
            throw LineError(message: "\"\(format.promptKey)\" must be a string when the completions are strings")
        }
        if format.applyChatTemplateToStrings {
            let user = prompt.isEmpty ? [] : [ChatMessage(role: "user", content: prompt)]
            let (p, c) = try renderCompletion(
                prompt: user, completion: [ChatMessage(role: "assistant", content: chosen)])
            let (_, r) = try renderCompletion(
                prompt: user, completion: [ChatMessage(role: "assistant", content: rejected)])
            return truncate(PreferenceExample(prompt: p, chosen: c, rejected: r))
        }
        let p = prompt.isEmpty ? [] : tokenizer.encode(prompt)
        return truncate(
            PreferenceExample(
                prompt: p, chosen: weightedCompletion(chosen, first: p.isEmpty).0,
                rejected: weightedCompletion(rejected, first: p.isEmpty).0))
    }

    // MARK: Shared

    func requireTemplate() throws -> ChatTemplate {
        guard let template else {
            throw LineError(
                message: "message lists need a chat template, and the model has none (pass --chat-template)")
        }
        return template
    }

    func chat(_ value: JSONValue, _ key: String) throws -> [ChatMessage] {
        guard let list = value.arrayValue else { throw LineError(message: "\"\(key)\" must be a list of messages") }
        return try list.enumerated().map { i, m in
            guard let role = m["role"]?.stringValue, let content = m["content"]?.stringValue else {
                throw LineError(message: "\"\(key)\"[\(i)] needs string \"role\" and \"content\"")
            }
            return ChatMessage(role: role, content: content)
        }
    }

    /// Prompt tokens (rendered with a generation prompt) and the completion's tokens (what the
    /// full rendering adds after it).
    func renderCompletion(prompt: [ChatMessage], completion: [ChatMessage]) throws -> ([Int], [Int]) {
        let template = try requireTemplate()
        guard !completion.isEmpty else { throw LineError(message: "the completion has no message") }
        let promptText = prompt.isEmpty ? "" : try template.render(prompt, addGenerationPrompt: true)
        let full = try template.render(prompt + completion, addGenerationPrompt: false)
        var completionText: String
        if prompt.isEmpty {
            completionText = full
        } else {
            guard full.hasPrefix(promptText) else {
                throw LineError(
                    message: "the chat template does not render the prompt as a prefix of the conversation")
            }
            completionText = String(full.dropFirst(promptText.count))
        }
        let p = promptText.isEmpty ? [] : tokenizer.encode(promptText)
        return (p, tokenizer.encode(completionText, addBOS: p.isEmpty ? nil : false))
    }

    // MARK: Truncation

    /// TRL ≤ 0.28's rule, never dropping an example: when prompt + completion exceeds
    /// `maxLength`, the prompt keeps its last `maxPromptLength` tokens, then the completion keeps
    /// its first tokens up to `maxLength`.
    func truncate(_ e: SFTExample) -> SFTExample {
        var e = e
        let L = format.maxLength
        guard e.prompt.count + e.completion.count > L else { return e }
        e.truncated = true
        if e.prompt.count > format.promptLimit { e.prompt = Array(e.prompt.suffix(format.promptLimit)) }
        let room = L - e.prompt.count
        if e.completion.count > room {
            e.completion = Array(e.completion.prefix(room))
            e.weights = Array(e.weights.prefix(room))
        }
        return e
    }

    /// The same rule for pairs, against the longer completion; both completions are cut alike.
    func truncate(_ e: PreferenceExample) -> PreferenceExample {
        var e = e
        let L = format.maxLength
        let longer = max(e.chosen.count, e.rejected.count)
        guard e.prompt.count + longer > L else { return e }
        e.truncated = true
        if e.prompt.count > format.promptLimit { e.prompt = Array(e.prompt.suffix(format.promptLimit)) }
        let room = L - e.prompt.count
        e.chosen = Array(e.chosen.prefix(room))
        e.rejected = Array(e.rejected.prefix(room))
        return e
    }
}

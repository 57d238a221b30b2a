/// One message of a chat.
public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat template the engine renders natively. Jinja is not interpreted: the model's template
/// text is matched to a known family, and that family's format is written by Swift code that
/// reproduces the template's output exactly.
///
/// - `chatML`: `<|im_start|>{role}\n{content}<|im_end|>\n` per message, and
///   `<|im_start|>assistant\n` as the generation prompt. SmolLM2 and Qwen2 templates add a default
///   system message when the first message is not a system message; its text is taken from the
///   template.
/// - `llama3`: `<|begin_of_text|>` then `<|start_header_id|>{role}<|end_header_id|>\n\n{content
///   trimmed}<|eot_id|>` per message, and `<|start_header_id|>assistant<|end_header_id|>\n\n`.
public enum ChatTemplate: Sendable, Equatable {
    case chatML(defaultSystem: String?)
    case llama3

    /// The family of a template text, or an error naming the family when it is recognized but not
    /// supported (or "unknown").
    public init(template: String) throws {
        if template.contains("<|im_start|>") {
            self = .chatML(defaultSystem: ChatTemplate.chatMLDefaultSystem(template))
        } else if template.contains("<|start_header_id|>") {
            guard !template.contains("Cutting Knowledge Date") else {
                throw LMError.unsupportedChatTemplate(family: "Llama 3.1+ with the date and tools header")
            }
            self = .llama3
        } else if template.contains("[INST]") {
            throw LMError.unsupportedChatTemplate(family: "Mistral/Llama 2 [INST]")
        } else if template.contains("<start_of_turn>") {
            throw LMError.unsupportedChatTemplate(family: "Gemma")
        } else if template.contains("<|user|>") {
            throw LMError.unsupportedChatTemplate(family: "Phi-3/Zephyr <|user|>")
        } else {
            throw LMError.unsupportedChatTemplate(family: "unknown")
        }
    }

    /// The template of a family by name (for models without one, or to override it): "chatml",
    /// "smollm2" (ChatML with SmolLM2's default system message), "llama3".
    public init(name: String) throws {
        switch name.lowercased() {
        case "chatml": self = .chatML(defaultSystem: nil)
        case "smollm2", "smollm": self = .chatML(defaultSystem: ChatTemplate.smolLM2System)
        case "llama3", "llama-3": self = .llama3
        default: throw LMError.badRequest("unknown chat template '\(name)'; use chatml, smollm2 or llama3")
        }
    }

    public static let smolLM2System = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The literal default system text of a ChatML template: the text between
    /// `<|im_start|>system\n` and `<|im_end|>` in a quoted literal (no Jinja expression inside).
    static func chatMLDefaultSystem(_ template: String) -> String? {
        let marker = "<|im_start|>system\n"
        var searchStart = template.startIndex
        while let found = template.range(of: marker, range: searchStart..<template.endIndex) {
            if let end = template.range(of: "<|im_end|>", range: found.upperBound..<template.endIndex) {
                let text = String(template[found.upperBound..<end.lowerBound])
                if !text.isEmpty, !text.contains("'"), !text.contains("{"), !text.contains("\"") { return text }
            }
            searchStart = found.upperBound
        }
        return nil
    }

    /// The prompt text for `messages`; with `addGenerationPrompt`, it ends where the assistant's
    /// reply begins. Roles must be system, user, assistant or tool.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        guard !messages.isEmpty else { throw LMError.badChat("the chat has no messages") }
        for (i, m) in messages.enumerated() where !["system", "user", "assistant", "tool"].contains(m.role) {
            throw LMError.badChat("message \(i) has role '\(m.role)'; use system, user, assistant or tool")
        }
        var out = ""
        switch self {
        case .chatML(let defaultSystem):
            if let defaultSystem, messages[0].role != "system" {
                out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            out = "<|begin_of_text|>"
            for m in messages {
                let content = m.content.trimmingWhitespace()
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(content)<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        }
        return out
    }

    /// Token texts that end an assistant turn in this format (besides the model's EOS).
    public var endOfTurnTokens: [String] {
        switch self {
        case .chatML: return ["<|im_end|>"]
        case .llama3: return ["<|eot_id|>"]
        }
    }
}

extension String {
    /// The string without leading and trailing whitespace (Jinja's `trim`).
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}

extension Tokenizer {
    /// The chat template of the model (from its metadata), or an error saying why there is none.
    public func chatTemplate() throws -> ChatTemplate {
        guard let text = chatTemplateText else {
            throw LMError.unsupportedChatTemplate(family: "none: the model has no chat template")
        }
        return try ChatTemplate(template: text)
    }
}

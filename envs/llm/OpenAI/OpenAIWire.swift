import Foundation
import TroupeCore
import TroupeHTTP

/// The OpenAI wire format, both ways, as pure functions: request bodies for the chat-completions
/// and completions APIs, and the reading of answers (completions and errors) from OpenAI, Azure
/// OpenAI, vLLM, llama.cpp's server, llama-cpp-python and Ollama.
enum OpenAIWire {
    /// The path under `base_url` for the request's API.
    static func path(for request: LLMRequest) -> String {
        switch request.input {
        case .chat: return "/chat/completions"
        case .prompt: return "/completions"
        }
    }

    /// The JSON body of `request`. `maxTokensField` is `max_tokens` or `max_completion_tokens`
    /// (OpenAI's reasoning models accept only the latter).
    static func body(for request: LLMRequest, maxTokensField: String) -> [UInt8] {
        var fields: JSONObject = ["model": .string(request.model)]
        switch request.input {
        case .chat(let messages): fields["messages"] = .array(messages.map(\.json))
        case .prompt(let text): fields["prompt"] = .string(text)
        }
        for (key, value) in request.sampling.json {
            fields[key == "max_tokens" ? maxTokensField : key] = value
        }
        for (key, value) in request.extra where fields[key] == nil { fields[key] = value }
        return JSONValue.object(fields).serializedBytes()
    }

    /// What an answer means.
    enum Outcome: Equatable {
        case completion(LLMCompletion)
        /// A non-2xx answer; `message` is the provider's text.
        case failure(status: Int, message: String, isContextLength: Bool)
    }

    /// Reads an answer of any status.
    ///
    /// - Throws: `LLMError.malformed` or `.contentFiltered` for a 2xx answer without usable text.
    static func read(_ response: HTTPResponse, for request: LLMRequest) throws -> Outcome {
        guard (200...299).contains(response.status) else {
            let parsed = try? JSONValue.parse(response.body)
            let message = providerMessage(parsed, raw: response.body, status: response.status)
            return .failure(
                status: response.status, message: message,
                isContextLength: isContextLength(parsed, message: message, status: response.status))
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(response.body)
        } catch {
            throw LLMError.malformed(
                "HTTP \(response.status) with a body that is not JSON (\(error)): \(excerpt(response.body))")
        }
        return .completion(try completion(json, for: request))
    }

    /// The first choice of a 2xx answer.
    static func completion(_ json: JSONValue, for request: LLMRequest) throws -> LLMCompletion {
        if json["error"] != nil {
            // Some proxies send errors with status 200.
            throw LLMError.malformed("an error object with status 200: \(providerMessage(json, raw: [], status: 200))")
        }
        guard let choice = json["choices"]?.arrayValue?.first else {
            throw LLMError.malformed("no `choices` in \(excerpt(json.serializedBytes()))")
        }
        let finish = choice["finish_reason"]?.stringValue ?? "stop"
        let text: String?
        switch request.input {
        case .chat: text = choice["message"]?["content"]?.stringValue
        case .prompt: text = choice["text"]?.stringValue
        }
        if finish == "content_filter" {
            throw LLMError.contentFiltered(
                providerMessage: "finish_reason content_filter, text: \(text.map { "\"\($0)\"" } ?? "none")")
        }
        guard let text else {
            let field = request.input.isChat ? "`choices[0].message.content`" : "`choices[0].text`"
            let calls =
                choice["message"]?["tool_calls"] != nil
                ? " (the model made tool calls, which llm-v0 does not take)" : ""
            throw LLMError.malformed("\(field) is missing or not a string\(calls), finish_reason \(finish)")
        }
        return LLMCompletion(
            text: text, finishReason: finish, usage: TokenUsage(json: json["usage"]),
            model: json["model"]?.stringValue ?? request.model)
    }

    /// The provider's own words: `error.message` (OpenAI, vLLM, llama.cpp), `detail` (FastAPI),
    /// `message`, or the raw body, shortened.
    static func providerMessage(_ json: JSONValue?, raw: [UInt8], status: Int) -> String {
        if let json {
            if let message = json["error"]?["message"]?.stringValue { return shorten(message) }
            if let message = json["error"]?.stringValue { return shorten(message) }
            if let detail = json["detail"] {
                return shorten(detail.stringValue ?? detail.serialized())
            }
            if let message = json["message"]?.stringValue { return shorten(message) }
        }
        let text = excerpt(raw)
        return text.isEmpty ? "HTTP \(status) with an empty body" : text
    }

    /// Whether a failure is a context-window overflow, by the codes and phrasings servers use:
    /// OpenAI and vLLM (`context_length_exceeded`, "maximum context length"), llama.cpp's server
    /// (`exceed_context_size_error`, "exceeds the available context size"), llama-cpp-python
    /// ("exceed context window"), Ollama and others ("context length", "too many tokens").
    static func isContextLength(_ json: JSONValue?, message: String, status: Int) -> Bool {
        guard (400...499).contains(status) else { return false }
        let codes = [json?["error"]?["code"]?.stringValue, json?["error"]?["type"]?.stringValue].compactMap { $0 }
        if codes.contains(where: { $0 == "context_length_exceeded" || $0 == "exceed_context_size_error" }) {
            return true
        }
        let lower = message.lowercased()
        return [
            "maximum context length", "context length", "context window", "context size", "too many tokens",
            "exceeds the available context",
        ].contains { lower.contains($0) }
    }

    static func shorten(_ text: String, limit: Int = 1_000) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    static func excerpt(_ bytes: [UInt8], limit: Int = 300) -> String {
        shorten(String(decoding: bytes.prefix(limit * 4), as: UTF8.self), limit: limit)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension LLMInput {
    var isChat: Bool {
        if case .chat = self { return true }
        return false
    }
}

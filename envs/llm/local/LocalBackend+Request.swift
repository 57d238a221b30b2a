import LLMEnv
import TroupeCore
import TroupeLM

/// From an `llm-v0` request to the engine's: rendering, tokenizing, sampling options, and the
/// checks that make a request fail before it reaches the batch.
extension LocalBackend {
    /// The `extra` fields this backend understands (beyond OpenAI's standard ones).
    static let extraFields = ["top_k", "ignore_eos"]

    /// The prompt tokens and sampling options of `request`. Throws `LLMError`: `.contextLength`
    /// when prompt plus `max_tokens` exceed `contextLength`, `.unsupported` for what the engine
    /// does not implement.
    nonisolated func generationRequest(for request: LLMRequest) throws -> GenerationRequest {
        let prompt = try promptTokens(request.input)
        let sampling = request.sampling
        if prompt.count + sampling.maxTokens > contextLength {
            throw LLMError.contextLength(
                providerMessage:
                    "the prompt has \(prompt.count) tokens and max_tokens is \(sampling.maxTokens), \(prompt.count + sampling.maxTokens) in all, more than the context window of \(contextLength) tokens"
            )
        }
        for (name, value) in [
            ("presence_penalty", sampling.presencePenalty), ("frequency_penalty", sampling.frequencyPenalty),
        ]
        where value.map({ $0 != 0 }) ?? false {
            throw LLMError.unsupported("the local engine does not implement `\(name)`; leave it out or set it to 0")
        }
        var topK = 0
        var ignoreEOS = false
        for (key, value) in request.extra {
            switch key {
            case "top_k":
                guard let k = value.intValue, k >= 0, k <= Int64(Int32.max) else {
                    throw LLMError.unsupported("`extra.top_k` must be a non-negative integer (0 keeps every token)")
                }
                topK = Int(k)
            case "ignore_eos":
                guard case .bool(let flag) = value else {
                    throw LLMError.unsupported("`extra.ignore_eos` must be true or false")
                }
                ignoreEOS = flag
            default:
                throw LLMError.unsupported(
                    "the local engine does not implement `extra.\(key)`; its extra fields are \(LocalBackend.extraFields.joined(separator: ", "))"
                )
            }
        }
        do {
            let options = try SamplingOptions(
                temperature: sampling.temperature, topK: topK, topP: sampling.topP ?? 1, maxTokens: sampling.maxTokens,
                stop: sampling.stop, ignoreEOS: ignoreEOS, seed: request.sampleSeed)
            return GenerationRequest(prompt: prompt, options: options)
        } catch let error as LMError {
            throw LocalBackend.translate(error)
        }
    }

    /// A chat rendered through the chat template (the `developer` role as `system`, as OpenAI
    /// does for models without one), or a prompt as it is; then tokenized the way llama.cpp's
    /// server does (control tokens in the text are parsed, BOS as the model says, once).
    nonisolated func promptTokens(_ input: LLMInput) throws -> [Int] {
        let text: String
        switch input {
        case .chat(let messages):
            let template = try template.get()
            do {
                text = try template.render(
                    messages.map {
                        TroupeLM.ChatMessage(role: $0.role == "developer" ? "system" : $0.role, content: $0.content)
                    })
            } catch let error as LMError {
                throw LocalBackend.translate(error)
            }
        case .prompt(let prompt):
            text = prompt
        }
        let bosText = tokenizer.bosID.map { tokenizer.tokens[$0] }
        let startsWithBOS = bosText.map { !$0.isEmpty && text.hasPrefix($0) } ?? false
        let tokens = tokenizer.encode(text, parseSpecial: true, addBOS: startsWithBOS ? false : nil)
        guard !tokens.isEmpty else {
            throw LLMError.unsupported("the prompt is empty; the model needs at least one token to continue")
        }
        return tokens
    }

    /// The `LLMError` for an engine error.
    static func translate(_ error: LMError) -> LLMError {
        switch error {
        case .contextOverflow(let needed, let limit):
            return .contextLength(
                providerMessage: "the request needs \(needed) positions; the model's context is \(limit)")
        case .badRequest, .badChat, .badToken, .unsupportedChatTemplate:
            return .unsupported(error.description)
        default:
            return .engine(error.description)
        }
    }
}

import Foundation
import TroupeCore
import TroupeLM
import TroupeTrain

/// The white-box controller: a language model (SmolLM2-135M-Instruct by default, any model the
/// engine loads) with an optional LoRA adapter, writing guidance from `ControllerPrompt`.
///
/// Generation goes through one `GenerationService`, so concurrent episodes decode together.
/// Training uses the same model object: call `pause()` before training and let the trainer
/// install its adapters; `use(adapter:)` puts a saved adapter back for generation.
public final class Controller: @unchecked Sendable {
    public let lm: LanguageModel
    let template: ChatTemplate
    let service: GenerationService
    /// Tokens of guidance at most, and where generation stops besides the end of turn.
    public let maxTokens: Int
    public static let stops = ["\n\n", "Here is the task", "Here is an example"]

    public init(lm: LanguageModel, maxTokens: Int = 160, maxBatch: Int = 32, template: ChatTemplate? = nil) throws {
        self.lm = lm
        self.template = try template ?? lm.tokenizer.chatTemplate()
        self.maxTokens = maxTokens
        service = GenerationService(model: lm, maxBatch: maxBatch)
    }

    deinit { service.stop() }

    /// The prompt tokens of `messages` (the chat template with a generation prompt).
    public func promptTokens(_ messages: [ChatMessage]) throws -> [Int] {
        lm.tokenizer.encode(try template.render(messages), parseSpecial: true, addBOS: false)
    }

    /// One guidance text for `messages`: greedy at temperature 0, else a sample from `seed`.
    public func generate(_ messages: [ChatMessage], temperature: Double, seed: UInt64) async throws -> String {
        let options = try SamplingOptions(
            temperature: temperature, maxTokens: maxTokens, stop: Controller.stops, seed: seed)
        let result = try await service.generate(GenerationRequest(prompt: try promptTokens(messages), options: options))
        return trimmed(result.text)
    }

    /// Waits for generation in flight to finish (before the model is trained).
    public func pause() { service.drain() }

    /// Generates with `adapter` (a PEFT directory), or with the base model when nil.
    public func use(adapter: String?) throws {
        service.drain()
        LoRAModel.uninstall(from: lm.model)
        if let adapter { try LoRAModel.loadPEFT(adapter, modelConfig: lm.model.config).install(on: lm.model) }
    }
}

/// Text without surrounding white space.
func trimmed(_ text: String) -> String {
    guard let start = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
    return String(text[start...text.lastIndex(where: { !$0.isWhitespace })!])
}

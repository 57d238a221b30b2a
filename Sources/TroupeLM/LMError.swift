/// The errors of the language-model engine: loading files, tokenizing, running and sampling.
///
/// Every case names what was wrong (the file, the tensor, the offset, the field) and what to do
/// next. Nothing a user can feed the engine (a truncated file, a corrupt header, an unknown
/// quantization, a prompt longer than the context) crashes the process: it ends up here.
public enum LMError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file is not in the expected format, or is truncated or corrupt; `detail` names the
    /// field, tensor or byte offset.
    case malformed(path: String, detail: String)
    /// The file uses something this engine does not implement (a tensor type, an architecture, a
    /// GGUF version); `supported` lists what is.
    case unsupported(path: String, what: String, supported: String)
    /// A tensor the architecture needs is absent from the checkpoint.
    case missingTensor(path: String, name: String)
    /// A tensor has a shape other than the configuration implies.
    case badShape(path: String, name: String, expected: [Int], found: [Int])
    /// The model configuration (config.json or GGUF metadata) is invalid; the message names the key.
    case badConfig(String)
    /// The tokenizer description is invalid or unsupported; the message says which part.
    case badTokenizer(String)
    /// The chat template is not one of the families the engine renders.
    case unsupportedChatTemplate(family: String)
    /// A chat message is invalid (unknown role, empty list).
    case badChat(String)
    /// A token id outside the vocabulary.
    case badToken(id: Int, vocabularySize: Int)
    /// A sequence would grow past the model's context length.
    case contextOverflow(needed: Int, limit: Int)
    /// A request is invalid (empty prompt, a sampling parameter out of range); the message names it.
    case badRequest(String)
    /// The default model is not in the cache.
    case modelMissing(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
        case .malformed(let path, let detail): return "\(path) is malformed: \(detail)"
        case .unsupported(let path, let what, let supported):
            return "\(path): \(what) is not supported; supported: \(supported)"
        case .missingTensor(let path, let name):
            return "\(path) has no tensor '\(name)', which the llama architecture needs"
        case .badShape(let path, let name, let expected, let found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected) from the model configuration"
        case .badConfig(let m): return "invalid model configuration: \(m)"
        case .badTokenizer(let m): return "invalid tokenizer: \(m)"
        case .unsupportedChatTemplate(let family):
            return
                "the model's chat template (\(family)) is not supported; supported families: ChatML (SmolLM2, Qwen2), Llama 3. Pass a raw prompt instead, or name a family with --template"
        case .badChat(let m): return "invalid chat: \(m)"
        case .badToken(let id, let size): return "token id \(id) is outside the vocabulary (0..<\(size))"
        case .contextOverflow(let needed, let limit):
            return
                "the sequence needs \(needed) positions but the model's context is \(limit); shorten the prompt or lower max tokens"
        case .badRequest(let m): return "invalid request: \(m)"
        case .modelMissing(let path):
            return "the default model is not at \(path); run `scripts/fetch-model` (or `agent model fetch`) first"
        }
    }
}

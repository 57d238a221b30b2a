import LLMEnv
import Synchronization
import TroupeCore
import TroupeLM
import TroupeTrain

/// The `local` backend: the in-process engine (`TroupeLM`) serving one model to every session of
/// the process, with continuous batching.
///
/// ```json
/// {"kind": "local", "path": "model.gguf", "threads": 2, "max_batch": 64}
/// ```
/// Sessions call `complete` concurrently; each request is rendered (a chat through the model's
/// chat template, a prompt as it is), tokenized and handed to a `LocalEngine`, whose thread runs
/// one forward pass at a time over every running request's next token plus pieces of the newly
/// arrived prompts. Requests join between passes and leave when they finish or are cancelled.
///
/// Answers depend only on the request and its sample seed, never on what else is running: every
/// product goes through one kernel path (the quantized kernels for Q8_0/Q4_0/Q4_1 weights, f32
/// otherwise, chosen by weight type alone) and prompts are cut into pieces at fixed positions, so
/// a token's arithmetic is the same alone or in a batch of 64.
public actor LocalBackend: LLMBackend {
    /// Prompts are fed in pieces of this many tokens at most, at positions 0, 64, 128, …
    public static let prefillChunk = 64

    /// The `local` kind, for `LLMEnv.registration(backends:)`.
    public static let kind = LLMBackendKind(
        name: "local",
        summary: "the in-process engine serving a GGUF or Hugging Face model, batching all sessions' requests"
    ) { members in
        let config: Config = try decodeBackendConfig(members, kind: "local")
        let (path, digest) = try resolveModel(config)
        let identity: JSONValue = [
            "kind": "local", "sha256": .string(digest), "template": config.template.map { .string($0) } ?? .null,
            "prefill_chunk": .number(prefillChunk),
            "adapter_sha256": try config.adapter.map { .string(try ModelFiles.sha256(of: $0)) } ?? .null,
        ]
        return LLMBackendPlan(identity: identity, defaultModel: modelName(path)) { _ in
            try LocalBackend(config: config, path: path)
        }
    }

    public nonisolated let config: Config
    /// The name answers carry (the model file's name).
    public nonisolated let modelName: String
    /// The window requests must fit.
    public nonisolated let contextLength: Int
    nonisolated let tokenizer: Tokenizer
    /// The chat template, or why chats cannot be served.
    nonisolated let template: Result<ChatTemplate, LLMError>
    nonisolated let engine: LocalEngine

    /// Loads the model and starts the engine thread. Throws `bad_config` when the model cannot be
    /// loaded or `context_length` exceeds the model's.
    public init(config: Config, path: String) throws {
        let lm: LanguageModel
        do {
            lm = try LanguageModel.load(path)
        } catch let error as LMError {
            throw EnvError.badConfig("backend `local`: \(error.description)")
        }
        if let adapter = config.adapter {
            do {
                try LoRAModel.loadPEFT(adapter, modelConfig: lm.model.config).install(on: lm.model)
            } catch {
                throw EnvError.badConfig("backend `local`: the adapter at \(adapter) cannot be used: \(error)")
            }
        }
        let modelContext = lm.model.config.contextLength
        if let wanted = config.contextLength, wanted > modelContext {
            throw EnvError.badConfig(
                "backend `local`: `context_length` \(wanted) is more than the model's context of \(modelContext) tokens"
            )
        }
        // One kernel path per weight, whatever the number of tokens in a pass (see the type's doc).
        lm.model.projector.quantizedTokenLimit = .max
        if let threads = config.threads { lm.model.pool = LocalBackend.pool(threads: threads) }
        self.config = config
        modelName = LocalBackend.modelName(path)
        contextLength = config.contextLength ?? modelContext
        tokenizer = lm.tokenizer
        do {
            template = .success(try config.template.map(ChatTemplate.init(name:)) ?? lm.tokenizer.chatTemplate())
        } catch {
            template = .failure(
                .unsupported(
                    "chats need a chat template: \(error); set `backend.template` (chatml, smollm2 or llama3) or send a `prompt`"
                ))
        }
        engine = LocalEngine(
            decoder: BatchDecoder(
                model: lm, maxBatch: config.maxBatch, prefillBudget: config.prefillBudget,
                prefillChunk: LocalBackend.prefillChunk))
    }

    deinit { engine.shutdown() }

    public nonisolated func complete(_ request: LLMRequest) async throws -> LLMCompletion {
        let generation = try generationRequest(for: request)
        let result: GenerationResult
        do {
            result = try await engine.generate(generation)
        } catch let error as LMError {
            throw LocalBackend.translate(error)
        }
        return LLMCompletion(
            text: result.text, finishReason: result.finishReason.rawValue,
            usage: TokenUsage(promptTokens: result.promptTokens, completionTokens: result.tokens.count),
            model: modelName)
    }

    /// What the engine has done so far: passes, tokens, how full the batch was, time computing.
    public nonisolated var stats: Stats { engine.currentStats }

    /// The engine's counters since the backend was made.
    public struct Stats: Sendable, Equatable {
        /// Forward passes.
        public var steps = 0
        /// Tokens generated over all requests (every sequence's sampled token of every pass, end
        /// tokens aside).
        public var tokens = 0
        /// Requests ended (answered, failed or cancelled), and of those cancelled.
        public var finished = 0
        public var cancelled = 0
        /// Seconds spent in forward passes.
        public var busySeconds = 0.0

        /// Mean tokens generated per pass: how full the batch was on average.
        public var meanBatch: Double { steps == 0 ? 0 : Double(tokens) / Double(steps) }
    }

    /// Worker pools by thread count, shared by every backend of the process and kept for its life,
    /// so that backends made and dropped do not start and join threads each time.
    private static func pool(threads: Int) -> WorkerPool {
        if threads == WorkerPool.shared.threads { return .shared }
        return pools.withLock { pools in
            if let pool = pools[threads] { return pool }
            let pool = WorkerPool(threads: threads)
            pools[threads] = pool
            return pool
        }
    }
    private static let pools = Mutex<[Int: WorkerPool]>([:])
}

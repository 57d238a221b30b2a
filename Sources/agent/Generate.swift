import ArgumentParser
import Foundation
import TroupeCore
import TroupeLM
import TroupeTrain

/// Options shared by the language-model commands.
struct ModelOptions: ParsableArguments {
    @Option(
        help:
            "A .gguf file or a Hugging Face directory (config.json, *.safetensors, tokenizer.json). Default: the cached SmolLM2-135M-Instruct (scripts/fetch-model)."
    )
    var model: String?

    @Option(help: "Threads for the kernels (default: TROUPE_THREADS or every core).")
    var threads: Int?

    @Option(
        help:
            "A LoRA adapter directory (PEFT format: adapter_config.json + adapter_model.safetensors, Troupe's or PEFT's) applied to the model."
    )
    var adapter: String?

    /// The model, with `--adapter` applied unless `applyingAdapter` is false (the training
    /// commands continue training the adapter instead).
    func load(applyingAdapter: Bool = true) throws -> LanguageModel {
        let path = try ModelStore.resolve(model)
        let lm = try LanguageModel.load(path)
        if applyingAdapter, let adapter {
            try LoRAModel.loadPEFT(adapter, modelConfig: lm.model.config).install(on: lm.model)
        }
        if let threads {
            guard threads > 0 else { throw ValidationError("--threads must be positive") }
            lm.model.pool = WorkerPool(threads: threads)
            BLAS.threads = threads
        }
        return lm
    }
}

/// Sampling options as flags.
struct SamplingFlags: ParsableArguments {
    @Option(help: "Temperature; 0 is greedy.") var temperature: Double = 0
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0: all).") var topK: Int = 0
    @Option(name: .customLong("top-p"), help: "Keep the most likely tokens up to this probability mass (1: all).")
    var topP: Double = 1
    @Option(name: .customLong("max-tokens"), help: "Tokens to generate at most.") var maxTokens: Int = 256
    @Option(help: "Stop when the text contains this string (repeatable); the text is cut before it.") var stop:
        [String] = []
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Flag(name: .customLong("ignore-eos"), help: "Do not stop at the model's end-of-turn tokens.") var ignoreEOS = false

    func options() throws -> SamplingOptions {
        do {
            return try SamplingOptions(
                temperature: temperature, topK: topK, topP: topP, maxTokens: maxTokens, stop: stop,
                ignoreEOS: ignoreEOS,
                seed: seed)
        } catch let error as LMError {
            throw ValidationError(error.description)
        }
    }
}

extension Agent {
    /// `agent generate`: text from a prompt, a chat message, or a JSONL batch.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate text with the language-model engine.",
            discussion: """
                One of --prompt (raw text), --chat (a user message, formatted with the model's chat \
                template) or --input (a JSONL file; each line {"prompt": "..."} or {"messages": \
                [{"role": ..., "content": ...}]}, optionally with its own "temperature", "top_k", \
                "top_p", "max_tokens", "stop", "seed"). Batches run together (continuous batching) \
                and print one JSON object per line, in input order.
                """)

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var sampling: SamplingFlags

        @Option(help: "A raw prompt (no chat template).") var prompt: String?
        @Option(help: "A user message, formatted with the chat template.") var chat: String?
        @Option(help: "A system message for --chat.") var system: String?
        @Option(help: "A JSONL file of requests (see above).") var input: String?
        @Option(help: "Chat template family instead of the model's: chatml, smollm2, llama3.") var template: String?
        @Option(help: "Sequences decoded together at most.") var batch: Int = 32
        @Option(
            name: .customLong("kv-cache"),
            help: "KV cache storage: f32 (exact) or f16 (half the memory, llama.cpp's arithmetic).")
        var kvCache: KVCache.Storage = .f32
        @Flag(help: "Print a JSON object (text, tokens, finish reason, timing) instead of the text.") var json = false

        func validate() throws {
            let sources = [prompt, chat, input].compactMap { $0 }
            guard sources.count == 1 else { throw ValidationError("give exactly one of --prompt, --chat or --input") }
            guard batch > 0 else { throw ValidationError("--batch must be positive") }
        }

        func run() async throws {
            let lm = try modelOptions.load()
            let defaults = try sampling.options()
            let template = try template.map { try ChatTemplate(name: $0) }
            func chatPrompt(_ messages: [ChatMessage]) throws -> [Int] {
                let text = try (template ?? lm.tokenizer.chatTemplate()).render(messages)
                return lm.tokenizer.encode(text, parseSpecial: true, addBOS: false)
            }
            var requests: [GenerationRequest] = []
            if let prompt {
                requests.append(
                    GenerationRequest(prompt: lm.tokenizer.encode(prompt, parseSpecial: false), options: defaults))
            } else if let chat {
                var messages: [ChatMessage] = []
                if let system { messages.append(ChatMessage(role: "system", content: system)) }
                messages.append(ChatMessage(role: "user", content: chat))
                requests.append(GenerationRequest(prompt: try chatPrompt(messages), options: defaults))
            } else if let input {
                requests = try readRequests(input, defaults: defaults, tokenizer: lm.tokenizer, chatPrompt: chatPrompt)
            }
            let decoder = BatchDecoder(model: lm, maxBatch: batch, kvStorage: kvCache)
            let start = Date()
            let results = try decoder.generate(requests) { done in
                if requests.count > 1 {
                    FileHandle.standardError.write(Data("\rgenerate: \(done)/\(requests.count) done".utf8))
                }
            }
            if requests.count > 1 { FileHandle.standardError.write(Data("\n".utf8)) }
            let seconds = Date().timeIntervalSince(start)
            let generated = results.reduce(0) { $0 + $1.tokens.count }
            if input == nil, !json {
                print(results[0].text)
                return
            }
            for r in results {
                let object: JSONValue = [
                    "text": .string(r.text), "tokens": .array(r.tokens.map { .number($0) }),
                    "finish_reason": .string(r.finishReason.rawValue), "prompt_tokens": .number(r.promptTokens),
                ]
                print(object.serialized())
            }
            FileHandle.standardError.write(
                Data(
                    "generate: \(results.count) request(s), \(generated) tokens in \(String(format: "%.2f", seconds)) s (\(String(format: "%.1f", Double(generated) / max(seconds, 1e-9))) tokens/s)\n"
                        .utf8))
        }

        func readRequests(
            _ path: String, defaults: SamplingOptions, tokenizer: Tokenizer, chatPrompt: ([ChatMessage]) throws -> [Int]
        ) throws -> [GenerationRequest] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            var requests: [GenerationRequest] = []
            for (n, line) in String(decoding: data, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false
            ).enumerated() {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                do {
                    let value = try JSONValue.parse(String(text))
                    var merged = try JSONValue(encoding: defaults).objectValue ?? [:]
                    for key in [
                        "temperature", "top_k", "top_p", "max_tokens", "stop", "seed", "stop_tokens", "ignore_eos",
                    ] {
                        if let v = value[key] { merged[key] = v }
                    }
                    let options = try JSONValue.object(merged).decode(SamplingOptions.self)
                    let prompt: [Int]
                    if let p = value["prompt"]?.stringValue {
                        prompt = tokenizer.encode(p, parseSpecial: false)
                    } else if let m = value["messages"] {
                        prompt = try chatPrompt(try m.decode([ChatMessage].self))
                    } else {
                        throw LMError.badRequest("needs \"prompt\" (a string) or \"messages\" (a list)")
                    }
                    requests.append(GenerationRequest(prompt: prompt, options: options))
                } catch {
                    throw ValidationError("\(path):\(n + 1): \(error.troupeMessage)")
                }
            }
            guard !requests.isEmpty else { throw ValidationError("\(path) holds no requests") }
            return requests
        }
    }
}

extension KVCache.Storage: ExpressibleByArgument {}

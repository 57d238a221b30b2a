import LLMEnv
import TroupeCore
import TroupeLM

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension LocalBackend {
    /// The configuration of a `local` backend (the `backend` object of `llm-v0`).
    ///
    /// ```json
    /// {"kind": "local", "path": "models/SmolLM2-135M-Instruct.Q4_1.gguf", "threads": 2,
    ///  "max_batch": 64, "context_length": 2048, "template": null, "prefill_budget": 256}
    /// ```
    /// Every field is optional; without `path` the default model is used (`scripts/fetch-model`).
    public struct Config: Sendable, Decodable, Equatable {
        /// A `.gguf` file or a Hugging Face directory; nil: the cached default model.
        public var path: String?
        /// A PEFT LoRA adapter directory (`adapter_config.json`, `adapter_model.safetensors`, as
        /// `agent sft` and `agent dpo` save them) applied to every request; nil: the base model.
        public var adapter: String?
        /// Cores the engine computes on (the engine's thread included); nil: `TROUPE_THREADS`, else
        /// every online core.
        public var threads: Int?
        /// The most sequences decoded together; more requests wait for a place.
        public var maxBatch: Int
        /// The window a request must fit (prompt plus `max_tokens`); nil: the model's own context.
        public var contextLength: Int?
        /// A chat template family (`chatml`, `smollm2`, `llama3`) instead of the model's own.
        public var template: String?
        /// The most prompt tokens one step feeds besides the running decodes: how long a newly
        /// arrived prompt may hold up the others (larger admits prompts faster, smaller keeps
        /// running sessions' tokens flowing more evenly).
        public var prefillBudget: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case path, adapter, threads, template
            case maxBatch = "max_batch"
            case contextLength = "context_length"
            case prefillBudget = "prefill_budget"
        }

        public init(
            path: String? = nil, adapter: String? = nil, threads: Int? = nil, maxBatch: Int = 64,
            contextLength: Int? = nil,
            template: String? = nil, prefillBudget: Int = 256
        ) {
            self.path = path
            self.adapter = adapter
            self.threads = threads
            self.maxBatch = maxBatch
            self.contextLength = contextLength
            self.template = template
            self.prefillBudget = prefillBudget
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "backend")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decodeIfPresent(String.self, forKey: .path)
            adapter = try c.decodeIfPresent(String.self, forKey: .adapter)
            threads = try c.decodeIfPresent(Int.self, forKey: .threads)
            maxBatch = try c.decodeIfPresent(Int.self, forKey: .maxBatch) ?? 64
            contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength)
            template = try c.decodeIfPresent(String.self, forKey: .template)
            prefillBudget = try c.decodeIfPresent(Int.self, forKey: .prefillBudget) ?? 256
            if path?.isEmpty == true {
                throw EnvError.badConfig("`path` must not be empty (leave it out for the default model)")
            }
            if adapter?.isEmpty == true {
                throw EnvError.badConfig("`adapter` must not be empty (leave it out for the base model)")
            }
            if let threads, !(1...256).contains(threads) {
                throw EnvError.badConfig("`threads` must be from 1 to 256, got \(threads)")
            }
            guard (1...4096).contains(maxBatch) else {
                throw EnvError.badConfig("`max_batch` must be from 1 to 4096, got \(maxBatch)")
            }
            if let contextLength, contextLength < 2 {
                throw EnvError.badConfig("`context_length` must be at least 2, got \(contextLength)")
            }
            if let template {
                do {
                    _ = try ChatTemplate(name: template)
                } catch {
                    throw EnvError.badConfig("`template` must be chatml, smollm2 or llama3, got \"\(template)\"")
                }
            }
            guard (LocalBackend.prefillChunk...65_536).contains(prefillBudget) else {
                throw EnvError.badConfig(
                    "`prefill_budget` must be from \(LocalBackend.prefillChunk) to 65536 tokens, got \(prefillBudget)")
            }
        }
    }

    /// The model file to load: `path`, or the cached default model (checked against its published
    /// SHA-256). Throws `bad_config` saying to run `scripts/fetch-model` when it is missing.
    static func resolveModel(
        _ config: Config, defaultPath: String = ModelStore.defaultModelPath
    ) throws -> (path: String, sha256: String) {
        let path = config.path ?? defaultPath
        if config.path == nil, access(path, R_OK) != 0 {
            throw EnvError.badConfig("backend `local`: \(LMError.modelMissing(path: path).description)")
        }
        let digest = try ModelFiles.sha256(of: path)
        if config.path == nil, digest != ModelStore.defaultSHA256 {
            throw EnvError.badConfig(
                "backend `local`: the default model at \(path) is damaged or incomplete (SHA-256 \(digest), expected \(ModelStore.defaultSHA256)); run scripts/fetch-model again"
            )
        }
        return (path, digest)
    }

    /// The name answers carry: the model's file name without `.gguf`, or its directory's name.
    static func modelName(_ path: String) -> String {
        var name = path
        while name.hasSuffix("/") && name.count > 1 { name.removeLast() }
        name = String(name.split(separator: "/").last ?? Substring(name))
        return name.hasSuffix(".gguf") ? String(name.dropLast(5)) : name
    }
}

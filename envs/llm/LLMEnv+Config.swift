import Foundation
import TroupeCore

extension LLMEnv {
    /// The configuration of `llm-v0`.
    ///
    /// ```json
    /// {"backend": {"kind": "openai", "base_url": "http://127.0.0.1:8000/v1"}, "model": "smollm2",
    ///  "defaults": {"temperature": 0, "max_tokens": 64},
    ///  "cache": {"mode": "read_write", "path": "runs/llm-cache.log"},
    ///  "prices": {"prompt_per_million": 0.15, "completion_per_million": 0.6}}
    /// ```
    public struct Config: Sendable, Decodable {
        /// The backend object, `kind` included (`"sim"` alone is short for `{"kind": "sim"}`).
        /// Default: the `sim` backend with the generic responder.
        public var backend: JSONObject
        /// The model to ask (required unless the backend has a default, as `sim` does).
        public var model: String?
        /// Sampling fields for actions that leave them out (default temperature 0, 256 tokens).
        public var defaults: SamplingDefaults
        public var prices: Prices
        public var cache: CacheConfig

        enum CodingKeys: String, CodingKey, CaseIterable {
            case backend, model, defaults, prices, cache
        }

        public init(
            backend: JSONObject = ["kind": "sim"], model: String? = nil,
            defaults: SamplingDefaults = SamplingDefaults(),
            prices: Prices = Prices(), cache: CacheConfig = CacheConfig()
        ) {
            self.backend = backend
            self.model = model
            self.defaults = defaults
            self.prices = prices
            self.cache = cache
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decodeIfPresent(JSONValue.self, forKey: .backend) {
            case nil: backend = ["kind": "sim"]
            case .string(let kind)?: backend = ["kind": .string(kind)]
            case .object(let members)?: backend = members
            case let other?:
                throw EnvError.badConfig(
                    "`backend` must be an object with `kind`, or a kind name; got \(other.typeName)")
            }
            guard backend["kind"]?.stringValue != nil else {
                throw EnvError.badConfig("`backend.kind` is required: \"openai\" or \"sim\"")
            }
            model = try c.decodeIfPresent(String.self, forKey: .model)
            if model?.isEmpty == true { throw EnvError.badConfig("`model` must not be empty") }
            defaults = try c.decodeIfPresent(SamplingDefaults.self, forKey: .defaults) ?? SamplingDefaults()
            prices = try c.decodeIfPresent(Prices.self, forKey: .prices) ?? Prices()
            cache = try c.decodeIfPresent(CacheConfig.self, forKey: .cache) ?? CacheConfig()
        }
    }

    /// The JSON Schema of the configuration, for `envd list` and `/schema`.
    static let configSchema: JSONValue = [
        "type": "object",
        "properties": [
            "backend": [
                "description":
                    "the backend: {\"kind\": \"openai\", \"base_url\": ...} or {\"kind\": \"sim\", \"family\": ...}; default sim",
                "oneOf": [["type": "string"], ["type": "object", "required": ["kind"]]],
            ],
            "model": ["type": "string", "description": "the model to ask; required for openai"],
            "defaults": [
                "type": "object",
                "description":
                    "sampling fields for actions that omit them: temperature (default 0), max_tokens (256), top_p, stop, seed, presence_penalty, frequency_penalty, extra",
            ],
            "prices": [
                "type": "object",
                "properties": [
                    "prompt_per_million": ["type": "number", "minimum": 0],
                    "completion_per_million": ["type": "number", "minimum": 0],
                ],
            ],
            "cache": [
                "type": "object",
                "properties": [
                    "mode": ["enum": ["off", "read_write", "replay"]],
                    "path": ["type": "string"],
                    "namespace": ["type": "string"],
                ],
            ],
        ],
    ]
}

/// Where and how `llm-v0` caches responses.
///
/// - `off` (default): every request goes to the backend.
/// - `read_write`: answers come from the cache when it has them; new answers are appended.
/// - `replay`: answers come only from the cache and a miss is the `cache_miss` error; the backend
///   is never created, so a recorded run repeats bit for bit without a network (or an API key).
///
/// A key is the canonical JSON of the backend's identity, `namespace`, the full request (model,
/// messages or prompt, every sampling field, `extra`), and the sample identity (see `LLMEnv`).
public struct CacheConfig: Sendable, Decodable, Equatable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case off
        case readWrite = "read_write"
        case replay
    }

    public var mode: Mode
    /// The log file (see `ResponseStore`); relative paths are resolved against the working
    /// directory of the process. Required unless `mode` is `off`.
    public var path: String?
    /// Separates caches of runs that must not share answers although their requests are equal.
    public var namespace: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mode, path, namespace
    }

    public init(mode: Mode = .off, path: String? = nil, namespace: String = "") {
        self.mode = mode
        self.path = path
        self.namespace = namespace
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "cache")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let modeName = try c.decodeIfPresent(String.self, forKey: .mode) ?? "off"
        guard let mode = Mode(rawValue: modeName) else {
            throw EnvError.badConfig("`cache.mode` must be off, read_write or replay; got \"\(modeName)\"")
        }
        self.mode = mode
        path = try c.decodeIfPresent(String.self, forKey: .path)
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace) ?? ""
        if mode != .off, path?.isEmpty ?? true {
            throw EnvError.badConfig("`cache.path` is required when `cache.mode` is \(modeName)")
        }
    }

    /// `path` made absolute, so that every spelling of one file shares one store.
    var absolutePath: String? {
        guard let path else { return nil }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (absolute as NSString).standardizingPath
    }
}

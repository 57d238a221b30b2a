import TroupeCore

extension ToolsEnvironment {
    /// The configuration of `tools-v0`, validated when decoded. Every field is optional.
    public struct Config: Codable, Sendable {
        /// Where calls go.
        public enum Backend: String, Codable, Sendable {
            /// The simulated APIs: offline, deterministic per (seed, arguments). The default.
            case sim
            /// Real RapidAPI-style endpoints over HTTP (see `HTTPToolBackend.Config`), with the
            /// record/replay cache.
            case http
        }

        public var backend: Backend = .sim
        /// Which APIs an episode offers besides its gold ones (default: the gold calls' tools).
        public var functions: ToolsEpisodeFunctions.Scope = .tool
        /// One fixed world for every episode; by default each episode draws its own from its seed.
        public var worldSeed: UInt64?
        /// Observations longer than this many characters are cut and end in `...` (ToolBench
        /// cuts at 1024 in its scripts and 2048 in its server; default 2048).
        public var maxObservationLength = 2048
        /// Calls allowed per episode; later calls get `Rate limit per minute error...` (status 10).
        public var callsPerEpisode: Int?
        /// Calls allowed per API per episode; later calls get `Too many requests error...` (status 9).
        public var callsPerAPI: Int?
        /// The chance that a simulated call answers `API not working error...` (status 6), drawn
        /// from the world seed and the call's position, so that runs stay reproducible.
        public var failureRate = 0.0
        /// How arguments are judged for the reward and for STE's metric.
        public var argumentRule: STEMetric.ArgumentRule = .ast
        /// A ToolBench-format tool directory (`<Category>/<tool>.json`) instead of the built-in
        /// catalog; its APIs can be called through the `http` backend (the simulator knows only
        /// the built-in ones). Episodes then need `apis` in the reset options.
        public var catalogDir: String?
        /// The HTTP backend's settings; required when `backend` is `http`.
        public var http: HTTPToolBackend.Config?

        enum CodingKeys: String, CodingKey {
            case backend, functions, http
            case worldSeed = "world_seed"
            case maxObservationLength = "max_observation_length"
            case callsPerEpisode = "calls_per_episode"
            case callsPerAPI = "calls_per_api"
            case failureRate = "failure_rate"
            case argumentRule = "argument_rule"
            case catalogDir = "catalog_dir"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            backend = try c.decodeIfPresent(Backend.self, forKey: .backend) ?? .sim
            functions = try c.decodeIfPresent(ToolsEpisodeFunctions.Scope.self, forKey: .functions) ?? .tool
            worldSeed = try c.decodeIfPresent(UInt64.self, forKey: .worldSeed)
            maxObservationLength = try c.decodeIfPresent(Int.self, forKey: .maxObservationLength) ?? 2048
            callsPerEpisode = try c.decodeIfPresent(Int.self, forKey: .callsPerEpisode)
            callsPerAPI = try c.decodeIfPresent(Int.self, forKey: .callsPerAPI)
            failureRate = try c.decodeIfPresent(Double.self, forKey: .failureRate) ?? 0
            argumentRule = try c.decodeIfPresent(STEMetric.ArgumentRule.self, forKey: .argumentRule) ?? .ast
            catalogDir = try c.decodeIfPresent(String.self, forKey: .catalogDir)
            http = try c.decodeIfPresent(HTTPToolBackend.Config.self, forKey: .http)
            guard maxObservationLength >= 64 else {
                throw EnvError.badConfig("`max_observation_length` must be at least 64, got \(maxObservationLength)")
            }
            for (name, value) in [("calls_per_episode", callsPerEpisode), ("calls_per_api", callsPerAPI)] {
                if let value, value < 1 {
                    throw EnvError.badConfig("`\(name)` must be a positive integer, got \(value)")
                }
            }
            guard (0..<1).contains(failureRate) else {
                throw EnvError.badConfig("`failure_rate` must be in [0, 1), got \(failureRate)")
            }
            if backend == .http, http == nil {
                throw EnvError.badConfig(
                    "`backend: http` needs an `http` object with at least `allowed_hosts` (see docs/envs/tools.md)")
            }
        }
    }

    /// The JSON Schema of `Config`, for the spec.
    static let configSchema: JSONValue = [
        "type": "object",
        "properties": [
            "backend": ["type": "string", "enum": ["sim", "http"], "default": "sim"],
            "functions": ["type": "string", "enum": ["tool", "category", "all"], "default": "tool"],
            "world_seed": ["type": "integer", "minimum": 0],
            "max_observation_length": ["type": "integer", "minimum": 64, "default": 2048],
            "calls_per_episode": ["type": "integer", "minimum": 1],
            "calls_per_api": ["type": "integer", "minimum": 1],
            "failure_rate": ["type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0],
            "argument_rule": ["type": "string", "enum": ["ast", "string_match"], "default": "ast"],
            "catalog_dir": ["type": "string"],
            "http": [
                "type": "object",
                "properties": [
                    "allowed_hosts": ["type": "array", "items": ["type": "string"]],
                    "key_env": ["type": "string", "default": "RAPIDAPI_KEY"],
                    "base_url": ["type": "string"],
                    "mode": ["type": "string", "enum": ["live", "record", "replay"], "default": "record"],
                    "cache_dir": ["type": "string"],
                    "timeout_seconds": ["type": "number", "default": 15],
                ],
                "required": ["allowed_hosts"],
            ],
        ],
    ]
}

import TroupeCore

extension MatryoshkaEnv {
    /// The configuration of `matryoshka-alfworld-v0`. Every field is optional.
    ///
    /// ```json
    /// {"alfworld": {"split": "eval_out"},
    ///  "black_box": {"backend": {"kind": "sim", "family": "alfworld", "competence": 0.8}},
    ///  "max_tries": 1, "feedback_observations": 3}
    /// ```
    public struct Config: Decodable, Sendable, Equatable {
        /// The game world: an `alfworld-v0` configuration (`split`, `game`, `task_types`,
        /// `grammar`, `max_episode_steps`, …). `expert` is not allowed: the environment sets it.
        public var alfworld: JSONObject
        /// The black box: an `llm-v0` configuration (`backend`, `model`, `defaults`, `cache`, …).
        public var blackBox: JSONObject
        /// Tries per episode: after a failed try the controller may send revised guidance and
        /// the game starts again (Matryoshka's closed loop; 1, as for data collection).
        public var maxTries: Int
        /// How many of the last commands, with what they gave, the feedback quotes.
        public var feedbackObservations: Int
        /// Append the admissible commands to every observation the black box sees.
        public var showAdmissible: Bool
        /// Show the black box only its last this many turns (nil: the whole history).
        public var historyTurns: Int?
        /// Tokens the black box may write per command.
        public var maxTokens: Int
        /// End a try when the black box sends the same command with the same result this many
        /// times in a row (it is stuck; 0: never, play to the step limit).
        public var stopOnRepeat: Int
        /// Put the planner's shortest plan from the start (ALFWorld's `extra.walkthrough`) in
        /// `reset`'s info: for warm-up data and oracle baselines, never shown to the black box.
        public var walkthrough: Bool

        /// The black box by default: the `sim` executor at competence 0.8.
        public static let defaultBlackBox: JSONObject = [
            "backend": ["kind": "sim", "family": "alfworld", "competence": 0.8]
        ]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case alfworld, walkthrough
            case blackBox = "black_box"
            case maxTries = "max_tries"
            case feedbackObservations = "feedback_observations"
            case showAdmissible = "show_admissible"
            case historyTurns = "history_turns"
            case maxTokens = "max_tokens"
            case stopOnRepeat = "stop_on_repeat"
        }

        public init(
            alfworld: JSONObject = [:], blackBox: JSONObject = Config.defaultBlackBox, maxTries: Int = 1,
            feedbackObservations: Int = 3, showAdmissible: Bool = false, historyTurns: Int? = nil, maxTokens: Int = 32,
            stopOnRepeat: Int = 3, walkthrough: Bool = false
        ) {
            self.alfworld = alfworld
            self.blackBox = blackBox
            self.maxTries = maxTries
            self.feedbackObservations = feedbackObservations
            self.showAdmissible = showAdmissible
            self.historyTurns = historyTurns
            self.maxTokens = maxTokens
            self.stopOnRepeat = stopOnRepeat
            self.walkthrough = walkthrough
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Config()
            alfworld = try Config.object(c, .alfworld) ?? defaults.alfworld
            blackBox = try Config.object(c, .blackBox) ?? defaults.blackBox
            maxTries = try c.decodeIfPresent(Int.self, forKey: .maxTries) ?? defaults.maxTries
            feedbackObservations =
                try c.decodeIfPresent(Int.self, forKey: .feedbackObservations) ?? defaults.feedbackObservations
            showAdmissible = try c.decodeIfPresent(Bool.self, forKey: .showAdmissible) ?? defaults.showAdmissible
            historyTurns = try c.decodeIfPresent(Int.self, forKey: .historyTurns)
            maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? defaults.maxTokens
            stopOnRepeat = try c.decodeIfPresent(Int.self, forKey: .stopOnRepeat) ?? defaults.stopOnRepeat
            walkthrough = try c.decodeIfPresent(Bool.self, forKey: .walkthrough) ?? defaults.walkthrough
            guard (1...32).contains(maxTries) else { throw EnvError.badConfig("`max_tries` must be from 1 to 32") }
            guard (0...50).contains(feedbackObservations) else {
                throw EnvError.badConfig("`feedback_observations` must be from 0 to 50")
            }
            if let historyTurns, historyTurns < 1 {
                throw EnvError.badConfig("`history_turns` must be at least 1 (leave it out for the whole history)")
            }
            guard (1...4096).contains(maxTokens) else {
                throw EnvError.badConfig("`max_tokens` must be from 1 to 4096")
            }
            guard stopOnRepeat >= 0 else { throw EnvError.badConfig("`stop_on_repeat` must not be negative") }
            if alfworld["expert"] != nil {
                throw EnvError.badConfig(
                    "`alfworld.expert` is set by the environment; use `walkthrough: true` for the planner's plan")
            }
        }

        private static func object(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> JSONObject? {
            guard let value = try c.decodeIfPresent(JSONValue.self, forKey: key), !value.isNull else { return nil }
            guard let members = value.objectValue else {
                throw EnvError.badConfig("`\(key.rawValue)` must be a JSON object, got \(value.typeName)")
            }
            return members
        }
    }

    /// The JSON Schema of the configuration (the registry rejects fields not listed here).
    static let configSchema: JSONValue = [
        "type": "object",
        "properties": [
            "alfworld": [
                "type": "object",
                "description":
                    "the alfworld-v0 configuration of the game world (split, game, task_types, grammar, ...)",
            ],
            "black_box": [
                "type": "object",
                "description":
                    "the llm-v0 configuration of the black box; default {\"backend\": {\"kind\": \"sim\", \"family\": \"alfworld\", \"competence\": 0.8}}",
            ],
            "max_tries": ["type": "integer", "minimum": 1, "maximum": 32, "default": 1],
            "feedback_observations": ["type": "integer", "minimum": 0, "maximum": 50, "default": 3],
            "show_admissible": ["type": "boolean", "default": false],
            "history_turns": ["type": "integer", "minimum": 1],
            "max_tokens": ["type": "integer", "minimum": 1, "maximum": 4096, "default": 32],
            "stop_on_repeat": ["type": "integer", "minimum": 0, "default": 3],
            "walkthrough": ["type": "boolean", "default": false],
        ],
    ]
}

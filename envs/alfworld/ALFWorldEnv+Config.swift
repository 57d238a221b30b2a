import TroupeCore

/// Which expert fills `info["extra.expert_plan"]` (ALFWorld's `env.expert_type`).
public enum ExpertKind: String, Codable, Sendable, CaseIterable {
    /// The partially observable handcoded expert (ALFWorld's default): its next command.
    case handcoded
    /// The planner on the full state: the remaining shortest plan.
    case planner
    /// No expert: `extra.expert_plan` is absent.
    case none
}

extension ALFWorldEnv {
    /// The configuration of `alfworld-v0`. Every field is optional.
    public struct Config: Codable, Sendable, Equatable {
        /// `old` (default: `put X in/on Y`, `You arrive at loc N. `) or `new` (`move X to Y`, `help`).
        public var grammar: Grammar
        /// The split games are drawn from when no game is named: `train` (default), `eval_in`, `eval_out`.
        public var split: Split
        /// Always play this game of the split (0-based index).
        public var game: Int?
        /// Always play this explicit game (see `GameDescription`).
        public var gameDescription: GameDescription?
        /// Draw only games of these task types (ALFWorld's `env.task_types`, by name).
        public var taskTypes: [TaskType]?
        /// The expert behind `extra.expert_plan`: `handcoded` (default), `planner` or `none`.
        public var expert: ExpertKind

        enum CodingKeys: String, CodingKey {
            case grammar, split, game, expert
            case gameDescription = "game_description"
            case taskTypes = "task_types"
        }

        public init(
            grammar: Grammar = .old, split: Split = .train, game: Int? = nil, gameDescription: GameDescription? = nil,
            taskTypes: [TaskType]? = nil, expert: ExpertKind = .handcoded
        ) {
            self.grammar = grammar
            self.split = split
            self.game = game
            self.gameDescription = gameDescription
            self.taskTypes = taskTypes
            self.expert = expert
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            grammar = try c.decodeIfPresent(Grammar.self, forKey: .grammar) ?? .old
            split = try c.decodeIfPresent(Split.self, forKey: .split) ?? .train
            game = try c.decodeIfPresent(Int.self, forKey: .game)
            gameDescription = try c.decodeIfPresent(GameDescription.self, forKey: .gameDescription)
            taskTypes = try c.decodeIfPresent([TaskType].self, forKey: .taskTypes)
            expert = try c.decodeIfPresent(ExpertKind.self, forKey: .expert) ?? .handcoded
            if let game, !(0..<split.count).contains(game) {
                throw EnvError.badConfig(
                    "`game` must be in 0..<\(split.count) for split \(split.rawValue), got \(game)")
            }
            if game != nil && gameDescription != nil {
                throw EnvError.badConfig("give either `game` or `game_description`, not both")
            }
            if let taskTypes {
                guard !taskTypes.isEmpty else {
                    throw EnvError.badConfig("`task_types` must name at least one task type")
                }
                if game != nil || gameDescription != nil {
                    throw EnvError.badConfig(
                        "`task_types` filters drawn games; it cannot go with `game` or `game_description`")
                }
            }
        }

        /// The games of `split` a reset without a named game draws from.
        func candidates(in split: Split) -> [Int] {
            guard let taskTypes else { return Array(0..<split.count) }
            return Split.indices(split, of: Set(taskTypes))
        }

        /// The JSON Schema of the configuration (the registry rejects fields not listed here).
        static let schema: JSONValue = [
            "type": "object",
            "properties": [
                "grammar": ["enum": ["old", "new"], "default": "old"],
                "split": ["enum": ["train", "eval_in", "eval_out"], "default": "train"],
                "game": ["type": "integer", "minimum": 0, "description": "index of the game in the split"],
                "game_description": [
                    "type": "object", "description": "an explicit game; see docs/envs/alfworld.md",
                    "required": ["task", "receptacles", "objects"],
                ],
                "task_types": [
                    "type": "array", "minItems": 1,
                    "items": ["enum": .array(TaskType.allCases.map { .string($0.rawValue) })],
                ],
                "expert": ["enum": ["handcoded", "planner", "none"], "default": "handcoded"],
            ],
        ]
    }
}

extension Split {
    /// The indices of each split's games per task type, computed once.
    private static let byType: [Split: [TaskType: [Int]]] = Dictionary(
        uniqueKeysWithValues: Split.allCases.map { split in
            (split, Dictionary(grouping: 0..<split.count) { split.taskType(of: $0) })
        })

    /// The indices of the games of `split` whose task type is in `types`, ascending.
    static func indices(_ split: Split, of types: Set<TaskType>) -> [Int] {
        types.flatMap { byType[split]![$0] ?? [] }.sorted()
    }
}

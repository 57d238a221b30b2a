import TroupeCore

/// `alfworld-v0`: ALFWorld's text household world (spec `../shared/specs/alfworld.md`), rebuilt
/// natively with the same rules and the same text to the character, on games generated from
/// seeds, in fixed splits, or given explicitly as JSON.
///
/// Actions are command lines (`go to cabinet 1`); observations are exactly what ALFWorld prints.
/// `info` carries what ALFWorld's `infos` do: `admissible_commands` (sorted), `won`,
/// `extra.gamefile` (a path in ALFWorld's folder format, so prompt selection by prefix works),
/// `extra.expert_plan` (the expert's next command, or the planner's remaining plan), and
/// `task_type`. Reward is 1 on the winning step, which terminates the episode; the 50-step limit
/// is the registry's `TimeLimit` (`truncated`), as in ALFWorld.
///
/// One session plays many games: `reset` options may name another game. Snapshots hold the game,
/// the world state, the expert's memory and the random stream.
///
/// It runs inline (`InlineEnvironment`): a step is tens of microseconds of text processing, so the
/// server runs it on the connection's event loop with no task.
public actor ALFWorldEnv: InlineEnvironment {
    public static let spec = EnvSpec(
        id: "alfworld-v0",
        summary:
            "ALFWorld's text household world (six task types, old or new grammar), on procedurally generated games in fixed train/eval splits or on explicit game JSON.",
        observation: .text("ALFWorld's text: the intro with the task after reset, then each command's feedback"),
        action: .text("a command line such as `go to countertop 1`; anything not admissible gives `Nothing happens.`"),
        configSchema: Config.schema,
        capabilities: [.snapshot],
        maxEpisodeSteps: 50,
        rewardRange: 0...1)

    public static let registration = EnvRegistration.decoding(
        Config.self, spec: spec,
        sampleAction: { _, info, rng in sampleAction(info: info, rng: &rng) },
        factory: { config, context in
            try ALFWorldEnv(config: config, seed: context.seed, executor: context.executor)
        })

    public nonisolated var spec: EnvSpec { ALFWorldEnv.spec }
    let isolation: InlineIsolation
    public nonisolated var inlineIsolation: InlineIsolation? { isolation }
    public nonisolated var unownedExecutor: UnownedSerialExecutor { isolation.executor }

    let config: Config
    var seeding: EpisodeSeeding
    /// The game of `config.gameDescription`, built once at make.
    let fixedGame: Game?
    var episode: Episode?

    /// - Parameter executor: where it runs (see `InlineIsolation`); nil in process.
    public init(config: Config, seed: UInt64, executor: (any SerialExecutor)? = nil) throws {
        isolation = InlineIsolation(executor: executor)
        self.config = config
        seeding = EpisodeSeeding(sessionSeed: seed)
        if let description = config.gameDescription {
            do {
                fixedGame = try Game.make(description)
            } catch {
                throw EnvError.badConfig(error.under("game_description").description)
            }
        } else {
            fixedGame = nil
        }
    }

    public func resetNow(seed: UInt64?, options: JSONValue) throws -> ResetResult {
        seeding.reset(seed: seed)
        let choice = try chooseGame(options: ResetOptions.parse(options))
        let episode = Episode(
            game: choice.game, reference: choice.reference, config: config, rng: seeding.rng.derived("expert"))
        self.episode = episode
        return ResetResult(observation: .string(episode.game.intro), info: episode.info())
    }

    public func stepNow(_ action: JSONValue) throws -> StepResult {
        // Moved out and back so that the episode is mutated in place, never copied.
        guard var current = episode.take() else { throw EnvError.resetNeeded }
        let feedback = current.step(action.stringValue ?? "")
        let result = StepResult(
            observation: .string(feedback), reward: current.won ? 1 : 0, terminated: current.won, info: current.info())
        episode = consume current
        return result
    }

    /// Where the game of an episode came from, so that snapshots can name it instead of copying it.
    enum GameReference: Equatable {
        case split(Split, Int)
        case description(GameDescription)
    }

    /// Picks the episode's game: reset options first, then the configuration, then a game of the
    /// split drawn from the episode's random stream.
    private func chooseGame(options: ResetOptions) throws -> (game: Game, reference: GameReference) {
        if let description = options.gameDescription {
            do {
                return (try Game.make(description), .description(description))
            } catch {
                throw EnvError.badOptions(error.under("game_description").description)
            }
        }
        let split = options.split ?? config.split
        if let index = options.game ?? (options.split == nil ? config.game : nil) {
            guard (0..<split.count).contains(index) else {
                throw EnvError.badOptions(
                    "`game` must be in 0..<\(split.count) for split \(split.rawValue), got \(index)")
            }
            return (try build(split, index), .split(split, index))
        }
        if options.split == nil, let fixedGame, let description = config.gameDescription {
            return (fixedGame, .description(description))
        }
        let candidates = config.candidates(in: split)
        guard !candidates.isEmpty else {
            throw EnvError.badOptions("split \(split.rawValue) has no game of the configured `task_types`")
        }
        let index = candidates[seeding.rng.int(in: 0..<candidates.count)]
        return (try build(split, index), .split(split, index))
    }

    private func build(_ split: Split, _ index: Int) throws -> Game {
        if let episode, episode.reference == .split(split, index) { return episode.game }
        do {
            return try split.game(index)
        } catch {
            throw EnvError.failed(
                code: .internal,
                message: "game \(index) of \(split.rawValue) failed to build (\(error)); please report it")
        }
    }

    /// The sampler of the registration: an admissible command nine times in ten, otherwise a
    /// command the world rejects (so checks and benchmarks also exercise `Nothing happens.`).
    static func sampleAction(info: JSONObject, rng: inout SeededRNG) -> JSONValue {
        if let commands = info["admissible_commands"]?.arrayValue, !commands.isEmpty, !rng.chance(0.1) {
            return rng.element(of: commands)!
        }
        return .string(rng.element(of: ["think: where could it be?", "look around", "go to the moon", ""])!)
    }
}

/// The reset options of `alfworld-v0`: `game` (an index), `split`, `game_description` (JSON).
struct ResetOptions {
    var game: Int?
    var split: Split?
    var gameDescription: GameDescription?

    static func parse(_ options: JSONValue) throws -> ResetOptions {
        guard !options.isNull else { return ResetOptions() }
        guard let members = options.objectValue else {
            throw EnvError.badOptions("the options must be a JSON object or null, got \(options.typeName)")
        }
        var result = ResetOptions()
        for (key, value) in members {
            switch key {
            case "game":
                guard let index = value.intValue else { throw EnvError.badOptions("`game` must be an integer index") }
                result.game = Int(index)
            case "split":
                guard let name = value.stringValue, let split = Split(rawValue: name) else {
                    throw EnvError.badOptions("`split` must be one of train, eval_in, eval_out")
                }
                result.split = split
            case "game_description":
                do {
                    result.gameDescription = try GameDescription.decode(value)
                } catch {
                    throw EnvError.badOptions(error.under("game_description").description)
                }
            default:
                throw EnvError.badOptions("unknown option `\(key)`; the options are game, split, game_description")
            }
        }
        if result.game != nil && result.gameDescription != nil {
            throw EnvError.badOptions("give either `game` or `game_description`, not both")
        }
        return result
    }
}

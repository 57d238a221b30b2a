import ALFWorldEnv
import LLMEnv
import TroupeCore

/// `matryoshka-alfworld-v0`: Matryoshka's composite environment on ALFWorld. The policy is the
/// white-box controller; its action is guidance; the environment is the black-box LLM acting in
/// the game.
///
/// - `reset` plays an ALFWorld game's start and shows the controller the task as ALFWorld prints
///   it (the intro, banner included).
/// - `step(guidance)` is one try: the game starts from its beginning, and the black box (an
///   `llm-v0` session) acts in it one command per turn, reading the task, the guidance and the
///   history (`BlackBoxPrompt`), until it wins, reaches the game's step limit (50) or gets stuck.
///   The observation is the feedback (`TryOutcome.feedback`): won or not, the plan step it got to,
///   its last commands and observations. Reward 1 for a win.
/// - Closed loop: after a failed try the controller may send revised guidance, up to `max_tries`
///   tries (default 1, as Matryoshka collects data). The episode terminates on a win or after the
///   last try; there is no other step limit.
///
/// The two worlds are ordinary sessions of `alfworld-v0` and `llm-v0` made in process through
/// the registry (their wrappers included), so the black box's backend is shared with every other
/// session of the server through `SharedResources`, and its cache and accounting work as usual.
/// Snapshots hold the game's starting state, the try count and the black box's random stream.
public actor MatryoshkaEnv: Environment {
    public static let spec = EnvSpec(
        id: "matryoshka-alfworld-v0",
        summary:
            "Matryoshka on ALFWorld: the action is guidance (a plan) for a black-box LLM, which then plays the game; the observation is the outcome and feedback, reward 1 for a win.",
        observation: .text("after reset, the task as ALFWorld prints it; after a step, the try's outcome and feedback"),
        action: .text(
            "guidance: `# General Plan: ...` then `# [Step k] ...` lines (Matryoshka's format), or free text"),
        configSchema: configSchema,
        capabilities: [.snapshot],
        maxEpisodeSteps: nil,
        rewardRange: 0...1)

    /// The `sim` backend with the `alfworld` family (the ALFWorld executor) among its responders.
    public static let simBackend = SimBackend.kind(responders: SimResponderKind.builtin + [ALFWorldExecutor.kind])

    /// The registration with `openai` and that `sim` as the black box's backends. The catalog
    /// uses `registration(llm:)` with the `llm-v0` it serves, so that every backend it offers
    /// (the local engine too) can be the black box.
    public static let registration = registration(
        llm: LLMEnv.registration(backends: LLMBackendKind.builtin.filter { $0.name != "sim" } + [simBackend]))

    /// The registration with the black box made by `llm` (an `llm-v0` registration that knows
    /// the backends to offer: the catalog passes the one it serves).
    public static func registration(llm: EnvRegistration) -> EnvRegistration {
        let worlds = EnvRegistry([ALFWorldEnv.registration, llm])
        return EnvRegistration.decoding(
            Config.self, spec: spec, conformanceConfig: ["alfworld": ["split": "eval_out"]],
            sampleAction: { observation, _, rng in sampleAction(observation: observation, rng: &rng) },
            factory: { config, context in try await MatryoshkaEnv.make(config: config, worlds: worlds, context: context)
            })
    }

    public nonisolated var spec: EnvSpec { MatryoshkaEnv.spec }

    let config: Config
    let alfworld: any Environment
    let blackBox: any Environment
    let grammar: Grammar
    var seeding: EpisodeSeeding
    /// The episode: its intro, the game's state after reset (each try starts from it), the
    /// admissible commands there, and the tries so far.
    var intro = ""
    var start: JSONValue = .null
    var startAdmissible: [String] = []
    var resetInfo: JSONObject = [:]
    var tries = 0

    init(config: Config, alfworld: any Environment, blackBox: any Environment, grammar: Grammar, seed: UInt64) {
        self.config = config
        self.alfworld = alfworld
        self.blackBox = blackBox
        self.grammar = grammar
        seeding = EpisodeSeeding(sessionSeed: seed)
    }

    static func make(config: Config, worlds: EnvRegistry, context: MakeContext) async throws -> MatryoshkaEnv {
        var alfworldConfig = config.alfworld
        alfworldConfig["expert"] = config.walkthrough ? "planner" : "none"
        var seeds = SeededRNG(seed: context.seed, stream: "matryoshka-alfworld-v0/make")
        let alfworld = try await prefixed("alfworld") {
            try await worlds.make(
                "alfworld-v0", config: .object(alfworldConfig),
                context: MakeContext(seed: seeds.next(), shared: context.shared))
        }
        let blackBox = try await prefixed("black_box") {
            try await worlds.make(
                "llm-v0", config: .object(config.blackBox),
                context: MakeContext(seed: seeds.next(), shared: context.shared))
        }
        let grammar = (config.alfworld["grammar"]?.stringValue).flatMap(Grammar.init(rawValue:)) ?? .old
        return MatryoshkaEnv(
            config: config, alfworld: alfworld, blackBox: blackBox, grammar: grammar, seed: context.seed)
    }

    /// Runs `body`, naming `field` in front of a configuration error it throws.
    static func prefixed<T>(_ field: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch EnvError.badConfig(let message) {
            throw EnvError.badConfig("`\(field)`: \(message)")
        }
    }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        seeding.reset(seed: seed)
        let worldSeed = seeding.rng.next()
        let blackBoxSeed = seeding.rng.next()
        let first = try await alfworld.reset(seed: worldSeed, options: options)
        _ = try await blackBox.reset(seed: blackBoxSeed, options: .null)
        intro = first.observation.stringValue ?? ""
        start = try await alfworld.snapshot()
        startAdmissible = first.info["admissible_commands"]?.arrayValue?.compactMap(\.stringValue) ?? []
        tries = 0
        var info: JSONObject = ["max_tries": .number(config.maxTries), "tries": 0]
        for key in ["task_type", "extra.gamefile"] { info[key] = first.info[key] }
        if config.walkthrough { info["extra.walkthrough"] = first.info["extra.expert_plan"] ?? [] }
        resetInfo = info
        return ResetResult(observation: .string(intro), info: info)
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        let text = action.stringValue ?? ""
        let guidance = Guidance.parse(text)
        let outcome = try await play(guidance: text, attempt: tries + 1)
        tries += 1
        var result = outcome
        result.stepReached = StepProgress.position(guidance, turns: outcome.turns)
        var info = resetInfo
        info["tries"] = .number(tries)
        info["won"] = .bool(result.won)
        info["end"] = .string(result.end.rawValue)
        info["black_box_steps"] = .number(result.turns.count)
        info["guidance_steps"] = .number(guidance.steps.count)
        info["step_reached"] = result.stepReached.map { .number($0.complete ? $0.number + 1 : $0.number) } ?? .null
        info["trajectory"] = .array(result.turns.map { [.string($0.command), .string($0.observation)] })
        return StepResult(
            observation: .string(result.feedback(lastCommands: config.feedbackObservations)),
            reward: result.won ? 1 : 0, terminated: result.won || tries >= config.maxTries, info: info)
    }

    /// One try: the game from its start, the black box acting until a win, the step limit, or
    /// a repetition. A failure of the black box other than a full context fails the step, and
    /// leaves the try count unchanged so that the same guidance can be sent again.
    func play(guidance: String, attempt: Int) async throws -> TryOutcome {
        try await alfworld.restore(start)
        if attempt > 1 { _ = try await blackBox.reset(seed: nil, options: .null) }
        var turns: [TryOutcome.Turn] = []
        var admissible = startAdmissible
        while true {
            let messages = BlackBoxPrompt.messages(
                grammar: grammar, intro: intro, guidance: guidance, history: turns.map { ($0.command, $0.observation) },
                window: config.historyTurns, admissible: config.showAdmissible ? admissible : nil)
            let reply: StepResult
            do {
                reply = try await blackBox.step([
                    "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
                    "max_tokens": .number(config.maxTokens),
                ])
            } catch let error as any CodedError where error.code == .contextLengthExceeded {
                return TryOutcome(end: .contextFull, turns: turns, attempt: attempt, maxTries: config.maxTries)
            }
            let command = BlackBoxPrompt.command(from: reply.observation.stringValue ?? "")
            let result = try await alfworld.step(.string(command))
            var observation = BlackBoxPrompt.shownObservation(result.observation.stringValue ?? "")
            if command.hasPrefix("think:") { observation = "OK." }
            turns.append(TryOutcome.Turn(command: command, observation: observation))
            admissible = result.info["admissible_commands"]?.arrayValue?.compactMap(\.stringValue) ?? admissible
            let end: TryOutcome.End? =
                result.terminated ? .won : result.truncated ? .stepLimit : isStuck(turns) ? .stuck : nil
            if let end { return TryOutcome(end: end, turns: turns, attempt: attempt, maxTries: config.maxTries) }
        }
    }

    /// The last `stop_on_repeat` turns are one command with one result.
    func isStuck(_ turns: [TryOutcome.Turn]) -> Bool {
        let n = config.stopOnRepeat
        guard n > 0, turns.count >= n, let last = turns.last else { return false }
        return turns.suffix(n).allSatisfy { $0 == last }
    }

    public func close() async {
        await alfworld.close()
        await blackBox.close()
    }

    /// Random guidance for the checker and benchmarks: none, vague, or a generic plan for the task.
    static func sampleAction(observation: JSONValue, rng: inout SeededRNG) -> JSONValue {
        let goal = observation.stringValue?.components(separatedBy: "Your task is to: ").last ?? "the task"
        let choices = [
            "",
            "Look around carefully and complete the task.",
            "# General Plan: \(goal)\n# [Step 1] Find the object in the likely receptacles, opening closed ones.\n# [Step 2] Take it.\n# [Step 3] Do what the task says with it.",
        ]
        return .string(rng.element(of: choices)!)
    }
}

import TroupeCore

/// `echo-v0`: the smallest real environment. Each episode draws a secret word; every step echoes
/// the action back as the observation, and saying the secret word ends the episode with reward 1.
///
/// It exists to measure the server's own overhead (`envd bench`: a step costs almost nothing) and
/// to exercise the protocol and the conformance checker with a world small enough to reason about.
/// It supports snapshots, and runs inline (`InlineEnvironment`): the server steps it on the
/// connection's event loop with no task.
public actor EchoEnv: InlineEnvironment {
    /// The configuration of `echo-v0`.
    public struct Config: Codable, Sendable {
        /// The words secrets are drawn from (default: ten colours). Must not be empty.
        public var words: [String]

        public init(words: [String] = EchoEnv.defaultWords) { self.words = words }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            words = try c.decodeIfPresent([String].self, forKey: .words) ?? EchoEnv.defaultWords
            guard !words.isEmpty else {
                throw EnvError.badConfig("`words` must hold at least one word")
            }
        }
    }

    public static let defaultWords = [
        "red", "orange", "yellow", "green", "blue", "indigo", "violet", "black", "white", "grey",
    ]

    public static let spec = EnvSpec(
        id: "echo-v0",
        summary:
            "Echoes each action; saying the episode's secret word wins. For overhead benchmarks and protocol tests.",
        observation: .text("the action, echoed; after reset, a prompt naming how many words the secret is drawn from"),
        action: .text("any text; the secret word ends the episode with reward 1"),
        configSchema: [
            "type": "object",
            "properties": ["words": ["type": "array", "items": ["type": "string"], "minItems": 1]],
        ],
        capabilities: [.snapshot],
        maxEpisodeSteps: 100)

    public static let registration = EnvRegistration.decoding(
        Config.self, spec: spec,
        sampleAction: { _, _, rng in .string(rng.element(of: defaultWords)!) },
        factory: { config, context in EchoEnv(config: config, context: context) })

    public nonisolated var spec: EnvSpec { EchoEnv.spec }
    let isolation: InlineIsolation
    public nonisolated var inlineIsolation: InlineIsolation? { isolation }
    public nonisolated var unownedExecutor: UnownedSerialExecutor { isolation.executor }
    private let words: [String]
    private var seeding: EpisodeSeeding
    private var secret = ""
    private var steps = 0

    public init(config: Config, context: MakeContext) {
        isolation = InlineIsolation(context)
        words = config.words
        seeding = EpisodeSeeding(sessionSeed: context.seed)
    }

    public func resetNow(seed: UInt64?, options: JSONValue) throws -> ResetResult {
        seeding.reset(seed: seed)
        secret = seeding.rng.element(of: words)!
        steps = 0
        return ResetResult(
            observation: .string("Guess the secret word; it is one of \(words.count) words."),
            info: ["words": .number(words.count)])
    }

    public func stepNow(_ action: JSONValue) throws -> StepResult {
        let text = action.stringValue ?? ""
        steps += 1
        let won = text == secret
        return StepResult(
            observation: action, reward: won ? 1 : 0, terminated: won, info: ["steps": .number(steps)])
    }

    public func snapshot() async throws -> JSONValue {
        ["rng": try JSONValue(encoding: seeding), "secret": .string(secret), "steps": .number(steps)]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let rng = snapshot["rng"], let secret = snapshot["secret"]?.stringValue,
            let steps = snapshot["steps"]?.intValue
        else { throw EnvError.badSnapshot("expected `rng`, `secret` and `steps` (echo-v0)") }
        do {
            seeding = try rng.decode(EpisodeSeeding.self)
        } catch {
            throw EnvError.badSnapshot("`rng` is not a random stream state: \(error)")
        }
        self.secret = secret
        self.steps = Int(steps)
    }
}

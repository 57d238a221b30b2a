import TroupeCore

/// `reasoning-v0`: reasoning tasks with step-level verifiers, for TriPosT's self-improvement loop
/// and Matryoshka's GSM setting.
///
/// An episode is one task. `reset` gives the question (`Q: …`); each `step` submits an attempt
/// (step by step in TriPosT's format, or a PAL program for word problems); the observation is the
/// verifier's feedback (`Step (1) to step (3) are correct. In step (4) the part "…" is incorrect.
/// This is because ….`). Reward 1 and the end of the episode when the attempt is correct; after
/// `1 + improvement_turns` attempts the episode ends with reward 0.
///
/// `info.task` identifies the task (family, split, seed, params) so that it can be regenerated,
/// which is how snapshots and the action sampler work; a policy under evaluation should not use it.
/// `reset(options: {"index": n})` gives the n-th task of the split, independent of seeds: fixed
/// evaluation sets.
public actor ReasoningEnv: Environment {
    public static let spec = EnvSpec(
        id: "reasoning-v0",
        summary:
            "Multistep arithmetic, word sorting, date understanding, logical deduction and GSM-style word problems; feedback names the first wrong step (TriPosT).",
        observation: .text("the question (`Q: …`) after reset; the verifier's feedback after each attempt"),
        action: .text(
            "an attempt: numbered steps ending in `(Final response) So the answer is …`, or a PAL program",
            maxLength: 100_000),
        configSchema: configSchema, capabilities: [.snapshot], maxEpisodeSteps: 32)

    public static let registration = registration(programRunner: nil)

    /// The registration with a program runner for PAL programs (the integration passes one backed
    /// by `python-v0`); `program_runner: "python3"` in a configuration overrides it.
    public static func registration(programRunner: (any ProgramRunner)?) -> EnvRegistration {
        EnvRegistration.decoding(
            Config.self, spec: spec, sampleAction: sampleAction,
            factory: { config, context in ReasoningEnv(config: config, seed: context.seed, programRunner: programRunner)
            })
    }

    public nonisolated var spec: EnvSpec { ReasoningEnv.spec }
    private let config: Config
    private let programRunner: (any ProgramRunner)?
    private var seeding: EpisodeSeeding
    private var request: TaskRequest?
    private var taskSeed: UInt64 = 0
    private var task: (any ReasoningTask)?
    private var attempts = 0

    public init(config: Config, seed: UInt64, programRunner: (any ProgramRunner)? = nil) {
        self.config = config
        self.programRunner = config.programRunner == "python3" ? Python3SubprocessRunner() : programRunner
        seeding = EpisodeSeeding(sessionSeed: seed)
    }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        seeding.reset(seed: seed)
        let family: ReasoningFamily
        if let index = options["index"] {
            guard let n = index.intValue, n >= 0 else {
                throw EnvError.badOptions("`index` must be a non-negative integer, got \(index)")
            }
            var rng = SeededRNG(seed: UInt64(n), stream: "reasoning-v0/\(config.family)/\(config.split.rawValue)")
            family = rng.element(of: config.families)!
            taskSeed = rng.next()
        } else {
            if let object = options.objectValue, let unknown = object.keys.first {
                throw EnvError.badOptions("unknown option `\(unknown)`; reasoning-v0 accepts `index`")
            }
            family = seeding.rng.element(of: config.families)!
            taskSeed = seeding.rng.next()
        }
        let request = TaskRequest(
            family: family, split: config.split, params: config.params, multipleChoice: config.multipleChoice)
        self.request = request
        task = try ReasoningTasks.make(request, seed: taskSeed)
        attempts = 0
        return ResetResult(observation: .string(task!.question), info: info(done: false))
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        guard let text = action.stringValue else {
            throw EnvError.invalidAction("the action must be a string (the attempt), got \(action.typeName)")
        }
        guard let task else { throw EnvError.resetNeeded }
        attempts += 1
        var info: JSONObject
        let success: Bool
        let feedback: String
        if let words = task as? WordProblemTask,
            config.answerFormat == .program || WordProblemTask.programSource(text) != nil
        {
            guard let source = WordProblemTask.programSource(text) else {
                throw EnvError.invalidAction(
                    "the attempt must be a PAL program defining `solution()` (answer_format is \"program\")")
            }
            guard let programRunner else {
                throw EnvError.invalidAction(
                    "this session runs no programs: answer step by step, or make it with `program_runner: \"python3\"` (unsandboxed, trusted code only) or through python-v0"
                )
            }
            let outcome = await programRunner.run(source, timeout: .milliseconds(Int(config.programTimeout * 1000)))
            (feedback, success) = words.judge(outcome)
            info = ["format": "program", "answer_correct": .bool(success)]
            if case .value(let value) = outcome { info["program_value"] = .double(value) }
        } else {
            let verdict = task.verify(Attempt(parsing: text))
            feedback = config.feedbackStyle.feedback(verdict)
            success = config.success == .verified ? verdict.isCorrect : verdict.answerCorrect
            info = [
                "format": "rationale", "verified": .bool(verdict.isCorrect),
                "answer_correct": .bool(verdict.answerCorrect),
                "error_step": verdict.error.map { .string($0.label) } ?? .null,
                "error_segment": verdict.error.map { .string($0.segment) } ?? .null,
                "error_reason": verdict.error.map { .string($0.reason) } ?? .null,
            ]
        }
        let done = success || attempts > config.improvementTurns
        for (key, value) in self.info(done: done) { info[key] = value }
        return StepResult(observation: .string(feedback), reward: success ? 1 : 0, terminated: done, info: info)
    }

    /// What every reset and step reports: the task's identity, attempts left, and the gold answer
    /// once the episode is over.
    private func info(done: Bool) -> JSONObject {
        guard let task, let request else { return [:] }
        var info: JSONObject = [
            "family": .string(task.family.rawValue), "split": .string(request.split.rawValue),
            "answer_header": .string(task.answerHeader),
            "attempts_left": .number(max(0, config.improvementTurns + 1 - attempts)),
            "task": Self.taskID(request, seed: taskSeed, answerFormat: config.answerFormat),
        ]
        if done { info["gold_answer"] = .string(task.goldAnswer) }
        return info
    }

    static func taskID(_ request: TaskRequest, seed: UInt64, answerFormat: Config.AnswerFormat) -> JSONValue {
        [
            "family": .string(request.family.rawValue), "split": .string(request.split.rawValue),
            "seed": .string(String(seed, radix: 16)), "params": request.params ?? .null,
            "multiple_choice": .bool(request.multipleChoice), "answer_format": .string(answerFormat.rawValue),
        ]
    }

    /// Rebuilds the task named by `info.task` (nil when absent or malformed).
    public static func task(fromInfo info: JSONObject) -> (any ReasoningTask)? {
        guard let id = info["task"], let family = id["family"]?.stringValue.flatMap(ReasoningFamily.init(rawValue:)),
            let split = id["split"]?.stringValue.flatMap(Split.init(rawValue:)),
            let seed = id["seed"]?.stringValue.flatMap({ UInt64($0, radix: 16) })
        else { return nil }
        let params = id["params"].flatMap { $0.isNull ? JSONValue?.none : $0 }
        let request = TaskRequest(
            family: family, split: split, params: params, multipleChoice: id["multiple_choice"]?.boolValue ?? true)
        return try? ReasoningTasks.make(request, seed: seed)
    }

    /// The registration's sampler: the scripted solution of the task in `info`, with an injected
    /// error at a random step half the time (a program with one wrong constant, for PAL).
    @Sendable static func sampleAction(
        _ observation: JSONValue, _ info: JSONObject, _ rng: inout SeededRNG
    ) -> JSONValue {
        guard let task = task(fromInfo: info) else { return "(Final response) So the answer is 0." }
        let wrong = rng.chance(0.5)
        if info["task"]?["answer_format"]?.stringValue == "program", let words = task as? WordProblemTask {
            let program = words.program
            return .string(
                wrong ? program.replacingOccurrences(of: "    result = ", with: "    result = 1 + ") : program)
        }
        guard wrong else { return .string(task.rationaleText) }
        let index = rng.int(in: 0..<task.rationale.count)
        return .string(task.render(task.injectingError(at: index, rng: &rng)))
    }

    public func snapshot() async throws -> JSONValue {
        [
            "rng": try JSONValue(encoding: seeding), "attempts": .number(attempts),
            "task": request.map { Self.taskID($0, seed: taskSeed, answerFormat: config.answerFormat) } ?? .null,
        ]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let rng = snapshot["rng"], let attempts = snapshot["attempts"]?.intValue, let id = snapshot["task"] else {
            throw EnvError.badSnapshot("expected `rng`, `attempts` and `task` (reasoning-v0)")
        }
        do {
            seeding = try rng.decode(EpisodeSeeding.self)
        } catch {
            throw EnvError.badSnapshot("`rng` is not a random stream state: \(error)")
        }
        if id.isNull {
            (request, task) = (nil, nil)
        } else {
            guard let rebuilt = Self.task(fromInfo: ["task": id]),
                let seed = id["seed"]?.stringValue.flatMap({ UInt64($0, radix: 16) })
            else { throw EnvError.badSnapshot("`task` does not name a task of reasoning-v0") }
            task = rebuilt
            taskSeed = seed
            request = TaskRequest(
                family: rebuilt.family, split: Split(rawValue: id["split"]?.stringValue ?? "") ?? .train,
                params: id["params"].flatMap { $0.isNull ? JSONValue?.none : $0 },
                multipleChoice: id["multiple_choice"]?.boolValue ?? true)
        }
        self.attempts = Int(attempts)
    }
}

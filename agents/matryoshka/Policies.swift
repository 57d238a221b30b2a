import ALFWorldEnv
import AgentKit
import MatryoshkaEnv
import TroupeCore
import TroupeLM

/// The Matryoshka controller as a policy on `matryoshka-alfworld-v0`: the first action is a plan
/// for the task; after a failed try (closed loop) the next is a revised plan, written with the
/// plans and feedback so far in the conversation.
public struct ControllerPolicy: Policy {
    public let controller: Controller
    /// 0: greedy (evaluation); 1: Matryoshka's sampling for data collection.
    public let temperature: Double

    public init(controller: Controller, temperature: Double) {
        self.controller = controller
        self.temperature = temperature
    }

    public var name: String { temperature == 0 ? "controller" : "controller@T\(temperature)" }

    public func act(_ episode: EpisodeView) async throws -> JSONValue {
        let messages = ControllerPolicy.messages(episode)
        let seed = seedFor(episode.seed, "controller/\(episode.steps.count)")
        return .string(try await controller.generate(messages, temperature: temperature, seed: seed))
    }

    /// The controller's chat for the episode's next plan.
    static func messages(_ episode: EpisodeView) -> [ChatMessage] {
        let intro = episode.reset.observation.stringValue ?? ""
        let attempts = episode.steps.map { ($0.action.stringValue ?? "", $0.result.observation.stringValue ?? "") }
        return ControllerPrompt.messages(
            intro: intro, taskType: episode.reset.info["task_type"]?.stringValue, attempts: attempts)
    }
}

/// Guidance written by rule (`GuidanceWriter`), for measuring the black box's dependence on
/// guidance and as baselines beside the learned controller: `none`, `vague`, `generic`,
/// `walkthrough` (the planner's plan; needs `walkthrough: true` in the configuration), and
/// `wrong` (the walkthrough of another game of another task type, from `walkthroughs`).
public struct GuidancePolicy: Policy {
    public enum Kind: String, CaseIterable, Sendable {
        case none, vague, generic, walkthrough, wrong
    }

    public let kind: Kind
    /// Every game's (task type, walkthrough), in game order: what `wrong` picks from.
    public let walkthroughs: [(type: String, plan: [String])]

    public init(kind: Kind, walkthroughs: [(type: String, plan: [String])] = []) {
        self.kind = kind
        self.walkthroughs = walkthroughs
    }

    public var name: String { "guidance:\(kind.rawValue)" }

    public func act(_ episode: EpisodeView) async throws -> JSONValue {
        let intro = episode.reset.observation.stringValue ?? ""
        switch kind {
        case .none: return ""
        case .vague: return .string(GuidanceWriter.vague)
        case .generic: return .string(GuidanceWriter.generic(intro: intro))
        case .walkthrough:
            return .string(GuidanceWriter.walkthrough(try GuidancePolicy.walkthrough(episode.reset.info)))
        case .wrong:
            let type = episode.reset.info["task_type"]?.stringValue ?? ""
            let candidates = walkthroughs.filter { $0.type != type && !$0.plan.isEmpty }
            guard !candidates.isEmpty else {
                throw PolicyError.unsupported("guidance:wrong needs the walkthroughs of games of other task types")
            }
            var rng = episode.rng
            return .string(GuidanceWriter.walkthrough(rng.element(of: candidates)!.plan))
        }
    }

    static func walkthrough(_ info: JSONObject) throws -> [String] {
        guard let plan = info["extra.walkthrough"]?.arrayValue?.compactMap(\.stringValue) else {
            throw PolicyError.missingInfo(
                "extra.walkthrough", hint: "make matryoshka-alfworld-v0 with walkthrough: true")
        }
        return plan
    }
}

/// An LLM acting in `alfworld-v0` directly, ReAct-style (one command per turn, the whole history
/// in the prompt), through an `llm-v0` session of any backend: the black box of Matryoshka's
/// environment without a controller. Its prompt is `BlackBoxPrompt`'s with no guidance.
public final class ReActPolicy: Policy, @unchecked Sendable {
    let sessions: SessionPool
    let maxTokens: Int
    let showAdmissible: Bool

    init(sessions: [any EnvSession], maxTokens: Int, showAdmissible: Bool) {
        self.sessions = SessionPool(sessions)
        self.maxTokens = maxTokens
        self.showAdmissible = showAdmissible
    }

    /// A policy asking `count` `llm-v0` sessions of configuration `llm` made on `driver` (one per
    /// episode played at once).
    public static func make(
        driver: any EnvDriver, llm: JSONValue, count: Int, maxTokens: Int = 32, showAdmissible: Bool = false
    ) async throws -> ReActPolicy {
        // A bench asks one session thousands of times: lift llm-v0's default limit of 1000 steps.
        var config = llm.objectValue ?? [:]
        if config["max_episode_steps"] == nil { config["max_episode_steps"] = 1_000_000_000 }
        var sessions: [any EnvSession] = []
        for index in 0..<max(1, count) {
            let session = try await driver.make("llm-v0", config: .object(config), seed: UInt64(index))
            _ = try await session.reset(seed: UInt64(index), options: .null)
            sessions.append(session)
        }
        return ReActPolicy(sessions: sessions, maxTokens: maxTokens, showAdmissible: showAdmissible)
    }

    public var name: String { "react" }

    public func act(_ episode: EpisodeView) async throws -> JSONValue {
        let intro = episode.reset.observation.stringValue ?? ""
        let history = episode.steps.map {
            (
                command: $0.action.stringValue ?? "",
                observation: BlackBoxPrompt.shownObservation($0.result.observation.stringValue ?? "")
            )
        }
        let grammar: Grammar =
            (episode.reset.info["extra.gamefile"]?.stringValue ?? "").hasPrefix("json_2.1.3") ? .new : .old
        let admissible = episode.info["admissible_commands"]?.arrayValue?.compactMap(\.stringValue)
        let messages = BlackBoxPrompt.messages(
            grammar: grammar, intro: intro, guidance: "", history: history, window: nil,
            admissible: showAdmissible ? admissible : nil)
        let session = await sessions.take()
        let reply: StepResult
        do {
            reply = try await session.step([
                "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
                "max_tokens": .number(maxTokens),
            ])
        } catch {
            await sessions.give(session)
            throw error
        }
        await sessions.give(session)
        return .string(BlackBoxPrompt.command(from: reply.observation.stringValue ?? ""))
    }

    public func close() async {
        for session in await sessions.all() { try? await session.close() }
    }
}

/// Sessions handed out one caller at a time.
actor SessionPool {
    private var free: [any EnvSession]
    private let everything: [any EnvSession]
    private var waiting: [CheckedContinuation<any EnvSession, Never>] = []

    init(_ sessions: [any EnvSession]) {
        free = sessions
        everything = sessions
    }

    func take() async -> any EnvSession {
        if let session = free.popLast() { return session }
        return await withCheckedContinuation { waiting.append($0) }
    }

    func give(_ session: any EnvSession) {
        if waiting.isEmpty {
            free.append(session)
        } else {
            waiting.removeFirst().resume(returning: session)
        }
    }

    func all() -> [any EnvSession] { everything }
}

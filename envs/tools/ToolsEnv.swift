import Foundation
import TroupeCore

/// `tools-v0`: ToolBench/RapidAPI-style tool use as an environment.
///
/// An episode is one user query. `reset` picks it (from the evaluation set, or a custom query
/// from the options) and shows the prompt: the query and the offered functions (the gold calls'
/// tools by default), with ToolBench's OpenAI function descriptions in `info.functions`. Each
/// `step` takes one agent turn, as ReAct text or as an OpenAI function call (`ActionParser`),
/// runs its calls against the backend and returns ToolBench's `{"error", "response"}` envelope
/// as the observation, with the status code in `info`. A malformed turn is an observation saying
/// what was wrong, never an error. `Finish` (or `Final Answer:`, or an assistant message without
/// calls) ends the episode; the reward is 1 when the answer was given and every gold call was
/// made correctly (BFCL's checker, or STE's string rule) among the calls that reached an API.
/// `info.ste` reports STE's metric on the episode's first turn.
///
/// With the `sim` backend every episode is a pure function of (configuration, seed, actions);
/// the actor supports snapshots, which include the stateful APIs' state.
public actor ToolsEnvironment: Environment {
    public static let spec = EnvSpec(
        id: "tools-v0",
        summary:
            "ToolBench/RapidAPI-style tool use: 61 simulated APIs in 15 categories (or real ones over HTTP with record/replay), ReAct or OpenAI function-call actions, BFCL/STE scoring.",
        observation: .text(
            "the prompt (query and functions) after reset; then ToolBench's {\"error\", \"response\"} envelope of each call, or a message saying what was wrong with the action"
        ),
        action: .json(
            "ReAct text (\"Thought: …\\nAction: <function>\\nAction Input: {…}\", or \"Final Answer: …\") or an OpenAI function call ({\"name\", \"arguments\"}, {\"tool_calls\": […]}, or an assistant message); finish with the Finish function",
            schema: ["anyOf": [["type": "string"], ["type": "object"], ["type": "array"]]]),
        configSchema: configSchema,
        capabilities: [.snapshot],
        maxEpisodeSteps: 12,
        rewardRange: 0...1)

    public static let registration = EnvRegistration.decoding(
        Config.self, spec: spec, sampleAction: { observation, info, rng in sampleAction(info: info, rng: &rng) },
        factory: { config, context in try await ToolsEnvironment(config: config, context: context) })

    public nonisolated var spec: EnvSpec { ToolsEnvironment.spec }

    let config: Config
    let catalog: ToolCatalog
    let evalSet: EvalSet?
    let http: HTTPToolBackend?
    var seeding: EpisodeSeeding
    var episode = Episode()
    /// The episode's functions: `episode.functionNames` resolved, set by `reset` and `restore`.
    var functions = ToolsEpisodeFunctions([])

    public init(config: Config, context: MakeContext) async throws {
        self.config = config
        if let directory = config.catalogDir {
            catalog = try ToolCatalog.load(directory: URL(fileURLWithPath: directory))
            evalSet = nil
        } else {
            catalog = try ToolCatalog.builtin()
            evalSet = try EvalSet.builtin()
        }
        if config.backend == .http, let settings = config.http {
            http = try await HTTPToolBackend.make(settings, shared: context.shared)
        } else {
            http = nil
        }
        seeding = EpisodeSeeding(sessionSeed: context.seed)
    }

    // MARK: Episode state

    /// Everything an episode holds; snapshots are this plus the random stream.
    struct Episode: Codable, Sendable {
        var queryID: String?
        var query = ""
        var gold: [GoldCall]?
        var functionNames: [String] = []
        var worldSeed: UInt64 = 0
        var state = SimState()
        /// Calls that reached an API (their arguments validated), for the reward: an API's own
        /// refusal (an unknown booking id in a fresh episode) does not make a correct call wrong.
        var made: [CallRecord] = []
        var callCount = 0
        var callsPerAPI: [String: Int] = [:]
        var turns = 0
        var firstTurn: JSONValue?
    }

    struct CallRecord: Codable, Sendable {
        var name: String
        var arguments: JSONValue
    }

    // MARK: Environment

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        seeding.reset(seed: seed)
        let choice = try chooseQuery(options)
        var fresh = Episode()
        fresh.queryID = choice.id
        fresh.query = choice.query
        fresh.gold = choice.gold
        fresh.functionNames = choice.functions
        fresh.worldSeed = config.worldSeed ?? (seeding.rng.next() >> 1)
        episode = fresh
        functions = ToolsEpisodeFunctions(fresh.functionNames.compactMap(catalog.function(named:)))
        let offered = functions
        return ResetResult(
            observation: .string(prompt(query: choice.query, functions: offered)),
            info: [
                "query": .string(choice.query), "query_id": choice.id.map { .string($0) } ?? .null,
                "functions": .array(offered.openAI),
            ])
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        let (parsed, format) = ActionParser.parse(action)
        let resolved = functions.resolve(parsed)
        episode.turns += 1
        var info: JSONObject = [
            "format": .string(format.rawValue), "query_id": episode.queryID.map { .string($0) } ?? .null,
        ]
        if episode.turns == 1, let gold = episode.gold {
            let docs = gold.compactMap { catalog.function(named: $0.function).map { FunctionDoc(openAI: $0.openAI) } }
            let outcome = STEMetric.score(resolved, gold: gold, docs: docs, rule: config.argumentRule)
            episode.firstTurn = outcome.json
            info["ste"] = outcome.json  // on the first step too: an episode may never finish
        }
        switch resolved {
        case .malformed(let message):
            info["status"] = .number(ToolStatus.inputError.rawValue)
            info["status_name"] = .string(ToolStatus.inputError.name)
            return StepResult(observation: .string(cut(message)), info: info)
        case .finish(let kind, let answer):
            return finish(kind, answer: answer, info: info)
        case .calls(let calls):
            var envelopes: [JSONValue] = []
            var results: [JSONValue] = []
            var records: [JSONValue] = []
            var firstStatus: ToolStatus?
            for call in calls {
                let response = await run(call)
                firstStatus = firstStatus ?? response.status
                let content = cut(response.envelope.serialized())
                envelopes.append(response.envelope)
                results.append([
                    "tool_call_id": call.id.map { .string($0) } ?? .null, "name": .string(call.name),
                    "content": .string(content),
                ])
                records.append([
                    "name": .string(call.name), "arguments": call.argumentsValue,
                    "status": .number(response.status.rawValue),
                    "error": .string(response.error),
                ])
            }
            let status = firstStatus ?? .ok
            info["status"] = .number(status.rawValue)
            info["status_name"] = .string(status.name)
            info["calls"] = .array(records)
            info["results"] = .array(results)
            let text = envelopes.count == 1 ? envelopes[0].serialized() : JSONValue.array(envelopes).serialized()
            return StepResult(observation: .string(cut(text)), info: info)
        }
    }

    func finish(_ kind: AgentAction.FinishKind, answer: String?, info base: JSONObject) -> StepResult {
        var info = base
        let status: ToolStatus = kind == .giveAnswer ? .finalAnswer : .gaveUp
        info["status"] = .number(status.rawValue)
        info["status_name"] = .string(status.name)
        info["return_type"] = .string(kind.rawValue)
        info["final_answer"] = answer.map { .string($0) } ?? .null
        var reward = 0.0
        if let gold = episode.gold {
            let verdict = goldVerdict(gold)
            info["gold_calls_made"] = .bool(verdict)
            info["ste"] = episode.firstTurn ?? .null
            if kind == .giveAnswer, verdict { reward = 1 }
        }
        let observation =
            kind == .giveAnswer
            ? "{\"response\":\"successfully giving the final answer.\"}"
            : "{\"response\":\"chose to give up and restart\"}"
        return StepResult(observation: .string(observation), reward: reward, terminated: true, info: info)
    }

    /// Whether every gold call is matched by a distinct call of the episode that reached an API.
    func goldVerdict(_ gold: [GoldCall]) -> Bool {
        var used = Set<Int>()
        for expected in gold {
            guard let function = catalog.function(named: expected.function) else { return false }
            let doc = FunctionDoc(openAI: function.openAI)
            let match = episode.made.indices.first { index in
                guard !used.contains(index) else { return false }
                let call = episode.made[index]
                let arguments = call.arguments.objectValue ?? [:]
                if config.argumentRule == .stringMatch {
                    return call.name == expected.function && STEMetric.stringMatch(arguments, expected)
                }
                return ASTChecker.simple(
                    doc: doc, output: ModelCall(name: call.name, arguments: arguments), gold: expected
                ).valid
            }
            guard let match else { return false }
            used.insert(match)
        }
        return true
    }

    /// Runs one call: name resolution, quotas, failure injection, then the backend.
    func run(_ call: FunctionCall) async -> ToolResponse {
        guard let function = functions.function(named: call.name) else {
            let names = functions.functions.map(\.name).joined(separator: ", ")
            return .failure(
                .noSuchFunction, "No such function name: \(call.name). Available functions: \(names), Finish")
        }
        let arguments: JSONObject
        switch call.arguments {
        case .success(let object): arguments = object
        case .failure(let problem):
            return .failure(.inputError, "\(ToolResponse.parsePrefix)\n\(problem.reason)")
        }
        episode.callCount += 1
        episode.callsPerAPI[function.name, default: 0] += 1
        if let limit = config.callsPerEpisode, episode.callCount > limit {
            return .failure(.rateLimit, "\(ToolResponse.rateLimitPrefix)\nthis episode allows \(limit) calls")
        }
        if let limit = config.callsPerAPI, episode.callsPerAPI[function.name]! > limit {
            return .failure(
                .tooManyRequests,
                "\(ToolResponse.tooManyRequestsPrefix)\n\(function.name) allows \(limit) calls per episode")
        }
        let world = World(seed: episode.worldSeed)
        let response: ToolResponse
        if let http {
            response = await http.call(function, arguments: arguments)
        } else {
            if config.failureRate > 0 {
                var r = world.rng("failure", String(episode.callCount))
                if r.double() < config.failureRate {
                    return .failure(
                        .notWorking, "\(ToolResponse.notWorkingPrefix)\nthe API is temporarily unavailable; try again")
                }
            }
            response = SimulatedBackend.call(function, arguments: arguments, world: world, state: &episode.state)
        }
        if response.status != .inputError, response.status != .noSuchFunction {
            episode.made.append(CallRecord(name: function.name, arguments: .object(arguments)))
        }
        return response
    }

    func cut(_ text: String) -> String {
        guard text.count > config.maxObservationLength else { return text }
        return String(text.prefix(config.maxObservationLength)) + "..."
    }

    // MARK: Snapshots

    public func snapshot() async throws -> JSONValue {
        ["seeding": try JSONValue(encoding: seeding), "episode": try JSONValue(encoding: episode)]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let seedingValue = snapshot["seeding"], let episodeValue = snapshot["episode"] else {
            throw EnvError.badSnapshot("expected `seeding` and `episode` (tools-v0)")
        }
        do {
            let restoredSeeding = try seedingValue.decode(EpisodeSeeding.self)
            let restoredEpisode = try episodeValue.decode(Episode.self)
            seeding = restoredSeeding
            episode = restoredEpisode
            functions = ToolsEpisodeFunctions(restoredEpisode.functionNames.compactMap(catalog.function(named:)))
        } catch {
            throw EnvError.badSnapshot("not a tools-v0 state: \(error)")
        }
    }
}

import TroupeCore
import TroupeWire

/// AgentGym's sessions on this server. AgentGym's clients open a new HTTP connection for nearly
/// every request, so its sessions cannot belong to a socket: they belong to one connection of the
/// table that has no socket (registered at start), and AgentGym's integer ids map to them here.
/// They obey the server's rules like any other: a full server makes `/create` wait in the make
/// queue, idle sessions are reaped (which AgentGym's own servers never do; AgentGym #62), and
/// `/close` frees a session at once.
///
/// What `/observation`, `/available_actions` and `/detail` return is kept here from the last
/// reset or step, as AgentGym's servers keep it.
struct AgentGymState {
    /// One AgentGym environment: a session and what AgentGym reports about it.
    struct Entry {
        var session: String
        var observation: JSONValue = ""
        var availableActions: [JSONValue] = []
        var done = false
        var reward = 0.0
        /// ALFWorld: the game and world type of the last reset.
        var game: Int?
        var worldType: String?
        /// Tools: the task (the episode seed) and what the last reset said.
        var task: Int?
        var query: JSONValue = .null
        var queryID: JSONValue = .null
        var prompt: JSONValue = .null
        var functions: JSONValue = .array([])
    }

    var connection = ConnectionID(0)
    var nextRequest: Int64 = 1
    var waiting: [Int64: @Sendable (Reply) -> Void] = [:]
    var nextID: [AgentGymFamily: Int] = [:]
    var entries: [AgentGymFamily: [Int: Entry]] = [:]
}

/// Serves AgentGym's dialect over the session table (see `AgentGymState`).
///
/// Thread safety: every method may be called from any thread; the state is behind a lock, and
/// `respond` closures are called without it held.
extension EnvServer {
    typealias AgentGymRespond = @Sendable (AgentGymDialect.Response) -> Void
    typealias Entry = AgentGymState.Entry

    /// Registers the table connection that owns AgentGym's sessions.
    func startAgentGym() {
        let connection = register(ConnectionSink { [weak self] reply in self?.completeAgentGym(reply) })
        agentGymState.withLockedValue { $0.connection = connection }
    }

    private func completeAgentGym(_ reply: Reply) {
        guard case .int(let id) = reply.id else { return }
        let callback = agentGymState.withLockedValue { $0.waiting.removeValue(forKey: id) }
        callback?(reply)
    }

    /// Registers `callback` for the answer of a request and returns its id and the connection.
    private func expect(_ callback: @escaping @Sendable (Reply) -> Void) -> (JSONValue, ConnectionID) {
        agentGymState.withLockedValue { state in
            let id = state.nextRequest
            state.nextRequest += 1
            state.waiting[id] = callback
            return (.int(id), state.connection)
        }
    }

    private func entry(_ family: AgentGymFamily, _ id: Int) -> Entry? {
        agentGymState.withLockedValue { $0.entries[family]?[id] }
    }

    private func update(_ family: AgentGymFamily, _ id: Int, _ change: (inout Entry) -> Void) {
        agentGymState.withLockedValue { state in
            if state.entries[family]?[id] != nil { change(&state.entries[family]![id]!) }
        }
    }

    private func forget(_ family: AgentGymFamily, _ id: Int) {
        _ = agentGymState.withLockedValue { $0.entries[family]?.removeValue(forKey: id) }
    }

    static func invalid(_ id: Int) -> AgentGymDialect.Response {
        .error("The id \(id) is not valid.", code: .unknownSession)
    }

    // MARK: Requests

    /// Carries out one decoded request and calls `respond` once with the answer.
    func handleAgentGym(_ request: AgentGymDialect.Request, family: AgentGymFamily, respond: @escaping AgentGymRespond)
    {
        switch request {
        case .hello:
            respond(.ok(family == .alfworld ? "This is environment AlfWorld." : "ok"))
        case .listEnvs:
            let ids = agentGymState.withLockedValue { ($0.entries[family] ?? [:]).keys.sorted() }
            respond(.ok(.array(ids.map { .number($0) })))
        case .create(let task):
            create(family, task: task, respond: respond)
        case .reset(let id, let game, let worldType, let task):
            reset(family, id: id, game: game, worldType: worldType, task: task, respond: respond)
        case .step(let id, let action):
            step(family, id: id, action: action, respond: respond)
        case .close(let id):
            close(family, id: id, respond: respond)
        case .observation(let id):
            guard let entry = entry(family, id) else { return respond(EnvServer.invalid(id)) }
            respond(.ok(entry.observation))
        case .availableActions(let id):
            guard let entry = entry(family, id) else { return respond(EnvServer.invalid(id)) }
            respond(.ok(.array(entry.availableActions)))
        case .detail(let id):
            guard let entry = entry(family, id) else { return respond(EnvServer.invalid(id)) }
            respond(.ok(Self.agentGymDetail(entry, family: family)))
        }
    }

    private func create(_ family: AgentGymFamily, task: Int?, respond: @escaping AgentGymRespond) {
        let (requestID, connection) = expect { [self] reply in
            switch reply.result {
            case .success(.made(let session, _, _)):
                let id = agentGymState.withLockedValue { state -> Int in
                    let id = state.nextID[family, default: 0]
                    state.nextID[family] = id + 1
                    state.entries[family, default: [:]][id] = Entry(session: session, task: task)
                    return id
                }
                respond(family == .alfworld ? .ok(["id": .number(id)]) : .ok(.number(id)))
            case .success:
                respond(.error("the server answered make without a session", code: .internal))
            case .failure(let error):
                respond(.error("Failed to create environment: \(error.message)", code: error.code))
            }
        }
        let config = configuration.http?.configs[family.envID] ?? .null
        make(MakeRequest(env: family.envID, config: config), id: requestID, connection: connection)
    }

    private func reset(
        _ family: AgentGymFamily, id: Int, game: Int?, worldType: String?, task: Int?,
        respond: @escaping AgentGymRespond
    ) {
        if let worldType, !["Text", "Embody", "Hybrid"].contains(worldType) {
            return respond(
                .error("world_type must be one of \"Text\", \"Embody\" and \"Hybrid\"", code: .badOptions))
        }
        if let worldType, worldType != "Text" {
            return respond(
                .error(
                    "world_type \(worldType) needs ALFRED's 3D simulator; envd serves \"Text\" only", code: .badOptions)
            )
        }
        guard let entry = entry(family, id) else { return respond(EnvServer.invalid(id)) }
        let op: SessionOp
        let task = task ?? entry.task
        switch family {
        case .alfworld:
            op = .reset(seed: nil, options: ["game": .number(game ?? 0)])
        case .tools:
            // AgentGym's tool `id` picks a task; here it is the episode seed, which fixes the query
            // and the simulated world.
            op = .reset(seed: task.map { UInt64($0) }, options: .null)
        }
        runAgentGym(op, family: family, id: id, session: entry.session, respond: respond) { [self] body in
            guard case .reset(let result) = body else { return .error("unexpected answer", code: .internal) }
            var answer: JSONValue = .null
            update(family, id) { entry in
                entry.done = false
                entry.reward = 0
                entry.availableActions = result.info["admissible_commands"]?.arrayValue ?? []
                let text = result.observation.stringValue ?? result.observation.serialized()
                switch family {
                case .alfworld:
                    entry.game = game
                    entry.worldType = worldType
                    entry.observation = .string(AgentGymDialect.alfworldResetObservation(text))
                    let gamefile = result.info["extra.gamefile"]?.stringValue ?? ""
                    answer = [
                        "id": .number(id), "observation": entry.observation,
                        "available_actions": .array(entry.availableActions),
                        "task_type": .string(AgentGymDialect.alfworldTaskType(gamefile: gamefile)),
                    ]
                case .tools:
                    entry.task = task
                    entry.query = result.info["query"] ?? .null
                    entry.queryID = result.info["query_id"] ?? .null
                    entry.functions = result.info["functions"] ?? .array([])
                    entry.prompt = .string(text)
                    entry.observation = .string(AgentGymDialect.toolStart(goal: entry.query.stringValue ?? text))
                    answer = entry.observation
                }
            }
            return .ok(answer)
        }
    }

    private func step(_ family: AgentGymFamily, id: Int, action: String, respond: @escaping AgentGymRespond) {
        guard let entry = entry(family, id) else { return respond(EnvServer.invalid(id)) }
        if entry.done {
            return respond(.error("The task with environment \(id) has finished.", code: .episodeEnded))
        }
        var sent = action
        if family == .alfworld, sent.hasSuffix("</s>") { sent.removeLast(4) }
        if family == .tools {
            guard let translated = AgentGymDialect.toolAction(action) else {
                // AgentGym answers a malformed tool action without stepping the environment.
                let observation = AgentGymDialect.toolFormatError
                update(family, id) { $0.observation = .string(observation) }
                return respond(
                    .ok(["observation": .string(observation), "reward": .double(entry.reward), "done": false]))
            }
            sent = translated
        }
        runAgentGym(.step(.string(sent)), family: family, id: id, session: entry.session, respond: respond) {
            [self] body in
            guard case .step(let result) = body else { return .error("unexpected answer", code: .internal) }
            var answer: JSONValue = .null
            update(family, id) { entry in
                entry.done = result.done
                entry.reward = result.reward
                let text = result.observation.stringValue ?? result.observation.serialized()
                switch family {
                case .alfworld:
                    entry.availableActions = result.info["admissible_commands"]?.arrayValue ?? []
                    entry.observation = .string(AgentGymDialect.alfworldStepObservation(text))
                    answer = [
                        "observation": entry.observation, "reward": .double(result.reward),
                        "available_actions": .array(entry.availableActions), "done": .bool(result.done),
                    ]
                case .tools:
                    entry.observation = .string(AgentGymDialect.toolObservation(text))
                    answer = [
                        "observation": entry.observation, "reward": .double(result.reward), "done": .bool(result.done),
                    ]
                }
            }
            return .ok(answer)
        }
    }

    private func close(_ family: AgentGymFamily, id: Int, respond: @escaping AgentGymRespond) {
        guard let entry = entry(family, id) else { return respond(EnvServer.invalid(id)) }
        forget(family, id)
        runAgentGym(.close, family: family, id: id, session: entry.session, respond: respond) { _ in
            .ok(["id": .number(id), "closed": true])
        }
    }

    /// Runs `op` on the session and answers with `success(body)`; a session that is gone (reaped,
    /// timed out) is forgotten and reported as AgentGym reports a deleted one.
    private func runAgentGym(
        _ op: SessionOp, family: AgentGymFamily, id: Int, session: String, respond: @escaping AgentGymRespond,
        success: @escaping @Sendable (ResponseBody) -> AgentGymDialect.Response
    ) {
        let (requestID, connection) = expect { [self] reply in
            switch reply.result {
            case .success(let body):
                respond(success(body))
            case .failure(let error):
                switch error.code {
                case .unknownSession, .timeout:
                    forget(family, id)
                    respond(
                        .error("The task with environment \(id) has been deleted: \(error.message)", code: error.code))
                case .episodeEnded:
                    respond(.error("The task with environment \(id) has finished.", code: error.code))
                default:
                    respond(.error(error.message, code: error.code))
                }
            }
        }
        submit(op, session: session, id: requestID, connection: connection)
    }

    /// `/detail`: what AgentGym's ALFWorld server keeps per environment (and, for the tools,
    /// the query, its id, the full prompt and the functions, which AgentGym's tool clients carry
    /// in their own prompt).
    static func agentGymDetail(_ entry: Entry, family: AgentGymFamily) -> JSONValue {
        switch family {
        case .alfworld:
            return [
                "world_type": entry.worldType.map(JSONValue.string) ?? .null,
                "game": entry.game.map { .number($0) } ?? .null, "observation": entry.observation,
                "available_actions": .array(entry.availableActions), "done": .bool(entry.done),
                "reward": .double(entry.reward), "deleted": false, "session": .string(entry.session),
            ]
        case .tools:
            return [
                "id": entry.task.map { .number($0) } ?? .null, "query": entry.query, "query_id": entry.queryID,
                "observation": entry.observation, "prompt": entry.prompt, "functions": entry.functions,
                "done": .bool(entry.done), "reward": .double(entry.reward), "session": .string(entry.session),
            ]
        }
    }
}

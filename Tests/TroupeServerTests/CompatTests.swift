import Testing
import TroupeCore
import TroupeWire

@testable import TroupeServer

/// The compatibility adapters' pure parts: OpenEnv's per-socket state machine, AgentGym's
/// dialect, the URL router, and the table's rule for sockets that cannot resume. The live
/// protocols are tested with the real clients in `Tests/compat` (Python).
@Suite struct OpenEnvSessionTests {
    static let spec = EnvSpec(id: "echo-v0", summary: "s", observation: .text("o"), action: .text("a"))

    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

    /// A machine whose make succeeded, as session "s1".
    func ready() -> OpenEnvSession {
        var machine = OpenEnvSession(spec: Self.spec, config: .null, maxSessions: 4)
        let start = machine.start()
        #expect(start == [.make(MakeRequest(env: "echo-v0"), id: 1)])
        let actions = machine.replied(
            Reply(id: 1, result: .success(.made(session: "s1", token: "t", spec: .null))), activeSessions: 1)
        #expect(actions.isEmpty)
        return machine
    }

    func sent(_ actions: [OpenEnvSession.Action]) throws -> [JSONValue] {
        try actions.compactMap { action in
            if case .send(let text) = action { return try parse(text) }
            return nil
        }
    }

    @Test func resetAndStepBecomeOperationsAndEnvelopes() throws {
        var machine = ready()
        var actions = machine.received(
            .message(try parse(#"{"type":"reset","data":{"seed":7,"episode_id":"e1","level":2}}"#)))
        #expect(actions == [.submit(.reset(seed: 7, options: ["level": 2]), session: "s1", id: 2)])
        actions = machine.replied(
            Reply(id: 2, result: .success(.reset(ResetResult(observation: "hi", info: ["k": 1])))), activeSessions: 1)
        let reset = try sent(actions)[0]
        #expect(reset["type"] == "observation")
        #expect(reset["data"]?["reward"] == .null)
        #expect(
            reset["data"]?["observation"] == ["text": "hi", "info": ["k": 1], "terminated": false, "truncated": false])
        #expect(reset["data"]?["metadata"]?["episode_id"] == "e1")

        actions = machine.received(.message(try parse(#"{"type":"step","data":{"action":"go","metadata":{}}}"#)))
        #expect(actions == [.submit(.step("go"), session: "s1", id: 3)])
        actions = machine.replied(
            Reply(id: 3, result: .success(.step(StepResult(observation: "went", reward: 1, terminated: true)))),
            activeSessions: 1)
        let step = try sent(actions)[0]
        #expect(step["data"]?["reward"] == .double(1) && step["data"]?["done"] == true)
        #expect(machine.state == .init(episodeID: "e1", stepCount: 1, seed: 7, done: true, totalReward: 1))
    }

    @Test func messagesWaitForTheMakeAndForEachOther() throws {
        var machine = OpenEnvSession(spec: Self.spec, config: .null, maxSessions: 4)
        _ = machine.start()
        #expect(machine.received(.message(try parse(#"{"type":"reset"}"#))).isEmpty)
        #expect(machine.received(.message(try parse(#"{"type":"state"}"#))).isEmpty)
        let actions = machine.replied(
            Reply(id: 1, result: .success(.made(session: "s9", token: "t", spec: .null))), activeSessions: 1)
        // The reset goes out; the state waits behind it, so it reflects the reset.
        #expect(actions == [.submit(.reset(seed: nil, options: .null), session: "s9", id: 2)])
        let after = machine.replied(
            Reply(id: 2, result: .success(.reset(ResetResult(observation: "x")))), activeSessions: 1)
        let frames = try sent(after)
        #expect(frames.count == 2 && frames[1]["type"] == "state" && frames[1]["data"]?["session_id"] == "s9")
    }

    @Test func badMessagesGetOpenEnvsCodes() throws {
        var machine = ready()
        func code(_ incoming: OpenEnvSession.Incoming) throws -> JSONValue? {
            try sent(machine.received(incoming)).first?["data"]?["code"]
        }
        #expect(try code(.invalidJSON("eof")) == "INVALID_JSON")
        #expect(try code(.message(["type": "dance"])) == "UNKNOWN_TYPE")
        #expect(try code(.message(["type": "mcp", "data": [:]])) == "UNKNOWN_TYPE")
        #expect(try code(.message(["type": "step"])) == "VALIDATION_ERROR")
        #expect(try code(.message(["type": "step", "data": ["act": "x"]])) == "VALIDATION_ERROR")
        #expect(try code(.message(["type": "reset", "data": ["seed": -1]])) == "VALIDATION_ERROR")
        #expect(try code(.message(["type": "state", "extra": 1])) == "VALIDATION_ERROR")
        #expect(try code(.message([1, 2])) == "VALIDATION_ERROR")
    }

    @Test func environmentErrorsCarryTroupesCode() throws {
        var machine = ready()
        _ = machine.received(.message(["type": "step", "data": ["action": 5]]))
        let actions = machine.replied(
            Reply(id: 2, error: WireError(.invalidAction, "expected a string")), activeSessions: 1)
        let error = try sent(actions)[0]["data"]
        #expect(error?["code"] == "EXECUTION_ERROR" && error?["troupe_code"] == "invalid_action")
        #expect(error?["message"]?.stringValue?.hasPrefix("invalid_action: ") == true)
        #expect(!actions.contains(.close))
    }

    @Test func aSessionThatIsGoneClosesTheSocket() throws {
        var machine = ready()
        _ = machine.received(.message(["type": "step", "data": ["action": "x"]]))
        let actions = machine.replied(Reply(id: 2, error: WireError(.unknownSession, "reaped")), activeSessions: 0)
        #expect(try sent(actions)[0]["data"]?["code"] == "SESSION_ERROR")
        #expect(actions.last == .close)
        #expect(machine.received(.message(["type": "state"])).isEmpty)
    }

    @Test func closeClosesTheSocket() throws {
        var machine = ready()
        #expect(machine.received(.message(["type": "close"])) == [.close])
    }

    @Test func aRefusedMakeWaitsForTheClientToRead() throws {
        var machine = OpenEnvSession(spec: Self.spec, config: .null, maxSessions: 2)
        _ = machine.start()
        let actions = machine.replied(Reply(id: 1, error: WireError(.capacity, "full")), activeSessions: 2)
        let error = try sent(actions)[0]["data"]
        #expect(error?["code"] == "CAPACITY_REACHED" && error?["active_sessions"] == 2 && error?["max_sessions"] == 2)
        #expect(actions.last == .closeSoon)
        #expect(machine.received(.message(["type": "reset"])) == [.close])

        var queued = OpenEnvSession(spec: Self.spec, config: .null, maxSessions: 2)
        _ = queued.start()
        _ = queued.received(.message(["type": "reset"]))
        let refused = queued.replied(Reply(id: 1, error: WireError(.unknownEnv, "no")), activeSessions: 0)
        #expect(try sent(refused)[0]["data"]?["code"] == "FACTORY_ERROR")
        #expect(refused.last == .close)
    }
}

@Suite struct AgentGymDialectTests {
    @Test func alfworldRequests() {
        #expect(
            AgentGymDialect.decode(.alfworld, method: "POST", endpoint: "create", query: [:], body: nil)
                == .success(.create(task: nil)))
        #expect(
            AgentGymDialect.decode(
                .alfworld, method: "POST", endpoint: "reset", query: [:],
                body: ["id": 3, "game": 7, "world_type": "Text"])
                == .success(.reset(id: 3, game: 7, worldType: "Text", task: nil)))
        #expect(
            AgentGymDialect.decode(
                .alfworld, method: "POST", endpoint: "step", query: [:], body: ["id": 3, "action": "look"])
                == .success(.step(id: 3, action: "look")))
        #expect(
            AgentGymDialect.decode(
                .alfworld, method: "GET", endpoint: "available_actions", query: ["id": "3"], body: nil)
                == .success(.availableActions(id: 3)))
        guard
            case .failure(let missing) = AgentGymDialect.decode(
                .alfworld, method: "POST", endpoint: "reset", query: [:], body: ["id": 3])
        else { Issue.record("a reset without game must fail"); return }
        #expect(missing.status == 422 && missing.body["detail"]?.arrayValue?.count == 2)
        #expect(
            AgentGymDialect.decode(.alfworld, method: "GET", endpoint: "step", query: [:], body: nil)
                == .failure(.methodNotAllowed))
        #expect(
            AgentGymDialect.decode(.alfworld, method: "GET", endpoint: "observation", query: ["id": "x"], body: nil)
                .isFailure)
    }

    @Test func toolRequests() {
        #expect(
            AgentGymDialect.decode(.tools, method: "POST", endpoint: "create", query: [:], body: ["id": 4])
                == .success(.create(task: 4)))
        #expect(
            AgentGymDialect.decode(.tools, method: "POST", endpoint: "reset", query: [:], body: ["env_idx": 1])
                == .success(.reset(id: 1, game: nil, worldType: nil, task: nil)))
        #expect(
            AgentGymDialect.decode(.tools, method: "GET", endpoint: "observation", query: ["env_idx": "2"], body: nil)
                == .success(.observation(id: 2)))
    }

    @Test func alfworldObservationsAsAgentGymWritesThem() {
        let intro = "-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room.\n\nYour task is to: x."
        #expect(
            AgentGymDialect.alfworldResetObservation(intro) == "You are in the middle of a room.\nYour task is to: x.")
        #expect(
            AgentGymDialect.alfworldStepObservation("You arrive at loc 5. On it, you see a mug 1.")
                == "On it, you see a mug 1.")
        #expect(AgentGymDialect.alfworldStepObservation("Nothing happens.") == "Nothing happens.")
        #expect(
            AgentGymDialect.alfworldTaskType(gamefile: "json_2.1.1/train/pick-Mug-None-Desk-1/trial_T1/game.tw-pddl")
                == "pick-Mug-None-Desk-1/trial_T1")
    }

    @Test func toolActionsBecomeReActText() {
        #expect(
            AgentGymDialect.toolAction("Thought: a.\n\nAction: get_x with Action Input: {\"q\": 1}")
                == "Action: get_x\nAction Input: {\"q\": 1}")
        #expect(
            AgentGymDialect.toolAction("Action: get_x with Action Input: {}\n") == "Action: get_x\nAction Input: {}")
        #expect(
            AgentGymDialect.toolAction("Action: finish with Action Input: {\"answer\": -0.1}")
                == "Action: Finish\nAction Input: {\"return_type\":\"give_answer\",\"final_answer\":\"-0.1\"}")
        #expect(AgentGymDialect.toolAction("Action: get_x\nAction Input: {}") == nil)
        #expect(AgentGymDialect.toolAction("no action at all") == nil)
    }
}

@Suite struct HTTPRouteTests {
    @Test(arguments: [
        ("/ws", HTTPRoute.openEnvSocket(env: nil)),
        ("/ws?env=echo-v0", .openEnvSocket(env: "echo-v0")),
        ("/envs/alfworld-v0/ws", .openEnvSocket(env: "alfworld-v0")),
        ("/health", .health),
        ("/envs/tools-v0/schema", .schema(env: "tools-v0")),
        ("/schema", .schema(env: nil)),
        ("/envs/echo-v0/metadata", .metadata(env: "echo-v0")),
        ("/envs/echo-v0", .metadata(env: "echo-v0")),
        ("/", .index),
        ("/agentgym/alfworld/reset", .agentGym(.alfworld, endpoint: "reset", query: [:])),
        ("/agentgym/tools/observation?env_idx=3", .agentGym(.tools, endpoint: "observation", query: ["env_idx": "3"])),
        ("/agentgym/alfworld", .agentGym(.alfworld, endpoint: "", query: [:])),
        ("/agentgym/webshop/create", .notFound(path: "/agentgym/webshop/create")),
        ("/nope", .notFound(path: "/nope")),
    ])
    func routes(target: String, route: HTTPRoute) {
        #expect(HTTPRoute(target: target) == route)
    }

    @Test func queriesAreDecoded() {
        #expect(HTTPRoute.split("/x?a=1%2B1&b=c+d&e").query == ["a": "1+1", "b": "c d", "e": ""])
    }
}

@Suite struct DisconnectWithoutResumeTests {
    @Test func sessionsOfASocketThatCannotResumeAreRemovedAtOnce() {
        var table = SessionTable<Int>(limits: ServerLimits(maxSessions: 1))
        let socket = ConnectionID(1)
        let other = ConnectionID(2)
        table.connected(socket)
        table.connected(other)
        guard
            case .make(let ticket) = table.make(MakeRequest(env: "e"), id: 1, connection: socket, seed: 1, now: 0).first
        else { Issue.record("expected a make"); return }
        _ = table.made(ticket, .success(7), spec: .null, token: "t", now: 0)
        // The server is full: another connection's make waits.
        #expect(table.make(MakeRequest(env: "e"), id: 2, connection: other, seed: 1, now: 0).isEmpty)
        let actions = table.disconnected(socket, now: 1, keepSessions: false)
        #expect(table.sessions.isEmpty)
        #expect(actions.contains { if case .close(7) = $0 { return true } else { return false } })
        // The freed slot went to the waiting make.
        #expect(actions.contains { if case .make = $0 { return true } else { return false } })
        #expect(table.counters.removals[.disconnected] == 1)
    }
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}

import DequeModule
import Foundation
import TroupeCore
import TroupeWire

/// One OpenEnv WebSocket as a pure state machine: it turns OpenEnv's messages into the session
/// table's operations and the table's answers into OpenEnv's envelopes (`../shared/specs/
/// env-servers.md` §2.1; `docs/clients/openenv.md`). It does no I/O: `OpenEnvSocketHandler`
/// feeds it frames and answers and carries out the actions it returns.
///
/// As in OpenEnv, one socket is one session: the session is made when the socket opens
/// (`start`), and closed when the socket closes. Unlike OpenEnv, a full server makes the socket
/// wait in the make queue instead of refusing it at once, and the session obeys the server's
/// idle reaping and step timeouts.
///
/// Invariants: messages are handled one at a time, in the order received (OpenEnv's client sends
/// one and waits, but a client that pipelines still gets its answers in order, and `state`
/// always reflects every step before it); at most one operation is in flight; after `.close`
/// nothing more is returned.
struct OpenEnvSession {
    /// What the handler must do.
    enum Action: Equatable {
        /// Ask the table for this socket's session.
        case make(MakeRequest, id: JSONValue)
        /// Run an operation on the session.
        case submit(SessionOp, session: String, id: JSONValue)
        /// Send one text frame.
        case send(String)
        /// Close the socket (after the frames before it); its session closes with it.
        case close
        /// Close the socket after a grace period unless a message comes first (which closes it
        /// at once): the session could not be made, and the client must be able to read why.
        case closeSoon
    }

    /// A message from the client, as the handler parsed it.
    enum Incoming {
        case message(JSONValue)
        /// The frame was not JSON; the text says why.
        case invalidJSON(String)
    }

    private enum Phase {
        case making
        case ready(session: String)
        /// The make failed; the error was sent. OpenEnv's client sends its first message before
        /// it reads, so the socket stays open until that message (or the grace period): closing
        /// at once would make the client's send fail before it could read the error.
        case failed
        case closed
    }

    private enum Pending {
        case reset(episodeID: String, seed: UInt64?)
        case step
    }

    let spec: EnvSpec
    let config: JSONValue
    /// The server's session limit, for `CAPACITY_REACHED`.
    let maxSessions: Int
    private var phase = Phase.making
    private var inbox: Deque<Incoming> = []
    private var pending: (id: Int64, kind: Pending)?
    private var nextID: Int64 = 1
    private var makeID: Int64 = 0
    /// The state `{"type":"state"}` reports.
    private(set) var state = EpisodeState()

    /// What OpenEnv's `state` message reports: its `State` fields and ours.
    struct EpisodeState: Equatable {
        var episodeID: String?
        var stepCount = 0
        var seed: UInt64?
        var done = false
        var totalReward = 0.0
    }

    init(spec: EnvSpec, config: JSONValue, maxSessions: Int) {
        self.spec = spec
        self.config = config
        self.maxSessions = maxSessions
    }

    /// The socket opened: ask for the session.
    mutating func start() -> [Action] {
        makeID = takeID()
        return [.make(MakeRequest(env: spec.id, config: config), id: .int(makeID))]
    }

    /// A message arrived.
    mutating func received(_ incoming: Incoming) -> [Action] {
        switch phase {
        case .closed: return []
        case .failed:
            phase = .closed
            return [.close]
        default: break
        }
        inbox.append(incoming)
        return pump()
    }

    /// Whether the session could not be made (the socket waits to be closed).
    var hasFailed: Bool {
        if case .failed = phase { return true }
        return false
    }

    /// The table answered the make or the operation in flight. `activeSessions` is the number of
    /// live sessions now (for `CAPACITY_REACHED`).
    mutating func replied(_ reply: Reply, activeSessions: Int) -> [Action] {
        guard case .int(let id) = reply.id else { return [] }
        switch phase {
        case .closed, .failed:
            return []
        case .making:
            guard id == makeID else { return [] }
            switch reply.result {
            case .success(.made(let session, _, _)):
                phase = .ready(session: session)
                return pump()
            case .success:
                return refuse(.sessionError, "the server answered make without a session")
            case .failure(let error):
                if error.code == .capacity {
                    return refuse(
                        .capacityReached, error.message,
                        extra: ["active_sessions": .number(activeSessions), "max_sessions": .number(maxSessions)])
                }
                if error.code == .shuttingDown {
                    return refuse(.sessionError, "\(error.code.rawValue): \(error.message)")
                }
                return refuse(
                    .factoryError, "\(error.code.rawValue): \(error.message)",
                    extra: ["factory_name": .string(spec.id), "troupe_code": .string(error.code.rawValue)])
            }
        case .ready:
            guard let current = pending, current.id == id else { return [] }
            pending = nil
            var actions = answer(current.kind, reply.result)
            if case .closed = phase { return actions }
            actions += pump()
            return actions
        }
    }

    /// Handles queued messages until one needs the table (or the queue is empty).
    private mutating func pump() -> [Action] {
        var actions: [Action] = []
        while pending == nil, case .ready(let session) = phase, let next = inbox.popFirst() {
            actions += handle(next, session: session)
        }
        return actions
    }

    private mutating func handle(_ incoming: Incoming, session: String) -> [Action] {
        let message: JSONObject
        switch incoming {
        case .invalidJSON(let why):
            return fail(.invalidJSON, "Invalid JSON: \(why)")
        case .message(let value):
            guard let object = value.objectValue else {
                return validationError([OpenEnvWire.issue("model_type", [], "Input should be an object", value)])
            }
            message = object
        }
        guard let type = message["type"]?.stringValue else {
            return fail(.unknownType, "Unknown message type: \(message["type"]?.serialized() ?? "")")
        }
        let allowed: Set<String>
        switch type {
        case "reset", "step": allowed = ["type", "data"]
        case "state", "close": allowed = ["type"]
        case "mcp":
            return fail(
                .unknownType,
                "Unknown message type: mcp (envd does not serve MCP; send reset, step, state or close)")
        default:
            return fail(.unknownType, "Unknown message type: \(type)")
        }
        let extra = message.keys.filter { !allowed.contains($0) }
        if !extra.isEmpty {
            return validationError(
                extra.map { OpenEnvWire.issue("extra_forbidden", [$0], "Extra inputs are not permitted", message[$0]!) }
            )
        }
        switch type {
        case "reset": return reset(message["data"], session: session)
        case "step": return step(message["data"], session: session)
        case "state": return [.send(OpenEnvWire.state(state, spec: spec, session: session))]
        default:
            phase = .closed
            return [.close]
        }
    }

    private mutating func reset(_ data: JSONValue?, session: String) -> [Action] {
        var members: JSONObject
        switch data {
        case nil, .null?: members = [:]
        case .object(let object)?: members = object
        case let other?:
            return validationError([
                OpenEnvWire.issue("dict_type", ["data"], "Input should be a valid dictionary", other)
            ])
        }
        var issues: [JSONValue] = []
        var seed: UInt64?
        if let value = members.removeValue(forKey: "seed"), !value.isNull {
            if let int = value.intValue, int >= 0 {
                seed = UInt64(int)
            } else {
                issues.append(
                    OpenEnvWire.issue(
                        "greater_than_equal", ["data", "seed"], "Input should be an integer greater than or equal to 0",
                        value))
            }
        }
        var episodeID: String?
        if let value = members.removeValue(forKey: "episode_id"), !value.isNull {
            if let text = value.stringValue, text.count <= 255 {
                episodeID = text
            } else {
                issues.append(
                    OpenEnvWire.issue(
                        "string_type", ["data", "episode_id"], "Input should be a string of at most 255 characters",
                        value))
            }
        }
        if !issues.isEmpty { return validationError(issues) }
        let id = takeID()
        pending = (id, .reset(episodeID: episodeID ?? UUID().uuidString.lowercased(), seed: seed))
        let options: JSONValue = members.isEmpty ? .null : .object(members)
        return [.submit(.reset(seed: seed, options: options), session: session, id: .int(id))]
    }

    private mutating func step(_ data: JSONValue?, session: String) -> [Action] {
        guard let data else {
            return validationError([OpenEnvWire.issue("missing", ["data"], "Field required", .object([:]))])
        }
        guard let members = data.objectValue else {
            return validationError([
                OpenEnvWire.issue("dict_type", ["data"], "Input should be a valid dictionary", data)
            ])
        }
        var issues: [JSONValue] = []
        for key in members.keys where key != "action" && key != "metadata" {
            issues.append(
                OpenEnvWire.issue("extra_forbidden", ["data", key], "Extra inputs are not permitted", members[key]!))
        }
        if let metadata = members["metadata"], metadata.objectValue == nil {
            issues.append(
                OpenEnvWire.issue("dict_type", ["data", "metadata"], "Input should be a valid dictionary", metadata))
        }
        guard let action = members["action"] else {
            issues.append(OpenEnvWire.issue("missing", ["data", "action"], "Field required", data))
            return validationError(issues)
        }
        if !issues.isEmpty { return validationError(issues) }
        let id = takeID()
        pending = (id, .step)
        return [.submit(.step(action), session: session, id: .int(id))]
    }

    /// The envelope for a finished operation.
    private mutating func answer(_ kind: Pending, _ result: Result<ResponseBody, WireError>) -> [Action] {
        switch result {
        case .success(.reset(let reset)):
            if case .reset(let episodeID, let seed) = kind {
                state = EpisodeState(episodeID: episodeID, seed: seed)
            }
            return [.send(OpenEnvWire.observation(reset: reset, spec: spec, state: state))]
        case .success(.step(let step)):
            state.stepCount += 1
            state.done = step.done
            state.totalReward += step.reward
            return [.send(OpenEnvWire.observation(step: step, spec: spec, state: state))]
        case .success:
            return fail(.executionError, "internal: the server answered with an unexpected body")
        case .failure(let error):
            switch error.code {
            case .unknownSession, .timeout, .shuttingDown:
                // The session is gone (reaped, timed out, server stopping): so is the socket.
                return fail(.sessionError, "\(error.code.rawValue): \(error.message)", close: true)
            default:
                return fail(
                    .executionError, "\(error.code.rawValue): \(error.message)",
                    extra: ["troupe_code": .string(error.code.rawValue)])
            }
        }
    }

    /// The session could not be made: say why, and close once the client has had a chance to read it.
    private mutating func refuse(_ code: OpenEnvWire.ErrorCode, _ message: String, extra: JSONObject = [:]) -> [Action]
    {
        // A client that already sent a message is reading: it can be closed at once.
        let clientIsReading = !inbox.isEmpty
        phase = clientIsReading ? .closed : .failed
        inbox.removeAll()
        return [.send(OpenEnvWire.error(code, message, extra: extra)), clientIsReading ? .close : .closeSoon]
    }

    private mutating func validationError(_ issues: [JSONValue]) -> [Action] {
        fail(.validationError, "Invalid message", extra: ["errors": .array(issues)])
    }

    private mutating func fail(
        _ code: OpenEnvWire.ErrorCode, _ message: String, close: Bool = false, extra: JSONObject = [:]
    ) -> [Action] {
        let frame = OpenEnvWire.error(code, message, extra: extra)
        guard close else { return [.send(frame)] }
        phase = .closed
        inbox.removeAll()
        return [.send(frame), .close]
    }

    private mutating func takeID() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }
}

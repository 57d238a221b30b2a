import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TroupeCore
import TroupeWire

/// An async client of one `envd` server: typed requests over one connection that carries many
/// sessions, pipelined (calls from many tasks share the connection and are matched by id).
///
/// Automatic resume: when the link drops, the client reconnects (for up to
/// `ClientOptions.reconnectWindow`), takes its sessions back with their tokens (`resume`), and
/// settles every request that was in flight exactly once:
/// - an answer the server had already produced is taken from `resume`'s `replies`;
/// - a request the server is still running is answered on the new connection (`pending`);
/// - a request the server never received is sent again.
/// So no operation runs twice. A `make` (or `fork`) in flight when the link dropped is sent again:
/// if the server had received it, that first session is never used and its lease reaps it.
///
/// Thread safety: all methods may be called from any task.
public final class EnvdClient: EnvDriver, Sendable {
    public let endpoint: Endpoint
    public let options: ClientOptions
    let token: String?
    let group: any EventLoopGroup
    let state: NIOLockedValueBox<State>

    /// The server's limits, as its last `hello` reported them.
    public var limits: ServerLimits { state.withLockedValue { $0.limits } }

    struct InFlight {
        let frame: [UInt8]
        let sessions: [String]
        let continuation: CheckedContinuation<JSONObject, any Error>
        /// The connection generation it was written on (nil: not written yet).
        var sentOn: Int?
        /// The server reported it as still running at resume; its answer will come.
        var pendingOnServer = false
        /// A hello or resume of the connection machinery itself (never sent again).
        var isInternal = false
    }

    struct State {
        var channel: (any Channel)?
        var generation = 0
        var connected = false
        var closed = false
        /// A reconnect loop is running (only one at a time).
        var reconnecting = false
        var nextID: Int64 = 1
        var inFlight: [Int64: InFlight] = [:]
        /// Sessions this client made, with their resume tokens.
        var sessions: [String: String] = [:]
        var limits = ServerLimits()
    }

    private init(endpoint: Endpoint, token: String?, options: ClientOptions, group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.token = token
        self.options = options
        self.group = group
        self.state = NIOLockedValueBox(State())
    }

    /// Connects and says hello.
    ///
    /// - Throws: `ClientError.connectionLost` when nothing listens there; the server's error
    ///   (`unauthorized`, `unsupported_version`) when it refuses.
    public static func connect(
        to endpoint: Endpoint, token: String? = nil, options: ClientOptions = ClientOptions(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> EnvdClient {
        let client = EnvdClient(endpoint: endpoint, token: token, options: options, group: group)
        do {
            try await client.openConnection()
        } catch {
            await client.close()
            throw error
        }
        client.state.withLockedValue { $0.connected = true }
        return client
    }

    /// Closes the connection. Requests in flight fail with `client_closed`; the server keeps this
    /// client's sessions for its lease, then reaps them (close sessions first to free them now).
    public func close() async {
        let (channel, waiting) = state.withLockedValue { state -> ((any Channel)?, [InFlight]) in
            state.closed = true
            state.connected = false
            defer { state.inFlight = [:] }
            return (state.channel, Array(state.inFlight.values))
        }
        for request in waiting { request.continuation.resume(throwing: ClientError.closed) }
        try? await channel?.close()
    }

    // MARK: Requests

    /// Sends a request and waits for its answer's members. Server errors throw `WireError`.
    func call(_ request: Request, sessions: [String] = []) async throws -> JSONObject {
        try await withCheckedThrowingContinuation { continuation in
            let toWrite = state.withLockedValue { state -> (any Channel, [UInt8])? in
                guard !state.closed else {
                    continuation.resume(throwing: ClientError.closed)
                    return nil
                }
                let id = state.nextID
                state.nextID += 1
                var frame: [UInt8] = []
                request.writeFrame(id: .int(id), into: &frame)
                var entry = InFlight(frame: frame, sessions: sessions, continuation: continuation)
                var channel: (any Channel)?
                if state.connected, let current = state.channel {
                    entry.sentOn = state.generation
                    channel = current
                }
                state.inFlight[id] = entry
                return channel.map { ($0, frame) }
            }
            if let (channel, frame) = toWrite { Self.write(frame, to: channel) }
        }
    }

    static func write(_ frame: [UInt8], to channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: frame.count)
        buffer.writeBytes(frame)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// An answer arrived (on the connection's event loop).
    func received(_ value: JSONValue) {
        let response = ParsedResponse(value)
        guard case .int(let id) = response.id,
            let entry = state.withLockedValue({ $0.inFlight.removeValue(forKey: id) })
        else { return }  // an answer to nothing we wait for (or an error about an unreadable frame)
        switch response.result {
        case .success(let fields): entry.continuation.resume(returning: fields)
        case .failure(let error): entry.continuation.resume(throwing: error)
        }
    }

    // MARK: Typed operations

    /// The server's environments.
    public func list() async throws -> [EnvSpec] {
        let fields = try await call(.list)
        guard let envs = fields["envs"]?.arrayValue else { throw ClientError.badResponse("list without envs") }
        return try envs.map { try $0.decode(EnvSpec.self) }
    }

    /// The server's counters.
    public func stats() async throws -> JSONObject { try await call(.stats) }

    /// Makes a session. `seed` is the session seed (nil: the server draws one).
    public func makeSession(_ env: String, config: JSONValue = .null, seed: UInt64? = nil) async throws -> RemoteSession
    {
        try session(from: try await call(.make(MakeRequest(env: env, config: config, seed: seed))))
    }

    /// `EnvDriver`: the conformance checker and agents make sessions through this.
    public func make(_ id: String, config: JSONValue, seed: UInt64?) async throws -> any EnvSession {
        try await makeSession(id, config: config, seed: seed)
    }

    /// Runs many resets and steps in one round trip. Items on one session run in order; items on
    /// different sessions run concurrently. Each item succeeds or fails on its own.
    public func batch(_ items: [BatchItem]) async throws -> [Result<BatchOutcome, WireError>] {
        let fields = try await call(.batch(items), sessions: Array(Set(items.map(\.session))))
        guard let results = fields["results"]?.arrayValue, results.count == items.count else {
            throw ClientError.badResponse("batch answer without one result per item")
        }
        return zip(items, results).map { item, result in
            let parsed = ParsedResponse(result)
            switch parsed.result {
            case .failure(let error): return .failure(error)
            case .success(let members):
                do throws(WireError) {
                    if case .reset = item.op { return .success(.reset(try ResetResult(wire: members))) }
                    return .success(.step(try StepResult(wire: members)))
                } catch {
                    return .failure(error)
                }
            }
        }
    }

    func session(from fields: JSONObject) throws -> RemoteSession {
        guard let id = fields["session"]?.stringValue, let token = fields["token"]?.stringValue,
            let specValue = fields["spec"]
        else { throw ClientError.badResponse("make without session, token and spec") }
        let spec = try specValue.decode(EnvSpec.self)
        state.withLockedValue { $0.sessions[id] = token }
        return RemoteSession(client: self, id: id, token: token, spec: spec)
    }

    func forget(_ session: String) {
        _ = state.withLockedValue { $0.sessions.removeValue(forKey: session) }
    }

    /// Sessions this client made and has not closed.
    public var sessionCount: Int { state.withLockedValue { $0.sessions.count } }
}

/// The result of one batch item.
public enum BatchOutcome: Sendable, Equatable {
    case reset(ResetResult)
    case step(StepResult)
}

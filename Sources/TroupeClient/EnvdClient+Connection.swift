import NIOCore
import NIOPosix
import TroupeCore
import TroupeWire

/// Opening connections, and the automatic resume after a drop.
extension EnvdClient {
    /// Opens a connection (a new generation) and says hello on it; stores the server's limits.
    func openConnection() async throws {
        let generation = state.withLockedValue { state -> Int in
            state.generation += 1
            state.channel = nil
            return state.generation
        }
        let channel: any Channel
        do {
            let bootstrap = ClientBootstrap(group: group).channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ClientHandler(client: self, generation: generation, maxFrameBytes: options.maxResponseBytes))
                }
            }
            switch endpoint {
            case .unix(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port):
                channel = try await bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: host, port: port).get()
            }
        } catch {
            throw ClientError.connectionLost("cannot connect to \(endpoint): \(error)")
        }
        let current = state.withLockedValue { state -> Bool in
            guard state.generation == generation, !state.closed else { return false }
            state.channel = channel
            return true
        }
        guard current else {
            try? await channel.close()
            throw ClientError.closed
        }
        let hello = try await direct(.hello(version: WireProtocol.version, token: token), on: channel, generation)
        if let limits = try? hello["limits"]?.decode(ServerLimits.self) {
            state.withLockedValue { $0.limits = limits }
        }
    }

    /// Sends a request of the connection machinery on a given connection, whether or not the
    /// client is marked connected.
    func direct(_ request: Request, on channel: any Channel, _ generation: Int) async throws -> JSONObject {
        try await withCheckedThrowingContinuation { continuation in
            let frame = state.withLockedValue { state -> [UInt8] in
                let id = state.nextID
                state.nextID += 1
                var frame: [UInt8] = []
                request.writeFrame(id: .int(id), into: &frame)
                var entry = InFlight(frame: frame, sessions: [], continuation: continuation, sentOn: generation)
                entry.isInternal = true
                state.inFlight[id] = entry
                return frame
            }
            Self.write(frame, to: channel)
        }
    }

    /// The connection of `generation` closed (on its event loop).
    func dropped(generation: Int) {
        let (internalRequests, reconnect, giveUp) = state.withLockedValue {
            state -> ([InFlight], Bool, [InFlight]) in
            guard state.generation == generation, !state.closed else { return ([], false, []) }
            state.connected = false
            state.channel = nil
            let internalIDs = state.inFlight.filter { $0.value.isInternal }.map(\.key)
            let internalRequests = internalIDs.compactMap { state.inFlight.removeValue(forKey: $0) }
            guard options.reconnectWindow > .zero else {
                state.closed = true
                defer { state.inFlight = [:] }
                return (internalRequests, false, Array(state.inFlight.values))
            }
            // A drop during a reconnect fails that attempt's hello or resume; the running loop
            // tries again.
            defer { state.reconnecting = true }
            return (internalRequests, !state.reconnecting, [])
        }
        for request in internalRequests {
            request.continuation.resume(throwing: ClientError.connectionLost("the connection closed"))
        }
        for request in giveUp {
            request.continuation.resume(throwing: ClientError.connectionLost("the connection closed"))
        }
        if reconnect { Task { await self.reconnect() } }
    }

    /// Reconnects, resumes every session, and settles the requests that were in flight.
    func reconnect() async {
        let clock = ContinuousClock()
        let deadline = clock.now + options.reconnectWindow
        var delay = Duration.milliseconds(20)
        var lastError: any Error = ClientError.connectionLost("no attempt made")
        while clock.now < deadline, !state.withLockedValue({ $0.closed }) {
            do {
                try await openConnection()
                try await resumeSessions()
                return
            } catch let error as ClientError where error == .closed {
                state.withLockedValue { $0.reconnecting = false }
                return
            } catch {
                lastError = error
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
            }
        }
        let failed = state.withLockedValue { state -> [InFlight] in
            state.closed = true
            state.reconnecting = false
            defer { state.inFlight = [:] }
            return Array(state.inFlight.values)
        }
        let why = "reconnecting for \(options.reconnectWindow) failed (\(lastError))"
        for request in failed { request.continuation.resume(throwing: ClientError.connectionLost(why)) }
    }

    /// Takes every session back on the new connection (see the type's documentation for what
    /// happens to each request in flight), then sends what the server never received.
    private func resumeSessions() async throws {
        let (channel, generation, sessions, waiting) = state.withLockedValue { state in
            var waiting: [String: [JSONValue]] = [:]
            for (id, request) in state.inFlight where !request.isInternal {
                for session in request.sessions { waiting[session, default: []].append(.int(id)) }
            }
            return (state.channel, state.generation, state.sessions, waiting)
        }
        guard let channel else { throw ClientError.connectionLost("the new connection closed") }
        var lost: [String: WireError] = [:]
        for (session, token) in sessions {
            let answer: JSONObject
            do {
                answer = try await direct(
                    .resume(session: session, token: token, waiting: waiting[session] ?? []), on: channel, generation)
            } catch let error as WireError {
                lost[session] = error
                continue
            }
            for reply in answer["replies"]?.arrayValue ?? [] { received(reply) }
            let pending = Set((answer["pending"]?.arrayValue ?? []).compactMap(\.intValue))
            state.withLockedValue { state in
                for id in pending { state.inFlight[id]?.pendingOnServer = true }
            }
        }
        let (toSend, toFail) = state.withLockedValue { state -> ([[UInt8]], [(InFlight, WireError)]) in
            guard state.generation == generation else { return ([], []) }
            var toFail: [(InFlight, WireError)] = []
            for (session, error) in lost {
                state.sessions[session] = nil
                for (id, request) in state.inFlight where request.sessions.contains(session) {
                    state.inFlight[id] = nil
                    toFail.append((request, error))
                }
            }
            var toSend: [(Int64, [UInt8])] = []
            for (id, request) in state.inFlight where !request.isInternal && !request.pendingOnServer {
                if request.sentOn != generation {
                    state.inFlight[id]!.sentOn = generation
                    toSend.append((id, request.frame))
                }
            }
            for id in state.inFlight.keys { state.inFlight[id]!.pendingOnServer = false }
            state.connected = true
            // Set with `connected` under one lock, so that a drop from now on starts a new loop.
            state.reconnecting = false
            // Oldest first, so that a session's pipelined requests keep their order.
            return (toSend.sorted { $0.0 < $1.0 }.map(\.1), toFail)
        }
        for (request, error) in toFail { request.continuation.resume(throwing: error) }
        for frame in toSend { Self.write(frame, to: channel) }
    }

    /// Closes the connection as if the network had dropped it (tests of automatic resume).
    public func simulateConnectionDrop() async {
        let channel = state.withLockedValue { $0.channel }
        try? await channel?.close()
    }
}

/// Reads answers: frames them, parses them with json-c, and hands them to the client.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let client: EnvdClient
    private let generation: Int
    private var framer: LineFramer
    private let parser = JSONParser(maxDepth: 128)

    init(client: EnvdClient, generation: Int, maxFrameBytes: Int) {
        self.client = client
        self.generation = generation
        self.framer = LineFramer(maxFrameBytes: maxFrameBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { event in
                guard case .frame(let frame) = event, let value = try? parser.parse(frame) else { return }
                client.received(value)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.dropped(generation: generation)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

import NIOCore
import NIOWebSocket
import TroupeCore
import TroupeWire

/// One OpenEnv WebSocket after the upgrade: parses text frames, feeds them and the table's
/// answers to its `OpenEnvSession`, and carries out what the machine returns. It also keeps the
/// socket honest: pings are answered with pongs; the server pings an idle socket every
/// `wsPingMs` and closes one it has heard nothing from for `wsTimeoutMs`, so a half-open socket
/// (a peer that vanished without a FIN) frees its session instead of holding the slot forever
/// (OpenEnv #1000). When the socket closes, for any reason, its session is closed at once
/// (OpenEnv's clients cannot resume a session, so a lease would only hold the slot).
///
/// Invariant: every method runs on the channel's event loop.
final class OpenEnvSocketHandler: ChannelInboundHandler, ReplyReceiver {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let server: EnvServer
    private var machine: OpenEnvSession?
    private let spec: EnvSpec?
    private let requestedEnv: String
    private let settings: HTTPSettings
    private let parser: JSONParser
    private var connection = ConnectionID(0)
    private var context: ChannelHandlerContext?
    private var lastHeard = NIODeadline.now()
    private var pinger: RepeatedTask?
    private var closing = false
    /// The socket's environment is unknown: the error was sent and the socket closes soon.
    private var refused = false

    init(server: EnvServer, env: String, settings: HTTPSettings) {
        self.server = server
        self.requestedEnv = env
        self.settings = settings
        self.spec = server.registry.registrations[env]?.spec
        self.parser = JSONParser(maxDepth: 64)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        connection = server.register(context.channel, self)
        guard let spec else {
            // OpenEnv makes the environment at accept and reports a failed factory this way.
            send(
                OpenEnvWire.error(
                    .factoryError,
                    "unknown_env: no environment '\(requestedEnv)' on this server; the URL's path /envs/<id>/ws names one of: \(server.registry.specs.map(\.id).joined(separator: ", "))",
                    extra: ["factory_name": .string(requestedEnv), "troupe_code": "unknown_env"]))
            refused = true
            closeSoon()
            return
        }
        var machine = OpenEnvSession(
            spec: spec, config: settings.configs[spec.id] ?? .null, maxSessions: server.configuration.limits.maxSessions
        )
        let actions = machine.start()
        self.machine = machine
        perform(actions)
        if settings.wsPingMs > 0 {
            let interval = TimeAmount.milliseconds(Int64(settings.wsPingMs))
            // The task holds the handler until it is cancelled (when the channel goes inactive).
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            pinger = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                bound.value.tick()
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pinger?.cancel()
        pinger = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        pinger?.cancel()
        server.unregister(connection, keepSessions: false)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastHeard = .now()
        switch frame.opcode {
        case .text, .binary:
            let incoming: OpenEnvSession.Incoming
            do {
                incoming = .message(
                    try frame.unmaskedData.withUnsafeReadableBytes { try parser.parse($0) })
            } catch {
                incoming = .invalidJSON("\(error)")
            }
            guard var machine else {
                // The environment is unknown; the client has read the error by now.
                if refused { closeSocket() }
                return
            }
            let actions = machine.received(incoming)
            self.machine = machine
            perform(actions)
        case .ping:
            var payload = frame.unmaskedData
            let pong = context.channel.allocator.buffer(buffer: payload.readSlice(length: payload.readableBytes)!)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: pong)), promise: nil)
        case .connectionClose:
            // The peer closes: answer with a close frame (as RFC 6455 asks), then close.
            closeSocket()
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the peer, a protocol error or a failed write: the socket is over.
        context.close(promise: nil)
    }

    /// An answer from the table (the make, or the operation in flight).
    func receive(_ reply: Reply) {
        guard var machine else { return }
        let active = server.table.withLockedValue { $0.sessions.count }
        let actions = machine.replied(reply, activeSessions: active)
        self.machine = machine
        perform(actions)
    }

    private func perform(_ actions: [OpenEnvSession.Action]) {
        for action in actions {
            switch action {
            case .make(let request, let id):
                server.make(request, id: id, connection: connection)
            case .submit(let op, let session, let id):
                server.submit(op, session: session, id: id, connection: connection)
            case .send(let text):
                send(text)
            case .close:
                closeSocket()
            case .closeSoon:
                closeSoon()
            }
        }
    }

    private func send(_ text: String) {
        guard let context, !closing else { return }
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    /// Sends a normal-closure frame and closes the channel once it is written.
    private func closeSocket() {
        guard let context, !closing else { return }
        closing = true
        var code = context.channel.allocator.buffer(capacity: 2)
        code.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Closes the socket after a grace period (a refused session: the client reads the error
    /// after its first send; its next message closes the socket sooner).
    private func closeSoon() {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.refusalGrace) { bound.value.closeSocket() }
    }

    /// How long a socket whose session was refused stays open for the client to read why.
    static let refusalGrace = TimeAmount.seconds(5)

    /// Every `wsPingMs`: close a socket silent for `wsTimeoutMs`, otherwise ping it.
    private func tick() {
        guard let context, !closing else { return }
        let silent = NIODeadline.now() - lastHeard
        if settings.wsTimeoutMs > 0, silent >= .milliseconds(Int64(settings.wsTimeoutMs)) {
            server.logger.info(
                "websocket silent; closing it and its session",
                metadata: ["connection": "\(connection)", "silent_ms": "\(silent.nanoseconds / 1_000_000)"])
            context.close(promise: nil)
            return
        }
        let ping = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(string: "envd"))
        context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
    }
}

import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import TroupeCore
import TroupeWire

/// `envd`'s server: listens on a Unix socket and optionally TCP, and serves sessions of the
/// registry's environments over Troupe's protocol.
///
/// The protocol's rules live in `SessionTable` (a pure state machine) and the framing and
/// decoding in `TroupeWire`; this type only carries out the table's actions: it starts tasks that
/// run environment operations, makes environments, sends answers to connections, and ticks the
/// table's clocks. Each operation runs as a Swift task that prefers the event loop it was started
/// from (`EventLoopTaskExecutor`; `tasksOnEventLoops`), so a step and its answer stay on the
/// connection's thread.
///
/// Thread safety: every method may be called from any thread. The table is behind a lock held
/// only for its pure methods; connection handlers are touched only on their own event loops.
public final class EnvServer: Sendable {
    public let configuration: ServerConfiguration
    let registry: EnvRegistry
    let logger: Logger
    let group: any EventLoopGroup
    let shared = SharedResources()
    /// The specs as JSON, by environment id (`make`, `fork` and `resume` answer with them).
    let specs: [String: JSONValue]
    /// The answer to `list`.
    let listing: [JSONValue]
    let table: NIOLockedValueBox<SessionTable<HostedEnv>>
    let connections = NIOLockedValueBox(Connections())
    let startedAt = NIODeadline.now()
    let lifecycle = NIOLockedValueBox(Lifecycle())
    /// One task executor per event loop of the group.
    let executors: [EventLoopTaskExecutor]
    /// AgentGym's integer ids and what its endpoints report (`EnvServer+AgentGym.swift`).
    let agentGymState = NIOLockedValueBox(AgentGymState())

    struct Connections {
        var next: UInt64 = 1
        var sinks: [ConnectionID: ConnectionSink] = [:]
    }

    struct Lifecycle {
        var listeners: [any Channel] = []
        var ticker: RepeatedTask?
        var shuttingDown = false
        var boundAddresses: [String] = []
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// - Parameter group: the event loops to serve on (default: NIO's shared singleton group).
    public init(
        registry: EnvRegistry, configuration: ServerConfiguration, logger: Logger = Logger(label: "envd"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        self.group = group
        self.table = NIOLockedValueBox(SessionTable(limits: configuration.limits))
        self.executors = group.makeIterator().map { EventLoopTaskExecutor($0) }
        var specs: [String: JSONValue] = [:]
        for spec in registry.specs { specs[spec.id] = (try? JSONValue(encoding: spec)) ?? .null }
        self.specs = specs
        self.listing = registry.specs.map { specs[$0.id] ?? .null }
    }

    /// Binds the listeners and starts the clocks. Returns the addresses bound (`unix:PATH`,
    /// `tcp:HOST:PORT` with the real port when 0 was asked).
    @discardableResult
    public func start() async throws -> [String] {
        if let problem = configuration.problem { throw ServerError.badConfiguration(problem) }
        var bound: [String] = []
        if let path = configuration.unixSocket {
            try UnixSocketFile.prepare(path)
            let channel = try await UnixSocketFile.withPrivateUmask {
                try await bootstrap(requiresToken: false, tcp: false).bind(
                    unixDomainSocketPath: path, cleanupExistingSocketFile: false
                ).get()
            }
            try UnixSocketFile.restrict(path)
            lifecycle.withLockedValue { $0.listeners.append(channel) }
            bound.append("unix:\(path)")
        }
        if let tcp = configuration.tcp {
            let channel: any Channel
            do {
                channel = try await bootstrap(requiresToken: configuration.token != nil, tcp: true)
                    .bind(host: tcp.host, port: tcp.port).get()
            } catch {
                await closeListeners()
                throw ServerError.bindFailed("cannot listen on \(tcp): \(error)")
            }
            lifecycle.withLockedValue { $0.listeners.append(channel) }
            let port = channel.localAddress?.port ?? tcp.port
            bound.append("tcp:\(ServerConfiguration.TCPAddress(host: tcp.host, port: port))")
        }
        if let http = configuration.http {
            let channel: any Channel
            do {
                channel = try await httpBootstrap(http).bind(host: http.address.host, port: http.address.port).get()
            } catch {
                await closeListeners()
                throw ServerError.bindFailed("cannot listen for HTTP on \(http.address): \(error)")
            }
            lifecycle.withLockedValue { $0.listeners.append(channel) }
            let port = channel.localAddress?.port ?? http.address.port
            bound.append("http:\(ServerConfiguration.TCPAddress(host: http.address.host, port: port))")
            startAgentGym()
        }
        let tick = TimeAmount.nanoseconds(configuration.tickNanoseconds)
        let ticker = group.next().scheduleRepeatedTask(initialDelay: tick, delay: tick) { [self] _ in
            let now = Self.now()
            perform(table.withLockedValue { $0.tick(now: now) })
        }
        lifecycle.withLockedValue {
            $0.ticker = ticker
            $0.boundAddresses = bound
        }
        logger.info(
            "envd listening",
            metadata: [
                "addresses": .string(bound.joined(separator: " ")),
                "environments": .string(registry.specs.map(\.id).joined(separator: ",")),
            ])
        return bound
    }

    /// Waits until `shutdown` has finished.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let stopped = lifecycle.withLockedValue { state -> Bool in
                if !state.stopped { state.waiters.append(continuation) }
                return state.stopped
            }
            if stopped { continuation.resume() }
        }
    }

    /// Stops the server cleanly: stops accepting connections and new work, lets queued and running
    /// operations finish (up to `drainTimeout`), closes every session's environment, closes the
    /// connections and removes the socket file. Safe to call more than once.
    public func shutdown(drainTimeout: Duration = .seconds(30)) async {
        let first = lifecycle.withLockedValue { state -> Bool in
            defer { state.shuttingDown = true }
            return !state.shuttingDown
        }
        guard first else {
            await waitUntilStopped()
            return
        }
        logger.info("envd draining", metadata: ["in_flight": .stringConvertible(table.withLockedValue { $0.inFlight })])
        await closeListeners()
        perform(table.withLockedValue { $0.drain() })
        let clock = ContinuousClock()
        let deadline = clock.now + drainTimeout
        while table.withLockedValue({ $0.inFlight }) > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        lifecycle.withLockedValue { $0.ticker?.cancel() }
        let actions = table.withLockedValue { $0.removeAll(now: Self.now()) }
        for action in actions {
            if case .close(let env) = action { await env.env.close() } else { perform([action]) }
        }
        let sinks = connections.withLockedValue { Array($0.sinks.values) }
        for sink in sinks {
            // Queued answers are flushed before the close, which NIO orders after pending writes.
            try? await sink.channel?.close().get()
        }
        if let path = configuration.unixSocket { UnixSocketFile.removeIfOurs(path) }
        logger.info("envd stopped")
        let waiters = lifecycle.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func closeListeners() async {
        let listeners = lifecycle.withLockedValue { state -> [any Channel] in
            defer { state.listeners = [] }
            return state.listeners
        }
        for listener in listeners { try? await listener.close().get() }
    }

    private func bootstrap(requiresToken: Bool, tcp: Bool) -> ServerBootstrap {
        ServerBootstrap(group: group).envdOptions(tcp: tcp)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = ConnectionHandler(server: self, requiresToken: requiresToken)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
    }

    /// The HTTP listener's pipeline: HTTP/1.1 with NIO's pipelining assistance and a WebSocket
    /// upgrader for OpenEnv's socket routes; other requests go to `HTTPHandler`.
    private func httpBootstrap(_ settings: HTTPSettings) -> ServerBootstrap {
        let maxFrame = configuration.limits.maxFrameBytes
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                let http = HTTPHandler(server: self, settings: settings)
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: maxFrame,
                    shouldUpgrade: { channel, head in
                        guard case .openEnvSocket = HTTPRoute(target: head.uri) else {
                            return channel.eventLoop.makeSucceededFuture(nil)
                        }
                        return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                    },
                    upgradePipelineHandler: { [self] channel, head in
                        guard case .openEnvSocket(let env) = HTTPRoute(target: head.uri) else {
                            return channel.close()
                        }
                        return channel.eventLoop.makeCompletedFuture {
                            let handlers: [any ChannelHandler] = [
                                NIOWebSocketFrameAggregator(
                                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024,
                                    maxAccumulatedFrameSize: maxFrame),
                                OpenEnvSocketHandler(
                                    server: self, env: env ?? settings.defaultEnv ?? "", settings: settings),
                            ]
                            try channel.pipeline.syncOperations.addHandlers(handlers)
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                context.pipeline.removeHandler(name: "troupe.http", promise: nil)
                            }
                        ))
                    try channel.pipeline.syncOperations.addHandler(http, name: "troupe.http")
                }
            }
    }

    /// Uptime in nanoseconds: the table's clock.
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}

/// Where answers for one connection go: a function that hands a reply to the connection's handler
/// on its event loop, and the connection's channel, closed at shutdown (nil for a connection with
/// no socket of its own, such as the one that owns AgentGym's sessions).
struct ConnectionSink: Sendable {
    let channel: (any Channel)?
    let deliver: @Sendable (Reply) -> Void

    /// A sink for a handler that must be called on `channel`'s event loop.
    init(channel: any Channel, handler: any ReplyReceiver) {
        self.channel = channel
        let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        let loop = channel.eventLoop
        deliver = { reply in
            if loop.inEventLoop {
                bound.value.receive(reply)
            } else {
                loop.execute { bound.value.receive(reply) }
            }
        }
    }

    /// A sink with no channel: `deliver` is called on whatever thread finished the reply.
    init(deliver: @escaping @Sendable (Reply) -> Void) {
        self.channel = nil
        self.deliver = deliver
    }
}

/// A connection handler that takes the answers of its requests (called on its event loop).
protocol ReplyReceiver: AnyObject {
    func receive(_ reply: Reply)
}

/// A session's environment as the server holds it: the actor, and the same actor as an inline
/// environment when it runs inline, cast once when the session is made rather than on every step.
struct HostedEnv: Sendable {
    let env: any Environment
    /// `env` when it runs inline (`InlineEnvironment` with an isolation), else nil.
    let inline: (any InlineEnvironment)?

    init(_ env: any Environment) {
        self.env = env
        let inline = env as? any InlineEnvironment
        self.inline = inline?.inlineIsolation == nil ? nil : inline
    }
}

extension ServerBootstrap {
    /// The socket options of envd's protocol listeners (and of the NIO echo floor, which must
    /// match them): a backlog of 256, up to 16 reads per readable event, and on TCP address reuse
    /// and no Nagle delay.
    func envdOptions(tcp: Bool) -> ServerBootstrap {
        let bootstrap = serverChannelOption(.backlog, value: 256)
            .childChannelOption(.maxMessagesPerRead, value: 16)
        guard tcp else { return bootstrap }
        return bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    }
}

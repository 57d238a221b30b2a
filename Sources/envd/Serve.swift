import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import TroupeCatalog
import TroupeCore
import TroupeServer
import TroupeWire

extension Envd {
    /// `envd serve`: hosts the registered environments until SIGINT or SIGTERM.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the registered environments over Troupe's protocol.",
            discussion: """
                Listens on a Unix domain socket (mode 0600) and, with --tcp, on TCP. A TCP address \
                other than loopback needs --allow-remote and --token. SIGINT or SIGTERM drains \
                running operations and exits. Logs go to stderr. The protocol is in docs/protocol.md.
                """)

        @Option(help: "Unix socket path ('none' for no Unix socket).")
        var socket = Envd.defaultSocketPath

        @Option(help: "Also listen on TCP: PORT (loopback) or HOST:PORT.")
        var tcp: String?

        @Flag(help: "Allow a --tcp host that is not loopback (needs --token).")
        var allowRemote = false

        @Option(help: "Token TCP clients must present in hello (or set ENVD_TOKEN).")
        var token: String?

        @OptionGroup var limits: LimitOptions

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: Logger.Level = .info

        @Flag(
            inversion: .prefixedNo,
            help: "Run Swift tasks on NIO's event loops instead of the global pool (fewer thread switches).")
        var nioExecutor = true

        @Flag(
            help: """
                Give each operation's task an explicit preference for its connection's event loop. \
                Without it (and with --nio-executor) tasks run on the event loops anyway, through \
                the global executor, which costs less per step; without --nio-executor this is on.
                """)
        var tasksOnEventLoops = false

        @Option(help: "Seconds to let running operations finish at shutdown.")
        var drainSeconds = 30

        func validate() throws {
            if let tcp, ServerConfiguration.TCPAddress(parsing: tcp) == nil {
                throw ValidationError("--tcp '\(tcp)' is not PORT or HOST:PORT")
            }
            if socket == "none" && tcp == nil { throw ValidationError("with --socket none, give --tcp") }
        }

        func run() async throws {
            let level = logLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            if nioExecutor {
                _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            let configuration = ServerConfiguration(
                limits: limits.serverLimits, unixSocket: socket == "none" ? nil : socket,
                tcp: tcp.flatMap(ServerConfiguration.TCPAddress.init(parsing:)), allowRemote: allowRemote,
                token: token ?? ProcessInfo.processInfo.environment["ENVD_TOKEN"])
            if let problem = configuration.problem { throw ValidationError(problem) }
            var serverConfiguration = configuration
            serverConfiguration.tasksOnEventLoops = tasksOnEventLoops || !nioExecutor
            let server = EnvServer(registry: builtinEnvironments, configuration: serverConfiguration)
            let addresses: [String]
            do {
                addresses = try await server.start()
            } catch let error as ServerError {
                throw ValidationError(error.description)
            }
            // Scripts wait for this line on stdout to know the server is ready.
            print("envd ready \(addresses.joined(separator: " "))")
            fflush(nil)
            let signals = SignalWatcher(signals: [SIGINT, SIGTERM]) {
                Task { await server.shutdown(drainTimeout: .seconds(drainSeconds)) }
            }
            await server.waitUntilStopped()
            withExtendedLifetime(signals) {}
        }
    }

    /// The default socket (see `WireProtocol.defaultSocketPath`).
    static var defaultSocketPath: String { WireProtocol.defaultSocketPath }
}

/// The server's limits as options (shared by `serve` and `bench`).
struct LimitOptions: ParsableArguments {
    @Option(help: "Longest frame in bytes.")
    var maxFrameBytes = ServerLimits().maxFrameBytes
    @Option(help: "Live sessions, all connections together.")
    var maxSessions = ServerLimits().maxSessions
    @Option(help: "Sessions per connection.")
    var maxSessionsPerConnection = ServerLimits().maxSessionsPerConnection
    @Option(help: "Requests queued or running per session.")
    var maxPendingPerSession = ServerLimits().maxPendingPerSession
    @Option(help: "Items per batch.")
    var maxBatchItems = ServerLimits().maxBatchItems
    @Option(help: "Makes that may wait for a slot when the server is full.")
    var makeQueueLimit = ServerLimits().makeQueueLimit
    @Option(help: "Milliseconds a queued make waits before failing with capacity.")
    var makeQueueTimeoutMs = ServerLimits().makeQueueTimeoutMs
    @Option(help: "Milliseconds a reset or step may run (0: no limit).")
    var stepTimeoutMs = ServerLimits().stepTimeoutMs
    @Option(help: "Milliseconds of idleness before a session is reaped (0: never).")
    var idleTimeoutMs = ServerLimits().idleTimeoutMs
    @Option(help: "Milliseconds a session outlives its connection, waiting for resume.")
    var leaseMs = ServerLimits().leaseMs

    var serverLimits: ServerLimits {
        ServerLimits(
            maxFrameBytes: maxFrameBytes, maxSessions: maxSessions, maxSessionsPerConnection: maxSessionsPerConnection,
            maxPendingPerSession: maxPendingPerSession, maxBatchItems: maxBatchItems, makeQueueLimit: makeQueueLimit,
            makeQueueTimeoutMs: makeQueueTimeoutMs, stepTimeoutMs: stepTimeoutMs, idleTimeoutMs: idleTimeoutMs,
            leaseMs: leaseMs)
    }

    func validate() throws {
        if let problem = serverLimits.problem { throw ValidationError(problem) }
    }
}

/// Calls `handler` on SIGINT or SIGTERM instead of dying at once. Keep it alive while needed.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

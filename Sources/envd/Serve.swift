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

                With --http, also serves existing clients on one HTTP port: OpenEnv's WebSocket \
                protocol (/envs/ID/ws, or /ws for --http-env; /health, /schema, /metadata; see \
                docs/clients/openenv.md) and AgentGym's HTTP dialect (/agentgym/alfworld, \
                /agentgym/tools; see docs/clients/agentgym.md), on the same sessions and limits.
                """)

        @Option(help: "Unix socket path ('none' for no Unix socket).")
        var socket = Envd.defaultSocketPath

        @Option(help: "Also listen on TCP: PORT (loopback) or HOST:PORT.")
        var tcp: String?

        @Flag(help: "Allow a --tcp host that is not loopback (needs --token).")
        var allowRemote = false

        @Option(help: "Token TCP clients must present in hello (or set ENVD_TOKEN).")
        var token: String?

        @Option(
            help:
                "Also serve OpenEnv's WebSocket protocol and AgentGym's dialect over HTTP: PORT (loopback) or HOST:PORT."
        )
        var http: String?

        @Option(help: "The environment OpenEnv's /ws, /schema and /metadata serve when the URL names none.")
        var httpEnv: String?

        @Option(
            help: ArgumentHelp(
                "The configuration of sessions made over HTTP, as ID=JSON (repeatable).",
                discussion:
                    "OpenEnv and AgentGym clients cannot send make's config; e.g. alfworld-v0='{\"split\":\"eval_out\"}'."
            ))
        var httpConfig: [String] = []

        @Option(help: "Milliseconds between the server's pings on an idle OpenEnv WebSocket (0: none).")
        var wsPingMs = HTTPSettings(address: .init(host: "127.0.0.1", port: 0)).wsPingMs

        @Option(help: "Close an OpenEnv WebSocket (and its session) silent for this many milliseconds (0: never).")
        var wsTimeoutMs = HTTPSettings(address: .init(host: "127.0.0.1", port: 0)).wsTimeoutMs

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

        @Option(help: "Event loop threads (default: one per core).")
        var eventLoops: Int?

        func validate() throws {
            if let eventLoops, eventLoops < 1 { throw ValidationError("--event-loops must be at least 1") }
            if let tcp, ServerConfiguration.TCPAddress(parsing: tcp) == nil {
                throw ValidationError("--tcp '\(tcp)' is not PORT or HOST:PORT")
            }
            if socket == "none" && tcp == nil && http == nil {
                throw ValidationError("with --socket none, give --tcp or --http")
            }
            if let http, ServerConfiguration.TCPAddress(parsing: http) == nil {
                throw ValidationError("--http '\(http)' is not PORT or HOST:PORT")
            }
            if let httpEnv, builtinEnvironments.registrations[httpEnv] == nil {
                throw ValidationError(
                    "--http-env '\(httpEnv)' is not a registered environment; see envd list")
            }
            _ = try httpConfigs()
        }

        /// `--http-config ID=JSON`, parsed.
        func httpConfigs() throws -> [String: JSONValue] {
            var configs: [String: JSONValue] = [:]
            for item in httpConfig {
                guard let equals = item.firstIndex(of: "=") else {
                    throw ValidationError("--http-config '\(item)' is not ID=JSON")
                }
                let id = String(item[..<equals])
                guard builtinEnvironments.registrations[id] != nil else {
                    throw ValidationError("--http-config names '\(id)', which is not a registered environment")
                }
                do {
                    configs[id] = try JSONValue.parse(String(item[item.index(after: equals)...]))
                } catch {
                    throw ValidationError("--http-config for \(id) is not JSON: \(error)")
                }
            }
            return configs
        }

        func run() async throws {
            let level = logLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            if let eventLoops { NIOSingletons.groupLoopCountSuggestion = eventLoops }
            if nioExecutor {
                _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            let configuration = ServerConfiguration(
                limits: limits.serverLimits, unixSocket: socket == "none" ? nil : socket,
                tcp: tcp.flatMap(ServerConfiguration.TCPAddress.init(parsing:)), allowRemote: allowRemote,
                token: token ?? ProcessInfo.processInfo.environment["ENVD_TOKEN"])
            var serverConfiguration = configuration
            if let http, let address = ServerConfiguration.TCPAddress(parsing: http) {
                serverConfiguration.http = HTTPSettings(
                    address: address, defaultEnv: httpEnv, configs: try httpConfigs(), wsPingMs: wsPingMs,
                    wsTimeoutMs: wsTimeoutMs)
            }
            if let problem = serverConfiguration.problem { throw ValidationError(problem) }
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
            // Exit without running libraries' exit handlers: an operation that outlived the drain
            // (a local model mid-generation) may still be inside OpenBLAS, whose exit handler
            // joins its threads and would then wait forever. Everything that matters is written.
            fflush(nil)
            _exit(0)
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

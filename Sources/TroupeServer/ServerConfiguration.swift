import TroupeCore
import TroupeWire

/// How an `envd` server listens and what it allows. A plain value with defaults; `validate()`
/// says what is wrong before anything binds.
public struct ServerConfiguration: Sendable {
    /// Where a TCP listener binds.
    public struct TCPAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `host:port` (`[::1]:7000` for IPv6) or a bare port (loopback).
        public init?(parsing text: String) {
            if let port = Int(text) {
                self.init(host: "127.0.0.1", port: port)
                return
            }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }

        /// Whether the host is a loopback address (127.0.0.0/8, ::1 or localhost).
        public var isLoopback: Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The bounds the server enforces and reports in `hello`.
    public var limits: ServerLimits
    /// The Unix domain socket's path (file mode 0600); nil for none.
    public var unixSocket: String?
    /// A TCP listener; nil for none. Loopback only, unless `allowRemote` is set.
    public var tcp: TCPAddress?
    /// Allows a TCP address other than loopback. Requires `token`.
    public var allowRemote: Bool
    /// The token TCP clients must present in `hello` before anything else (nil: none needed).
    /// Clients of the Unix socket are trusted by the socket's file mode.
    public var token: String?
    /// The HTTP listener for the compatibility protocols (OpenEnv's WebSocket, AgentGym's HTTP
    /// dialect); nil for none. Loopback only, unless `allowRemote` is set (these protocols carry
    /// no token: their clients send none).
    public var http: HTTPSettings?
    /// Run environment operations as tasks that prefer the event loop they were started from
    /// (no thread switch, independent of the global pool); otherwise plain tasks on the global
    /// executor (which `envd serve` by default also places on the event loops).
    public var tasksOnEventLoops: Bool = true

    public init(
        limits: ServerLimits = ServerLimits(), unixSocket: String? = nil, tcp: TCPAddress? = nil,
        allowRemote: Bool = false,
        token: String? = nil
    ) {
        self.limits = limits
        self.unixSocket = unixSocket
        self.tcp = tcp
        self.allowRemote = allowRemote
        self.token = token
    }

    /// Why the configuration cannot work, or nil.
    public var problem: String? {
        if let problem = limits.problem { return problem }
        if unixSocket == nil && tcp == nil && http == nil {
            return "nothing to listen on: give a Unix socket path, a TCP address or an HTTP address"
        }
        if let http {
            if let problem = http.problem { return problem }
            if !http.address.isLoopback && !allowRemote {
                return
                    "HTTP on \(http.address.host) is not loopback; serving OpenEnv and AgentGym clients beyond this machine needs --allow-remote (their protocols carry no token)"
            }
        }
        if let path = unixSocket, path.utf8.count > 107 {
            return
                "the socket path \(path) is \(path.utf8.count) bytes; Unix sockets allow at most 107: choose a shorter one"
        }
        if let tcp {
            guard (0...65535).contains(tcp.port) else { return "TCP port \(tcp.port) is out of range (0-65535)" }
            if !tcp.isLoopback {
                guard allowRemote else {
                    return
                        "\(tcp.host) is not a loopback address; listening beyond this machine needs --allow-remote and --token"
                }
                guard let token, token.count >= 16 else {
                    return
                        "listening on \(tcp.host) needs a --token of at least 16 characters that clients present in hello"
                }
            }
        }
        if let token, token.isEmpty { return "the token is empty" }
        return nil
    }

    /// How often the server enforces timeouts, reaps and expires queued makes: a tenth of the
    /// shortest clock, between 2 ms and 250 ms.
    var tickNanoseconds: Int64 {
        let clocks = [limits.stepTimeoutMs, limits.idleTimeoutMs, limits.leaseMs, limits.makeQueueTimeoutMs].filter {
            $0 > 0
        }
        let shortest = clocks.min() ?? 2_500
        return Int64(min(250, max(2, shortest / 10))) * 1_000_000
    }
}

/// The HTTP listener of `envd serve --http`: OpenEnv's WebSocket protocol (`/ws`, `/health`,
/// `/schema`, `/metadata`) and AgentGym's HTTP dialect (`/agentgym/alfworld/…`,
/// `/agentgym/tools/…`), served over the same session table as the native protocol.
public struct HTTPSettings: Sendable {
    public var address: ServerConfiguration.TCPAddress
    /// The environment `/ws`, `/schema` and `/metadata` serve when the URL names none.
    public var defaultEnv: String?
    /// The `make` configuration of sessions these protocols open, by environment id (their
    /// clients cannot send one).
    public var configs: [String: JSONValue]
    /// How often the server pings an idle WebSocket, in milliseconds (0: never).
    public var wsPingMs: Int
    /// A WebSocket from which nothing (not even a pong) arrived for this long is closed and its
    /// session with it, in milliseconds (0: never). This is what frees the slot of a half-open
    /// socket.
    public var wsTimeoutMs: Int

    public init(
        address: ServerConfiguration.TCPAddress, defaultEnv: String? = nil, configs: [String: JSONValue] = [:],
        wsPingMs: Int = 20_000, wsTimeoutMs: Int = 60_000
    ) {
        self.address = address
        self.defaultEnv = defaultEnv
        self.configs = configs
        self.wsPingMs = wsPingMs
        self.wsTimeoutMs = wsTimeoutMs
    }

    /// Why these settings cannot work, or nil.
    public var problem: String? {
        guard (0...65535).contains(address.port) else { return "HTTP port \(address.port) is out of range (0-65535)" }
        if wsPingMs < 0 || wsTimeoutMs < 0 { return "WebSocket timeouts must not be negative (0 turns them off)" }
        if wsPingMs > 0 && wsTimeoutMs > 0 && wsTimeoutMs <= wsPingMs {
            return "the WebSocket timeout (\(wsTimeoutMs) ms) must be longer than the ping interval (\(wsPingMs) ms)"
        }
        for (env, config) in configs where !config.isNull && config.objectValue == nil {
            return "the HTTP configuration of \(env) must be a JSON object"
        }
        return nil
    }
}

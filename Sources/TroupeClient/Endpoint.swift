import TroupeCore

/// Where an `envd` listens: a Unix socket path or a TCP host and port.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    case unix(String)
    case tcp(host: String, port: Int)

    /// Parses `unix:PATH`, `tcp:HOST:PORT`, `HOST:PORT`, or a path (anything with a `/`).
    public init?(parsing text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unix(path)
            return
        }
        let rest = text.hasPrefix("tcp:") ? String(text.dropFirst(4)) : text
        if !text.hasPrefix("tcp:"), text.contains("/") {
            self = .unix(text)
            return
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }
}

/// Errors of the client itself (the server's errors arrive as `WireError` with the server's code).
public enum ClientError: CodedError, Equatable, CustomStringConvertible {
    /// The connection could not be made or re-made within the reconnect window.
    case connectionLost(String)
    /// The client was closed; no further requests are possible.
    case closed
    /// The server answered in a way this client does not understand.
    case badResponse(String)

    public var code: ErrorCode {
        switch self {
        case .connectionLost: return ErrorCode("connection_lost")
        case .closed: return ErrorCode("client_closed")
        case .badResponse: return .badFrame
        }
    }

    public var message: String {
        switch self {
        case .connectionLost(let why): return "the connection to envd is lost: \(why); check that the server is running"
        case .closed: return "the client was closed; connect again"
        case .badResponse(let why): return "unexpected answer from envd: \(why)"
        }
    }

    public var description: String { "\(code): \(message)" }
}

/// How a client behaves.
public struct ClientOptions: Sendable {
    /// How long to keep trying to reconnect after the link drops before failing the requests in
    /// flight with `connection_lost`. Zero turns automatic resume off.
    public var reconnectWindow: Duration
    /// The longest answer frame accepted, in bytes.
    public var maxResponseBytes: Int

    public init(reconnectWindow: Duration = .seconds(30), maxResponseBytes: Int = 1 << 28) {
        self.reconnectWindow = reconnectWindow
        self.maxResponseBytes = maxResponseBytes
    }
}

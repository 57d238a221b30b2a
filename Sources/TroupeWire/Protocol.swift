import Foundation
import TroupeCore

/// The constants of Troupe's native protocol (`docs/protocol.md` is the full specification).
///
/// One JSON object per line (UTF-8, `\n`). Every request carries an `id` (a string or an integer)
/// that its response echoes; requests may be pipelined, and one connection carries many sessions.
public enum WireProtocol {
    /// The protocol version this build speaks. `hello` may name it; a different one is
    /// `unsupported_version`.
    public static let version = 1

    /// The server's name in `hello`.
    public static let serverName = "envd"

    /// The Unix socket `envd serve` and its clients use when none is named: `$ENVD_SOCKET`, else
    /// `$XDG_RUNTIME_DIR/envd.sock`, else `/tmp/envd-UID.sock`.
    public static var defaultSocketPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["ENVD_SOCKET"], !path.isEmpty { return path }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/envd.sock" }
        return "/tmp/envd-\(getuid()).sock"
    }

    /// Every operation, by its `op` name.
    public static let operations: [String] = Op.allCases.map(\.rawValue)
}

/// The operation of a request (`op`).
public enum Op: String, Sendable, CaseIterable, Codable {
    case hello, list, make, reset, step, close, batch, snapshot, restore, fork, resume, stats
}

/// The bounds a server enforces, reported by `hello` so that clients can stay inside them.
public struct ServerLimits: Sendable, Codable, Equatable {
    /// The longest frame accepted, in bytes (not counting the newline).
    public var maxFrameBytes: Int
    /// Live sessions on the server, all connections together.
    public var maxSessions: Int
    /// Sessions one connection may hold (made, forked or resumed on it).
    public var maxSessionsPerConnection: Int
    /// Requests queued or running on one session at once (pipelining depth per session).
    public var maxPendingPerSession: Int
    /// Items in one `batch`.
    public var maxBatchItems: Int
    /// How many `make` requests may wait for a free slot when the server is full.
    public var makeQueueLimit: Int
    /// How long a queued `make` waits before it fails with `capacity`, in milliseconds.
    public var makeQueueTimeoutMs: Int
    /// How long one reset or step may run before it fails with `timeout` and its session is
    /// closed, in milliseconds (0: no limit).
    public var stepTimeoutMs: Int
    /// How long a session may sit idle before it is reaped, in milliseconds (0: never).
    public var idleTimeoutMs: Int
    /// How long a session outlives its connection, waiting to be resumed, in milliseconds.
    public var leaseMs: Int

    public init(
        maxFrameBytes: Int = 1 << 20, maxSessions: Int = 1024, maxSessionsPerConnection: Int = 1024,
        maxPendingPerSession: Int = 16, maxBatchItems: Int = 4096, makeQueueLimit: Int = 256,
        makeQueueTimeoutMs: Int = 30_000, stepTimeoutMs: Int = 60_000, idleTimeoutMs: Int = 600_000,
        leaseMs: Int = 60_000
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.maxSessions = maxSessions
        self.maxSessionsPerConnection = maxSessionsPerConnection
        self.maxPendingPerSession = maxPendingPerSession
        self.maxBatchItems = maxBatchItems
        self.makeQueueLimit = makeQueueLimit
        self.makeQueueTimeoutMs = makeQueueTimeoutMs
        self.stepTimeoutMs = stepTimeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.leaseMs = leaseMs
    }

    /// Why these limits cannot work, or nil when they can.
    public var problem: String? {
        if maxFrameBytes < 1024 { return "max frame bytes must be at least 1024" }
        if maxSessions < 1 { return "max sessions must be at least 1" }
        if maxSessionsPerConnection < 1 { return "max sessions per connection must be at least 1" }
        if maxPendingPerSession < 1 { return "max pending per session must be at least 1" }
        if maxBatchItems < 1 { return "max batch items must be at least 1" }
        if makeQueueLimit < 0 || makeQueueTimeoutMs < 0 { return "the make queue limits must not be negative" }
        if stepTimeoutMs < 0 || idleTimeoutMs < 0 { return "timeouts must not be negative (0 turns them off)" }
        if leaseMs < 0 { return "the lease must not be negative" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case maxFrameBytes = "max_frame_bytes"
        case maxSessions = "max_sessions"
        case maxSessionsPerConnection = "max_sessions_per_connection"
        case maxPendingPerSession = "max_pending_per_session"
        case maxBatchItems = "max_batch_items"
        case makeQueueLimit = "make_queue_limit"
        case makeQueueTimeoutMs = "make_queue_timeout_ms"
        case stepTimeoutMs = "step_timeout_ms"
        case idleTimeoutMs = "idle_timeout_ms"
        case leaseMs = "lease_ms"
    }
}

extension ErrorCode {
    /// A session already has `max_pending_per_session` requests queued or running; wait for
    /// answers before sending more to it.
    public static let tooManyPending = ErrorCode("too_many_pending")

    /// Every code the protocol can answer with, in the order `docs/protocol.md` lists them.
    /// Environments may add codes of their own (documented on their pages).
    public static let protocolCodes: [ErrorCode] = [
        .badFrame, .frameTooLarge, .badRequest, .unknownOp, .unsupportedVersion, .unauthorized,
        .unknownEnv, .unknownSession, .badToken, .capacity, .connectionLimit, .tooManyPending, .timeout,
        .shuttingDown, .badConfig, .badOptions, .resetNeeded, .episodeEnded, .invalidAction, .notSupported,
        .badSnapshot, .internal,
    ]
}

/// A request that cannot be carried out, as it crosses the socket: a stable code and a message
/// that says what to do. Servers send it as an error response; clients throw it.
public struct WireError: CodedError, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Any error as a wire error (its own code if it has one, otherwise `internal`).
    public init(_ error: any Error) {
        if let wire = error as? WireError {
            self = wire
        } else {
            self.init(error.troupeCode, error.troupeMessage)
        }
    }

    public var description: String { "\(code): \(message)" }
}

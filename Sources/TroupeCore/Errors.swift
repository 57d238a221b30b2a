/// A stable, machine-readable error code: what crosses the socket when something fails.
///
/// Codes are snake_case strings that never change meaning once published; `docs/protocol.md`
/// lists every one. The framework's codes are defined here; an environment family may add its own
/// (for example `upstream_timeout` for LLM backends) as static members in its module, and documents
/// them in its page.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // MARK: Frames and requests (wire)
    /// The frame is not valid JSON, not UTF-8, or nested too deeply.
    public static let badFrame = ErrorCode("bad_frame")
    /// The frame is longer than the server's `max_frame_bytes`.
    public static let frameTooLarge = ErrorCode("frame_too_large")
    /// The frame is JSON but not a valid request: a missing or ill-typed field.
    public static let badRequest = ErrorCode("bad_request")
    /// The `op` is not one the server knows.
    public static let unknownOp = ErrorCode("unknown_op")
    /// The client asked for a protocol version the server does not speak.
    public static let unsupportedVersion = ErrorCode("unsupported_version")
    /// A TCP client did not present the server's token.
    public static let unauthorized = ErrorCode("unauthorized")

    // MARK: Sessions (server)
    /// No environment is registered under that id.
    public static let unknownEnv = ErrorCode("unknown_env")
    /// The session id is not (or no longer) known: closed, reaped, or never made.
    public static let unknownSession = ErrorCode("unknown_session")
    /// The resume token does not match the session.
    public static let badToken = ErrorCode("bad_token")
    /// The server is at capacity and the wait queue is full, or the wait timed out.
    public static let capacity = ErrorCode("capacity")
    /// This connection holds as many sessions as the server allows per connection.
    public static let connectionLimit = ErrorCode("connection_limit")
    /// The step (or reset) took longer than the server's step timeout; the session is closed.
    public static let timeout = ErrorCode("timeout")
    /// The server is draining for shutdown and accepts no new work.
    public static let shuttingDown = ErrorCode("shutting_down")

    // MARK: Environments (core)
    /// The configuration given to `make` is invalid; the message names the field.
    public static let badConfig = ErrorCode("bad_config")
    /// `step` was called before the first `reset`.
    public static let resetNeeded = ErrorCode("reset_needed")
    /// `step` was called after the episode terminated or was truncated; call `reset`.
    public static let episodeEnded = ErrorCode("episode_ended")
    /// The action is not valid for this environment (wrong type, unparsable); the message says why.
    public static let invalidAction = ErrorCode("invalid_action")
    /// The environment does not support the operation (for example snapshot).
    public static let notSupported = ErrorCode("not_supported")
    /// A snapshot is malformed or belongs to another environment.
    public static let badSnapshot = ErrorCode("bad_snapshot")
    /// The reset options are invalid; the message names the option.
    public static let badOptions = ErrorCode("bad_options")
    /// An unexpected failure inside the server or an environment. A bug: please report it.
    public static let `internal` = ErrorCode("internal")
}

/// An error that carries a stable code, so that it can cross the socket and be recognized on the
/// other side. Errors without a code travel as `internal`.
public protocol CodedError: Error {
    /// The stable code.
    var code: ErrorCode { get }
    /// A message for a person: what went wrong and what to do next.
    var message: String { get }
}

/// The errors of the core: what an environment, a wrapper or the registry throws.
///
/// Environments throw these (or `failed` with a code of their own) rather than crashing; the server
/// turns each into an error response with the case's code.
public enum EnvError: CodedError, Equatable, CustomStringConvertible {
    /// The configuration is invalid; the message names the field and says what is allowed.
    case badConfig(String)
    /// The reset options are invalid; the message names the option.
    case badOptions(String)
    /// The action is not valid here; the message says what was expected.
    case invalidAction(String)
    /// `step` before the first `reset`.
    case resetNeeded
    /// `step` after `terminated` or `truncated`.
    case episodeEnded
    /// The environment does not support the operation named.
    case notSupported(String)
    /// A snapshot that is malformed or belongs elsewhere; the message says which.
    case badSnapshot(String)
    /// No environment is registered under the id; `known` lists the ids that are.
    case unknownEnv(String, known: [String])
    /// An environment-specific failure with its own stable code.
    case failed(code: ErrorCode, message: String)

    public var code: ErrorCode {
        switch self {
        case .badConfig: return .badConfig
        case .badOptions: return .badOptions
        case .invalidAction: return .invalidAction
        case .resetNeeded: return .resetNeeded
        case .episodeEnded: return .episodeEnded
        case .notSupported: return .notSupported
        case .badSnapshot: return .badSnapshot
        case .unknownEnv: return .unknownEnv
        case .failed(let code, _): return code
        }
    }

    public var message: String {
        switch self {
        case .badConfig(let m): return "invalid configuration: \(m)"
        case .badOptions(let m): return "invalid reset options: \(m)"
        case .invalidAction(let m): return "invalid action: \(m)"
        case .resetNeeded: return "the session has not been reset yet; call reset before step"
        case .episodeEnded:
            return "the episode has ended (terminated or truncated); call reset to start a new one"
        case .notSupported(let what): return "\(what) is not supported by this environment"
        case .badSnapshot(let m): return "invalid snapshot: \(m)"
        case .unknownEnv(let id, let known):
            return "no environment is registered as '\(id)'; known: \(known.joined(separator: ", "))"
        case .failed(_, let m): return m
        }
    }

    public var description: String { "\(code): \(message)" }
}

extension Error {
    /// The stable code of any error: its own if it is a `CodedError`, otherwise `internal`.
    public var troupeCode: ErrorCode { (self as? any CodedError)?.code ?? .internal }

    /// A message for any error: the `CodedError` message, or the error's description.
    public var troupeMessage: String { (self as? any CodedError)?.message ?? String(describing: self) }
}

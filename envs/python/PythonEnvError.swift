import TroupeCore

extension ErrorCode {
    /// `python-v0`: no sandbox worker can be started here (no interpreter, bubblewrap required but
    /// unusable, a start that keeps failing); the message says why and what to change.
    public static let sandboxUnavailable = ErrorCode("sandbox_unavailable")
}

/// The errors of the Python sandbox. Job outcomes (exceptions, timeouts, memory) are not errors:
/// they are results with a status. These are failures to run a job at all.
public enum PythonEnvError: CodedError, Equatable, CustomStringConvertible {
    /// The configured interpreter is missing, not executable, or too old.
    case badPython(String)
    /// The sandbox cannot start here; the message has the reason from bubblewrap or the worker.
    case sandboxUnavailable(String)
    /// The pool's queue is full (`max_queued` jobs wait); retry later or raise `max_queued`.
    case queueFull(capacity: Int)
    /// The pool was shut down before the job ran.
    case shutDown

    public var code: ErrorCode {
        switch self {
        case .badPython: return .badConfig
        case .sandboxUnavailable: return .sandboxUnavailable
        case .queueFull: return .capacity
        case .shutDown: return .shuttingDown
        }
    }

    public var message: String {
        switch self {
        case .badPython(let message): return message
        case .sandboxUnavailable(let message): return "the Python sandbox cannot start: \(message)"
        case .queueFull(let capacity):
            return
                "the Python worker pool already has \(capacity) jobs waiting; retry later, send fewer jobs at once, or raise `max_queued`"
        case .shutDown: return "the Python worker pool has shut down; make a new session"
        }
    }

    public var description: String { "\(code): \(message)" }
}

import TroupeCore

/// A request as typed data: what a client sends and the server carries out.
///
/// Invariant: every value built by `RequestDecoder` is valid (sessions are non-empty strings,
/// seeds are non-negative, batches hold only resets and steps and are within their limit).
public enum Request: Sendable, Equatable {
    /// Opens the conversation: the version the client speaks and, for servers that require it,
    /// the token. Answered with the server's version and limits.
    case hello(version: Int?, token: String?)
    /// The registered environments' specs.
    case list
    /// A new session of an environment.
    case make(MakeRequest)
    /// One operation on one session.
    case session(String, SessionOp)
    /// Many resets and steps, possibly on many sessions, answered in one frame.
    case batch([BatchItem])
    /// A new session whose state is a copy of `session`'s (needs the snapshot capability).
    case fork(session: String, seed: UInt64?)
    /// Takes over a session after a dropped connection; `waiting` are the ids of requests whose
    /// answers the client has not received.
    case resume(session: String, token: String, waiting: [JSONValue])
    /// Server counters.
    case stats

    /// The operation's name.
    public var op: Op {
        switch self {
        case .hello: return .hello
        case .list: return .list
        case .make: return .make
        case .session(_, let op): return op.op
        case .batch: return .batch
        case .fork: return .fork
        case .resume: return .resume
        case .stats: return .stats
        }
    }
}

/// The fields of `make`.
public struct MakeRequest: Sendable, Equatable {
    /// The environment id, such as `echo-v0`.
    public var env: String
    /// The environment's configuration (`null` for the defaults).
    public var config: JSONValue
    /// The session seed (nil: the server draws one).
    public var seed: UInt64?

    public init(env: String, config: JSONValue = .null, seed: UInt64? = nil) {
        self.env = env
        self.config = config
        self.seed = seed
    }
}

/// An operation on one session; each session carries out its operations in the order received.
public enum SessionOp: Sendable, Equatable {
    case reset(seed: UInt64?, options: JSONValue)
    case step(JSONValue)
    case close
    case snapshot
    case restore(JSONValue)

    public var op: Op {
        switch self {
        case .reset: return .reset
        case .step: return .step
        case .close: return .close
        case .snapshot: return .snapshot
        case .restore: return .restore
        }
    }
}

/// One item of a batch: a reset or a step of one session.
public struct BatchItem: Sendable, Equatable {
    public var session: String
    public var op: SessionOp

    public init(session: String, op: SessionOp) {
        self.session = session
        self.op = op
    }

    public static func step(_ session: String, _ action: JSONValue) -> BatchItem {
        BatchItem(session: session, op: .step(action))
    }

    public static func reset(_ session: String, seed: UInt64? = nil, options: JSONValue = .null) -> BatchItem {
        BatchItem(session: session, op: .reset(seed: seed, options: options))
    }
}

/// A decoded request and the `id` its response echoes (`null` when the request had none).
public struct Envelope: Sendable, Equatable {
    public var id: JSONValue
    public var request: Request

    public init(id: JSONValue, request: Request) {
        self.id = id
        self.request = request
    }
}

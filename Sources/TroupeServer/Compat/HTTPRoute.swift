import TroupeCore

/// What a URL on `envd`'s HTTP listener asks for. Pure: parsed from the request target alone, so
/// the WebSocket upgrader and the HTTP handler agree on every URL.
///
/// OpenEnv's client appends `/ws` to the base URL it is given, so an environment is chosen by the
/// path before it: `http://HOST:PORT/envs/alfworld-v0` is a base URL whose WebSocket is
/// `/envs/alfworld-v0/ws`. `/ws`, `/schema` and `/metadata` without an environment serve the
/// listener's default (`--http-env`), or the one named by an `env` query parameter.
/// AgentGym's clients likewise append their paths to a base URL: `/agentgym/alfworld` and
/// `/agentgym/tools`.
enum HTTPRoute: Equatable {
    /// OpenEnv's WebSocket; `env` nil means the default.
    case openEnvSocket(env: String?)
    /// OpenEnv's `GET /health`.
    case health
    /// OpenEnv's `GET /schema`: action, observation and state schemas.
    case schema(env: String?)
    /// OpenEnv's `GET /metadata`.
    case metadata(env: String?)
    /// `GET /` and `GET /envs`: what this listener serves.
    case index
    /// An AgentGym endpoint (`create`, `reset`, `step`, `close`, `observation`, …) of a family.
    case agentGym(AgentGymFamily, endpoint: String, query: [String: String])
    /// Nothing here.
    case notFound(path: String)

    /// Parses a request target such as `/envs/alfworld-v0/ws?x=1`.
    init(target: String) {
        let (path, query) = Self.split(target)
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var env = query["env"]
        if parts.first == "envs", parts.count >= 2 {
            env = parts[1]
            parts.removeFirst(2)
            if parts.isEmpty {
                self = .metadata(env: env)
                return
            }
        } else if parts.first == "agentgym", parts.count >= 2 {
            guard let family = AgentGymFamily(rawValue: parts[1]) else {
                self = .notFound(path: path)
                return
            }
            self = .agentGym(family, endpoint: parts.dropFirst(2).joined(separator: "/"), query: query)
            return
        }
        switch parts {
        case []: self = .index
        case ["envs"]: self = .index
        case ["ws"]: self = .openEnvSocket(env: env)
        case ["health"]: self = .health
        case ["schema"]: self = .schema(env: env)
        case ["metadata"]: self = .metadata(env: env)
        default: self = .notFound(path: path)
        }
    }

    /// The path and the decoded query parameters of a request target.
    static func split(_ target: String) -> (path: String, query: [String: String]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, [:]) }
        var query: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecoded(String(parts[0]))
            query[key] = parts.count > 1 ? percentDecoded(String(parts[1])) : ""
        }
        return (String(target[..<mark]), query)
    }

    /// `%41` and `+` decoded, as in a form-encoded query; malformed escapes are kept as they are.
    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8.removeFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The AgentGym environment families `envd` speaks the dialect of, and the environment each plays.
enum AgentGymFamily: String, CaseIterable, Sendable {
    /// `agentenv-alfworld`'s server: integer `id`, `game` indices, `available_actions`.
    case alfworld
    /// The tool servers (`agentenv-tool`: weather, movie, …): integer `env_idx`, a bare-int
    /// `/create`, a bare-string `/reset`.
    case tools

    /// The environment the family's sessions play.
    var envID: String {
        switch self {
        case .alfworld: return "alfworld-v0"
        case .tools: return "tools-v0"
        }
    }

    /// The name of the session id in requests (`id` for ALFWorld, `env_idx` for the tools).
    var idField: String {
        switch self {
        case .alfworld: return "id"
        case .tools: return "env_idx"
        }
    }
}

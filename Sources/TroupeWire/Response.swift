import TroupeCore

/// The body of a successful response: the members that follow `"ok":true`.
///
/// The server writes these straight into its output bytes (`write(into:)`), without building a
/// `JSONValue` tree first: steps and resets are the hot path.
public enum ResponseBody: Sendable {
    /// No members (close, restore).
    case empty
    /// `hello`: the protocol version, the server's name and its limits.
    case hello(version: Int, limits: ServerLimits, requiresToken: Bool)
    /// `list`: the specs, already as JSON (`{"envs":[…]}`).
    case list([JSONValue])
    /// `make` and `fork`: the new session, its resume token and its spec (as JSON).
    case made(session: String, token: String, spec: JSONValue)
    /// `reset`.
    case reset(ResetResult)
    /// `step`.
    case step(StepResult)
    /// `snapshot`.
    case snapshot(JSONValue)
    /// `batch`: one result per item, in order.
    case batch([Result<ResponseBody, WireError>])
    /// `resume`: the spec, the answers of waiting requests that had completed (whole responses,
    /// as they were first sent), and the ids of those still running, whose answers follow.
    case resumed(spec: JSONValue, replies: [Reply], pending: [JSONValue])
    /// `stats`: counters as a JSON object, written as its members.
    case stats(JSONObject)

    /// Writes the members, each preceded by a comma.
    public func write(into out: inout [UInt8]) {
        switch self {
        case .empty:
            break
        case .hello(let version, let limits, let requiresToken):
            Self.key("version", into: &out)
            JSONValue.number(version).write(into: &out)
            Self.key("server", into: &out)
            JSONValue.string(WireProtocol.serverName).write(into: &out)
            Self.key("requires_token", into: &out)
            JSONValue.bool(requiresToken).write(into: &out)
            Self.key("limits", into: &out)
            ((try? JSONValue(encoding: limits)) ?? .null).write(into: &out)
        case .list(let specs):
            Self.key("envs", into: &out)
            JSONValue.array(specs).write(into: &out)
        case .made(let session, let token, let spec):
            Self.key("session", into: &out)
            JSONValue.string(session).write(into: &out)
            Self.key("token", into: &out)
            JSONValue.string(token).write(into: &out)
            Self.key("spec", into: &out)
            spec.write(into: &out)
        case .reset(let result):
            Self.key("observation", into: &out)
            result.observation.write(into: &out)
            Self.key("info", into: &out)
            JSONValue.object(result.info).write(into: &out)
        case .step(let result):
            Self.key("observation", into: &out)
            result.observation.write(into: &out)
            Self.key("reward", into: &out)
            Self.writeReward(result.reward, into: &out)
            out.append(contentsOf: result.terminated ? #","terminated":true"#.utf8 : #","terminated":false"#.utf8)
            out.append(contentsOf: result.truncated ? #","truncated":true"#.utf8 : #","truncated":false"#.utf8)
            Self.key("info", into: &out)
            JSONValue.object(result.info).write(into: &out)
        case .snapshot(let snapshot):
            Self.key("snapshot", into: &out)
            snapshot.write(into: &out)
        case .batch(let results):
            Self.key("results", into: &out)
            out.append(UInt8(ascii: "["))
            for (index, result) in results.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Reply.writeObject(id: nil, result, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .resumed(let spec, let replies, let pending):
            Self.key("spec", into: &out)
            spec.write(into: &out)
            Self.key("replies", into: &out)
            out.append(UInt8(ascii: "["))
            for (index, reply) in replies.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                reply.writeObject(into: &out)
            }
            out.append(UInt8(ascii: "]"))
            Self.key("pending", into: &out)
            JSONValue.array(pending).write(into: &out)
        case .stats(let members):
            for (name, value) in members {
                Self.key(name, into: &out)
                value.write(into: &out)
            }
        }
    }

    /// Writes `,"name":`.
    @inline(__always)
    static func key(_ name: StaticString, into out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    static func key(_ name: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        JSONValue.string(name).write(into: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// Rewards are doubles on the wire; integral ones keep their `.0` so that clients in any
    /// language read a float.
    static func writeReward(_ reward: Double, into out: inout [UInt8]) {
        JSONValue.double(reward).write(into: &out)
    }
}

/// A complete response: the id it answers and its outcome.
public struct Reply: Sendable {
    public var id: JSONValue
    public var result: Result<ResponseBody, WireError>

    public init(id: JSONValue, result: Result<ResponseBody, WireError>) {
        self.id = id
        self.result = result
    }

    public init(id: JSONValue, error: WireError) {
        self.init(id: id, result: .failure(error))
    }

    /// Appends the response as one frame: the object and a newline.
    public func writeFrame(into out: inout [UInt8]) {
        writeObject(into: &out)
        out.append(0x0A)
    }

    /// Appends the response object (no newline).
    public func writeObject(into out: inout [UInt8]) {
        Self.writeObject(id: id, result, into: &out)
    }

    /// `{"id":…,"ok":true,…}` or `{"id":…,"ok":false,"error":{…}}`; without `id` for batch items.
    static func writeObject(id: JSONValue?, _ result: Result<ResponseBody, WireError>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        if let id {
            out.append(contentsOf: #""id":"#.utf8)
            id.write(into: &out)
            out.append(UInt8(ascii: ","))
        }
        switch result {
        case .success(let body):
            out.append(contentsOf: #""ok":true"#.utf8)
            body.write(into: &out)
        case .failure(let error):
            out.append(contentsOf: #""ok":false,"error":{"code":"#.utf8)
            JSONValue.string(error.code.rawValue).write(into: &out)
            out.append(contentsOf: #","message":"#.utf8)
            JSONValue.string(error.message).write(into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }
}

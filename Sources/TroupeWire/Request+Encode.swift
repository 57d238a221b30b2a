import TroupeCore

extension Request {
    /// The request as a JSON object with its id: what clients send. (`RequestDecoder` reads it
    /// back into an equal request.)
    public func json(id: JSONValue) -> JSONValue {
        var fields: JSONObject = ["id": id, "op": .string(op.rawValue)]
        switch self {
        case .hello(let version, let token):
            if let version { fields["version"] = .number(version) }
            if let token { fields["token"] = .string(token) }
        case .list, .stats:
            break
        case .make(let make):
            fields["env"] = .string(make.env)
            if !make.config.isNull { fields["config"] = make.config }
            if let seed = make.seed { fields["seed"] = Self.seed(seed) }
        case .session(let session, let op):
            fields["session"] = .string(session)
            Self.add(op, to: &fields)
        case .batch(let items):
            fields["items"] = .array(
                items.map { item in
                    var members: JSONObject = ["op": .string(item.op.op.rawValue), "session": .string(item.session)]
                    Self.add(item.op, to: &members)
                    return .object(members)
                })
        case .fork(let session, let seed):
            fields["session"] = .string(session)
            if let seed { fields["seed"] = Self.seed(seed) }
        case .resume(let session, let token, let waiting):
            fields["session"] = .string(session)
            fields["token"] = .string(token)
            fields["waiting"] = .array(waiting)
        }
        return .object(fields)
    }

    /// Appends the request as one frame (compact JSON and a newline): the bytes of
    /// `json(id:).serialized()`, written without building that tree (batches are the hot path).
    public func writeFrame(id: JSONValue, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        id.write(into: &out)
        ResponseBody.key("op", into: &out)
        JSONValue.writeString(op.rawValue, into: &out)
        switch self {
        case .session(let session, let op):
            ResponseBody.key("session", into: &out)
            JSONValue.writeString(session, into: &out)
            Self.write(op, into: &out)
        case .batch(let items):
            ResponseBody.key("items", into: &out)
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                out.append(contentsOf: index == 0 ? #"{"op":"#.utf8 : #",{"op":"#.utf8)
                JSONValue.writeString(item.op.op.rawValue, into: &out)
                ResponseBody.key("session", into: &out)
                JSONValue.writeString(item.session, into: &out)
                Self.write(item.op, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        default:  // the rare requests: members as `json(id:)` orders them
            guard case .object(let fields) = json(id: id) else { break }
            for (key, value) in fields.elements.dropFirst(2) {
                ResponseBody.key(key, into: &out)
                value.write(into: &out)
            }
        }
        out.append(contentsOf: "}\n".utf8)
    }

    private static func write(_ op: SessionOp, into out: inout [UInt8]) {
        switch op {
        case .reset(let seed, let options):
            if let seed {
                ResponseBody.key("seed", into: &out)
                Self.seed(seed).write(into: &out)
            }
            if !options.isNull {
                ResponseBody.key("options", into: &out)
                options.write(into: &out)
            }
        case .step(let action):
            ResponseBody.key("action", into: &out)
            action.write(into: &out)
        case .close, .snapshot:
            break
        case .restore(let snapshot):
            ResponseBody.key("snapshot", into: &out)
            snapshot.write(into: &out)
        }
    }

    private static func add(_ op: SessionOp, to fields: inout JSONObject) {
        switch op {
        case .reset(let seed, let options):
            if let seed { fields["seed"] = Self.seed(seed) }
            if !options.isNull { fields["options"] = options }
        case .step(let action):
            fields["action"] = action
        case .close, .snapshot:
            break
        case .restore(let snapshot):
            fields["snapshot"] = snapshot
        }
    }

    /// Seeds travel as JSON integers, so the wire carries 0...2^63-1; larger seeds are folded
    /// into that range (a client-side rule, documented with the protocol).
    static func seed(_ seed: UInt64) -> JSONValue { .int(Int64(bitPattern: seed & UInt64(Int64.max))) }
}

/// A response as a client reads it: the id, and either the members of a success or the error.
public struct ParsedResponse: Sendable {
    public var id: JSONValue
    public var result: Result<JSONObject, WireError>

    /// Reads a response object; a frame that is not one is a `bad_frame` error with a null id.
    public init(_ value: JSONValue) {
        guard case .object(let fields) = value, let ok = fields["ok"]?.boolValue else {
            self.id = .null
            self.result = .failure(
                WireError(
                    .badFrame, "the server sent a frame that is not a response: \(value.serialized().prefix(200))"))
            return
        }
        self.id = fields["id"] ?? .null
        if ok {
            self.result = .success(fields)
        } else {
            let code = fields["error"]?["code"]?.stringValue ?? ErrorCode.internal.rawValue
            let message = fields["error"]?["message"]?.stringValue ?? "the server gave no message"
            self.result = .failure(WireError(ErrorCode(code), message))
        }
    }
}

extension StepResult {
    /// Reads the members of a step response (or of a batch item).
    public init(wire fields: JSONObject) throws(WireError) {
        try self.init(from: JSONValue.object(fields))
    }

    /// Reads a step response (or a batch item) from json-c's tree (`JSONParser.withParsed`).
    package init(reading response: JSONCNode) throws(WireError) {
        try self.init(from: response)
    }

    /// Generic code is specialized only inside its module: callers use the concrete entry points.
    init<Node: JSONReadable>(from response: Node) throws(WireError) {
        guard let observation = response.member("observation"), let reward = response.member("reward")?.doubleValue,
            let terminated = response.member("terminated")?.boolValue,
            let truncated = response.member("truncated")?.boolValue
        else {
            throw WireError(.badFrame, "a step response needs observation, reward, terminated and truncated")
        }
        self.init(
            observation: try Self.copy(observation), reward: reward, terminated: terminated, truncated: truncated,
            info: try Self.info(response))
    }
}

extension ResetResult {
    /// Reads the members of a reset response (or of a batch item).
    public init(wire fields: JSONObject) throws(WireError) {
        try self.init(from: JSONValue.object(fields))
    }

    /// Reads a reset response (or a batch item) from json-c's tree (`JSONParser.withParsed`).
    package init(reading response: JSONCNode) throws(WireError) {
        try self.init(from: response)
    }

    init<Node: JSONReadable>(from response: Node) throws(WireError) {
        guard let observation = response.member("observation") else {
            throw WireError(.badFrame, "a reset response needs an observation")
        }
        self.init(observation: try StepResult.copy(observation), info: try StepResult.info(response))
    }
}

extension StepResult {
    /// A value of a response, copied out of its document.
    static func copy<Node: JSONReadable>(_ value: Node) throws(WireError) -> JSONValue {
        do {
            return try value.jsonValue()
        } catch {
            throw WireError(.badFrame, "the server sent a value this client cannot read: \(error)")
        }
    }

    /// The `info` member: an object, or empty when it is absent or not an object.
    static func info<Node: JSONReadable>(_ response: Node) throws(WireError) -> JSONObject {
        guard let info = response.member("info"), info.isObject else { return [:] }
        return try copy(info).objectValue ?? [:]
    }
}

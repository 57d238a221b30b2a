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

    /// Appends the request as one frame (compact JSON and a newline).
    public func writeFrame(id: JSONValue, into out: inout [UInt8]) {
        json(id: id).write(into: &out)
        out.append(0x0A)
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
        guard let observation = fields["observation"], let reward = fields["reward"]?.doubleValue,
            let terminated = fields["terminated"]?.boolValue, let truncated = fields["truncated"]?.boolValue
        else {
            throw WireError(.badFrame, "a step response needs observation, reward, terminated and truncated")
        }
        self.init(
            observation: observation, reward: reward, terminated: terminated, truncated: truncated,
            info: fields["info"]?.objectValue ?? [:])
    }
}

extension ResetResult {
    /// Reads the members of a reset response (or of a batch item).
    public init(wire fields: JSONObject) throws(WireError) {
        guard let observation = fields["observation"] else {
            throw WireError(.badFrame, "a reset response needs an observation")
        }
        self.init(observation: observation, info: fields["info"]?.objectValue ?? [:])
    }
}

import TroupeCore

/// Turns a parsed frame into a typed request, or into a `bad_request` / `unknown_op` error whose
/// message names the field and says what is expected.
///
/// The decoder reads any `JSONReadable`: a `JSONValue`, or json-c's tree straight from the parser
/// (the server's path), where it copies out only the values a request keeps (actions, configs,
/// options, snapshots). Members a request does not use are never read.
public struct RequestDecoder: Sendable {
    /// The most items a batch may hold.
    public var maxBatchItems: Int

    public init(maxBatchItems: Int = ServerLimits().maxBatchItems) {
        self.maxBatchItems = maxBatchItems
    }

    /// The id of a frame for an error response, as far as it can be found: the `id` member if it
    /// is a string or an integer, `null` otherwise.
    public static func id(of frame: JSONValue) -> JSONValue { id(in: frame) }

    // Generic code is specialized only inside its module: the public and package entry points take
    // concrete types, so that the server's path runs specialized code for json-c's tree.
    private static func id<Node: JSONReadable>(in frame: Node) -> JSONValue {
        guard let id = frame.member("id") else { return .null }
        if let string = id.stringValue { return .string(string) }
        if let int = id.exactInt { return .int(int) }
        return .null
    }

    /// Decodes one request.
    ///
    /// - Throws: `DecodeFailure`, which carries the id (when one was readable) and the error.
    public func decode(_ frame: JSONValue) throws(DecodeFailure) -> Envelope { try decodeAny(frame) }

    /// Decodes one request from json-c's tree (`JSONParser.withParsed`).
    package func decode(_ frame: JSONCNode) throws(DecodeFailure) -> Envelope { try decodeAny(frame) }

    private func decodeAny<Node: JSONReadable>(_ frame: Node) throws(DecodeFailure) -> Envelope {
        let id = Self.id(in: frame)
        do {
            return Envelope(id: id, request: try request(frame))
        } catch let error as WireError {
            throw DecodeFailure(id: id, error: error)
        } catch let error as JSONParseError {  // a number out of range in a value it copied out
            throw DecodeFailure(
                id: id,
                error: WireError(.badFrame, "the frame is not valid JSON (\(error)); send one JSON object per line"))
        } catch {
            throw DecodeFailure(id: id, error: WireError(.internal, "\(error)"))
        }
    }

    private func request<Node: JSONReadable>(_ frame: Node) throws -> Request {
        guard frame.isObject else {
            throw WireError(
                .badRequest,
                "a request must be a JSON object such as {\"id\":1,\"op\":\"hello\"}, got \(frame.typeName)")
        }
        if let id = frame.member("id"), id.stringValue == nil, id.exactInt == nil {
            throw WireError(.badRequest, "`id` must be a string or an integer, got \(id.typeName)")
        }
        guard let opValue = frame.member("op") else {
            throw WireError(.badRequest, "missing `op`; one of: \(WireProtocol.operations.joined(separator: ", "))")
        }
        guard let name = opValue.stringValue else {
            throw WireError(.badRequest, "`op` must be a string, got \(opValue.typeName)")
        }
        guard let op = Op(rawValue: name) else {
            throw WireError(
                .unknownOp, "unknown op '\(name)'; the ops are: \(WireProtocol.operations.joined(separator: ", "))")
        }
        let f = Fields(op: op.rawValue, values: frame)
        switch op {
        case .hello:
            return .hello(version: try f.optionalInt("version"), token: try f.optionalString("token"))
        case .list:
            return .list
        case .stats:
            return .stats
        case .make:
            return .make(
                MakeRequest(env: try f.string("env"), config: try f.value("config"), seed: try f.seed("seed")))
        case .reset, .step, .close, .snapshot, .restore:
            return .session(try f.session(), try sessionOp(op, f))
        case .batch:
            return .batch(try batch(f))
        case .fork:
            return .fork(session: try f.session(), seed: try f.seed("seed"))
        case .resume:
            var waiting: [JSONValue] = []
            if let ids = try f.optionalArray("waiting") {
                for index in 0..<(ids.arrayCount ?? 0) {
                    let id = ids.element(index)
                    guard id.stringValue != nil || id.exactInt != nil else {
                        throw WireError(
                            .badRequest, "`waiting` holds request ids (strings or integers), got \(id.typeName)")
                    }
                    waiting.append(try id.jsonValue())
                }
            }
            return .resume(session: try f.session(), token: try f.string("token"), waiting: waiting)
        }
    }

    private func sessionOp<Node: JSONReadable>(_ op: Op, _ f: Fields<Node>) throws -> SessionOp {
        switch op {
        case .reset:
            return .reset(seed: try f.seed("seed"), options: try f.options())
        case .step:
            guard let action = f.values.member("action") else {
                throw WireError(
                    .badRequest, "`step` needs `action` (a string for text environments, any JSON otherwise)")
            }
            return .step(try action.jsonValue())
        case .close: return .close
        case .snapshot: return .snapshot
        case .restore:
            guard let snapshot = f.values.member("snapshot"), !snapshot.isNull else {
                throw WireError(.badRequest, "`restore` needs `snapshot`: the object a `snapshot` request returned")
            }
            return .restore(try snapshot.jsonValue())
        default:
            throw WireError(.badRequest, "`\(op.rawValue)` is not an operation on one session")
        }
    }

    private func batch<Node: JSONReadable>(_ f: Fields<Node>) throws -> [BatchItem] {
        guard let items = try f.optionalArray("items"), let count = items.arrayCount else {
            throw WireError(.badRequest, "`batch` needs `items`: an array of {\"op\":\"step\"|\"reset\",\"session\":…}")
        }
        guard count > 0 else { throw WireError(.badRequest, "`items` is empty; send at least one reset or step") }
        guard count <= maxBatchItems else {
            throw WireError(
                .badRequest,
                "the batch holds \(count) items; this server allows at most \(maxBatchItems) (hello's max_batch_items): split it"
            )
        }
        var decoded: [BatchItem] = []
        decoded.reserveCapacity(count)
        for index in 0..<count {
            let item = items.element(index)
            guard item.isObject else {
                throw WireError(.badRequest, "items[\(index)] must be an object, got \(item.typeName)")
            }
            let f = Fields(op: "batch items[\(index)]", values: item)
            let name = try f.string("op")
            guard name == "step" || name == "reset", let op = Op(rawValue: name) else {
                throw WireError(.badRequest, "items[\(index)].op is '\(name)'; a batch holds only `reset` and `step`")
            }
            decoded.append(BatchItem(session: try f.session(), op: try sessionOp(op, f)))
        }
        return decoded
    }
}

/// A request that could not be decoded, with the id its error response echoes.
public struct DecodeFailure: Error, Sendable {
    public var id: JSONValue
    public var error: WireError
}

/// Typed access to a request's members, with messages that name the op and the field.
private struct Fields<Node: JSONReadable> {
    let op: String
    /// The request's object.
    let values: Node

    func string(_ key: String) throws -> String {
        guard let value = values.member(key) else {
            throw WireError(.badRequest, "`\(op)` needs `\(key)` (a string)")
        }
        guard let string = value.stringValue else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be a string, got \(value.typeName)")
        }
        return string
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = values.member(key), !value.isNull else { return nil }
        guard let string = value.stringValue else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be a string, got \(value.typeName)")
        }
        return string
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = values.member(key), !value.isNull else { return nil }
        guard let int = value.exactInt, let small = Int(exactly: int) else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be an integer, got \(Self.text(value))")
        }
        return small
    }

    func optionalArray(_ key: String) throws -> Node? {
        guard let value = values.member(key), !value.isNull else { return nil }
        guard value.arrayCount != nil else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be an array, got \(value.typeName)")
        }
        return value
    }

    /// Any JSON value, copied out; absent is `null`.
    func value(_ key: String) throws -> JSONValue {
        try values.member(key)?.jsonValue() ?? .null
    }

    /// A seed: absent or null for none, otherwise an integer in 0...2^63-1.
    func seed(_ key: String) throws -> UInt64? {
        guard let value = values.member(key), !value.isNull else { return nil }
        guard let int = value.exactInt, int >= 0 else {
            throw WireError(
                .badRequest,
                "`\(key)` of `\(op)` must be an integer from 0 to 9223372036854775807, got \(Self.text(value))")
        }
        return UInt64(int)
    }

    /// The session id: a non-empty string.
    func session() throws -> String {
        let id = try string("session")
        guard !id.isEmpty else {
            throw WireError(.badRequest, "`session` of `\(op)` is empty; use the id make returned")
        }
        return id
    }

    /// Reset options: absent, null or an object.
    func options() throws -> JSONValue {
        guard let value = values.member("options"), !value.isNull else { return .null }
        guard value.isObject else {
            throw WireError(.badRequest, "`options` of `\(op)` must be an object, got \(value.typeName)")
        }
        return try value.jsonValue()
    }

    /// A value as an error message shows it: its JSON text, or its type when it cannot be copied.
    private static func text(_ value: Node) -> String {
        (try? value.jsonValue().serialized()) ?? "a \(value.typeName) out of range"
    }
}

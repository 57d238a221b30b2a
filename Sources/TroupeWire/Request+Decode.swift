import TroupeCore

/// Turns a parsed frame into a typed request, or into a `bad_request` / `unknown_op` error whose
/// message names the field and says what is expected.
public struct RequestDecoder: Sendable {
    /// The most items a batch may hold.
    public var maxBatchItems: Int

    public init(maxBatchItems: Int = ServerLimits().maxBatchItems) {
        self.maxBatchItems = maxBatchItems
    }

    /// The id of a frame for an error response, as far as it can be found: the `id` member if it
    /// is a string or an integer, `null` otherwise.
    public static func id(of frame: JSONValue) -> JSONValue {
        guard let id = frame["id"] else { return .null }
        switch id {
        case .string, .int: return id
        default: return .null
        }
    }

    /// Decodes one request.
    ///
    /// - Throws: `DecodeFailure`, which carries the id (when one was readable) and the error.
    public func decode(_ frame: JSONValue) throws(DecodeFailure) -> Envelope {
        let id = Self.id(of: frame)
        do {
            return Envelope(id: id, request: try request(frame))
        } catch let error as WireError {
            throw DecodeFailure(id: id, error: error)
        } catch {
            throw DecodeFailure(id: id, error: WireError(.internal, "\(error)"))
        }
    }

    private func request(_ frame: JSONValue) throws -> Request {
        guard case .object(let fields) = frame else {
            throw WireError(
                .badRequest,
                "a request must be a JSON object such as {\"id\":1,\"op\":\"hello\"}, got \(frame.typeName)")
        }
        if let id = fields["id"] {
            switch id {
            case .string, .int: break
            default: throw WireError(.badRequest, "`id` must be a string or an integer, got \(id.typeName)")
            }
        }
        guard let opValue = fields["op"] else {
            throw WireError(.badRequest, "missing `op`; one of: \(WireProtocol.operations.joined(separator: ", "))")
        }
        guard let name = opValue.stringValue else {
            throw WireError(.badRequest, "`op` must be a string, got \(opValue.typeName)")
        }
        guard let op = Op(rawValue: name) else {
            throw WireError(
                .unknownOp, "unknown op '\(name)'; the ops are: \(WireProtocol.operations.joined(separator: ", "))")
        }
        let f = Fields(op: op.rawValue, values: fields)
        switch op {
        case .hello:
            return .hello(version: try f.optionalInt("version"), token: try f.optionalString("token"))
        case .list:
            return .list
        case .stats:
            return .stats
        case .make:
            return .make(
                MakeRequest(env: try f.string("env"), config: f.values["config"] ?? .null, seed: try f.seed("seed")))
        case .reset, .step, .close, .snapshot, .restore:
            return .session(try f.session(), try sessionOp(op, f))
        case .batch:
            return .batch(try batch(f))
        case .fork:
            return .fork(session: try f.session(), seed: try f.seed("seed"))
        case .resume:
            let waiting = try f.optionalArray("waiting") ?? []
            for id in waiting {
                switch id {
                case .string, .int: continue
                default:
                    throw WireError(
                        .badRequest, "`waiting` holds request ids (strings or integers), got \(id.typeName)")
                }
            }
            return .resume(session: try f.session(), token: try f.string("token"), waiting: waiting)
        }
    }

    private func sessionOp(_ op: Op, _ f: Fields) throws -> SessionOp {
        switch op {
        case .reset:
            return .reset(seed: try f.seed("seed"), options: try f.options())
        case .step:
            guard let action = f.values["action"] else {
                throw WireError(
                    .badRequest, "`step` needs `action` (a string for text environments, any JSON otherwise)")
            }
            return .step(action)
        case .close: return .close
        case .snapshot: return .snapshot
        case .restore:
            guard let snapshot = f.values["snapshot"], !snapshot.isNull else {
                throw WireError(.badRequest, "`restore` needs `snapshot`: the object a `snapshot` request returned")
            }
            return .restore(snapshot)
        default:
            throw WireError(.badRequest, "`\(op.rawValue)` is not an operation on one session")
        }
    }

    private func batch(_ f: Fields) throws -> [BatchItem] {
        guard let items = try f.optionalArray("items") else {
            throw WireError(.badRequest, "`batch` needs `items`: an array of {\"op\":\"step\"|\"reset\",\"session\":…}")
        }
        guard !items.isEmpty else { throw WireError(.badRequest, "`items` is empty; send at least one reset or step") }
        guard items.count <= maxBatchItems else {
            throw WireError(
                .badRequest,
                "the batch holds \(items.count) items; this server allows at most \(maxBatchItems) (hello's max_batch_items): split it"
            )
        }
        var decoded: [BatchItem] = []
        decoded.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else {
                throw WireError(.badRequest, "items[\(index)] must be an object, got \(item.typeName)")
            }
            let f = Fields(op: "batch items[\(index)]", values: fields)
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
private struct Fields {
    let op: String
    let values: JSONObject

    func string(_ key: String) throws -> String {
        guard let value = values[key] else { throw WireError(.badRequest, "`\(op)` needs `\(key)` (a string)") }
        guard let string = value.stringValue else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be a string, got \(value.typeName)")
        }
        return string
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let string = value.stringValue else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be a string, got \(value.typeName)")
        }
        return string
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = values[key], !value.isNull else { return nil }
        guard case .int(let int) = value, let small = Int(exactly: int) else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be an integer, got \(value)")
        }
        return small
    }

    func optionalArray(_ key: String) throws -> [JSONValue]? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let array = value.arrayValue else {
            throw WireError(.badRequest, "`\(key)` of `\(op)` must be an array, got \(value.typeName)")
        }
        return array
    }

    /// A seed: absent or null for none, otherwise an integer in 0...2^63-1.
    func seed(_ key: String) throws -> UInt64? {
        guard let value = values[key], !value.isNull else { return nil }
        guard case .int(let int) = value, int >= 0 else {
            throw WireError(
                .badRequest, "`\(key)` of `\(op)` must be an integer from 0 to 9223372036854775807, got \(value)")
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
        guard let value = values["options"], !value.isNull else { return .null }
        guard case .object = value else {
            throw WireError(.badRequest, "`options` of `\(op)` must be an object, got \(value.typeName)")
        }
        return value
    }
}

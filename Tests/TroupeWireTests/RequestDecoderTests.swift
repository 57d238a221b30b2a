import Testing
import TroupeCore

@testable import TroupeWire

/// Decoding requests: every op round-trips, and every malformed request is a precise error.
@Suite struct RequestDecoderTests {
    static let requests: [Request] = [
        .hello(version: 1, token: nil), .hello(version: nil, token: "secret-token-123"), .list, .stats,
        .make(MakeRequest(env: "echo-v0", config: ["words": ["a", "b"]], seed: 7)),
        .make(MakeRequest(env: "echo-v0")),
        .session("s1", .reset(seed: 3, options: ["level": 2])), .session("s1", .reset(seed: nil, options: .null)),
        .session("s1", .step("go north")), .session("s1", .step(["tool": "x", "args": [1, 2]])),
        .session("s1", .close), .session("s1", .snapshot), .session("s1", .restore(["env": "echo-v0"])),
        .batch([.step("s1", "a"), .reset("s2", seed: 9), .step("s2", "b")]),
        .fork(session: "s1", seed: nil), .fork(session: "s1", seed: 5),
        .resume(session: "s1", token: "abc", waiting: [1, "x"]),
    ]

    @Test(arguments: requests)
    func roundTrip(request: Request) throws {
        var bytes: [UInt8] = []
        request.writeFrame(id: 12, into: &bytes)
        #expect(bytes.last == 0x0A)
        #expect(!bytes.dropLast().contains(0x0A))
        let decoded = try RequestDecoder().decode(try JSONValue.parse(Array(bytes.dropLast())))
        #expect(decoded == Envelope(id: 12, request: request))
        // The server's path: the same request, read from json-c's tree.
        let fromTree = try bytes.withUnsafeBytes { try JSONParser().withParsed($0) { try RequestDecoder().decode($0) } }
        #expect(fromTree == decoded)
        // The frame is written without a tree, byte for byte as the tree would write it.
        #expect(bytes == Array((request.json(id: 12).serialized() + "\n").utf8))
    }

    static let malformed: [(String, ErrorCode, String)] = [
        ("[1,2]", .badRequest, "must be a JSON object"),
        ("{\"id\":1}", .badRequest, "missing `op`"),
        ("{\"id\":1,\"op\":7}", .badRequest, "`op` must be a string"),
        ("{\"id\":1,\"op\":\"jump\"}", .unknownOp, "unknown op 'jump'"),
        ("{\"id\":[1],\"op\":\"list\"}", .badRequest, "`id` must be a string or an integer"),
        ("{\"id\":1,\"op\":\"make\"}", .badRequest, "`make` needs `env`"),
        ("{\"id\":1,\"op\":\"make\",\"env\":3}", .badRequest, "`env` of `make` must be a string"),
        (
            "{\"id\":1,\"op\":\"make\",\"env\":\"echo-v0\",\"seed\":-1}", .badRequest,
            "`seed` of `make` must be an integer"
        ),
        ("{\"id\":1,\"op\":\"make\",\"env\":\"echo-v0\",\"seed\":1.5}", .badRequest, "`seed` of `make`"),
        ("{\"id\":1,\"op\":\"step\",\"action\":\"x\"}", .badRequest, "`step` needs `session`"),
        ("{\"id\":1,\"op\":\"step\",\"session\":\"\"}", .badRequest, "`session` of `step` is empty"),
        ("{\"id\":1,\"op\":\"step\",\"session\":\"s1\"}", .badRequest, "`step` needs `action`"),
        (
            "{\"id\":1,\"op\":\"reset\",\"session\":\"s1\",\"options\":[1]}", .badRequest,
            "`options` of `reset` must be an object"
        ),
        ("{\"id\":1,\"op\":\"restore\",\"session\":\"s1\"}", .badRequest, "`restore` needs `snapshot`"),
        ("{\"id\":1,\"op\":\"batch\"}", .badRequest, "`batch` needs `items`"),
        ("{\"id\":1,\"op\":\"batch\",\"items\":[]}", .badRequest, "`items` is empty"),
        ("{\"id\":1,\"op\":\"batch\",\"items\":[3]}", .badRequest, "items[0] must be an object"),
        (
            "{\"id\":1,\"op\":\"batch\",\"items\":[{\"op\":\"close\",\"session\":\"s1\"}]}", .badRequest,
            "only `reset` and `step`"
        ),
        ("{\"id\":1,\"op\":\"resume\",\"session\":\"s1\"}", .badRequest, "`resume` needs `token`"),
        (
            "{\"id\":1,\"op\":\"resume\",\"session\":\"s1\",\"token\":\"t\",\"waiting\":[{}]}", .badRequest,
            "`waiting` holds request ids"
        ),
        ("{\"id\":1,\"op\":\"hello\",\"version\":\"one\"}", .badRequest, "`version` of `hello` must be an integer"),
    ]

    @Test(arguments: malformed)
    func malformedRequests(text: String, code: ErrorCode, message: String) throws {
        let value = try JSONValue.parse(text)
        var failures: [DecodeFailure] = []
        do {
            _ = try RequestDecoder().decode(value)
            Issue.record("decoded \(text)")
        } catch {
            failures.append(error)
            #expect(error.error.code == code)
            #expect(error.error.message.contains(message), "\(error.error.message)")
            #expect(error.id == RequestDecoder.id(of: value))
        }
        // json-c's tree gives the same error, word for word, and the same id.
        let fromTree = try Self.decodeFromTree(text)
        guard case .failure(let failure) = fromTree else {
            Issue.record("decoded \(text) from json-c's tree")
            return
        }
        #expect(failure.error == failures.first?.error)
        #expect(failure.id == failures.first?.id)
    }

    /// Decodes a frame as the server does: straight from json-c's tree.
    static func decodeFromTree(_ text: String) throws -> Result<Envelope, DecodeFailure> {
        try Array(text.utf8).withUnsafeBytes { bytes in
            try JSONParser().withParsed(bytes) { node in
                Result { () throws(DecodeFailure) in try RequestDecoder().decode(node) }
            }
        }
    }

    /// Values a request copies out of json-c's tree keep `JSONValue`'s rules for numbers.
    @Test func numbersFromTheTree() throws {
        let text =
            #"{"id":"n","op":"step","session":"s1","action":[1,-2,1.5,18446744073709551615,9223372036854775807]}"#
        #expect(try Self.decodeFromTree(text).get() == (try RequestDecoder().decode(try JSONValue.parse(text))))
        let huge = try Self.decodeFromTree(#"{"id":2,"op":"step","session":"s1","action":1e999}"#)
        guard case .failure(let failure) = huge else {
            Issue.record("a number out of range was read")
            return
        }
        #expect(failure.error.code == .badFrame)
        #expect(failure.id == 2)
    }

    @Test func batchLimit() throws {
        let items: [JSONValue] = Array(repeating: ["op": "step", "session": "s1", "action": "x"], count: 5)
        let frame: JSONValue = ["id": 1, "op": "batch", "items": .array(items)]
        #expect(throws: DecodeFailure.self) { try RequestDecoder(maxBatchItems: 4).decode(frame) }
        #expect(try RequestDecoder(maxBatchItems: 5).decode(frame).request.op == .batch)
    }
}

/// Writing responses: the bytes are valid JSON that the client side reads back.
@Suite struct ResponseTests {
    @Test func stepResponseRoundTrips() throws {
        let result = StepResult(observation: "a \"quoted\"\nline", reward: 1, terminated: true, info: ["k": [1, 2]])
        var bytes: [UInt8] = []
        Reply(id: "r1", result: .success(.step(result))).writeFrame(into: &bytes)
        #expect(bytes.last == 0x0A)
        let parsed = ParsedResponse(try JSONValue.parse(Array(bytes.dropLast())))
        #expect(parsed.id == "r1")
        let fields = try parsed.result.get()
        #expect(try StepResult(wire: fields) == result)
        let fromTree = try bytes.withUnsafeBytes { try JSONParser().withParsed($0) { try StepResult(reading: $0) } }
        #expect(fromTree == result)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"reward\":1.0"))
    }

    @Test func errorResponse() throws {
        var bytes: [UInt8] = []
        Reply(id: 3, error: WireError(.timeout, "too slow")).writeFrame(into: &bytes)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"timeout\",\"message\":\"too slow\"}}\n")
        let parsed = ParsedResponse(try JSONValue.parse(Array(bytes.dropLast())))
        #expect(throws: WireError(.timeout, "too slow")) { try parsed.result.get() }
    }

    @Test func batchResponseListsEachItem() throws {
        var bytes: [UInt8] = []
        let reply = Reply(
            id: 4,
            result: .success(
                .batch([
                    .success(.reset(ResetResult(observation: "o"))), .failure(WireError(.unknownSession, "gone")),
                ])))
        reply.writeFrame(into: &bytes)
        let value = try JSONValue.parse(Array(bytes.dropLast()))
        let results = try #require(value["results"]?.arrayValue)
        #expect(results.count == 2)
        #expect(results[0]["ok"] == true)
        #expect(results[1]["error"]?["code"] == "unknown_session")
        #expect(results[0]["id"] == nil)
        let first = try bytes.withUnsafeBytes { bytes in
            try JSONParser().withParsed(bytes) { try ResetResult(reading: $0.member("results")!.element(0)) }
        }
        #expect(first == ResetResult(observation: "o"))
    }

    @Test func helloCarriesTheLimits() throws {
        var bytes: [UInt8] = []
        let limits = ServerLimits(maxSessions: 3)
        Reply(id: 1, result: .success(.hello(version: 1, limits: limits, requiresToken: false))).writeFrame(
            into: &bytes)
        let value = try JSONValue.parse(Array(bytes.dropLast()))
        #expect(try value["limits"]?.decode(ServerLimits.self) == limits)
    }
}

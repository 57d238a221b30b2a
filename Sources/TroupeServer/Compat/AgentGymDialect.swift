import TroupeCore
import TroupeWire

/// AgentGym's HTTP dialect as data (`../shared/specs/env-servers.md` §2.2; AgentGym's
/// `agentenv-alfworld` and `agentenv-tool` servers): what each request means, and how Troupe's
/// results are written in the field names and quirks AgentGym's clients read. Pure; the
/// `AgentGymService` carries it out on the session table.
enum AgentGymDialect {
    /// A decoded request. `id` is the integer AgentGym calls `id` (ALFWorld) or `env_idx` (tools).
    enum Request: Equatable {
        case hello
        case listEnvs
        /// ALFWorld: no body. Tools: `{"id": task}`, the task the session starts on.
        case create(task: Int?)
        /// ALFWorld: `{"id","game","world_type"}`. Tools: `{"env_idx","id"?}` (`task`).
        case reset(id: Int, game: Int?, worldType: String?, task: Int?)
        case step(id: Int, action: String)
        /// The `/close` AgentGym's ALFWorld and tool servers lack.
        case close(id: Int)
        case observation(id: Int)
        case availableActions(id: Int)
        case detail(id: Int)
    }

    /// An HTTP answer: status and JSON body.
    struct Response: Equatable, Error {
        var status: Int
        var body: JSONValue

        static func ok(_ body: JSONValue) -> Response { Response(status: 200, body: body) }

        /// AgentGym answers failures with HTTP 200 and `{"error": …}`; Troupe adds its code.
        static func error(_ message: String, code: ErrorCode) -> Response {
            .ok(["error": .string(message), "code": .string(code.rawValue)])
        }

        /// FastAPI's 422 for a body or query that does not match the model.
        static func unprocessable(_ issues: [JSONValue]) -> Response {
            Response(status: 422, body: ["detail": .array(issues)])
        }

        static let notFound = Response(status: 404, body: ["detail": "Not Found"])
        static let methodNotAllowed = Response(status: 405, body: ["detail": "Method Not Allowed"])
    }

    // MARK: Decoding

    /// Decodes a request to `endpoint` of `family`, or the answer that refuses it.
    static func decode(
        _ family: AgentGymFamily, method: String, endpoint: String, query: [String: String], body: JSONValue?
    ) -> Result<Request, Response> {
        let post = method == "POST"
        switch endpoint {
        case "":
            return method == "GET" ? .success(.hello) : .failure(.methodNotAllowed)
        case "list_envs":
            return method == "GET" ? .success(.listEnvs) : .failure(.methodNotAllowed)
        case "create":
            guard post else { return .failure(.methodNotAllowed) }
            guard family == .tools else { return .success(.create(task: nil)) }
            return fields(body, ["id"], optional: []).map { .create(task: $0["id"]!) }
        case "reset":
            guard post else { return .failure(.methodNotAllowed) }
            switch family {
            case .alfworld:
                return fields(body, ["id", "game"], optional: [], strings: ["world_type"]).map { values in
                    .reset(
                        id: values["id"]!, game: values["game"]!, worldType: body?["world_type"]?.stringValue, task: nil
                    )
                }
            case .tools:
                return fields(body, ["env_idx"], optional: ["id"]).map {
                    .reset(id: $0["env_idx"]!, game: nil, worldType: nil, task: $0["id"])
                }
            }
        case "step":
            guard post else { return .failure(.methodNotAllowed) }
            return fields(body, [family.idField], optional: [], strings: ["action"]).map { values in
                .step(id: values[family.idField]!, action: body?["action"]?.stringValue ?? "")
            }
        case "close":
            guard post else { return .failure(.methodNotAllowed) }
            return fields(body, [family.idField], optional: []).map { .close(id: $0[family.idField]!) }
        case "observation", "available_actions", "detail":
            guard method == "GET" else { return .failure(.methodNotAllowed) }
            if family == .tools && endpoint == "available_actions" { return .failure(.notFound) }
            guard let text = query[family.idField] else {
                return .failure(.unprocessable([missing("query", family.idField, nil)]))
            }
            guard let id = Int(text) else {
                return .failure(.unprocessable([intParsing("query", family.idField, .string(text))]))
            }
            switch endpoint {
            case "observation": return .success(.observation(id: id))
            case "available_actions": return .success(.availableActions(id: id))
            default: return .success(.detail(id: id))
            }
        default:
            return .failure(.notFound)
        }
    }

    /// The integer members `required` and `optional` of a JSON body (FastAPI's validation: a
    /// missing or non-integer member is 422, every such member listed in one answer); the
    /// members `strings` must be present and strings.
    private static func fields(
        _ body: JSONValue?, _ required: [String], optional: [String], strings: [String] = []
    ) -> Result<[String: Int], Response> {
        guard let object = body?.objectValue else {
            return .failure(
                .unprocessable([
                    [
                        "type": "model_attributes_type", "loc": ["body"], "msg": "Input should be a valid dictionary",
                        "input": body ?? .null,
                    ]
                ]))
        }
        var values: [String: Int] = [:]
        var issues: [JSONValue] = []
        for name in required + optional {
            guard let value = object[name], !value.isNull else {
                if required.contains(name) { issues.append(missing("body", name, body)) }
                continue
            }
            if let int = value.intValue, let small = Int(exactly: int) {
                values[name] = small
            } else {
                issues.append(intParsing("body", name, value))
            }
        }
        for name in strings where object[name]?.stringValue == nil {
            guard let value = object[name], !value.isNull else {
                issues.append(missing("body", name, body))
                continue
            }
            issues.append(
                [
                    "type": "string_type", "loc": ["body", .string(name)], "msg": "Input should be a valid string",
                    "input": value,
                ])
        }
        return issues.isEmpty ? .success(values) : .failure(.unprocessable(issues))
    }

    private static func missing(_ place: String, _ name: String, _ input: JSONValue?) -> JSONValue {
        ["type": "missing", "loc": [.string(place), .string(name)], "msg": "Field required", "input": input ?? .null]
    }

    private static func intParsing(_ place: String, _ name: String, _ input: JSONValue) -> JSONValue {
        [
            "type": "int_parsing", "loc": [.string(place), .string(name)],
            "msg": "Input should be a valid integer, unable to parse string as an integer", "input": input,
        ]
    }

    // MARK: ALFWorld's quirks

    /// AgentGym's ALFWorld `/reset` drops the intro's first paragraph (`-= Welcome to TextWorld,
    /// ALFRED! =-`) and joins the rest with single newlines.
    static func alfworldResetObservation(_ intro: String) -> String {
        intro.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n")
    }

    /// AgentGym's `process_ob`: `You arrive at loc 5. On the countertop 1, …` loses its
    /// `You arrive at loc N. ` prefix.
    static func alfworldStepObservation(_ feedback: String) -> String {
        guard feedback.hasPrefix("You arrive at loc "), let dot = feedback.range(of: ". ") else { return feedback }
        return String(feedback[dot.upperBound...])
    }

    /// AgentGym's `task_type`: the two folders before the game file
    /// (`pick_cool_then_place_in_recep-Pot-None-Cabinet-10/trial_T…`).
    static func alfworldTaskType(gamefile: String) -> String {
        let parts = gamefile.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return gamefile }
        return parts[(parts.count - 3)..<(parts.count - 1)].joined(separator: "/")
    }

    // MARK: The tools' quirks

    /// What AgentGym's tool servers answer to a reply without `with Action Input:`.
    static let toolFormatError =
        "Format error, please response in the format of  \"Action: [your action] with Action Input: [your action input]"

    /// AgentGym's tool action (`Thought: …\n\nAction: get_x with Action Input: {…}`) as tools-v0's
    /// ReAct text (`Action: get_x\nAction Input: {…}`); AgentGym's `finish` with
    /// `{"answer": …}` becomes ToolBench's `Finish` with `give_answer`. Nil when the text has no
    /// `with Action Input:` on its last line (AgentGym's regular expression matches only there).
    static func toolAction(_ text: String) -> String? {
        var body = text
        if body.hasSuffix("\n") { body.removeLast() }
        let line = body.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        guard let marker = line.range(of: "Action Input:") else { return nil }
        var head = line[..<marker.lowerBound].trimmingSuffixWhitespace()
        guard head.hasSuffix("with") else { return nil }
        head.removeLast(4)
        var name = head.trimmingWhitespace()
        if name.hasPrefix("Action:") { name = String(name.dropFirst("Action:".count)).trimmingWhitespace() }
        let input = String(line[marker.upperBound...]).trimmingWhitespace()
        if name.lowercased() == "finish" {
            let answer: JSONValue
            if let parsed = try? JSONValue.parse(input), let value = parsed["answer"] {
                answer = .string(value.stringValue ?? value.serialized())
            } else {
                answer = .string(input)
            }
            let finish: JSONValue = ["return_type": "give_answer", "final_answer": answer]
            return "Action: Finish\nAction Input: \(finish.serialized())"
        }
        return "Action: \(name)\nAction Input: \(input.isEmpty ? "{}" : input)"
    }

    /// AgentGym's tool servers frame every call's result this way.
    static func toolObservation(_ observation: String) -> String { "Observation: \(observation)\nGive me one action." }

    /// And the first observation of an episode this way.
    static func toolStart(goal: String) -> String {
        "Now new trial starts.\nYou should perform actions to accomplish the goal: \(goal)\nGive me one action."
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    fileprivate func trimmingSuffixWhitespace() -> String {
        String(String(reversed().drop { $0.isWhitespace }).reversed())
    }
}

import TroupeCore

extension ToolsEnvironment {
    /// The reset options `tools-v0` understands.
    static let optionNames: Set<String> = ["query_id", "api", "tool", "category", "query", "apis"]

    struct QueryChoice {
        var id: String?
        var query: String
        var gold: [GoldCall]?
        var functions: [String]
    }

    /// Picks the episode's query from the options:
    /// - `query_id`: that evaluation query;
    /// - `api` (a function name or STE's `Tool%%API`), `tool` (a standard tool name) or
    ///   `category`: a query drawn from the evaluation queries of those APIs;
    /// - `query` (any text) with `apis` (function names): a custom episode without gold calls
    ///   (STE's exploration: the agent imagines a query and tries the APIs); `apis` alone gives
    ///   an empty query, to be imagined;
    /// - nothing: a query drawn from the whole evaluation set.
    func chooseQuery(_ options: JSONValue) throws -> QueryChoice {
        let members: JSONObject
        switch options {
        case .null: members = [:]
        case .object(let object): members = object
        default: throw EnvError.badOptions("reset options must be an object or null, got \(options.typeName)")
        }
        if let unknown = members.keys.first(where: { !ToolsEnvironment.optionNames.contains($0) }) {
            throw EnvError.badOptions(
                "unknown option `\(unknown)`; tools-v0 knows: \(ToolsEnvironment.optionNames.sorted().joined(separator: ", "))"
            )
        }
        func string(_ key: String) throws -> String? {
            guard let value = members[key], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw EnvError.badOptions("`\(key)` must be a string") }
            return text
        }
        if members["query"] != nil || members["apis"] != nil {
            guard let list = members["apis"]?.arrayValue, !list.isEmpty else {
                throw EnvError.badOptions("a custom `query` needs `apis`: a non-empty list of function names")
            }
            var names: [String] = []
            for item in list {
                guard let name = item.stringValue,
                    let function = catalog.function(named: name)
                        ?? catalog.functions.first(where: { $0.steName == name })
                else {
                    throw EnvError.badOptions(
                        "`apis` names an unknown function \(item); see info.functions of any episode")
                }
                names.append(function.name)
            }
            return QueryChoice(id: nil, query: try string("query") ?? "", gold: nil, functions: offered(names))
        }
        guard let evalSet else {
            throw EnvError.badOptions("with `catalog_dir` there is no evaluation set; pass `query` and `apis`")
        }
        if let id = try string("query_id") {
            guard let query = evalSet.query(id) else { throw EnvError.badOptions("no evaluation query has id `\(id)`") }
            return choice(query, evalSet)
        }
        var pool = evalSet.queries
        if let api = try string("api") {
            let name = catalog.function(named: api)?.name ?? catalog.functions.first { $0.steName == api }?.name ?? api
            pool = pool.filter { $0.functions.contains(name) }
            guard !pool.isEmpty else { throw EnvError.badOptions("no evaluation query uses the API `\(api)`") }
        }
        if let tool = try string("tool") {
            pool = pool.filter { $0.functions.contains { catalog.function(named: $0)?.standardToolName == tool } }
            guard !pool.isEmpty else { throw EnvError.badOptions("no evaluation query uses the tool `\(tool)`") }
        }
        if let category = try string("category") {
            pool = pool.filter { $0.functions.contains { catalog.function(named: $0)?.category == category } }
            guard !pool.isEmpty else {
                throw EnvError.badOptions(
                    "no evaluation query in category `\(category)`; categories: \(catalog.categories.joined(separator: ", "))"
                )
            }
        }
        return choice(seeding.rng.element(of: pool)!, evalSet)
    }

    private func choice(_ query: EvalQuery, _ evalSet: EvalSet) -> QueryChoice {
        QueryChoice(
            id: query.id, query: query.question, gold: evalSet.answers[query.id], functions: offered(query.functions))
    }

    private func offered(_ names: [String]) -> [String] {
        ToolsEpisodeFunctions.offered(for: names, scope: config.functions, catalog: catalog).functions.map(\.name)
    }

    /// The first observation: ToolBench's task description, the functions, STE's ReAct format.
    func prompt(query: String, functions: ToolsEpisodeFunctions) -> String {
        var text = """
            You should use functions to help handle the real time user queries. Remember:
            1. ALWAYS call "Finish" at the end of the task, with a final answer that contains enough information to show to the user. If you cannot handle the task, or the functions keep failing, call Finish with "give_up_and_restart".
            2. Use only the functions listed below.
            You have access to the following functions:

            """
        for (index, function) in functions.functions.enumerated() {
            let parameters = function.openAI["parameters"] ?? [:]
            text +=
                "\(index + 1). \(function.name): \(function.api.description)\n   Parameters: \(parameters.serialized())\n"
        }
        text +=
            "\(functions.functions.count + 1). Finish: Give the final answer (return_type \"give_answer\", final_answer) or give up (return_type \"give_up_and_restart\").\n"
        text += """

            Answer in this format, one action per turn:
            Thought: <your reasoning>
            Action: <function name>
            Action Input: <a JSON object with the arguments>
            (OpenAI function calls are accepted too.) The observation is the function's response.

            """
        text +=
            query.isEmpty
            ? "Query: (imagine a realistic user query that these functions can answer, then solve it)"
            : "Query: \(query)"
        return text
    }

    /// The functions each evaluation query offers, for the sampler.
    static let sampleFunctions: [String: [JSONValue]] = {
        guard let catalog = try? ToolCatalog.builtin(), let evalSet = try? EvalSet.builtin() else { return [:] }
        return Dictionary(
            uniqueKeysWithValues: evalSet.queries.map { query in
                (query.id, ToolsEpisodeFunctions.offered(for: query.functions, scope: .tool, catalog: catalog).openAI)
            })
    }()

    /// A plausible random turn for the conformance checker and `envd bench`: mostly a call of an
    /// offered function with its example arguments, in either format; sometimes Finish, a
    /// malformed turn or an unknown function. The offered functions come from the reset's
    /// `info.functions`, or after that from the evaluation query named by `info.query_id`.
    static func sampleAction(info: JSONObject, rng: inout SeededRNG) -> JSONValue {
        let offered =
            info["functions"]?.arrayValue ?? info["query_id"]?.stringValue.flatMap { sampleFunctions[$0] } ?? []
        let functions = offered.filter { $0["name"]?.stringValue != FinishFunction.name }
        let roll = rng.double()
        if roll < 0.08 || functions.isEmpty {
            return
                "Thought: I have what I need.\nAction: Finish\nAction Input: {\"return_type\": \"give_answer\", \"final_answer\": \"done\"}"
        }
        if roll < 0.12 { return "I think I should call something." }
        if roll < 0.15 { return ["name": "no_such_function_for_nowhere", "arguments": "{}"] }
        let function = rng.element(of: functions)!
        let name = function["name"]!.stringValue!
        var arguments = JSONObject()
        for (key, property) in function["parameters"]?["properties"]?.objectValue ?? [:] {
            let required = function["parameters"]?["required"]?.arrayValue?.contains(.string(key)) ?? false
            if let example = property["example_value"]?.stringValue, required || rng.chance(0.3) {
                arguments[key] =
                    property["type"] == "integer"
                    ? (Int64(example).map(JSONValue.int) ?? .string(example)) : .string(example)
            } else if required {
                arguments[key] = property["type"] == "integer" ? .int(Int64(rng.int(in: 1...5))) : "2025-06-01"
            }
        }
        if rng.chance(0.5) {
            return .string(
                "Thought: Let me call \(name).\nAction: \(name)\nAction Input: \(JSONValue.object(arguments).serialized())"
            )
        }
        let call: JSONValue = [
            "id": .string("call_\(rng.below(1_000_000))"), "type": "function",
            "function": ["name": .string(name), "arguments": .string(JSONValue.object(arguments).serialized())],
        ]
        return ["role": "assistant", "content": .null, "tool_calls": [call]]
    }
}

import TroupeCore

/// What an agent asked for in one step, parsed from either of the two formats the environment
/// accepts (see `ActionParser`).
public enum AgentAction: Sendable, Equatable {
    /// One or more function calls (more than one only from OpenAI `tool_calls`).
    case calls([FunctionCall])
    /// The episode's end: ToolBench's `Finish` function, STE's `Final Answer:`, or an OpenAI
    /// assistant message without tool calls.
    case finish(FinishKind, answer: String?)
    /// Nothing usable; the text says what was wrong and what to send instead.
    case malformed(String)

    public enum FinishKind: String, Sendable, Equatable {
        case giveAnswer = "give_answer"
        case giveUp = "give_up_and_restart"
    }
}

/// Which format an action came in.
public enum ActionFormat: String, Sendable, Equatable {
    /// `Thought: / Action: / Action Input:` text (ToolLLaMA, STE).
    case react
    /// An OpenAI function call or tool calls as JSON.
    case functionCall = "function_call"
}

/// One function call as the agent wrote it: the name, and its arguments or why they did not
/// parse (a call with bad arguments still names a function, so it gets ToolBench's
/// `Tool input parse error...` for that function rather than a generic complaint).
public struct FunctionCall: Sendable, Equatable {
    public var name: String
    public var arguments: Result<JSONObject, ArgumentsProblem>
    /// The OpenAI tool-call id, echoed in the result for the client's `tool` message.
    public var id: String?

    public init(name: String, arguments: Result<JSONObject, ArgumentsProblem>, id: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.id = id
    }

    /// The arguments as JSON (an empty object when they did not parse).
    public var argumentsValue: JSONValue {
        if case .success(let object) = arguments { return .object(object) }
        return [:]
    }
}

/// Why a call's arguments are unusable.
public struct ArgumentsProblem: Error, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

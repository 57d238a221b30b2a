import Foundation
import TroupeCore

/// Parses agent actions. A string is ReAct text; an object or array is an OpenAI function call.
/// It never throws: whatever the agent sent, the result is an `AgentAction`, and `malformed`
/// carries a message for the agent, as STE's and ToolBench's harnesses do.
///
/// ReAct text follows STE's parser (`STE/utils.py:parse_response`) and ToolBench's
/// (`react_parser`, the `Finish` fallback): exactly one `Action:` and one `Action Input:`, the
/// input trimmed to its outermost `{…}`; `Final Answer:` alone ends the episode; anything after a
/// hallucinated `Observation:` is ignored. OpenAI forms accepted: `{"name", "arguments"}`,
/// `{"function_call": {…}}`, `{"tool_calls": [{"id", "function": {"name", "arguments"}}]}`
/// (parallel calls), an assistant message `{"role": "assistant", "content": …}` without calls
/// (the final answer), and a bare array of calls. `arguments` may be a JSON string or an object.
public enum ActionParser {
    public static func parse(_ action: JSONValue) -> (AgentAction, ActionFormat) {
        switch action {
        case .string(let text): return (parseReAct(text), .react)
        case .object, .array: return (parseFunctionCall(action), .functionCall)
        default:
            return (
                .malformed(
                    "Expected ReAct text (\"Action: <function>\\nAction Input: {...}\") or an OpenAI function call ({\"name\": ..., \"arguments\": ...}), got \(action.typeName)."
                ), .functionCall
            )
        }
    }

    // MARK: ReAct

    static let formatHint =
        "Reply with one \"Action: <function name>\" line and one \"Action Input: <JSON object>\" line, or \"Final Answer: <answer>\" when you are done."

    public static func parseReAct(_ raw: String) -> AgentAction {
        var text = raw
        if let observation = find(in: text, "\nObservation:")
            ?? (text.hasPrefix("Observation:") ? find(in: text, "Observation:") : nil)
        {
            text = String(text[..<observation.lowerBound])
        }
        let actionCount = occurrences(of: "Action:", in: text)
        let inputCount = occurrences(of: "Action Input:", in: text)
        let finalAnswer = find(in: text, "Final Answer:")
        if actionCount == 0 {
            guard let finalAnswer else {
                return .malformed(
                    inputCount > 0
                        ? "\"Action:\" is missing before \"Action Input:\". \(formatHint)"
                        : "No action found. \(formatHint)")
            }
            return .finish(
                .giveAnswer, answer: World.trimmed(String(text[finalAnswer.upperBound...])))
        }
        if finalAnswer != nil {
            return .malformed("Give either an Action or a Final Answer in one turn, not both. \(formatHint)")
        }
        if actionCount > 1 {
            return .malformed("Use exactly one \"Action:\" per turn; found \(actionCount). \(formatHint)")
        }
        if inputCount == 0 { return .malformed("\"Action Input:\" is missing. \(formatHint)") }
        if inputCount > 1 {
            return .malformed("Use exactly one \"Action Input:\" per turn; found \(inputCount). \(formatHint)")
        }

        let actionStart = find(in: text, "Action:")!.upperBound
        let inputRange = find(in: text, "Action Input:")!
        guard actionStart <= inputRange.lowerBound else {
            return .malformed("\"Action:\" must come before \"Action Input:\". \(formatHint)")
        }
        var name = World.trimmed(String(text[actionStart..<inputRange.lowerBound]))
        if let newline = name.firstIndex(of: "\n") { name = String(name[..<newline]) }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: " `\"'*"))
        guard !name.isEmpty else { return .malformed("The function name after \"Action:\" is empty. \(formatHint)") }
        let input = World.trimmed(String(text[inputRange.upperBound...]))

        if name == FinishFunction.name { return parseFinish(input) }
        return .calls([FunctionCall(name: name, arguments: parseInputObject(input))])
    }

    /// STE's trimming: the text from the first `{` to the last `}`; a leading `{{` is rejected (a
    /// model copying a prompt template's escaped braces); an empty input means `{}`.
    static func parseInputObject(_ input: String) -> Result<JSONObject, ArgumentsProblem> {
        if input.isEmpty { return .success([:]) }
        guard let open = input.firstIndex(of: "{"), let close = input.lastIndex(of: "}"), open < close else {
            return .failure(ArgumentsProblem("the Action Input must be a JSON object and begin with \"{\""))
        }
        let body = String(input[open...close])
        if body.hasPrefix("{{") {
            return .failure(ArgumentsProblem("the Action Input starts with \"{{\"; write a plain JSON object"))
        }
        return parseArgumentsText(body)
    }

    /// ToolBench's `Finish` handling, with its fallback for JSON that does not parse: look for
    /// `"return_type": "` and `"final_answer": "` in the text.
    static func parseFinish(_ input: String) -> AgentAction {
        var returnType: String?
        var answer: String?
        if case .success(let object) = parseInputObject(input) {
            returnType = object["return_type"]?.stringValue
            answer = object["final_answer"]?.stringValue
        } else {
            if let r = find(in: input, "\"return_type\": \"") {
                let rest = input[r.upperBound...]
                returnType = String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)])
            }
            if let a = find(in: input, "\"final_answer\": \"") {
                var rest = String(input[a.upperBound...])
                for suffix in ["\"}", "\""] where rest.hasSuffix(suffix) {
                    rest.removeLast(suffix.count)
                    break
                }
                answer = rest
            }
        }
        switch returnType {
        case "give_answer":
            guard let answer else {
                return .malformed("Finish with \"return_type\": \"give_answer\" must have \"final_answer\".")
            }
            return .finish(.giveAnswer, answer: answer)
        case "give_up_and_restart": return .finish(.giveUp, answer: answer)
        case nil: return .malformed("Finish must have \"return_type\": \"give_answer\" or \"give_up_and_restart\".")
        case let other?:
            return .malformed(
                "\"return_type\" \"\(other)\" is not a valid choice; use \"give_answer\" or \"give_up_and_restart\".")
        }
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        var count = 0
        var start = text.startIndex
        while let found = find(in: text, needle, from: start) {
            count += 1
            start = found.upperBound
        }
        return count
    }

    /// The first range of an ASCII `needle` in `text`, by a byte scan (Foundation's `range(of:)`
    /// goes through NSString on Linux and dominated the parser's profile). ASCII bytes never occur
    /// inside a multi-byte UTF-8 sequence, so the bounds are valid character boundaries.
    static func find(in text: String, _ needle: String, from start: String.Index? = nil) -> Range<String.Index>? {
        let haystack = text.utf8
        let pattern = Array(needle.utf8)
        guard let head = pattern.first else { return nil }
        var index = start ?? haystack.startIndex
        while index != haystack.endIndex {
            if haystack[index] == head {
                var cursor = haystack.index(after: index)
                var matched = 1
                while matched < pattern.count, cursor != haystack.endIndex, haystack[cursor] == pattern[matched] {
                    cursor = haystack.index(after: cursor)
                    matched += 1
                }
                if matched == pattern.count { return index..<cursor }
            }
            index = haystack.index(after: index)
        }
        return nil
    }

    // MARK: OpenAI function calls

    static let functionCallHint =
        "Send {\"name\": \"<function>\", \"arguments\": \"{...}\"} or {\"tool_calls\": [{\"id\": \"...\", \"type\": \"function\", \"function\": {\"name\": \"<function>\", \"arguments\": \"{...}\"}}]}."

    public static func parseFunctionCall(_ value: JSONValue) -> AgentAction {
        if case .array(let items) = value {
            guard !items.isEmpty else { return .malformed("The list of calls is empty. \(functionCallHint)") }
            return collect(items)
        }
        if let toolCalls = value["tool_calls"], !toolCalls.isNull {
            guard case .array(let items) = toolCalls else {
                return .malformed("\"tool_calls\" must be an array. \(functionCallHint)")
            }
            if !items.isEmpty { return collect(items) }
        }
        if let legacy = value["function_call"], !legacy.isNull { return collect([legacy]) }
        if value["name"] != nil { return collect([value]) }
        if let content = value["content"]?.stringValue {
            return .finish(.giveAnswer, answer: content)
        }
        return .malformed("No function call found. \(functionCallHint)")
    }

    static func collect(_ items: [JSONValue]) -> AgentAction {
        var calls: [FunctionCall] = []
        for (index, item) in items.enumerated() {
            let function = item["function"] ?? item
            guard let name = function["name"]?.stringValue, !name.isEmpty else {
                return .malformed("Call \(index + 1) has no \"name\". \(functionCallHint)")
            }
            let arguments: Result<JSONObject, ArgumentsProblem>
            switch function["arguments"] {
            case nil, .null?: arguments = .success([:])
            case .string(let text)?:
                arguments = text.trimmingCharacters(in: .whitespaces).isEmpty ? .success([:]) : parseArgumentsText(text)
            case .object(let object)?: arguments = .success(object)
            case let other?:
                arguments = .failure(
                    ArgumentsProblem(
                        "\"arguments\" must be a JSON object or a string holding one, got \(other.typeName)"))
            }
            if name == FinishFunction.name {
                // Finish ends the turn; calls after it are not run.
                let object = (try? arguments.get()) ?? [:]
                return finishOrCalls(calls, finish: parseFinish(JSONValue.object(object).serialized()))
            }
            calls.append(FunctionCall(name: name, arguments: arguments, id: item["id"]?.stringValue))
        }
        return .calls(calls)
    }

    /// A Finish after calls in one message: the calls are answered first only if there are none;
    /// mixing them is reported, since the answer could not have used their results.
    static func finishOrCalls(_ calls: [FunctionCall], finish: AgentAction) -> AgentAction {
        guard calls.isEmpty else {
            return .malformed("Call Finish in its own turn, after you have read the results of your other calls.")
        }
        return finish
    }

    static func parseArgumentsText(_ text: String) -> Result<JSONObject, ArgumentsProblem> {
        do {
            guard case .object(let object) = try JSONValue.parse(text) else {
                return .failure(ArgumentsProblem("the arguments must be a JSON object"))
            }
            return .success(object)
        } catch {
            return .failure(ArgumentsProblem("the arguments are not valid JSON (\(error))"))
        }
    }
}

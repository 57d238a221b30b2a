import Testing
import TroupeCore

@testable import ToolsEnv

/// Both action formats, and every way an action can be malformed.
@Suite struct ActionTests {
    @Test func reactCall() throws {
        let (action, format) = ActionParser.parse(
            "Thought: I need the weather.\nAction: current_weather_for_weather_hub\nAction Input: {\"q\": \"Paris\"}\nObservation: made up"
        )
        #expect(format == .react)
        guard case .calls(let calls) = action else { Issue.record("expected a call, got \(action)"); return }
        #expect(calls.count == 1)
        #expect(calls[0].name == "current_weather_for_weather_hub")
        #expect(try calls[0].arguments.get() == ["q": "Paris"])
    }

    @Test func reactTrimsToTheOutermostBracesAndAcceptsEmptyInput() throws {
        guard
            case .calls(let calls) = ActionParser.parseReAct(
                "Action: f\nAction Input: ```json\n{\"a\": {\"b\": 1}}\n```")
        else {
            Issue.record("expected a call"); return
        }
        #expect(try calls[0].arguments.get() == ["a": ["b": 1]])
        guard case .calls(let empty) = ActionParser.parseReAct("Action: today_for_date_calculator\nAction Input:")
        else {
            Issue.record("expected a call"); return
        }
        #expect(try empty[0].arguments.get() == [:])
    }

    @Test(arguments: [
        ("Hmm, let me think.", "No action found"),
        ("Action: a\nAction: b\nAction Input: {}", "exactly one \"Action:\""),
        ("Action: a\nAction Input: {}\nAction Input: {}", "exactly one \"Action Input:\""),
        ("Action: a", "\"Action Input:\" is missing"),
        ("Action Input: {}", "\"Action:\" is missing"),
        ("Action: a\nAction Input: {}\nFinal Answer: x", "not both"),
        ("Action: \nAction Input: {}", "empty"),
        ("Action: Finish\nAction Input: {\"final_answer\": \"x\"}", "return_type"),
        ("Action: Finish\nAction Input: {\"return_type\": \"give_answer\"}", "must have \"final_answer\""),
        ("Action: Finish\nAction Input: {\"return_type\": \"maybe\"}", "not a valid choice"),
    ])
    func malformedReAct(text: String, expected: String) {
        guard case .malformed(let message) = ActionParser.parseReAct(text) else {
            Issue.record("\(text) should be malformed"); return
        }
        #expect(message.contains(expected), "\(message)")
    }

    @Test func badArgumentsStayAttachedToTheCall() {
        guard case .calls(let calls) = ActionParser.parseReAct("Action: f\nAction Input: q=Paris") else {
            Issue.record("call"); return
        }
        guard case .failure(let problem) = calls[0].arguments else { Issue.record("should fail"); return }
        #expect(problem.reason.contains("begin with \"{\""))
        guard case .calls(let braces) = ActionParser.parseReAct("Action: f\nAction Input: {\"q\": Paris}") else {
            Issue.record("call"); return
        }
        guard case .failure = braces[0].arguments else { Issue.record("should fail"); return }
        guard case .calls(let template) = ActionParser.parseReAct("Action: f\nAction Input: {{\"q\": \"Paris\"}}")
        else { Issue.record("call"); return }
        guard case .failure = template[0].arguments else { Issue.record("should fail"); return }
    }

    @Test func finishForms() {
        #expect(
            ActionParser.parseReAct("Thought: done\nFinal Answer: It is sunny.")
                == .finish(.giveAnswer, answer: "It is sunny."))
        #expect(
            ActionParser.parseReAct(
                "Action: Finish\nAction Input: {\"return_type\": \"give_answer\", \"final_answer\": \"42\"}")
                == .finish(.giveAnswer, answer: "42"))
        #expect(
            ActionParser.parseReAct("Action: Finish\nAction Input: {\"return_type\": \"give_up_and_restart\"}")
                == .finish(.giveUp, answer: nil))
        // ToolBench's fallback when the JSON does not parse (an unescaped quote in the answer).
        #expect(
            ActionParser.parseReAct(
                "Action: Finish\nAction Input: {\"return_type\": \"give_answer\", \"final_answer\": \"He said \"hi\"\"}"
            )
                == .finish(.giveAnswer, answer: "He said \"hi\""))
        #expect(
            ActionParser.parse(["role": "assistant", "content": "Done."]).0 == .finish(.giveAnswer, answer: "Done."))
        #expect(
            ActionParser.parse([
                "name": "Finish", "arguments": "{\"return_type\": \"give_answer\", \"final_answer\": \"ok\"}",
            ]).0
                == .finish(.giveAnswer, answer: "ok"))
    }

    @Test func functionCallForms() throws {
        let forms: [JSONValue] = [
            ["name": "f", "arguments": "{\"q\": \"Paris\"}"],
            ["name": "f", "arguments": ["q": "Paris"]],
            ["function_call": ["name": "f", "arguments": "{\"q\": \"Paris\"}"]],
            [
                "role": "assistant", "content": .null,
                "tool_calls": [
                    ["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{\"q\": \"Paris\"}"]]
                ],
            ],
            [["name": "f", "arguments": "{\"q\": \"Paris\"}"]],
        ]
        for form in forms {
            let (action, format) = ActionParser.parse(form)
            #expect(format == .functionCall)
            guard case .calls(let calls) = action else { Issue.record("\(form): \(action)"); continue }
            #expect(calls.map(\.name) == ["f"])
            #expect(try calls[0].arguments.get() == ["q": "Paris"])
        }
        let parallel: JSONValue = [
            "tool_calls": [
                ["id": "a", "function": ["name": "f", "arguments": "{}"]],
                ["id": "b", "function": ["name": "g", "arguments": ""]],
            ]
        ]
        guard case .calls(let calls) = ActionParser.parse(parallel).0 else { Issue.record("parallel"); return }
        #expect(calls.map(\.name) == ["f", "g"])
        #expect(calls.map(\.id) == ["a", "b"])
    }

    @Test(arguments: [
        JSONValue.int(3), .null, .bool(true), [:], ["tool_calls": "nope"],
        ["tool_calls": [["function": ["arguments": "{}"]]]],
        .array([]),
        [
            "tool_calls": [
                ["function": ["name": "f", "arguments": "{}"]],
                [
                    "function": [
                        "name": "Finish", "arguments": "{\"return_type\": \"give_answer\", \"final_answer\": \"x\"}",
                    ]
                ],
            ]
        ],
    ])
    func malformedFunctionCalls(value: JSONValue) {
        guard case .malformed = ActionParser.parse(value).0 else {
            Issue.record("\(value) should be malformed"); return
        }
    }

    @Test func malformedActionsAreObservationsNotErrors() async throws {
        let env = try await Fixtures.session()
        _ = try await env.reset(seed: 1, options: ["query_id": "current_weather_for_weather_hub_0"])
        let inputs: [JSONValue] = [
            "just chatting", 17, ["foo": "bar"], ["name": "current_weather_for_weather_hub", "arguments": "{not json"],
            "Action: nope_for_nothing\nAction Input: {}", ["name": "current_weather_for_weather_hub", "arguments": 5],
        ]
        for input in inputs {
            let result = try await env.step(input)
            #expect(!result.done)
            #expect(result.reward == 0)
            let status = try #require(result.info["status"]?.intValue)
            #expect([1, 2].contains(status), "\(input) gave status \(status): \(result.observation)")
            #expect(!(result.observation.stringValue ?? "").isEmpty)
        }
        let unknown = try await env.step("Action: nope_for_nothing\nAction Input: {}")
        #expect(unknown.observation.stringValue?.contains("No such function name: nope_for_nothing") == true)
        #expect(unknown.info["status_name"] == "no_such_function")
    }
}

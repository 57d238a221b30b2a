import Testing
import TroupeCore

@testable import ToolsEnv

/// Episodes of `tools-v0`: prompts, rewards, options, quotas, configuration errors.
@Suite struct EnvironmentTests {
    @Test func correctCallThenFinishEarnsTheReward() async throws {
        let env = try await Fixtures.session()
        let first = try await env.reset(seed: 3, options: ["query_id": "convert_for_currency_exchange_1"])
        let prompt = try #require(first.observation.stringValue)
        #expect(prompt.contains("convert_for_currency_exchange"))
        #expect(prompt.contains("Query: Convert 250 EUR to GBP."))
        #expect(first.info["functions"]?.arrayValue?.last?["name"] == "Finish")

        let call = try await env.step(
            "Thought: convert\nAction: convert_for_currency_exchange\nAction Input: {\"is_from\": \"EUR\", \"to\": \"GBP\", \"amount\": 250}"
        )
        #expect(call.info["status"] == 0)
        let envelope = try JSONValue.parse(call.observation.stringValue!)
        #expect(envelope["error"] == "")
        #expect(envelope["response"]?["result"]?.doubleValue != nil)
        let done = try await env.step(
            ["name": "Finish", "arguments": "{\"return_type\": \"give_answer\", \"final_answer\": \"About 213 GBP\"}"])
        #expect(done.terminated)
        #expect(done.reward == 1)
        #expect(done.info["ste"]?["correct"] == true)
        #expect(done.observation == "{\"response\":\"successfully giving the final answer.\"}")
    }

    @Test func wrongArgumentsOrGivingUpEarnNothing() async throws {
        let env = try await Fixtures.session()
        _ = try await env.reset(seed: 3, options: ["query_id": "convert_for_currency_exchange_1"])
        _ = try await env.step([
            "name": "convert_for_currency_exchange", "arguments": ["is_from": "EUR", "to": "USD", "amount": 250],
        ])
        let done = try await env.step("Final Answer: 250 EUR is about 270 USD.")
        #expect(done.terminated && done.reward == 0)
        #expect(done.info["ste"]?["api_match"] == true)
        #expect(done.info["ste"]?["correct"] == false)

        _ = try await env.reset(seed: 3, options: ["query_id": "convert_for_currency_exchange_1"])
        _ = try await env.step([
            "name": "convert_for_currency_exchange", "arguments": ["is_from": "EUR", "to": "GBP", "amount": 250],
        ])
        let gaveUp = try await env.step("Action: Finish\nAction Input: {\"return_type\": \"give_up_and_restart\"}")
        #expect(gaveUp.terminated && gaveUp.reward == 0)
        #expect(gaveUp.info["status_name"] == "gave_up")
    }

    @Test func parallelToolCallsGetOneResultEach() async throws {
        let env = try await Fixtures.session()
        _ = try await env.reset(seed: 1, options: ["query_id": "current_weather_for_weather_hub_15"])
        let action: JSONValue = [
            "tool_calls": [
                [
                    "id": "a", "type": "function",
                    "function": ["name": "current_weather_for_weather_hub", "arguments": "{\"q\": \"Paris\"}"],
                ],
                [
                    "id": "b", "type": "function",
                    "function": ["name": "current_weather_for_weather_hub", "arguments": "{\"q\": \"Seoul\"}"],
                ],
            ]
        ]
        let step = try await env.step(action)
        let results = try #require(step.info["results"]?.arrayValue)
        #expect(results.map { $0["tool_call_id"] } == ["a", "b"])
        #expect(try JSONValue.parse(step.observation.stringValue!).arrayValue?.count == 2)
        let done = try await env.step(["role": "assistant", "content": "Paris is warmer."])
        #expect(done.reward == 1)
        #expect(done.info["ste"]?["correct"] == true)
    }

    @Test func optionsChooseQueriesAndRejectNonsense() async throws {
        let env = try await Fixtures.session()
        let byAPI = try await env.reset(seed: 5, options: ["api": "Stock Quotes%%Company Profile"])
        #expect(byAPI.info["query_id"]?.stringValue?.hasPrefix("company_profile_for_stock_quotes") == true)
        let byCategory = try await env.reset(seed: 5, options: ["category": "Movies"])
        #expect(byCategory.info["query_id"]?.stringValue?.contains("_for_movie_database_") == true)
        let custom = try await env.reset(
            seed: 5, options: ["query": "Plan my day in Rome", "apis": ["current_weather_for_weather_hub"]])
        #expect(custom.info["query_id"] == .null)
        #expect(custom.info["functions"]?.arrayValue?.count == 5)  // the tool's 4 APIs and Finish
        let explore = try await env.reset(seed: 5, options: ["apis": ["Translator%%Translate"]])
        #expect(explore.observation.stringValue?.contains("imagine a realistic user query") == true)
        let end = try await env.step("Final Answer: done")
        #expect(end.terminated && end.reward == 0 && end.info["ste"] == nil)

        for bad: JSONValue in [
            ["query_id": "nope"], ["api": "nope"], ["category": "Nope"], ["colour": "red"], ["query": "x"],
            ["apis": ["nope"]], 5,
        ] {
            await #expect(throws: EnvError.self) { _ = try await env.reset(seed: 1, options: bad) }
        }
    }

    @Test func quotasAndFailuresFollowToolBenchsTaxonomy() async throws {
        let limited = try await Fixtures.session(["calls_per_api": 1, "calls_per_episode": 2])
        _ = try await limited.reset(seed: 1, options: ["query_id": "today_for_date_calculator_0"])
        let call: JSONValue = ["name": "today_for_date_calculator", "arguments": "{}"]
        #expect(try await limited.step(call).info["status"] == 0)
        let second = try await limited.step(call)
        #expect(second.info["status"] == 9)
        #expect(second.observation.stringValue?.contains("Too many requests error...") == true)
        let third = try await limited.step([
            "name": "add_days_for_date_calculator", "arguments": ["date": "2024-01-01", "days": 1],
        ])
        #expect(third.info["status"] == 10)

        let flaky = try await Fixtures.session(["failure_rate": 0.5])
        _ = try await flaky.reset(seed: 1, options: ["query_id": "today_for_date_calculator_0"])
        var statuses: [Int64] = []
        for _ in 0..<10 { statuses.append(try await flaky.step(call).info["status"]!.intValue!) }
        #expect(statuses.contains(0) && statuses.contains(6))
    }

    @Test func observationsAreCut() async throws {
        let env = try await Fixtures.session(["max_observation_length": 100])
        _ = try await env.reset(seed: 1, options: ["query_id": "list_currencies_for_currency_exchange_0"])
        let step = try await env.step(["name": "list_currencies_for_currency_exchange", "arguments": "{}"])
        #expect(step.observation.stringValue?.count == 103)
        #expect(step.observation.stringValue?.hasSuffix("...") == true)
    }

    @Test func configurationErrorsNameTheField() async throws {
        let cases: [(JSONValue, String)] = [
            (["backend": "magic"], "backend"), (["max_observation_length": 3], "max_observation_length"),
            (["failure_rate": 1.5], "failure_rate"), (["backend": "http"], "http"),
            (["calls_per_api": 0], "calls_per_api"),
            (["http": ["allowed_hosts": []], "backend": "http"], "allowed_hosts"), (["wat": 1], "wat"),
            (["backend": "http", "http": ["allowed_hosts": ["x"], "mode": "record"]], "cache_dir"),
            (["catalog_dir": "/nonexistent/tools"], "/nonexistent/tools"),
        ]
        for (config, field) in cases {
            do {
                _ = try await Fixtures.session(config)
                Issue.record("\(config) was accepted")
            } catch {
                #expect([ErrorCode.badConfig, .toolsData].contains(error.troupeCode), "\(config): \(error)")
                #expect(error.troupeMessage.contains(field), "\(config): \(error.troupeMessage)")
            }
        }
    }

    @Test func fixedWorldSeedSharesTheWorldAcrossEpisodes() async throws {
        let env = try await Fixtures.session(["world_seed": 99])
        var answers: Set<String> = []
        for seed in 1...3 {
            _ = try await env.reset(seed: UInt64(seed), options: ["query_id": "today_for_date_calculator_0"])
            answers.insert(try await env.step(["name": "today_for_date_calculator"]).observation.stringValue!)
        }
        #expect(answers.count == 1)
    }
}

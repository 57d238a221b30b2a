import Foundation
import LLMStubServer
import Testing
import TroupeCore

@testable import LLMEnv

/// `llm-v0` itself: configuration errors, the info it reports, accounting, shared backends and
/// sample identities (with the `sim` backend, offline).
@Suite struct LLMEnvTests {
    let harness = Harness()

    static let badConfigs: [(JSONValue, String)] = [
        (["backend": ["kind": "gpt"]], "unknown backend kind \"gpt\""),
        (["backend": ["kind": "openai", "base_url": "http://x/v1"]], "`model` is required"),
        (["backend": ["kind": "openai", "base_url": "ftp://x"], "model": "m"], "`base_url` must be an http"),
        (["backend": ["kind": "openai"], "model": "m"], "base_url"),
        (["backend": ["kind": "openai", "base_url": "http://x/v1", "max_attempt": 3], "model": "m"], "max_attempt"),
        (["backend": ["kind": "sim", "family": "alfworld"]], "no responder family \"alfworld\""),
        (["backend": ["kind": "sim", "competence": 1.5]], "`competence`"),
        (
            ["backend": ["kind": "sim", "options": ["templates": [["match": "(", "answer": "x"]]]]],
            "regular expression"
        ),
        (["cache": ["mode": "record"]], "`cache.mode` must be"),
        (["cache": ["mode": "replay"]], "`cache.path` is required"),
        (["defaults": ["temperature": 3]], "`defaults`"),
        (["defaults": ["n": 2]], "`defaults.n`"),
        (["prices": ["prompt_per_million": -1]], "`prices`"),
        (["modle": "x"], "unknown field `modle`"),
    ]

    @Test(arguments: badConfigs)
    func badConfigurationsNameTheField(config: JSONValue, mentions: String) async throws {
        let error = await captureError { _ = try await harness.make(config) }
        #expect(error?.troupeCode == .badConfig)
        #expect(error?.troupeMessage.contains(mentions) == true, "\(error?.troupeMessage ?? "no error")")
    }

    @Test func theDefaultIsAnOfflineEchoingSim() async throws {
        let env = try await harness.make(.null)
        let reset = try await env.reset(seed: 3, options: .null)
        #expect(reset.observation == "")
        #expect(reset.info["backend"] == "sim")
        #expect(reset.info["cache"] == "off")
        let result = try await env.step("Repeat after me")
        #expect(result.observation == "Repeat after me")
        #expect(result.info["usage"]?["completion_tokens"] == 3)
        #expect(result.info["model"] == "sim-generic")
        #expect(result.terminated == false)
    }

    @Test func infoAccountsTokensAndCostPerSessionAndRun() async throws {
        let server = try StubHTTPServer { request in .completion("two words", for: request, promptTokens: 1_000) }
        defer { server.stop() }
        var config = openAIConfig(server)
        config["prices"] = ["prompt_per_million": 2, "completion_per_million": 10]
        let a = try await harness.session(config, seed: 1)
        let b = try await harness.session(config, seed: 2)
        _ = try await a.step("x")
        let second = try await a.step("y")
        let other = try await b.step("z")
        let perCall: Double = (1_000 * 2 + 2 * 10) / 1e6
        #expect(second.info["cost_usd"]?.doubleValue == perCall)
        #expect(second.info["session_usage"]?["requests"] == 2)
        #expect(second.info["session_usage"]?["prompt_tokens"] == 2_000)
        #expect(second.info["session_usage"]?["completion_tokens"] == 4)
        #expect(other.info["session_usage"]?["requests"] == 1)
        #expect(other.info["run_usage"]?["requests"] == 3)
        #expect(other.info["run_usage"]?["prompt_tokens"] == 3_000)
        let costs = try #require(other.info["run_usage"]?["cost_usd"]?.doubleValue)
        #expect(abs(costs - 3 * perCall) < 1e-12)
        let ledger = try await LLMLedger.shared(in: harness.shared)
        #expect(await ledger.byModel["stub-model"]?.requests == 3)
    }

    @Test func failuresAreCountedAndNeverEmptyObservations() async throws {
        let env = try await harness.session(["backend": ["kind": "sim", "context_window": 8]])
        let error = await captureError { _ = try await env.step(["prompt": "one two three", "max_tokens": 6]) }
        #expect(error?.troupeCode == .contextLengthExceeded)
        let ok = try await env.step(["prompt": "one", "max_tokens": 2])
        #expect(ok.info["session_usage"]?["failures"] == 1)
        #expect(ok.info["run_usage"]?["failures"] == 1)
    }

    @Test func sessionsNamingTheSameBackendShareOneActor() async throws {
        let config: JSONValue = ["backend": ["kind": "sim", "competence": 0.5]]
        _ = try await harness.make(config, seed: 1)
        _ = try await harness.make(config, seed: 2)
        _ = try await harness.make(["backend": ["kind": "sim", "competence": 0.6]], seed: 3)
        let backends = await harness.shared.all().keys.filter { $0.hasPrefix("llm.backend:") }
        #expect(backends.count == 2)
    }

    @Test func invalidActionsSayWhatIsWrong() async throws {
        let env = try await harness.session(.null)
        for (action, mentions) in [
            (JSONValue.int(3), "expected a string or an object"),
            (["messages": [], "max_tokens": 3], "`messages`"),
            (["messages": [["role": "robot", "content": "x"]]], "`messages[0].role`"),
            (["prompt": "x", "messages": [["role": "user", "content": "x"]]], "not both"),
            (["prompt": "x", "temperature": -1], "`temperature`"),
            (["prompt": "x", "max_tokens": 0], "`max_tokens`"),
            (["prompt": "x", "stop": [1]], "`stop`"),
            (["prompt": "x", "n": 4], "unknown field `n`"),
            (["prompt": "x", "extra": ["temperature": 1]], "`extra` must not set `temperature`"),
        ] as [(JSONValue, String)] {
            let error = await captureError { _ = try await env.step(action) }
            #expect(error?.troupeCode == .invalidAction)
            #expect(error?.troupeMessage.contains(mentions) == true, "\(action): \(error?.troupeMessage ?? "")")
        }
    }

    @Test func defaultsApplyWhereActionsAreSilent() async throws {
        let server = try StubHTTPServer { request in .completion("ok", for: request) }
        defer { server.stop() }
        var config = openAIConfig(server)
        config["defaults"] = ["temperature": 0.5, "max_tokens": 12, "stop": "END", "extra": ["top_k": 20]]
        let env = try await harness.session(config)
        _ = try await env.step("hi")
        _ = try await env.step(["prompt": "hi", "max_tokens": 3, "extra": ["repeat_penalty": 1.1]])
        let bodies = server.requests.compactMap(\.json)
        #expect(bodies[0]["temperature"] == 0.5)
        #expect(bodies[0]["max_tokens"] == 12)
        #expect(bodies[0]["stop"] == ["END"])
        #expect(bodies[0]["top_k"] == 20)
        #expect(bodies[1]["max_tokens"] == 3)
        #expect(bodies[1]["top_k"] == 20)
        #expect(bodies[1]["repeat_penalty"] == 1.1)
    }

    @Test func maxCompletionTokensFieldForReasoningModels() async throws {
        let server = try StubHTTPServer { request in .completion("ok", for: request) }
        defer { server.stop() }
        let env = try await harness.session(
            openAIConfig(server, backend: ["max_tokens_field": "max_completion_tokens"]))
        _ = try await env.step(["prompt": "hi", "max_tokens": 9])
        let body = try #require(server.requests.first?.json)
        #expect(body["max_completion_tokens"] == 9)
        #expect(body["max_tokens"] == nil)
    }

    @Test func samplesDifferWithinAnEpisodeAndRepeatWithTheSeed() async throws {
        let config: JSONValue = [
            "backend": [
                "kind": "sim", "competence": 0.5,
                "options": ["templates": [["match": "^count (\\d+)", "answer": "$1 items"]]],
            ]
        ]
        let action: JSONValue = ["prompt": "count 40", "temperature": 1]
        let env = try await harness.session(config, seed: 9)
        let first = try await (0..<12).asyncMap { _ in try await env.step(action).observation }
        #expect(Set(first).count > 1, "competence 0.5 over 12 samples must deviate at least once")
        #expect(first.contains("40 items"))
        _ = try await env.reset(seed: 9, options: .null)
        let again = try await (0..<12).asyncMap { _ in try await env.step(action).observation }
        #expect(again == first)
        // Greedy requests do not depend on the sample: one answer everywhere.
        let greedy: JSONValue = ["prompt": "count 40", "temperature": 0]
        let answers = try await (0..<6).asyncMap { index in
            try await harness.session(config, seed: UInt64(index)).step(greedy).observation
        }
        #expect(Set(answers).count == 1)
    }

    @Test func snapshotsCarryTheSampleStream() async throws {
        let config: JSONValue = ["backend": ["kind": "sim", "competence": 0.3]]
        let action: JSONValue = ["prompt": "the cat sat on the mat", "temperature": 0.8]
        let env = try await harness.session(config, seed: 4)
        _ = try await env.step(action)
        let state = try await env.snapshot()
        let continued = try await (0..<5).asyncMap { _ in try await env.step(action).observation }
        let fork = try await harness.make(config, seed: 99)
        try await fork.restore(state)
        let forked = try await (0..<5).asyncMap { _ in try await fork.step(action).observation }
        #expect(forked == continued)
    }
}

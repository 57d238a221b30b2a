import Foundation
import LLMStubServer
import Testing
import TroupeCore

@testable import LLMEnv

/// The `openai` backend against a local server that fails in the ways real endpoints do: each
/// failure is retried or not as `RetryPolicy` documents, with a bounded number of attempts, and
/// ends as the documented error code.
@Suite struct FaultTests {
    let harness = Harness()

    @Test func answersAChatAndReportsInfo() async throws {
        let server = try StubHTTPServer { request in .completion("Hello there", for: request, promptTokens: 7) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let result = try await env.step(["messages": [["role": "user", "content": "Hi"]], "max_tokens": 8])
        #expect(result.observation == "Hello there")
        #expect(result.reward == 0)
        #expect(result.info["finish_reason"] == "stop")
        #expect(result.info["usage"]?["prompt_tokens"] == 7)
        #expect(result.info["usage"]?["completion_tokens"] == 2)
        #expect(result.info["cached"] == false)
        #expect(result.info["attempts"] == 1)
        #expect(result.info["backend"] == "openai")
        let sent = try #require(server.requests.first)
        #expect(sent.path == "/v1/chat/completions")
        #expect(sent.json?["model"] == "stub-model")
        #expect(sent.json?["max_tokens"] == 8)
        #expect(sent.json?["temperature"] == 0.0)
        #expect(sent.header("expect") == nil, "libcurl must not wait for 100-continue")
    }

    @Test func promptsGoToTheCompletionsAPI() async throws {
        let server = try StubHTTPServer { request in .completion("world", for: request) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let result = try await env.step(["prompt": "Hello", "stop": ["\n"], "top_p": 0.9, "seed": 3])
        #expect(result.observation == "world")
        let body = try #require(server.requests.first?.json)
        #expect(server.requests.first?.path == "/v1/completions")
        #expect(body["prompt"] == "Hello")
        #expect(body["stop"] == ["\n"])
        #expect(body["top_p"] == 0.9)
        #expect(body["seed"] == 3)
    }

    @Test func retries429HonoringRetryAfter() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in
            calls.next() == 1
                ? .error(429, message: "slow down", type: "rate_limit", headers: [("Retry-After", "1")])
                : .completion("ok", for: request)
        }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let started = ContinuousClock.now
        let result = try await env.step("hi")
        let waited = ContinuousClock.now - started
        #expect(result.observation == "ok")
        #expect(result.info["attempts"] == 2)
        #expect(calls.count == 2)
        #expect(waited >= .seconds(1), "Retry-After: 1 must hold the retry back at least a second")
    }

    @Test func retryAfterBeyondTheCapFailsAtOnce() async throws {
        let server = try StubHTTPServer { _ in .error(429, message: "quota", headers: [("Retry-After", "3600")]) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server, backend: ["max_retry_after_s": 5]))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamRateLimited)
        #expect(error?.troupeMessage.contains("quota") == true)
        #expect(error?.troupeMessage.contains("1 h") == true || error?.troupeMessage.contains("3600") == true)
        #expect(server.requests.count == 1)
    }

    @Test func persistent429EndsAsRateLimitedAfterMaxAttempts() async throws {
        let server = try StubHTTPServer { _ in .error(429, message: "too many", headers: [("retry-after-ms", "10")]) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server, backend: ["max_attempts": 3]))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamRateLimited)
        #expect(server.requests.count == 3)
    }

    @Test func retries500ThenSucceeds() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in
            calls.next() <= 2 ? .error(500, message: "boom", type: "server_error") : .completion("fine", for: request)
        }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let result = try await env.step("hi")
        #expect(result.observation == "fine")
        #expect(result.info["attempts"] == 3)
    }

    @Test func persistent500IsAServerErrorWithBoundedAttempts() async throws {
        let server = try StubHTTPServer { _ in .respond(status: 503, headers: [], body: Array("upstream down".utf8)) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server, backend: ["max_attempts": 4]))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamServerError)
        #expect(error?.troupeMessage.contains("upstream down") == true)
        #expect(error?.troupeMessage.contains("503") == true)
        #expect(server.requests.count == 4)
    }

    @Test func aHangingServerTimesOutOnEveryAttempt() async throws {
        let server = try StubHTTPServer { _ in .hang }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server, backend: ["timeout_s": 0.3, "max_attempts": 2]))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamTimeout)
        #expect(error?.troupeMessage.contains("300 ms") == true)
        #expect(server.requests.count == 2)
    }

    @Test func closingMidBodyIsRetried() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in
            calls.next() == 1
                ? .closeMidBody(status: 200, declaredLength: 500, sent: Array(#"{"choices":[{"mess"#.utf8))
                : .completion("whole", for: request)
        }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let result = try await env.step("hi")
        #expect(result.observation == "whole")
        #expect(result.info["attempts"] == 2)
    }

    @Test func alwaysClosingMidBodyIsATransportError() async throws {
        let server = try StubHTTPServer { _ in .closeMidBody(status: 200, declaredLength: 100, sent: Array("{".utf8)) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server, backend: ["max_attempts": 3]))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamTransport)
        #expect(server.requests.count == 3)
    }

    @Test func closingWithoutAnswerIsRetried() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in calls.next() == 1 ? .close : .completion("second", for: request) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        #expect(try await env.step("hi").observation == "second")
    }

    @Test(arguments: [
        ("not json at all", "not JSON"),
        (#"{"id": "x", "choices": []}"#, "no `choices`"),
        (#"{"choices": [{"message": {"role": "assistant"}, "finish_reason": "stop"}]}"#, "content"),
        (#"{"choices": [{"message": {"role": "assistant", "content": "cut"#, "not JSON"),
    ])
    func malformedAnswersAreNotRetried(body: String, mentions: String) async throws {
        let server = try StubHTTPServer { _ in .respond(status: 200, headers: [], body: Array(body.utf8)) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamMalformed)
        #expect(error?.troupeMessage.contains(mentions) == true, "\(error?.troupeMessage ?? "")")
        #expect(server.requests.count == 1)
    }

    @Test func contentFilterIsAnErrorNotAnEmptyCompletion() async throws {
        let server = try StubHTTPServer { request in .completion("", for: request, finishReason: "content_filter") }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .contentFiltered)
    }

    @Test func badKeyIsAnAuthErrorWithoutTheKey() async throws {
        let secret = "sk-test-\(UUID().uuidString)"
        setenv("TROUPE_TEST_FAULT_KEY", secret, 1)
        let server = try StubHTTPServer { request in
            .error(
                401, message: "Incorrect API key provided: \(request.header("authorization") ?? "")",
                code: "invalid_api_key")
        }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server, backend: ["api_key_env": "TROUPE_TEST_FAULT_KEY"]))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamAuth)
        #expect(server.requests.first?.header("authorization") == "Bearer \(secret)")
        let message = error?.troupeMessage ?? ""
        #expect(!message.contains(secret), "the key must never appear in an error")
        #expect(message.contains("[redacted]"))
        #expect(message.contains("TROUPE_TEST_FAULT_KEY"))
        #expect(server.requests.count == 1, "a bad key is not retried")
    }

    @Test func aCustomKeyHeaderCarriesTheBareKey() async throws {
        setenv("TROUPE_TEST_AZURE_KEY", "azure-secret", 1)
        let server = try StubHTTPServer { request in .completion("ok", for: request) }
        defer { server.stop() }
        let config = openAIConfig(
            server,
            backend: [
                "api_key_env": "TROUPE_TEST_AZURE_KEY", "api_key_header": "api-key",
                "query": ["api-version": "2024-06-01"], "headers": ["X-Team": "troupe"],
            ])
        let env = try await harness.session(config)
        let result = try await env.step("hi")
        let request = try #require(server.requests.first)
        #expect(request.header("api-key") == "azure-secret")
        #expect(request.header("authorization") == nil)
        #expect(request.header("x-team") == "troupe")
        #expect(request.path == "/v1/chat/completions?api-version=2024-06-01")
        #expect(!result.info.description.contains("azure-secret"))
    }

    @Test func aMissingKeyVariableIsABadConfigNamingIt() async throws {
        unsetenv("TROUPE_TEST_UNSET_KEY")
        let server = try StubHTTPServer { request in .completion("ok", for: request) }
        defer { server.stop() }
        let error = await captureError {
            _ = try await harness.make(openAIConfig(server, backend: ["api_key_env": "TROUPE_TEST_UNSET_KEY"]))
        }
        #expect(error?.troupeCode == .badConfig)
        #expect(error?.troupeMessage.contains("TROUPE_TEST_UNSET_KEY") == true)
    }

    @Test(arguments: [
        (
            400,
            #"{"error":{"message":"This model's maximum context length is 2048 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#
        ),
        (
            400,
            #"{"error":{"code":400,"message":"request (4476 tokens) exceeds the available context size (4096 tokens)","type":"exceed_context_size_error"}}"#
        ),
        (
            400,
            #"{"error":{"message":"Requested tokens (3000) exceed context window of 2048","type":"invalid_request_error"}}"#
        ),
    ])
    func contextOverflowHasItsOwnCode(status: Int, body: String) async throws {
        let server = try StubHTTPServer { _ in .respond(status: status, headers: [], body: Array(body.utf8)) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        let error = await captureError { _ = try await env.step("a very long prompt") }
        #expect(error?.troupeCode == .contextLengthExceeded)
        #expect(server.requests.count == 1)
    }

    @Test func other4xxCarryTheProviderMessage() async throws {
        let server = try StubHTTPServer { _ in
            .error(404, message: "The model `nope` does not exist", code: "model_not_found")
        }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server, model: "nope"))
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamRejected)
        #expect(error?.troupeMessage.contains("The model `nope` does not exist") == true)
        #expect(error?.troupeMessage.contains("404") == true)
        #expect(server.requests.count == 1)
    }

    @Test func anUnreachableEndpointIsReportedAfterRetries() async throws {
        // A port bound but not listening: connections are refused, and no other test can take it.
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let port = reserved.port
        let config: JSONValue = [
            "backend": [
                "kind": "openai", "base_url": .string("http://127.0.0.1:\(port)/v1"), "max_attempts": 2,
                "backoff_base_s": 0.01, "connect_timeout_s": 2,
            ],
            "model": "m",
        ]
        let env = try await harness.session(config)
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .upstreamUnreachable)
        #expect(error?.troupeMessage.contains("127.0.0.1:\(port)") == true)
        #expect(error?.troupeMessage.contains("2 attempt") == true)
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try StubHTTPServer { request in .completion("ok", for: request) }
        defer { server.stop() }
        let env = try await harness.session(openAIConfig(server))
        for index in 0..<20 { _ = try await env.step(.string("request \(index)")) }
        #expect(server.requests.count == 20)
        #expect(server.connectionsAccepted == 1)
    }

    @Test func theEndpointLimitBoundsRequestsInFlight() async throws {
        let inFlight = Counter()
        let server = try StubHTTPServer { request in
            inFlight.holdUntil(4, timeout: 5)
            return .completion("ok", for: request)
        }
        defer { server.stop() }
        let config = openAIConfig(server, backend: ["max_concurrency": 4])
        let sessions = try await (0..<16).asyncMap { try await harness.session(config, seed: UInt64($0)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, env) in sessions.enumerated() {
                group.addTask { _ = try await env.step(.string("session \(index)")) }
            }
            try await group.waitForAll()
        }
        #expect(server.requests.count == 16)
        #expect(inFlight.maxInFlight == 4, "requests overlap up to the limit and never beyond")
    }

    @Test func hundredsOfRequestsInFlightOnOneDriverThread() async throws {
        let count = 300
        let inFlight = Counter()
        let server = try StubHTTPServer(recordRequests: false) { request in
            if request.json?["prompt"] != "warm up" { inFlight.holdUntil(count, timeout: 20) }
            return .completion("ok", for: request)
        }
        defer { server.stop() }
        let config = openAIConfig(server, backend: ["max_concurrency": 512])
        let env = try await harness.session(config)
        _ = try await env.step(["prompt": "warm up"])
        let backend = try await harness.shared.resource(
            "llm.backend:" + JSONValue.object(config["backend"]!.objectValue!).canonicalString()
        ) { () -> any LLMBackend in fatalError("the session made it already") }
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await backend.complete(LLMRequest(model: "m", input: .prompt("request \(index)"))).text
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(answers.count == count)
        #expect(inFlight.maxInFlight == count, "every request must have been in flight at once")
    }

    @Test func cancellingAStepAbortsTheRequestAndFreesItsPermit() async throws {
        let server = try StubHTTPServer { request in
            request.json?["messages"]?.arrayValue?.first?["content"] == "hang" ? .hang : .completion("ok", for: request)
        }
        defer { server.stop() }
        let config = openAIConfig(server, backend: ["max_concurrency": 1, "timeout_s": 60])
        let env = try await harness.session(config)
        let stuck = Task { try await env.step("hang") }
        while server.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        stuck.cancel()
        let outcome = await stuck.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        // The one permit is free again: the next request goes through.
        let other = try await harness.session(config, seed: 2)
        #expect(try await other.step("fine").observation == "ok")
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

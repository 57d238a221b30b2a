import Foundation
import Testing
import TroupeCore
import TroupeHTTP

@testable import LLMEnv

/// The pure parts of the `openai` backend: request bodies, reading answers, the retry policy.
@Suite struct WireTests {
    let chat = LLMRequest(
        model: "gpt-x", input: .chat([ChatMessage(role: "user", content: "hi")]),
        sampling: SamplingParameters(temperature: 0.2, maxTokens: 7, stop: ["\n"]), extra: ["top_k": 5])

    func response(_ status: Int, _ body: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers.map { ($0.0.lowercased(), $0.1) }, body: Array(body.utf8))
    }

    @Test func requestBodies() throws {
        let body = try JSONValue.parse(OpenAIWire.body(for: chat, maxTokensField: "max_tokens"))
        #expect(
            body == [
                "model": "gpt-x", "messages": [["role": "user", "content": "hi"]], "temperature": 0.2, "max_tokens": 7,
                "stop": ["\n"], "top_k": 5,
            ])
        #expect(OpenAIWire.path(for: chat) == "/chat/completions")
        let prompt = LLMRequest(model: "m", input: .prompt("x"))
        #expect(OpenAIWire.path(for: prompt) == "/completions")
        let reasoning = try JSONValue.parse(OpenAIWire.body(for: prompt, maxTokensField: "max_completion_tokens"))
        #expect(reasoning["max_completion_tokens"] == 256)
    }

    @Test func readsACompletion() throws {
        let outcome = try OpenAIWire.read(
            response(
                200,
                #"{"model":"gpt-x-2024","choices":[{"index":0,"message":{"role":"assistant","content":"yo"},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#
            ), for: chat)
        #expect(
            outcome
                == .completion(
                    LLMCompletion(
                        text: "yo", finishReason: "length", usage: TokenUsage(promptTokens: 3, completionTokens: 1),
                        model: "gpt-x-2024")))
    }

    @Test func anEmptyStringIsAValidCompletionButNullIsNot() throws {
        let empty = try OpenAIWire.read(
            response(200, #"{"choices":[{"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}"#),
            for: chat)
        #expect(empty == .completion(LLMCompletion(text: "", finishReason: "stop", usage: nil, model: "gpt-x")))
        #expect(throws: LLMError.self) {
            try OpenAIWire.read(
                response(
                    200,
                    #"{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[]},"finish_reason":"tool_calls"}]}"#
                ), for: chat)
        }
    }

    @Test(arguments: [
        (#"{"error":{"message":"bad thing","type":"x"}}"#, "bad thing"),
        (#"{"detail":"Not Found"}"#, "Not Found"),
        (#"{"error":"plain string"}"#, "plain string"),
        ("<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>"),
        ("", "HTTP 502 with an empty body"),
    ])
    func providerMessages(body: String, message: String) throws {
        let outcome = try OpenAIWire.read(response(502, body), for: chat)
        #expect(outcome == .failure(status: 502, message: message, isContextLength: false))
    }

    @Test func contextOverflowIsOnlyA4xx() {
        #expect(
            OpenAIWire.isContextLength(nil, message: "This model's maximum context length is 4097 tokens", status: 400))
        #expect(!OpenAIWire.isContextLength(nil, message: "maximum context length", status: 500))
        #expect(!OpenAIWire.isContextLength(nil, message: "unknown model", status: 400))
    }

    let policy = RetryPolicy(maxAttempts: 4, backoffBase: 1, backoffMax: 5, maxRetryAfter: 30)

    @Test func backoffDoublesWithEqualJitterUpToTheCap() {
        #expect(policy.decide(.transport, attempt: 1, jitter: 0) == .retry(after: 0.5))
        #expect(policy.decide(.transport, attempt: 1, jitter: 0.5) == .retry(after: 0.75))
        #expect(policy.decide(.transport, attempt: 2, jitter: 0) == .retry(after: 1))
        #expect(policy.decide(.transport, attempt: 3, jitter: 1) == .retry(after: 4))
        let capped = RetryPolicy(maxAttempts: 10, backoffBase: 1, backoffMax: 5, maxRetryAfter: 30)
        #expect(capped.decide(.transport, attempt: 8, jitter: 1) == .retry(after: 5))
        #expect(policy.decide(.transport, attempt: 4, jitter: 0) == .fail)
    }

    @Test func whatIsRetried() {
        for status in [408, 409, 429, 500, 502, 503, 504] {
            #expect(policy.decide(.status(status, retryAfter: nil), attempt: 1, jitter: 0) != .fail, "\(status)")
        }
        for status in [400, 401, 403, 404, 422] {
            #expect(policy.decide(.status(status, retryAfter: nil), attempt: 1, jitter: 0) == .fail, "\(status)")
        }
        #expect(policy.decide(.permanent, attempt: 1, jitter: 0) == .fail)
    }

    @Test func retryAfterIsALowerBoundWithACap() {
        #expect(policy.decide(.status(429, retryAfter: 7), attempt: 1, jitter: 0) == .retry(after: 7))
        #expect(policy.decide(.status(429, retryAfter: 0.1), attempt: 2, jitter: 0) == .retry(after: 1))
        #expect(policy.decide(.status(503, retryAfter: 31), attempt: 1, jitter: 0) == .fail)
    }

    @Test func retryAfterHeaders() {
        #expect(RetryPolicy.retryAfter(response(429, "", headers: [("Retry-After", "12")])) == 12)
        #expect(
            RetryPolicy.retryAfter(response(429, "", headers: [("retry-after-ms", "250"), ("Retry-After", "9")]))
                == 0.25)
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        let dated = response(429, "", headers: [("Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT")])
        #expect(RetryPolicy.retryAfter(dated, now: now) == 30)
        #expect(RetryPolicy.retryAfter(response(429, "", headers: [("Retry-After", "soon")])) == nil)
        #expect(RetryPolicy.retryAfter(response(429, "")) == nil)
    }

    @Test func urlsAndHeaders() throws {
        var config = OpenAIConfig(baseURL: "https://x.openai.azure.com/openai/deployments/d/")
        config.query = ["api-version": "2024-06-01", "a b": "c&d"]
        #expect(
            config.url(path: "/chat/completions")
                == "https://x.openai.azure.com/openai/deployments/d/chat/completions?a%20b=c%26d&api-version=2024-06-01"
        )
        #expect(HTTPRequest.isToken("api-key"))
        #expect(!HTTPRequest.isToken("bad header"))
        #expect(try OpenAIConfig(baseURL: "http://h/v1", apiKeyEnv: "K").resolveAPIKey(environment: ["K": "s"]) == "s")
        #expect(throws: EnvError.self) {
            try OpenAIConfig(baseURL: "http://h/v1", apiKeyEnv: "K").resolveAPIKey(environment: [:])
        }
    }

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }
}

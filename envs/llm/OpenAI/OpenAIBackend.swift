import Foundation
import TroupeCore
import TroupeHTTP

/// The `openai` backend: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, vLLM, llama.cpp's
/// server, llama-cpp-python, Ollama) over libcurl's multi interface (`HTTPClient`).
///
/// Each request takes a permit from the endpoint's `EndpointLimiter`, is sent, and is read by
/// `OpenAIWire`; failures go through `RetryPolicy` (backoff with jitter, `Retry-After` honored)
/// until they succeed or the attempts run out, and then become an `LLMError` whose code says what
/// happened. `complete` is `nonisolated`: concurrent requests never queue on this actor, only on
/// the endpoint's limit; the actor holds nothing but the jitter stream.
///
/// The API key, read once from the environment variable the configuration names, goes into the
/// request header and nowhere else: provider messages are scrubbed of it before they become
/// errors.
public actor OpenAIBackend: LLMBackend {
    public static let kind = LLMBackendKind(
        name: "openai",
        summary: "any OpenAI-compatible endpoint (OpenAI, Azure, vLLM, llama.cpp, Ollama) over libcurl"
    ) { members in
        let config: OpenAIConfig = try decodeBackendConfig(members, kind: "openai")
        return LLMBackendPlan(identity: ["kind": "openai", "base_url": .string(config.baseURL)]) { shared in
            let key = try config.resolveAPIKey()
            let limiter = try await shared.resource("llm.endpoint-limit:" + config.baseURL) {
                EndpointLimiter(limit: config.maxConcurrency)
            }
            return OpenAIBackend(config: config, apiKey: key, limiter: limiter)
        }
    }

    public nonisolated let config: OpenAIConfig
    nonisolated let limiter: EndpointLimiter
    nonisolated let transport: any HTTPTransport
    private nonisolated let apiKey: String?
    private nonisolated let headers: [(name: String, value: String)]
    private var jitter = SeededRNG(seed: SeededRNG.entropySeed())

    init(
        config: OpenAIConfig, apiKey: String?, limiter: EndpointLimiter,
        transport: any HTTPTransport = HTTPClient.shared
    ) {
        self.config = config
        self.apiKey = apiKey
        self.limiter = limiter
        self.transport = transport
        var headers = [(name: "Content-Type", value: "application/json"), ("Accept", "application/json")]
        if let apiKey {
            let isBearer = config.apiKeyHeader.lowercased() == "authorization"
            headers.append((config.apiKeyHeader, (isBearer ? "Bearer " : "") + apiKey))
        }
        headers += config.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        self.headers = headers
    }

    public nonisolated func complete(_ request: LLMRequest) async throws -> LLMCompletion {
        let url = config.url(path: OpenAIWire.path(for: request))
        let http = HTTPRequest(
            method: "POST", url: url, headers: headers,
            body: OpenAIWire.body(for: request, maxTokensField: config.maxTokensField), timeout: config.timeout,
            connectTimeout: config.connectTimeout)
        let policy = config.retryPolicy
        var attempt = 0
        while true {
            attempt += 1
            try await limiter.acquire()
            let result: Result<HTTPResponse, any Error>
            do {
                result = .success(try await transport.perform(http))
            } catch {
                result = .failure(error)
            }
            await limiter.release()

            let failure: RetryPolicy.Failure
            let error: LLMError
            switch result {
            case .success(let response):
                let outcome: OpenAIWire.Outcome
                do {
                    outcome = try OpenAIWire.read(response, for: request)
                } catch let wireError as LLMError {
                    throw redacted(wireError)
                }
                switch outcome {
                case .completion(var completion):
                    completion.attempts = attempt
                    return completion
                case .failure(let status, let message, let isContextLength):
                    let message = redact(message)
                    if isContextLength { throw LLMError.contextLength(providerMessage: message) }
                    let retryAfter = RetryPolicy.retryAfter(response)
                    failure = .status(status, retryAfter: retryAfter)
                    error = statusError(status, message, attempt: attempt, retryAfter: retryAfter)
                    if status == 429, let retryAfter, retryAfter <= config.maxRetryAfter {
                        await limiter.pause(for: retryAfter)
                    }
                }
            case .failure(let transportError as HTTPClientError):
                (failure, error) = classify(transportError, url: url, attempt: attempt)
            case .failure(let other):
                throw other  // cancellation
            }
            switch policy.decide(failure, attempt: attempt, jitter: await nextJitter()) {
            case .fail:
                throw error
            case .retry(let seconds):
                try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
            }
        }
    }

    private func nextJitter() -> Double { jitter.double() }

    private nonisolated func statusError(
        _ status: Int, _ message: String, attempt: Int, retryAfter: Double?
    ) -> LLMError {
        switch status {
        case 401, 403: return .auth(status: status, providerMessage: message, keyVariable: config.apiKeyEnv)
        case 429: return .rateLimited(providerMessage: message, attempts: attempt, retryAfter: retryAfter)
        case 500...599: return .serverError(status: status, providerMessage: message, attempts: attempt)
        default: return .rejected(status: status, providerMessage: message)
        }
    }

    private nonisolated func classify(
        _ error: HTTPClientError, url: String, attempt: Int
    ) -> (RetryPolicy.Failure, LLMError) {
        switch error {
        case .unreachable(let detail):
            return (.transport, .unreachable(url: url, detail: redact(detail), attempts: attempt))
        case .timeout:
            return (.transport, .timeout(seconds: config.timeout, attempts: attempt))
        case .connectionLost(let detail), .other(let detail):
            return (.transport, .transport(detail: redact(detail), attempts: attempt))
        case .responseTooLarge(let limit):
            return (.permanent, .malformed("the answer is larger than \(limit) bytes"))
        case .invalidRequest(let detail):
            return (.permanent, .transport(detail: redact(detail), attempts: attempt))
        }
    }

    /// `text` with every occurrence of the API key replaced.
    private nonisolated func redact(_ text: String) -> String {
        guard let apiKey, !apiKey.isEmpty, text.contains(apiKey) else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }

    private nonisolated func redacted(_ error: LLMError) -> LLMError {
        switch error {
        case .malformed(let detail): return .malformed(redact(detail))
        case .contentFiltered(let message): return .contentFiltered(providerMessage: redact(message))
        default: return error
        }
    }
}

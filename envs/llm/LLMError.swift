import TroupeCore

extension ErrorCode {
    // MARK: LLM backends (llm-v0); docs/envs/llm.md lists when each happens.

    /// The endpoint could not be reached (connection refused, unknown host, TLS handshake failed)
    /// on every attempt.
    public static let upstreamUnreachable = ErrorCode("upstream_unreachable")
    /// The endpoint rejected the credentials (HTTP 401 or 403): the API key is missing or wrong.
    public static let upstreamAuth = ErrorCode("upstream_auth")
    /// The endpoint rejected the request (another 4xx); the message carries the provider's words.
    public static let upstreamRejected = ErrorCode("upstream_rejected")
    /// The endpoint kept answering 429 (rate limited) until the attempts ran out.
    public static let upstreamRateLimited = ErrorCode("upstream_rate_limited")
    /// The endpoint kept answering 5xx until the attempts ran out.
    public static let upstreamServerError = ErrorCode("upstream_server_error")
    /// No complete answer arrived within the request timeout, on every attempt.
    public static let upstreamTimeout = ErrorCode("upstream_timeout")
    /// The connection broke during the exchange (closed mid-body, reset) on every attempt.
    public static let upstreamTransport = ErrorCode("upstream_transport")
    /// The endpoint answered 2xx with a body that is not an OpenAI-style completion (not JSON, no
    /// choices, no text).
    public static let upstreamMalformed = ErrorCode("upstream_malformed")
    /// The prompt plus `max_tokens` does not fit the model's context window.
    public static let contextLengthExceeded = ErrorCode("context_length_exceeded")
    /// The provider withheld the completion (`finish_reason` `content_filter`).
    public static let contentFiltered = ErrorCode("content_filtered")
    /// Replay mode: the response cache holds no answer for this request.
    public static let cacheMiss = ErrorCode("cache_miss")
    /// The response cache could not be read or written (permissions, disk full, not a cache file).
    public static let cacheIO = ErrorCode("cache_io")
    /// The backend cannot do what the request asks (a sampling field it does not implement, a chat
    /// for a model without a chat template, an empty prompt).
    public static let unsupportedRequest = ErrorCode("unsupported_request")
    /// The in-process engine failed on a request through no fault of the request.
    public static let engineFailed = ErrorCode("engine_failed")
}

/// The errors of `llm-v0` and its backends. Each has a stable code; the message says what went
/// wrong, quotes the provider where there is one, and says what to do next. Messages never hold
/// an API key (`OpenAIBackend` redacts it from provider text before it gets here).
public enum LLMError: CodedError, Equatable, CustomStringConvertible {
    /// See `ErrorCode.upstreamUnreachable`.
    case unreachable(url: String, detail: String, attempts: Int)
    /// See `ErrorCode.upstreamAuth`.
    case auth(status: Int, providerMessage: String, keyVariable: String?)
    /// See `ErrorCode.upstreamRejected`.
    case rejected(status: Int, providerMessage: String)
    /// See `ErrorCode.upstreamRateLimited`.
    case rateLimited(providerMessage: String, attempts: Int, retryAfter: Double?)
    /// See `ErrorCode.upstreamServerError`.
    case serverError(status: Int, providerMessage: String, attempts: Int)
    /// See `ErrorCode.upstreamTimeout`.
    case timeout(seconds: Double, attempts: Int)
    /// See `ErrorCode.upstreamTransport`.
    case transport(detail: String, attempts: Int)
    /// See `ErrorCode.upstreamMalformed`.
    case malformed(String)
    /// See `ErrorCode.contextLengthExceeded`.
    case contextLength(providerMessage: String)
    /// See `ErrorCode.contentFiltered`.
    case contentFiltered(providerMessage: String)
    /// See `ErrorCode.cacheMiss`; `request` is a short excerpt of the request.
    case cacheMiss(path: String, request: String)
    /// See `ErrorCode.cacheIO`.
    case cacheIO(path: String, detail: String)
    /// See `ErrorCode.unsupportedRequest`; the message says what to change.
    case unsupported(String)
    /// See `ErrorCode.engineFailed`.
    case engine(String)

    public var code: ErrorCode {
        switch self {
        case .unreachable: return .upstreamUnreachable
        case .auth: return .upstreamAuth
        case .rejected: return .upstreamRejected
        case .rateLimited: return .upstreamRateLimited
        case .serverError: return .upstreamServerError
        case .timeout: return .upstreamTimeout
        case .transport: return .upstreamTransport
        case .malformed: return .upstreamMalformed
        case .contextLength: return .contextLengthExceeded
        case .contentFiltered: return .contentFiltered
        case .cacheMiss: return .cacheMiss
        case .cacheIO: return .cacheIO
        case .unsupported: return .unsupportedRequest
        case .engine: return .engineFailed
        }
    }

    public var message: String {
        switch self {
        case .unreachable(let url, let detail, let attempts):
            return
                "could not reach \(url) (\(detail)) after \(attempts) attempt(s); check that the server is running and `base_url` is right"
        case .auth(let status, let provider, let variable):
            let hint =
                variable.map { "check the API key in the environment variable \($0)" }
                ?? "set `api_key_env` to the environment variable holding the API key"
            return "the endpoint refused the credentials (HTTP \(status)): \(provider); \(hint)"
        case .rejected(let status, let provider):
            return "the endpoint rejected the request (HTTP \(status)): \(provider)"
        case .rateLimited(let provider, let attempts, let retryAfter):
            let wait = retryAfter.map { "; it asked to wait \(formatSeconds($0))" } ?? ""
            return
                "the endpoint is rate limiting (HTTP 429) and still was after \(attempts) attempt(s)\(wait): \(provider); lower `max_concurrency` or raise `max_attempts`"
        case .serverError(let status, let provider, let attempts):
            return "the endpoint failed with HTTP \(status) on each of \(attempts) attempt(s): \(provider)"
        case .timeout(let seconds, let attempts):
            return
                "no answer within \(formatSeconds(seconds)) on each of \(attempts) attempt(s); raise `timeout_s` for long generations or check the server"
        case .transport(let detail, let attempts):
            return "the connection failed during the exchange on each of \(attempts) attempt(s): \(detail)"
        case .malformed(let detail):
            return "the endpoint's answer is not an OpenAI-style completion: \(detail)"
        case .contextLength(let provider):
            return
                "the request does not fit the model's context window: \(provider); shorten the prompt or lower `max_tokens`"
        case .contentFiltered(let provider):
            return "the provider withheld the completion (content filter): \(provider)"
        case .cacheMiss(let path, let request):
            return
                "replay mode: the response cache \(path) has no answer for \(request); record it first with cache mode `read_write`"
        case .cacheIO(let path, let detail):
            return "the response cache \(path) failed: \(detail)"
        case .unsupported(let detail):
            return "the backend cannot serve this request: \(detail)"
        case .engine(let detail):
            return "the in-process engine failed: \(detail)"
        }
    }

    public var description: String { "\(code): \(message)" }
}

/// `1.5 s`, `250 ms`: durations in messages.
func formatSeconds(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
    let rounded = (seconds * 10).rounded() / 10
    return rounded == rounded.rounded() ? "\(Int(rounded)) s" : "\(rounded) s"
}

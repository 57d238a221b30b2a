import Foundation
import TroupeCore
import TroupeHTTP

/// The configuration of an `openai` backend: one OpenAI-compatible endpoint.
///
/// ```json
/// {"kind": "openai", "base_url": "http://127.0.0.1:8000/v1", "api_key_env": "OPENAI_API_KEY"}
/// ```
/// Azure OpenAI: `base_url` is the deployment's URL
/// (`https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT`), `api_key_header` is `api-key`
/// and `query` holds `{"api-version": "2024-06-01"}`.
public struct OpenAIConfig: Sendable, Decodable, Equatable {
    /// The API root; `/chat/completions` and `/completions` are appended. `http` or `https`.
    public var baseURL: String
    /// The name of the environment variable holding the API key (nil: send no key, as local servers
    /// want). The key itself never appears in configurations, logs, errors or infos.
    public var apiKeyEnv: String?
    /// The header carrying the key: `Authorization` (as `Bearer KEY`, the default) or another name,
    /// which gets the bare key (Azure's `api-key`).
    public var apiKeyHeader: String
    /// Extra request headers (`OpenAI-Organization`, …).
    public var headers: [String: String]
    /// Query parameters added to every URL (Azure's `api-version`).
    public var query: [String: String]
    /// Requests in flight to this endpoint at once, across all sessions; the rest wait in order.
    /// The first backend to name an endpoint URL sets its limit for the process.
    public var maxConcurrency: Int
    /// Seconds one attempt may take, connection included.
    public var timeout: Double
    /// Seconds to establish a connection.
    public var connectTimeout: Double
    /// Attempts per request, the first included (see `RetryPolicy`).
    public var maxAttempts: Int
    /// The first backoff step in seconds; it doubles per attempt up to `backoffMax`.
    public var backoffBase: Double
    public var backoffMax: Double
    /// A `Retry-After` longer than this fails the request at once.
    public var maxRetryAfter: Double
    /// `max_tokens`, or `max_completion_tokens` for OpenAI's reasoning models.
    public var maxTokensField: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseURL = "base_url"
        case apiKeyEnv = "api_key_env"
        case apiKeyHeader = "api_key_header"
        case headers, query
        case maxConcurrency = "max_concurrency"
        case timeout = "timeout_s"
        case connectTimeout = "connect_timeout_s"
        case maxAttempts = "max_attempts"
        case backoffBase = "backoff_base_s"
        case backoffMax = "backoff_max_s"
        case maxRetryAfter = "max_retry_after_s"
        case maxTokensField = "max_tokens_field"
    }

    public init(baseURL: String, apiKeyEnv: String? = nil) {
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
        apiKeyHeader = "Authorization"
        headers = [:]
        query = [:]
        maxConcurrency = 64
        timeout = 120
        connectTimeout = 10
        maxAttempts = 4
        backoffBase = 0.5
        backoffMax = 20
        maxRetryAfter = 60
        maxTokensField = "max_tokens"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "backend")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var base = try c.decode(String.self, forKey: .baseURL)
        while base.hasSuffix("/") { base.removeLast() }  // one spelling per endpoint: one limit, one cache identity
        self.init(baseURL: base)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        apiKeyHeader = try c.decodeIfPresent(String.self, forKey: .apiKeyHeader) ?? apiKeyHeader
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        query = try c.decodeIfPresent([String: String].self, forKey: .query) ?? [:]
        maxConcurrency = try c.decodeIfPresent(Int.self, forKey: .maxConcurrency) ?? maxConcurrency
        timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? timeout
        connectTimeout = try c.decodeIfPresent(Double.self, forKey: .connectTimeout) ?? connectTimeout
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? maxAttempts
        backoffBase = try c.decodeIfPresent(Double.self, forKey: .backoffBase) ?? backoffBase
        backoffMax = try c.decodeIfPresent(Double.self, forKey: .backoffMax) ?? backoffMax
        maxRetryAfter = try c.decodeIfPresent(Double.self, forKey: .maxRetryAfter) ?? maxRetryAfter
        maxTokensField = try c.decodeIfPresent(String.self, forKey: .maxTokensField) ?? maxTokensField
        try validate()
    }

    func validate() throws {
        func bad(_ message: String) -> EnvError { .badConfig(message) }
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw bad("`base_url` must be an http or https URL such as http://127.0.0.1:8000/v1, got \"\(baseURL)\"")
        }
        guard url.query == nil else { throw bad("`base_url` must not hold a query; put parameters in `query`") }
        if let apiKeyEnv, apiKeyEnv.isEmpty || apiKeyEnv.contains("=") {
            throw bad("`api_key_env` must be the name of an environment variable, such as OPENAI_API_KEY")
        }
        for name in [apiKeyHeader] + Array(headers.keys) where !HTTPRequest.isToken(name) {
            throw bad("header name \"\(name)\" is not a valid HTTP field name")
        }
        for (name, value) in headers where value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw bad("header `\(name)` must not contain line breaks")
        }
        guard (1...4096).contains(maxConcurrency) else { throw bad("`max_concurrency` must be from 1 to 4096") }
        guard timeout > 0, timeout.isFinite, connectTimeout > 0, connectTimeout.isFinite else {
            throw bad("`timeout_s` and `connect_timeout_s` must be positive numbers of seconds")
        }
        guard (1...20).contains(maxAttempts) else { throw bad("`max_attempts` must be from 1 to 20") }
        guard backoffBase >= 0, backoffMax >= backoffBase, backoffMax.isFinite, maxRetryAfter >= 0,
            maxRetryAfter.isFinite
        else {
            throw bad("need 0 <= `backoff_base_s` <= `backoff_max_s` and `max_retry_after_s` >= 0 (seconds)")
        }
        guard ["max_tokens", "max_completion_tokens"].contains(maxTokensField) else {
            throw bad("`max_tokens_field` must be \"max_tokens\" or \"max_completion_tokens\"")
        }
    }

    var retryPolicy: RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts, backoffBase: backoffBase, backoffMax: backoffMax, maxRetryAfter: maxRetryAfter)
    }

    /// The API key from the environment, or nil when `api_key_env` is not set.
    ///
    /// - Throws: `bad_config` when the variable named is unset or empty (the message names the
    ///   variable, never a value).
    func resolveAPIKey(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        guard let apiKeyEnv else { return nil }
        guard let key = environment[apiKeyEnv], !key.isEmpty else {
            throw EnvError.badConfig(
                "backend `openai`: the environment variable \(apiKeyEnv) named by `api_key_env` is not set; export it before starting, or remove `api_key_env` for servers that need no key"
            )
        }
        guard !key.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw EnvError.badConfig("backend `openai`: the value of \(apiKeyEnv) contains a line break")
        }
        return key
    }

    /// The full URL for an API path, with the query parameters in a stable order.
    func url(path: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard !query.isEmpty else { return base + path }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let pairs = query.sorted { $0.key < $1.key }.map { key, value in
            (key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key) + "="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }
        return base + path + "?" + pairs.joined(separator: "&")
    }
}

import Foundation
import TroupeCore
import TroupeHTTP

/// Calls real RapidAPI-style endpoints: the API's URL from the catalog (optionally re-rooted at
/// `base_url`), the key in `X-RapidAPI-Key` from the environment variable the configuration names,
/// the tool's host in `X-RapidAPI-Host`; GET arguments as a sorted query string, POST arguments as
/// a JSON body, `{name}` URL segments filled from the arguments.
///
/// Safety: only hosts in `allowed_hosts` are contacted (anything else is refused before a socket
/// opens, and redirects are not followed); the key never appears in observations, infos, errors
/// or cache files (a response that echoes it has it replaced by `<redacted>`). Bodies are cut at
/// `maxBodyBytes`, as the observation is cut far shorter anyway.
///
/// Requests go through `HTTPClient.shared`, the process's one libcurl driver thread.
///
/// With `mode: record` every answered call is stored in the `ReplayCache` and answered from it
/// next time; `replay` answers only from the cache (offline, exactly as recorded); `live` never
/// touches the cache. Transport failures (timeouts, refused connections) are not recorded.
public final class HTTPToolBackend: Sendable {
    public struct Config: Codable, Sendable {
        public enum Mode: String, Codable, Sendable {
            case live, record, replay
        }

        /// Hosts that may be contacted (the request URL's host, after `base_url`).
        public var allowedHosts: [String]
        /// The environment variable holding the RapidAPI key.
        public var keyEnv = "RAPIDAPI_KEY"
        /// Send every request to this scheme://host[:port] instead of the catalog URL's (for a
        /// proxy or a local test server); paths are kept.
        public var baseURL: String?
        public var mode = Mode.record
        /// The record/replay cache directory (needed by `record` and `replay`).
        public var cacheDir: String?
        public var timeoutSeconds = 15.0

        enum CodingKeys: String, CodingKey {
            case mode
            case allowedHosts = "allowed_hosts"
            case keyEnv = "key_env"
            case baseURL = "base_url"
            case cacheDir = "cache_dir"
            case timeoutSeconds = "timeout_seconds"
        }

        public init(
            allowedHosts: [String], keyEnv: String = "RAPIDAPI_KEY", baseURL: String? = nil, mode: Mode = .record,
            cacheDir: String? = nil, timeoutSeconds: Double = 15
        ) {
            self.allowedHosts = allowedHosts
            self.keyEnv = keyEnv
            self.baseURL = baseURL
            self.mode = mode
            self.cacheDir = cacheDir
            self.timeoutSeconds = timeoutSeconds
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            allowedHosts = try c.decode([String].self, forKey: .allowedHosts).map { $0.lowercased() }
            keyEnv = try c.decodeIfPresent(String.self, forKey: .keyEnv) ?? "RAPIDAPI_KEY"
            baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
            mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? .record
            cacheDir = try c.decodeIfPresent(String.self, forKey: .cacheDir)
            timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 15
            guard !allowedHosts.isEmpty else {
                throw EnvError.badConfig("`http.allowed_hosts` must name at least one host")
            }
            guard timeoutSeconds > 0, timeoutSeconds <= 300 else {
                throw EnvError.badConfig("`http.timeout_seconds` must be in (0, 300], got \(timeoutSeconds)")
            }
            if let baseURL {
                guard let url = URLComponents(string: baseURL), ["http", "https"].contains(url.scheme ?? ""),
                    url.host != nil
                else {
                    throw EnvError.badConfig(
                        "`http.base_url` must be an http(s) URL such as http://127.0.0.1:8080, got \(baseURL)")
                }
            }
            if mode != .live, cacheDir == nil {
                throw EnvError.badConfig("`http.mode: \(mode.rawValue)` needs `http.cache_dir`")
            }
        }
    }

    /// The most response bytes kept (the rest of a longer body is not read).
    static let maxBodyBytes = 4 << 20

    let config: Config
    let key: String?
    let transport: any HTTPTransport
    let cache: ReplayCache?

    init(config: Config, key: String?, transport: any HTTPTransport, cache: ReplayCache?) {
        self.config = config
        self.key = key
        self.transport = transport
        self.cache = cache
    }

    /// Makes a backend, reading the key from the environment (required unless replaying) and
    /// sharing one cache actor per directory through `shared`.
    public static func make(
        _ config: Config, shared: SharedResources, transport: any HTTPTransport = HTTPClient.shared,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> HTTPToolBackend {
        let key = environment[config.keyEnv].flatMap { $0.isEmpty ? nil : $0 }
        if key == nil, config.mode != .replay {
            throw EnvError.badConfig(
                "the environment variable `\(config.keyEnv)` (http.key_env) is not set; export your RapidAPI key there, or use `mode: replay`"
            )
        }
        var cache: ReplayCache?
        if let directory = config.cacheDir {
            let root = URL(fileURLWithPath: directory).standardizedFileURL
            cache = try await shared.resource("tools.replay-cache:\(root.path)") { try ReplayCache(root: root) }
        }
        return HTTPToolBackend(config: config, key: key, transport: transport, cache: cache)
    }

    /// One call, answered from the cache when the mode allows.
    public func call(_ function: ToolFunction, arguments: JSONObject) async -> ToolResponse {
        let validated: CallArguments
        switch ArgumentValidator.validate(arguments, for: function, typed: false) {
        case .failure(let error): return error.response
        case .success(let args): validated = args
        }
        let cacheKey = ReplayCache.Key(
            category: function.category, tool: function.standardToolName, api: function.api.name,
            arguments: validated.canonical)
        if let cache, config.mode != .live {
            do {
                if let recorded = try await cache.lookup(cacheKey) { return recorded }
            } catch {
                return .failure(.notWorking, "\(ToolResponse.notWorkingPrefix)\n\(error.troupeMessage)")
            }
            if config.mode == .replay {
                return .failure(
                    .notWorking,
                    "\(ToolResponse.notWorkingPrefix)\nno recorded response for \(function.name) with these arguments (replay mode)"
                )
            }
        }
        let request: HTTPRequest
        switch makeRequest(function, validated) {
        case .failure(let error): return error.response
        case .success(let built): request = built
        }
        let answer: HTTPResponse
        do {
            answer = try await transport.perform(request)
        } catch HTTPClientError.timeout {
            return .failure(.timeout, "\(ToolResponse.timeoutPrefix)\nno answer within \(config.timeoutSeconds) s")
        } catch is CancellationError {
            return .failure(.requestError, "Error sending request...\nthe call was cancelled")
        } catch {
            return .failure(.requestError, "Error sending request...\n\(redact(String(describing: error)))")
        }
        let response = HTTPToolBackend.response(
            status: answer.status, body: redact(String(decoding: answer.body, as: UTF8.self)))
        if let cache, config.mode == .record {
            do { try await cache.store(cacheKey, response) } catch {
                return .failure(.notWorking, "\(ToolResponse.notWorkingPrefix)\n\(error.troupeMessage)")
            }
        }
        return response
    }

    /// Builds the request, or refuses it (a host outside `allowed_hosts`).
    func makeRequest(_ function: ToolFunction, _ args: CallArguments) -> Result<HTTPRequest, ToolResponseError> {
        var values = args.values
        var urlText = function.api.url
        // Path parameters: `{name}` segments are filled and removed from the query.
        for (name, value) in values where urlText.contains("{\(name)}") {
            let text =
                HTTPToolBackend.text(value).addingPercentEncoding(
                    withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? ""
            urlText = urlText.replacingOccurrences(of: "{\(name)}", with: text)
            values[name] = nil
        }
        guard var components = URLComponents(string: urlText), let catalogHost = components.host else {
            return .failure(
                ToolResponseError(
                    .failure(
                        .requestError,
                        "Error sending request...\nthe catalog URL of \(function.name) is not a URL: \(urlText)")))
        }
        if let base = config.baseURL.flatMap(URLComponents.init(string:)) {
            components.scheme = base.scheme
            components.host = base.host
            components.port = base.port
            components.path =
                base.path.trimmingCharacters(in: CharacterSet(charactersIn: "/")).isEmpty
                ? components.path
                : "/" + base.path.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + components.path
        }
        let host = (components.host ?? "").lowercased()
        guard config.allowedHosts.contains(host) else {
            return .failure(
                ToolResponseError(
                    .failure(.requestError, "Blocked error...\nthe host \(host) is not in http.allowed_hosts")))
        }
        var headers: [(name: String, value: String)] = [
            ("Accept", "application/json"), ("X-RapidAPI-Host", function.host ?? catalogHost),
        ]
        if let key { headers.append(("X-RapidAPI-Key", key)) }
        var body: [UInt8] = []
        let method = function.api.method
        if method == "GET" || method == "DELETE" {
            let sorted = values.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            if !sorted.isEmpty {
                components.queryItems = sorted.map { URLQueryItem(name: $0.key, value: HTTPToolBackend.text($0.value)) }
            }
        } else {
            headers.append(("Content-Type", "application/json"))
            body = JSONValue.object(values).canonicalized().serializedBytes()
        }
        guard let url = components.url?.absoluteString else {
            return .failure(
                ToolResponseError(
                    .failure(.requestError, "Error sending request...\ncannot form a URL for \(function.name)")))
        }
        return .success(
            HTTPRequest(
                method: method, url: url, headers: headers, body: body, timeout: config.timeoutSeconds,
                maxResponseBytes: HTTPToolBackend.maxBodyBytes, oversized: .truncate))
    }

    /// ToolBench's mapping of HTTP answers to its vocabulary and status codes.
    static func response(status: Int, body: String) -> ToolResponse {
        let parsed: JSONValue = (try? JSONValue.parse(body)) ?? .string(body)
        switch status {
        case 200..<300: return .ok(parsed)
        case 401: return .failure(.unauthorized, ToolResponse.unauthorizedPrefix, response: parsed)
        case 403: return .failure(.unsubscribed, ToolResponse.unsubscribedPrefix, response: parsed)
        case 404, 500...: return .failure(.notWorking, ToolResponse.notWorkingPrefix, response: parsed)
        case 429: return .failure(.tooManyRequests, ToolResponse.tooManyRequestsPrefix, response: parsed)
        default: return .failure(.messageError, ToolResponse.messagePrefix, response: parsed)
        }
    }

    func redact(_ text: String) -> String {
        guard let key, !key.isEmpty else { return text }
        return text.replacingOccurrences(of: key, with: "<redacted>")
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        default: return value.serialized()
        }
    }
}

/// One HTTP exchange to perform with `HTTPClient`: what to send, how long to wait, whether to
/// follow redirects and how much of an answer to keep.
///
/// Plain data: nothing is checked when it is built. `HTTPClient.perform` checks it first
/// (`validationError`) and throws `HTTPClientError.invalidRequest` for a request that could never
/// be sent as given, before anything reaches the network.
public struct HTTPRequest: Sendable {
    /// The verb: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or any other token.
    public var method: String
    /// An `http` or `https` URL (other schemes are refused).
    public var url: String
    /// Header fields in the order they are sent. A field named here replaces libcurl's own of that
    /// name (`Accept`, `User-Agent`); an empty value sends the field empty.
    public var headers: [(name: String, value: String)]
    /// The body. `GET` and `HEAD` send one only when it is not empty; `POST` always sends one.
    public var body: [UInt8]
    /// Seconds the whole exchange may take, connecting included.
    public var timeout: Double
    /// Seconds connecting (TCP and TLS) may take.
    public var connectTimeout: Double
    /// Whether 3xx answers are followed or returned as they are.
    public var redirects: RedirectPolicy
    /// The most body bytes kept; what happens to a longer body is `oversized`'s choice.
    public var maxResponseBytes: Int
    /// What a body longer than `maxResponseBytes` does to the exchange.
    public var oversized: OversizePolicy

    /// A request; `connectTimeout` defaults to `timeout`.
    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Double, connectTimeout: Double? = nil, redirects: RedirectPolicy = .never,
        maxResponseBytes: Int = 64 << 20, oversized: OversizePolicy = .fail
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout ?? timeout
        self.redirects = redirects
        self.maxResponseBytes = maxResponseBytes
        self.oversized = oversized
    }

    /// Why this request cannot be sent, or nil when it can. Checks what libcurl would otherwise
    /// accept silently or mangle: the verb and field names are HTTP tokens, no value holds a line
    /// break or NUL (which would inject header lines), timeouts are positive and the size cap is.
    /// URLs are checked by libcurl itself (malformed URLs and other schemes fail the same way).
    public var validationError: String? {
        guard HTTPRequest.isToken(method) else { return "the method \"\(method)\" is not an HTTP token" }
        for (name, value) in headers {
            guard HTTPRequest.isToken(name) else { return "the header name \"\(name)\" is not an HTTP token" }
            guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                return "the value of header \(name) holds a line break or NUL"
            }
        }
        guard !url.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else {
            return "the URL holds spaces or control characters; percent-encode them"
        }
        guard timeout > 0, timeout.isFinite, connectTimeout > 0, connectTimeout.isFinite else {
            return "timeouts must be positive numbers of seconds"
        }
        guard maxResponseBytes > 0 else { return "maxResponseBytes must be positive" }
        if case .follow(let limit) = redirects, limit < 1 {
            return "a redirect limit must be at least 1 (use .never to follow none)"
        }
        return nil
    }

    /// Whether `text` is an HTTP token (RFC 9110 §5.6.2), as method and field names must be.
    public static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                (0x21...0x7E).contains(byte) && !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
            }
    }
}

/// Whether `HTTPClient` follows 3xx answers.
public enum RedirectPolicy: Sendable, Equatable {
    /// Return 3xx answers as they are (the default): a redirect can lead anywhere, including to
    /// hosts the caller has not allowed.
    case never
    /// Follow at most `limit` redirects, to `http` and `https` URLs only; one more fails the
    /// exchange with `HTTPClientError.other`. As browsers do, a 301, 302 or 303 after a POST is
    /// followed with a GET.
    case follow(limit: Int)
}

/// What a body longer than `HTTPRequest.maxResponseBytes` does.
public enum OversizePolicy: Sendable, Equatable {
    /// The exchange fails with `HTTPClientError.responseTooLarge` (a declared `Content-Length`
    /// over the cap fails it before any of the body is read).
    case fail
    /// The response keeps the first `maxResponseBytes` bytes and is marked `truncated`; the rest
    /// is not read (the connection is closed rather than reused).
    case truncate
}

/// A complete HTTP answer, of any status.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header fields of the final answer (after any redirects followed), names lowercased, in the
    /// order they arrived.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whether `body` was cut at `maxResponseBytes` (only with `OversizePolicy.truncate`).
    public var truncated: Bool

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    /// The first value of header `name` (give it lowercase).
    public func header(_ name: String) -> String? { headers.first(where: { $0.name == name })?.value }
}

/// Why no complete answer arrived. Each case is a class of libcurl failures that callers treat
/// alike (the `openai` backend retries the first three and never the others).
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection could be made: refused, unknown host, TLS handshake failure.
    case unreachable(String)
    /// The timeout passed before the answer was complete.
    case timeout(String)
    /// The connection broke during the exchange: reset, closed before or in the middle of the body.
    case connectionLost(String)
    /// The body exceeded `HTTPRequest.maxResponseBytes` (this many) under `OversizePolicy.fail`.
    case responseTooLarge(Int)
    /// A request that can never succeed as given: a malformed URL, a scheme other than http(s),
    /// a header value with a line break.
    case invalidRequest(String)
    /// Any other failure (too many redirects, out of memory); the text is libcurl's.
    case other(String)

    /// What went wrong, in words (libcurl's where it has them).
    public var description: String {
        switch self {
        case .unreachable(let s), .timeout(let s), .connectionLost(let s), .invalidRequest(let s), .other(let s):
            return s
        case .responseTooLarge(let limit): return "the response exceeded \(limit) bytes"
        }
    }
}

/// Something that performs HTTP exchanges: `HTTPClient` in production. Backends hold one of these
/// rather than the client itself, which marks the seam where a test double could go.
public protocol HTTPTransport: Sendable {
    /// Performs one exchange and returns the answer, whatever its status. Throws `HTTPClientError`,
    /// or `CancellationError` when the calling task is cancelled (the transfer is then aborted).
    func perform(_ request: HTTPRequest) async throws -> HTTPResponse
}

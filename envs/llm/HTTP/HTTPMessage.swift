/// An HTTP request for `CurlMultiDriver`: what to send, and how long to wait.
struct HTTPRequest: Sendable {
    var url: String
    /// `Name: value` lines, without line ends (the caller has checked they hold none).
    var headers: [String]
    /// The POST body; an empty body sends a GET.
    var body: [UInt8]
    /// The whole exchange, connection included, must finish within this many seconds.
    var timeout: Double
    /// Connecting (TCP and TLS) must finish within this many seconds.
    var connectTimeout: Double
    /// A larger response body aborts the transfer with `HTTPTransportError.responseTooLarge`.
    var maxResponseBytes: Int = 64 << 20
}

/// A complete HTTP response (any status).
struct HTTPResponse: Sendable {
    var status: Int
    /// Header fields of the final response, names lowercased, in arrival order.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// The first value of header `name` (lowercase).
    func header(_ name: String) -> String? { headers.first(where: { $0.name == name })?.value }
}

/// Why no complete response arrived. Each case is a class of libcurl failures that the retry
/// policy treats alike.
enum HTTPTransportError: Error, Sendable, Equatable {
    /// No connection could be made: refused, unknown host, TLS handshake failure.
    case unreachable(String)
    /// The timeout passed before the response was complete.
    case timeout(String)
    /// The connection broke during the exchange: reset, closed before or in the middle of the body.
    case connectionLost(String)
    /// The response body exceeded `HTTPRequest.maxResponseBytes`.
    case responseTooLarge(Int)
    /// A request that can never succeed as given (a malformed URL, an unsupported scheme).
    case invalidRequest(String)
    /// Any other libcurl failure; the text is libcurl's.
    case other(String)

    /// A short description for error messages.
    var detail: String {
        switch self {
        case .unreachable(let s), .timeout(let s), .connectionLost(let s), .invalidRequest(let s), .other(let s):
            return s
        case .responseTooLarge(let limit): return "the response exceeded \(limit) bytes"
        }
    }
}

/// Something that performs HTTP exchanges: `CurlMultiDriver` in production. Tests of the retry
/// logic use the real driver against a local server; the protocol marks the seam.
protocol HTTPTransport: Sendable {
    /// Performs one exchange. Throws `HTTPTransportError`, or `CancellationError` when the calling
    /// task is cancelled (the transfer is then aborted).
    func perform(_ request: HTTPRequest) async throws -> HTTPResponse
}

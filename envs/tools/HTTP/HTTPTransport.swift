import CToolsCurl
import Dispatch
import Foundation
import TroupeCore

/// One HTTP request, fully formed.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    /// `Name: value` pairs, in order.
    public var headers: [(String, String)]
    public var body: [UInt8]?
    public var timeoutSeconds: Double

    public init(method: String, url: String, headers: [(String, String)], body: [UInt8]? = nil, timeoutSeconds: Double)
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { $0.0 + ":" + $0.1 } == rhs.headers.map { $0.0 + ":" + $0.1 }
    }
}

/// What came back: a status and a body, or a transport failure.
public enum HTTPOutcome: Sendable, Equatable {
    case response(status: Int, body: [UInt8])
    /// The request did not complete; `timedOut` distinguishes a timeout from other failures.
    case failure(message: String, timedOut: Bool)
}

/// Sends HTTP requests. The tools environment needs only one blocking-style exchange per call;
/// the protocol keeps the client swappable (the lead may unify it with `llm-v0`'s client).
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async -> HTTPOutcome
}

/// `HTTPTransport` on libcurl's easy interface, one handle per request, run on a dispatch
/// worker so that the calling actor's executor never blocks. Redirects are not followed (they
/// could leave the allowed hosts) and bodies are capped at `maxBodyBytes`.
public struct CurlTransport: HTTPTransport {
    public let maxBodyBytes: Int

    public init(maxBodyBytes: Int = 4 << 20) { self.maxBodyBytes = maxBodyBytes }

    public func send(_ request: HTTPRequest) async -> HTTPOutcome {
        let limit = maxBodyBytes
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: CurlTransport.perform(request, maxBodyBytes: limit))
            }
        }
    }

    static func perform(_ request: HTTPRequest, maxBodyBytes: Int) -> HTTPOutcome {
        let headerLines = request.headers.map { "\($0.0): \($0.1)" }
        var cStrings = headerLines.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var result = tools_curl_result()
        let timeoutMS = max(1, Int(request.timeoutSeconds * 1000))
        let code: Int32 = cStrings.withUnsafeMutableBufferPointer { headers in
            headers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constHeaders in
                if let body = request.body {
                    return body.withUnsafeBufferPointer { bytes in
                        bytes.withMemoryRebound(to: CChar.self) { chars in
                            tools_curl_perform(
                                request.url, request.method, constHeaders.baseAddress, constHeaders.count,
                                chars.baseAddress, chars.count, timeoutMS, maxBodyBytes, &result)
                        }
                    }
                }
                return tools_curl_perform(
                    request.url, request.method, constHeaders.baseAddress, constHeaders.count, nil, 0, timeoutMS,
                    maxBodyBytes, &result)
            }
        }
        defer { tools_curl_result_free(&result) }
        guard code == 0 else {
            return .failure(message: "libcurl could not create a handle (out of memory)", timedOut: false)
        }
        guard result.curl_code == 0 else {
            let message = withUnsafeBytes(of: result.error) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return .failure(message: message, timedOut: result.curl_code == 28)  // CURLE_OPERATION_TIMEDOUT
        }
        let body = result.body.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: result.body_length)) } ?? []
        return .response(status: Int(result.status), body: body)
    }
}

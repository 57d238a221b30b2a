import CCurl
import Foundation

/// One exchange in flight: the request, the easy handle's options, and the answer as libcurl
/// delivers it. `state` and `continuation` are guarded by the client's lock; the rest is touched
/// only by the driver thread (and libcurl's callbacks, which run on it).
final class Transfer: @unchecked Sendable {
    enum State { case new, queued, active, finished }

    let request: HTTPRequest
    var state = State.new
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var responseBody: [UInt8] = []
    var responseHeaders: [(name: String, value: String)] = []
    /// Set by the body callback when the body outgrew `maxResponseBytes`.
    var oversized = false
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(request: HTTPRequest) {
        self.request = request
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
    }

    deinit { errorBuffer.deallocate() }

    /// Sets every option of `easy` (a fresh or reset handle) for this transfer.
    func configure(_ easy: UnsafeMutableRawPointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = troupe_curl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        _ = troupe_curl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Transfer.milliseconds(request.timeout))
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Transfer.milliseconds(request.connectTimeout))
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = troupe_curl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteBody)
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        _ = troupe_curl_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        if request.oversized == .fail {
            // A declared Content-Length over the cap fails before the body is read.
            _ = troupe_curl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes))
        }
        switch request.redirects {
        case .never:
            _ = troupe_curl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        case .follow(let limit):
            _ = troupe_curl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1)
            _ = troupe_curl_easy_setopt_long(easy, CURLOPT_MAXREDIRS, limit)
            _ = troupe_curl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        }
        configureMethod(easy)
        // An empty `Expect:` stops libcurl from waiting for `100 Continue` before larger bodies,
        // a round trip (up to a second with servers that never send it) on every long prompt.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for (name, value) in request.headers {
            // libcurl's spelling: `Name:` would remove the field, `Name;` sends it empty.
            list = curl_slist_append(list, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        headerList = list
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, list)
    }

    /// The verb and body: a reset handle does a GET; a body (or POST) makes it a POST, and any
    /// other verb (a GET with a body included) is sent as a custom request line over that.
    private func configureMethod(_ easy: UnsafeMutableRawPointer) {
        let method = request.method
        if method == "HEAD" {
            _ = troupe_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
            return
        }
        let sendsBody = !request.body.isEmpty || method == "POST"
        if sendsBody {
            _ = troupe_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            if request.body.isEmpty {
                _ = troupe_curl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                request.body.withUnsafeBytes { bytes in
                    _ = troupe_curl_easy_setopt_pointer(
                        easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
            }
        }
        if method != (sendsBody ? "POST" : "GET") {
            _ = troupe_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method)
        }
    }

    /// The answer, or the error, of a transfer libcurl has finished with `code`.
    func outcome(_ code: CURLcode, _ easy: UnsafeMutableRawPointer) -> Result<HTTPResponse, any Error> {
        let truncated = code == CURLE_WRITE_ERROR && oversized && request.oversized == .truncate
        guard code == CURLE_OK || truncated else { return .failure(error(code)) }
        var status = 0
        _ = troupe_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return .success(
            HTTPResponse(status: status, headers: responseHeaders, body: responseBody, truncated: truncated))
    }

    private func error(_ code: CURLcode) -> HTTPClientError {
        let buffered = String(cString: errorBuffer)
        let text = buffered.isEmpty ? String(cString: curl_easy_strerror(code)) : buffered
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR:
            return .unreachable(text)
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(text)
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
            return .connectionLost(text)
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge(request.maxResponseBytes)
        case CURLE_WRITE_ERROR where oversized:
            return .responseTooLarge(request.maxResponseBytes)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest(text)
        default:
            return .other(text)
        }
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        Int(min(max(seconds * 1000, 1), Double(Int32.max)))
    }
}

/// libcurl's body callback: appends to the transfer's body; past the size cap it keeps what fits
/// and stops the transfer (returning less than it was given makes libcurl end with
/// `CURLE_WRITE_ERROR`, which `outcome` reads as a cut or as an error, as the request asks).
private let curlWriteBody: curl_write_callback = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    let room = transfer.request.maxResponseBytes - transfer.responseBody.count
    let kept = min(length, room)
    if let data, kept > 0 {
        data.withMemoryRebound(to: UInt8.self, capacity: kept) { bytes in
            transfer.responseBody.append(contentsOf: UnsafeBufferPointer(start: bytes, count: kept))
        }
    }
    guard kept == length else {
        transfer.oversized = true
        return 0
    }
    return length
}

/// libcurl's header callback: one header line per call. A status line starts a new answer
/// (after `100 Continue` or a redirect), so only the final answer's fields are kept.
private let curlWriteHeader: curl_write_callback = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard let data, length > 0 else { return length }
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
        String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        transfer.responseHeaders.removeAll()
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        transfer.responseHeaders.append((name, value))
    }
    return length
}

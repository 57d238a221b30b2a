import CCurl
import Foundation

/// HTTP on libcurl's multi interface, driven by one thread, so that hundreds of requests can be in
/// flight while Swift tasks simply `await` their responses.
///
/// How it works: `perform` wraps the request in a `Transfer`, queues it under a lock, and wakes the
/// driver thread with `curl_multi_wakeup`; the task then suspends on a continuation. The driver
/// thread alone touches libcurl: it turns queued transfers into easy handles, runs
/// `curl_multi_perform`, reads finished transfers with `curl_multi_info_read`, resumes their
/// continuations, and sleeps in `curl_multi_poll` until a socket is ready, a timer expires or a
/// new transfer arrives. Connections live in the multi handle's connection cache, so consecutive
/// requests to one endpoint reuse them (and HTTP/2 endpoints multiplex).
///
/// Invariants: every continuation is resumed exactly once (`Transfer.state` under `lock` decides
/// who does it); a cancelled task's transfer is removed from libcurl and resumed with
/// `CancellationError`; the thread never blocks on anything but `curl_multi_poll`.
final class CurlMultiDriver: HTTPTransport, @unchecked Sendable {
    /// The driver every backend uses: one thread for the process.
    static let shared = CurlMultiDriver()

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// `CURLM *`, used by the driver thread only (and by `curl_multi_wakeup`, which is thread-safe).
    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    // Guarded by `lock`:
    private var queued: [Transfer] = []
    private var cancelRequests: [Transfer] = []
    private var stopping = false
    // Driver thread only:
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private let thread: Thread?

    /// - Parameter maxConnections: the size of the connection cache (idle connections kept open).
    init(maxConnections: Int = 512) {
        _ = CurlMultiDriver.globalInit
        guard let multi = curl_multi_init() else {
            fatalError("libcurl could not create a multi handle (out of memory)")
        }
        self.multi = multi
        _ = troupe_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        let box = UnsafeSendableBox()
        let thread = Thread { box.driver?.run() }
        thread.name = "troupe-curl"
        self.thread = thread
        box.driver = self
        thread.start()
    }

    /// Stops the driver thread; transfers still running fail with `CancellationError`. The shared
    /// driver is never stopped. Returns once the thread has ended.
    func shutdown() {
        lock.lock()
        stopping = true
        lock.unlock()
        curl_multi_wakeup(multi)
        while !(thread?.isFinished ?? true) { usleep(1000) }
    }

    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = Transfer(request: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                submit(transfer, continuation)
            }
        } onCancel: {
            cancel(transfer)
        }
    }

    // MARK: Any thread

    private func submit(_ transfer: Transfer, _ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        lock.lock()
        guard transfer.state == .new, !stopping else {
            lock.unlock()
            continuation.resume(throwing: CancellationError())
            return
        }
        transfer.continuation = continuation
        transfer.state = .queued
        queued.append(transfer)
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    private func cancel(_ transfer: Transfer) {
        lock.lock()
        switch transfer.state {
        case .new: transfer.state = .finished  // `submit` will see it and resume at once
        case .queued, .active: cancelRequests.append(transfer)
        case .finished: break
        }
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    /// Resumes the transfer's continuation unless it already was.
    private func finish(_ transfer: Transfer, _ result: Result<HTTPResponse, any Error>) {
        lock.lock()
        let continuation = transfer.state == .finished ? nil : transfer.continuation
        transfer.state = .finished
        transfer.continuation = nil
        lock.unlock()
        continuation?.resume(with: result)
    }

    // MARK: Driver thread

    private func run() {
        var running: Int32 = 0
        while true {
            lock.lock()
            let starting = queued
            let cancels = cancelRequests
            let stop = stopping
            queued.removeAll(keepingCapacity: true)
            cancelRequests.removeAll(keepingCapacity: true)
            for transfer in starting { transfer.state = .active }
            lock.unlock()

            for transfer in starting { start(transfer) }
            for transfer in cancels { abort(transfer, CancellationError()) }
            if stop {
                for transfer in Array(active.values) { abort(transfer, CancellationError()) }
                for handle in idleHandles { curl_easy_cleanup(handle) }
                idleHandles.removeAll()
                curl_multi_cleanup(multi)
                return
            }
            curl_multi_perform(multi, &running)
            collectFinished()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func start(_ transfer: Transfer) {
        guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
            finish(transfer, .failure(HTTPTransportError.other("libcurl could not create a handle (out of memory)")))
            return
        }
        let request = transfer.request
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        _ = troupe_curl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout))
        _ = troupe_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(request.connectTimeout))
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer)
        _ = troupe_curl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteBody)
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        _ = troupe_curl_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        if !request.body.isEmpty {
            _ = troupe_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            request.body.withUnsafeBytes { bytes in
                _ = troupe_curl_easy_setopt_pointer(
                    easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
        }
        // An empty `Expect:` stops libcurl from waiting for `100 Continue` before larger bodies,
        // a round trip (up to a second with servers that never send it) on every long prompt.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for header in request.headers { list = curl_slist_append(list, header) }
        transfer.headerList = list
        _ = troupe_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, list)

        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            release(easy, transfer)
            let reason = String(cString: curl_multi_strerror(added))
            finish(transfer, .failure(HTTPTransportError.other("libcurl refused the transfer: \(reason)")))
            return
        }
        transfer.easy = easy
        active[easy] = transfer
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            guard let transfer = active.removeValue(forKey: easy) else { continue }
            curl_multi_remove_handle(multi, easy)
            let result: Result<HTTPResponse, any Error>
            if code == CURLE_OK {
                var status = 0
                _ = troupe_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
                result = .success(
                    HTTPResponse(status: status, headers: transfer.responseHeaders, body: transfer.responseBody))
            } else {
                result = .failure(transportError(code, transfer))
            }
            release(easy, transfer)
            finish(transfer, result)
        }
    }

    /// Removes a running transfer from libcurl and fails it.
    private func abort(_ transfer: Transfer, _ error: any Error) {
        if let easy = transfer.easy, active.removeValue(forKey: easy) != nil {
            curl_multi_remove_handle(multi, easy)
            release(easy, transfer)
        }
        finish(transfer, .failure(error))
    }

    /// Returns the handle to the idle pool (reset, so no option leaks into the next transfer) and
    /// frees the transfer's header list.
    private func release(_ easy: UnsafeMutableRawPointer, _ transfer: Transfer) {
        curl_easy_reset(easy)
        if idleHandles.count < 256 { idleHandles.append(easy) } else { curl_easy_cleanup(easy) }
        curl_slist_free_all(transfer.headerList)
        transfer.headerList = nil
        transfer.easy = nil
    }

    private func transportError(_ code: CURLcode, _ transfer: Transfer) -> HTTPTransportError {
        let buffered = String(cString: transfer.errorBuffer)
        let text = buffered.isEmpty ? String(cString: curl_easy_strerror(code)) : buffered
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR:
            return .unreachable(text)
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(text)
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
            return .connectionLost(text)
        case CURLE_WRITE_ERROR where transfer.tooLarge:
            return .responseTooLarge(transfer.request.maxResponseBytes)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest(text)
        default:
            return .other(text)
        }
    }

    private func milliseconds(_ seconds: Double) -> Int {
        Int(min(max(seconds * 1000, 1), Double(Int32.max)))
    }
}

/// One exchange in flight. `state` and `continuation` are guarded by the driver's lock; the rest
/// is touched only by the driver thread (and libcurl's callbacks, which run on it).
private final class Transfer: @unchecked Sendable {
    enum State { case new, queued, active, finished }

    let request: HTTPRequest
    var state = State.new
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var responseBody: [UInt8] = []
    var responseHeaders: [(name: String, value: String)] = []
    var tooLarge = false
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(request: HTTPRequest) {
        self.request = request
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
    }

    deinit { errorBuffer.deallocate() }
}

/// Lets the thread's closure reach the driver before `init` has finished.
private final class UnsafeSendableBox: @unchecked Sendable {
    weak var driver: CurlMultiDriver?
}

/// libcurl's body callback: appends to the transfer's body, or aborts past the size limit.
private let curlWriteBody: curl_write_callback = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard transfer.responseBody.count + length <= transfer.request.maxResponseBytes else {
        transfer.tooLarge = true
        return 0
    }
    if let data, length > 0 {
        data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            transfer.responseBody.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
        }
    }
    return length
}

/// libcurl's header callback: one header line per call. A status line starts a new response
/// (after `100 Continue` or a redirect), so only the final response's fields are kept.
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

import CCurl
import Foundation

/// HTTP on libcurl's multi interface, driven by one thread, so that hundreds of requests can be in
/// flight while Swift tasks simply `await` their answers.
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
///
/// Who uses it: `HTTPClient.shared` serves the whole process (the `openai` backend of `llm-v0`,
/// the `http` backend of `tools-v0`). A client made with `init` owns a thread until `shutdown()`.
public final class HTTPClient: HTTPTransport, @unchecked Sendable {
    /// The client every backend uses: one thread for the process, never shut down.
    public static let shared = HTTPClient(isShared: true)

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// `CURLM *`, used by the driver thread only (and by `curl_multi_wakeup`, which is thread-safe
    /// and may be called after the thread has ended: the handle is freed only in `deinit`).
    private let multi: UnsafeMutableRawPointer
    private let isShared: Bool
    private let lock = NSLock()
    // Guarded by `lock`:
    private var queued: [Transfer] = []
    private var cancelRequests: [Transfer] = []
    private var stopping = false
    // Driver thread only:
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    /// Signalled once when the driver thread has ended (and again by each waiter, for the next).
    private let ended = DispatchSemaphore(value: 0)

    /// Starts a client with its own thread and connection cache. Call `shutdown()` when done.
    ///
    /// - Parameter maxConnections: the size of the connection cache (idle connections kept open).
    public convenience init(maxConnections: Int = 512) {
        self.init(maxConnections: maxConnections, isShared: false)
    }

    private init(maxConnections: Int = 512, isShared: Bool) {
        _ = HTTPClient.globalInit
        guard let multi = curl_multi_init() else {
            fatalError("libcurl could not create a multi handle (out of memory)")
        }
        self.multi = multi
        self.isShared = isShared
        _ = troupe_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        let box = WeakClientBox()
        let thread = Thread { box.client?.run() }
        thread.name = "troupe-curl"
        box.client = self
        thread.start()
    }

    /// Stops the driver thread; transfers still running fail with `CancellationError`, and so does
    /// every later `perform`. Returns once the thread has ended. Idle connections close when the
    /// client itself is released (libcurl's multi handle, which holds them, is freed in `deinit`
    /// so that a late wakeup from another thread never touches freed memory). Does nothing on
    /// `shared`.
    public func shutdown() {
        guard !isShared else { return }
        lock.withLock { stopping = true }
        curl_multi_wakeup(multi)
        ended.wait()
        ended.signal()
    }

    deinit { curl_multi_cleanup(multi) }

    public func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        if let problem = request.validationError { throw HTTPClientError.invalidRequest(problem) }
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
            for transfer in cancels { abort(transfer) }
            if stop {
                for transfer in Array(active.values) { abort(transfer) }
                for handle in idleHandles { curl_easy_cleanup(handle) }
                idleHandles.removeAll()
                ended.signal()
                return
            }
            curl_multi_perform(multi, &running)
            collectFinished()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func start(_ transfer: Transfer) {
        guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
            finish(transfer, .failure(HTTPClientError.other("libcurl could not create a handle (out of memory)")))
            return
        }
        transfer.configure(easy)
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            release(easy, transfer)
            let reason = String(cString: curl_multi_strerror(added))
            finish(transfer, .failure(HTTPClientError.other("libcurl refused the transfer: \(reason)")))
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
            let result = transfer.outcome(code, easy)
            release(easy, transfer)
            finish(transfer, result)
        }
    }

    /// Removes a running transfer from libcurl and fails it with `CancellationError`.
    private func abort(_ transfer: Transfer) {
        if let easy = transfer.easy, active.removeValue(forKey: easy) != nil {
            curl_multi_remove_handle(multi, easy)
            release(easy, transfer)
        }
        finish(transfer, .failure(CancellationError()))
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
}

/// Lets the thread's closure reach the client before `init` has finished.
private final class WeakClientBox: @unchecked Sendable {
    weak var client: HTTPClient?
}

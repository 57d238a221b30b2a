/// The concurrency limit of one endpoint: at most `limit` requests in flight, the rest waiting in
/// arrival order. Shared by every backend that names the endpoint's URL, whatever their other
/// settings.
///
/// It also pauses the whole endpoint when one request is told to back off (a 429 with
/// `Retry-After`): requests that start during the pause wait for its end instead of adding to the
/// overload, which is what a rate limit asks for.
///
/// Invariant: `inUse` permits are held; a waiter is resumed only with a permit handed over by
/// `release` (so `inUse` never exceeds `limit`), or with `CancellationError` when its task is
/// cancelled while waiting.
actor EndpointLimiter {
    let limit: Int
    private var inUse = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0
    private var pausedUntil: ContinuousClock.Instant?

    init(limit: Int) {
        precondition(limit > 0, "an endpoint limit must be positive")
        self.limit = limit
    }

    /// Requests in flight and waiting, for stats and tests.
    var load: (inFlight: Int, waiting: Int) { (inUse, waiters.count) }

    /// Waits for a permit, then for the end of any pause. Throws `CancellationError` if the task is
    /// cancelled while waiting (holding no permit then).
    func acquire() async throws {
        if inUse < limit, waiters.isEmpty {
            inUse += 1
        } else {
            let id = nextID
            nextID += 1
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        waiters.append((id, continuation))
                    }
                }
            } onCancel: {
                Task { await self.cancelWaiter(id) }
            }
        }
        while let until = pausedUntil, until > .now {
            do {
                try await Task.sleep(until: until, clock: .continuous)
            } catch {
                release()
                throw error
            }
        }
    }

    /// Returns a permit: to the first waiter if there is one.
    func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    /// Holds back every request that starts before `seconds` from now have passed.
    func pause(for seconds: Double) {
        let until = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        if pausedUntil.map({ $0 < until }) ?? true { pausedUntil = until }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}

import Foundation

/// The meeting point of submitters (async tasks) and workers (threads): a fair, bounded queue
/// under a lock, with a condition workers wait on.
///
/// Invariant: every item's continuation is resumed exactly once, by whoever takes the item out of
/// the queue (a worker through `finish`, `cancel`, `stop`) or by `submit` when it refuses it.
/// Continuations are resumed outside the lock.
final class Scheduler: @unchecked Sendable {
    struct Item {
        let id: UInt64
        let client: String
        let job: SandboxJob
        let continuation: CheckedContinuation<SandboxResult, any Error>
        let enqueued: ContinuousClock.Instant
    }

    private let condition = NSCondition()
    private var queue: FairQueue<Item>
    private var stopped = false
    private var nextID: UInt64 = 0
    private var running = 0
    private var completed = 0
    private var byStatus: [SandboxStatus: Int] = [:]
    private var restarts = 0
    private var workers = 0

    init(capacity: Int) {
        queue = FairQueue(capacity: capacity)
    }

    func newID() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        nextID += 1
        return nextID
    }

    /// Queues an item, or fails it at once when the queue is full or the pool stopped.
    func submit(_ item: Item) {
        condition.lock()
        if stopped {
            condition.unlock()
            item.continuation.resume(throwing: PythonEnvError.shutDown)
            return
        }
        guard queue.push(item, client: item.client) else {
            condition.unlock()
            item.continuation.resume(throwing: PythonEnvError.queueFull(capacity: queue.capacity))
            return
        }
        condition.signal()
        condition.unlock()
    }

    /// The next item for a worker; blocks until there is one. Nil when the pool has stopped.
    func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopped { condition.wait() }
        if stopped { return nil }
        running += 1
        return queue.pop()
    }

    /// Completes an item a worker took.
    func finish(_ item: Item, _ outcome: Result<SandboxResult, any Error>) {
        condition.lock()
        running -= 1
        completed += 1
        if case .success(let result) = outcome { byStatus[result.status, default: 0] += 1 }
        condition.unlock()
        item.continuation.resume(with: outcome)
    }

    /// Withdraws a waiting item (its submitter was cancelled). Running items run to their end.
    func cancel(_ id: UInt64) {
        condition.lock()
        let item = queue.remove { $0.id == id }
        condition.unlock()
        item?.continuation.resume(throwing: CancellationError())
    }

    /// Stops the pool: waiting items fail, workers end after their current job (they kill their
    /// process on the way out).
    func stop() {
        condition.lock()
        stopped = true
        let waiting = queue.removeAll()
        condition.broadcast()
        condition.unlock()
        for item in waiting { item.continuation.resume(throwing: PythonEnvError.shutDown) }
    }

    func countWorker() {
        condition.lock()
        workers += 1
        condition.unlock()
    }

    func countRestart() {
        condition.lock()
        restarts += 1
        condition.unlock()
    }

    func stats() -> SandboxPoolStats {
        condition.lock()
        defer { condition.unlock() }
        return SandboxPoolStats(
            workers: workers, queued: queue.count, running: running, completed: completed, byStatus: byStatus,
            restarts: restarts)
    }
}

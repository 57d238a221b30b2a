import Foundation
import TroupeLM

/// Continuous batching on a thread of its own: the one owner of a `BatchDecoder`, fed by any
/// number of Swift tasks.
///
/// How it works: `generate` wraps the request in a `Ticket`, queues it under `condition`'s lock,
/// wakes the engine thread and suspends on a continuation. The engine thread alone touches the
/// decoder: between two forward passes it submits the queued requests and drops cancelled ones,
/// runs one `step` (every running sequence's next token plus up to `prefillBudget` prompt tokens
/// of the waiting ones), and resumes the continuations of the requests that finished. With
/// nothing to do it sleeps on `condition`. Forward passes are long (milliseconds to seconds) and
/// use every core, so they never run on Swift's cooperative threads.
///
/// Invariants: every continuation is resumed exactly once (`Ticket.state` under the lock decides
/// who does it); a cancelled request leaves the batch before the next pass and its continuation
/// ends with `CancellationError`; a failed pass fails the requests it held, never the thread.
final class LocalEngine: @unchecked Sendable {
    private let decoder: BatchDecoder
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queued: [Ticket] = []
    private var cancelRequests: [Ticket] = []
    private var stopping = false
    private var stats = LocalBackend.Stats()
    /// Called on the engine thread after each pass, with the counters; tests use it to hold the
    /// engine at a chosen point (a cancellation in the middle of a decode, deterministically).
    var afterPass: (@Sendable (LocalBackend.Stats) -> Void)? {
        get { condition.withLock { afterPassHook } }
        set { condition.withLock { afterPassHook = newValue } }
    }
    private var afterPassHook: (@Sendable (LocalBackend.Stats) -> Void)?
    // Engine thread only:
    private var running: [Int: Ticket] = [:]

    /// Starts the engine thread over `decoder`, which nothing else may use afterwards.
    init(decoder: BatchDecoder) {
        self.decoder = decoder
        let thread = Thread { [self] in run() }
        thread.name = "troupe-local-llm"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Stops the engine thread after the current pass; requests still queued or running end with
    /// `CancellationError`. Does not wait.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// A snapshot of the counters.
    var currentStats: LocalBackend.Stats {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// Generates `request` together with everything else in flight. Throws `LMError` when the
    /// decoder refuses the request or a pass fails, `CancellationError` when the task is cancelled
    /// (the request then leaves the batch) or the engine stops.
    func generate(_ request: GenerationRequest) async throws -> GenerationResult {
        let ticket = Ticket(request: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                submit(ticket, continuation)
            }
        } onCancel: {
            cancel(ticket)
        }
    }

    // MARK: Any thread

    private func submit(_ ticket: Ticket, _ continuation: CheckedContinuation<GenerationResult, any Error>) {
        condition.lock()
        guard ticket.state == .new, !stopping else {
            // Cancelled before it was queued, or the engine is stopping: it ends here.
            ticket.state = .finished
            stats.finished += 1
            stats.cancelled += 1
            condition.unlock()
            continuation.resume(throwing: CancellationError())
            return
        }
        ticket.continuation = continuation
        ticket.state = .queued
        queued.append(ticket)
        condition.signal()
        condition.unlock()
    }

    private func cancel(_ ticket: Ticket) {
        condition.lock()
        switch ticket.state {
        case .new: ticket.state = .finished  // `submit` will see it and resume at once
        case .queued, .running:
            cancelRequests.append(ticket)
            condition.signal()
        case .finished: break
        }
        condition.unlock()
    }

    /// Resumes the ticket's continuation unless it already was.
    private func finish(_ ticket: Ticket, _ result: Result<GenerationResult, any Error>) {
        condition.lock()
        let continuation = ticket.state == .finished ? nil : ticket.continuation
        ticket.state = .finished
        ticket.continuation = nil
        if continuation != nil {
            stats.finished += 1
            if case .failure(let error) = result, error is CancellationError { stats.cancelled += 1 }
        }
        condition.unlock()
        continuation?.resume(with: result)
    }

    // MARK: Engine thread

    private func run() {
        let clock = ContinuousClock()
        while true {
            condition.lock()
            while queued.isEmpty, cancelRequests.isEmpty, !stopping, decoder.isIdle { condition.wait() }
            let starting = queued
            let cancels = cancelRequests
            let stop = stopping
            queued.removeAll(keepingCapacity: true)
            cancelRequests.removeAll(keepingCapacity: true)
            for ticket in starting where ticket.state == .queued { ticket.state = .running }
            condition.unlock()

            for ticket in starting {
                do {
                    let id = try decoder.submit(ticket.request)
                    ticket.id = id
                    running[id] = ticket
                } catch {
                    finish(ticket, .failure(error))
                }
            }
            for ticket in cancels { drop(ticket, CancellationError()) }
            if stop {
                for ticket in Array(running.values) { drop(ticket, CancellationError()) }
                return
            }
            guard !decoder.isIdle else { continue }

            let started = clock.now
            let events: [BatchDecoder.Event]
            do {
                events = try decoder.step()
            } catch {
                // The decoder's state is not to be trusted after a failed pass: fail what it held.
                for ticket in Array(running.values) { drop(ticket, error) }
                continue
            }
            let elapsed = clock.now - started
            var sampled = 0
            for event in events {
                switch event {
                case .token: sampled += 1
                case .finished(let id, let result):
                    if let ticket = running.removeValue(forKey: id) { finish(ticket, .success(result)) }
                }
            }
            condition.lock()
            stats.steps += 1
            stats.tokens += sampled
            stats.busySeconds +=
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let (hook, now) = (afterPassHook, stats)
            condition.unlock()
            hook?(now)
        }
    }

    /// Takes a request out of the decoder (if it got there) and ends it with `error`.
    private func drop(_ ticket: Ticket, _ error: any Error) {
        if let id = ticket.id {
            decoder.cancel(id)
            running[id] = nil
        }
        finish(ticket, .failure(error))
    }

    /// One request's way through the engine.
    private final class Ticket: @unchecked Sendable {
        enum State { case new, queued, running, finished }
        let request: GenerationRequest
        // Guarded by the engine's lock:
        var state = State.new
        var continuation: CheckedContinuation<GenerationResult, any Error>?
        // Engine thread only: the decoder's id once submitted.
        var id: Int?

        init(request: GenerationRequest) { self.request = request }
    }
}

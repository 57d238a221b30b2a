import Foundation
import TroupeLM

/// Continuous batching for callers in many tasks: `generate` queues a request and waits; one
/// thread owns a `BatchDecoder` and runs its steps while anything is queued or running, letting
/// new requests join between steps. So the guidance of every episode in flight is decoded
/// together, whichever episode asked first.
///
/// Who calls it: `Controller`, from the episode workers of `EpisodeRunner`. The model must not be
/// used by anything else (training) while requests run; `drain` waits for them.
final class GenerationService: @unchecked Sendable {
    /// Replaced after a failed pass; only the loop thread touches it.
    private var decoder: BatchDecoder
    private let model: LanguageModel
    private let maxBatch: Int
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var queued: [(GenerationRequest, CheckedContinuation<GenerationResult, any Error>)] = []
    private var running: [Int: CheckedContinuation<GenerationResult, any Error>] = [:]
    private var stopped = false
    private var busy = false

    init(model: LanguageModel, maxBatch: Int) {
        self.model = model
        self.maxBatch = maxBatch
        decoder = BatchDecoder(model: model, maxBatch: maxBatch)
        let thread = Thread { self.loop() }  // keeps the service alive until `stop`
        thread.name = "troupe-generation"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Generates for `request` together with whatever else is in flight.
    func generate(_ request: GenerationRequest) async throws -> GenerationResult {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard !stopped else {
                continuation.resume(throwing: LMError.badRequest("the generation service was stopped"))
                return
            }
            queued.append((request, continuation))
            condition.signal()
        }
    }

    /// Waits until nothing is queued or running.
    func drain() {
        condition.lock()
        while !queued.isEmpty || !running.isEmpty || busy { condition.wait() }
        condition.unlock()
    }

    /// Ends the thread; requests still waiting fail.
    func stop() {
        condition.lock()
        stopped = true
        let waiting = queued
        queued = []
        condition.broadcast()
        condition.unlock()
        for (_, continuation) in waiting {
            continuation.resume(throwing: LMError.badRequest("the generation service was stopped"))
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while queued.isEmpty && running.isEmpty && !stopped { condition.wait() }
            if stopped && running.isEmpty {
                condition.unlock()
                return
            }
            let admitted = queued
            queued = []
            busy = true
            condition.unlock()

            var failures: [(CheckedContinuation<GenerationResult, any Error>, any Error)] = []
            var joined: [Int: CheckedContinuation<GenerationResult, any Error>] = [:]
            for (request, continuation) in admitted {
                do {
                    joined[try decoder.submit(request)] = continuation
                } catch {
                    failures.append((continuation, error))
                }
            }
            for (continuation, error) in failures { continuation.resume(throwing: error) }
            condition.lock()
            running.merge(joined) { first, _ in first }
            condition.unlock()

            var finished: [(CheckedContinuation<GenerationResult, any Error>, Result<GenerationResult, any Error>)] = []
            do {
                if !decoder.isIdle {
                    for event in try decoder.step() {
                        guard case .finished(let id, let result) = event else { continue }
                        condition.lock()
                        let continuation = running.removeValue(forKey: id)
                        condition.unlock()
                        if let continuation { finished.append((continuation, .success(result))) }
                    }
                }
            } catch {
                // A failed pass leaves the decoder's state unknown: fail everything in it.
                condition.lock()
                finished += running.values.map { ($0, .failure(error)) }
                running = [:]
                condition.unlock()
                decoder = BatchDecoder(model: model, maxBatch: maxBatch)
            }
            for (continuation, result) in finished { continuation.resume(with: result) }
            condition.lock()
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }
}

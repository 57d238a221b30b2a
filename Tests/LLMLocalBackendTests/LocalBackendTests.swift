import Foundation
import LLMEnv
import Testing
import TroupeCore

@testable import LLMLocalBackend

/// The `local` backend called directly, as `llm-v0` sessions call it: batching, sampling, stops,
/// limits, errors and cancellation on the tiny model.
@Suite struct LocalBackendTests {
    /// Requests decoded together (joining and leaving at different steps, waiting for a place in a
    /// batch of 3, prompts fed in several steps) give exactly what each gives alone, greedy or
    /// sampled, on both kernel paths.
    @Test(arguments: ["quantized", "f32"])
    func batchedEqualsAlone(_ encoding: String) async throws {
        try await bounded("batchedEqualsAlone") {
            let path = encoding == "f32" ? TinyModel.f32 : try TinyModel.quantized()
            let requests = prompts.enumerated().map { i, text in
                promptRequest(
                    text, maxTokens: 4 + 3 * i, temperature: i % 3 == 2 ? 0.9 : 0, seed: UInt64(i),
                    extra: ["ignore_eos": true])
            }
            let alone = try TinyModel.backend(path)
            var expected: [LLMCompletion] = []
            for request in requests { expected.append(try await alone.complete(request)) }

            let batched = try TinyModel.backend(path, maxBatch: 3, prefillBudget: 64)
            let together = try await withThrowingTaskGroup(of: (Int, LLMCompletion).self) { group in
                for (i, request) in requests.enumerated() { group.addTask { (i, try await batched.complete(request)) } }
                return try await group.reduce(into: [Int: LLMCompletion]()) { $0[$1.0] = $1.1 }
            }
            for (i, completion) in expected.enumerated() {
                #expect(together[i] == completion, "request \(i)")
                #expect(completion.usage?.completionTokens == 4 + 3 * i)
                #expect(completion.finishReason == "length")
            }
            #expect(batched.stats.finished == requests.count)
        }
    }

    /// A sample depends on its seed alone: the same seeds give the same texts in any order and
    /// batch; different seeds give different texts.
    @Test func seededSamplingIsReproducible() async throws {
        try await bounded("seededSamplingIsReproducible") {
            let backend = try TinyModel.backend(try TinyModel.quantized())
            func run(_ seeds: [UInt64]) async throws -> [UInt64: String] {
                try await withThrowingTaskGroup(of: (UInt64, String).self) { group in
                    for seed in seeds {
                        group.addTask {
                            let request = promptRequest(prompts[1], maxTokens: 12, temperature: 1, seed: seed)
                            return (seed, try await backend.complete(request).text)
                        }
                    }
                    return try await group.reduce(into: [UInt64: String]()) { $0[$1.0] = $1.1 }
                }
            }
            let first = try await run(Array(1...8))
            let again = try await run(Array((1...8).reversed()))
            #expect(first == again)
            #expect(try await run([5])[5] == first[5])
            #expect(Set(first.values).count > 4)
        }
    }

    /// `top_k` 1 at temperature 1 is greedy decoding.
    @Test func topKOfOneIsGreedy() async throws {
        try await bounded("topKOfOneIsGreedy") {
            let backend = try TinyModel.backend(try TinyModel.quantized())
            let greedy = try await backend.complete(promptRequest(prompts[0], maxTokens: 10))
            let topK = try await backend.complete(
                promptRequest(prompts[0], maxTokens: 10, temperature: 1, seed: 7, extra: ["top_k": 1]))
            #expect(greedy.text == topK.text)
        }
    }

    /// A stop sequence cuts the text before its first occurrence and finishes with `stop`.
    @Test func stopSequences() async throws {
        try await bounded("stopSequences") {
            let backend = try TinyModel.backend(try TinyModel.quantized())
            let free = try await backend.complete(
                promptRequest(prompts[1], maxTokens: 40, extra: ["ignore_eos": true]))
            let characters = Array(free.text)
            try #require(characters.count > 12, "the free text is too short to cut: \(free.text)")
            let stop = String(characters[8..<11])
            let cut = free.text.range(of: stop)!.lowerBound
            let stopped = try await backend.complete(
                promptRequest(
                    prompts[1], maxTokens: 40, stop: ["never appears \u{1}", stop], extra: ["ignore_eos": true]))
            #expect(stopped.text == String(free.text[..<cut]))
            #expect(stopped.finishReason == "stop")
            #expect(stopped.usage!.completionTokens < 40)
        }
    }

    /// `max_tokens` bounds the completion and finishes with `length`; usage counts the prompt.
    @Test func maxTokens() async throws {
        try await bounded("maxTokens") {
            let backend = try TinyModel.backend(try TinyModel.quantized())
            let completion = try await backend.complete(
                promptRequest(prompts[0], maxTokens: 7, extra: ["ignore_eos": true]))
            #expect(completion.finishReason == "length")
            #expect(completion.usage?.completionTokens == 7)
            #expect(completion.usage?.promptTokens == backend.tokenizer.encode(prompts[0]).count)
            #expect(completion.model == "tiny-llama-q4_1")
            let natural = try await backend.complete(promptRequest(prompts[2], maxTokens: 100))
            #expect(natural.usage!.completionTokens <= 100)
        }
    }

    /// Prompt plus `max_tokens` beyond the window is `context_length_exceeded`, before any work.
    @Test func contextOverflow() async throws {
        try await bounded("contextOverflow") {
            let whole = try TinyModel.backend(try TinyModel.quantized())
            let promptLength = whole.tokenizer.encode(prompts[1]).count
            let window = promptLength + 8
            let backend = try TinyModel.backend(try TinyModel.quantized(), contextLength: window)
            let error = await captureError { _ = try await backend.complete(promptRequest(prompts[1], maxTokens: 9)) }
            #expect((error as? LLMError)?.code == .contextLengthExceeded)
            #expect("\(error!)".contains("context window of \(window) tokens"))
            let fits = try await backend.complete(promptRequest(prompts[1], maxTokens: 8, extra: ["ignore_eos": true]))
            #expect(fits.usage?.completionTokens == 8)
            // The model's own window (128) without a configured one.
            let overflow = await captureError {
                _ = try await whole.complete(promptRequest(prompts[0], maxTokens: 128))
            }
            #expect((overflow as? LLMError)?.code == .contextLengthExceeded)
            #expect(whole.stats.steps == 0)
        }
    }

    /// What the engine does not implement is `unsupported_request`, naming the field.
    @Test func unsupportedFields() async throws {
        try await bounded("unsupportedFields") {
            let backend = try TinyModel.backend(try TinyModel.quantized())
            var penalized = promptRequest(prompts[0], maxTokens: 4)
            penalized.sampling.presencePenalty = 0.5
            let cases: [(LLMRequest, String)] = [
                (penalized, "presence_penalty"),
                (promptRequest(prompts[0], maxTokens: 4, extra: ["min_p": 0.1]), "extra.min_p"),
                (promptRequest(prompts[0], maxTokens: 4, extra: ["top_k": -1]), "extra.top_k"),
                (promptRequest("", maxTokens: 4), "empty"),
            ]
            for (request, word) in cases {
                let error = await captureError { _ = try await backend.complete(request) }
                #expect((error as? LLMError)?.code == .unsupportedRequest, "\(word)")
                #expect("\(error!)".contains(word))
            }
            var zero = promptRequest(prompts[0], maxTokens: 4)
            zero.sampling.frequencyPenalty = 0
            _ = try await backend.complete(zero)
        }
    }

    /// A chat is rendered through the model's template (`developer` as `system`) and answers as
    /// the rendered text does as a prompt.
    @Test func chatUsesTheTemplate() async throws {
        try await bounded("chatUsesTheTemplate") {
            let backend = try TinyModel.backend(try TinyModel.quantized())
            let messages = [
                ChatMessage(role: "developer", content: "Be brief."), ChatMessage(role: "user", content: "Hi"),
            ]
            let chat = try await backend.complete(
                LLMRequest(model: "tiny", input: .chat(messages), sampling: SamplingParameters(maxTokens: 8)))
            let rendered =
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
            let prompt = try await backend.complete(promptRequest(rendered, maxTokens: 8))
            #expect(chat == prompt)
            #expect(try backend.promptTokens(.chat(messages)) == backend.tokenizer.encode(rendered, addBOS: false))
        }
    }

    /// A cancelled request leaves the batch: one waiting for a place and one being decoded end with
    /// `CancellationError`, and the engine goes on serving. The engine is held after its first
    /// pass while both are cancelled, so nothing can finish in between.
    @Test func cancellation() async throws {
        try await bounded("cancellation") {
            let backend = try TinyModel.backend(try TinyModel.quantized(), maxBatch: 1)
            let gate = Gate()
            backend.engine.afterPass = { stats in if stats.steps == 1 { gate.hold() } }
            let long = promptRequest(prompts[0], maxTokens: 100, extra: ["ignore_eos": true])
            let ahead = (0..<6).map { _ in Task { try await backend.complete(long) } }
            try await waitUntil("the first pass") { backend.stats.steps == 1 }
            // Behind a running request in a batch of one: waiting (or not even queued) when cancelled.
            let waiting = Task { try await backend.complete(long) }
            waiting.cancel()
            // Running, queued or not yet submitted: nothing finishes while the engine is held.
            ahead[5].cancel()
            gate.release()
            #expect(await waiting.result.failure is CancellationError)
            #expect(await ahead[5].result.failure is CancellationError)
            for task in ahead.prefix(5) { #expect(try await task.value.usage?.completionTokens == 100) }
            #expect(backend.stats.cancelled == 2)
            #expect(backend.stats.finished == 7)
            #expect(
                try await backend.complete(promptRequest(prompts[2], maxTokens: 3)).usage?.completionTokens ?? 0 > 0)
        }
    }

    /// A request cancelled while it is being decoded stops there: cancelled while the engine is
    /// held after its third pass, it gets no fourth token.
    @Test func cancellationWhileDecoding() async throws {
        try await bounded("cancellationWhileDecoding") {
            let backend = try TinyModel.backend(try TinyModel.quantized())
            let gate = Gate()
            backend.engine.afterPass = { stats in if stats.steps == 3 { gate.hold() } }
            let running = Task {
                try await backend.complete(promptRequest(prompts[0], maxTokens: 110, extra: ["ignore_eos": true]))
            }
            try await waitUntil("three passes") { backend.stats.steps == 3 }
            running.cancel()
            gate.release()
            #expect(await running.result.failure is CancellationError)
            #expect(backend.stats.steps == 3)
            #expect(backend.stats.cancelled == 1)
        }
    }
}

/// Holds the engine thread (in `afterPass`) until the test releases it, for at most 30 s.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    func hold() { _ = semaphore.wait(timeout: .now() + 30) }
    func release() { semaphore.signal() }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

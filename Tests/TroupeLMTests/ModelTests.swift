import Foundation
import Testing
import TroupeCore

@testable import TroupeLM

/// The tiny random Llama against PyTorch (`tiny-reference.json`), and the engine's own
/// equivalences: incremental decoding equals a full forward, batched equals one by one.
///
/// Tolerances (absolute, on logits of magnitude ~1): 2e-4 where both sides compute in f32 from
/// the same weights (only summation order differs); 0.1 for the quantized kernels, which also
/// quantize activations to 8 bits per value as llama.cpp does.
@Suite struct ModelTests {
    static let reference = try! Fixtures.json("tiny-reference.json")
    static var sequences: [JSONValue] { reference["sequences"]?.arrayValue ?? [] }

    static func load(_ name: String) throws -> LanguageModel { try LanguageModel.load(Fixtures.path(name)) }

    @Test(arguments: ["tiny-llama", "tiny-llama-f32.gguf"])
    func logitsMatchPyTorch(_ name: String) throws {
        let lm = try Self.load(name)
        for seq in Self.sequences {
            let ids = Fixtures.ints(seq["ids"])
            #expect(lm.tokenizer.encode(seq["text"]!.stringValue!) == ids)
            let logits = try lm.model.forward(tokens: ids)
            #expect(maxDifference(logits.values, Fixtures.floats(seq["logits"]), "\(name) logits") < 2e-4)
        }
    }

    /// The mixed-type GGUF (Q8_0, Q4_0, Q4_1, F16, BF16) through f32 products equals PyTorch on the
    /// dequantized weights; through the quantized kernels it stays close.
    @Test func mixedQuantizedModelMatchesDequantizedReference() throws {
        let lm = try Self.load("tiny-llama-mixed.gguf")
        for seq in Self.sequences {
            let ids = Fixtures.ints(seq["ids"])
            let expected = Fixtures.floats(seq["mixed_logits"])
            lm.model.projector.exactF32 = true
            #expect(
                maxDifference(try lm.model.forward(tokens: ids).values, expected, "mixed GGUF, f32 products") < 2e-4)
            lm.model.projector.exactF32 = false
            lm.model.projector.quantizedTokenLimit = 1 << 20
            #expect(
                maxDifference(try lm.model.forward(tokens: ids).values, expected, "mixed GGUF, quantized kernels") < 0.1
            )
        }
    }

    @Test(arguments: ["tiny-llama", "tiny-llama-mixed.gguf"])
    func greedyContinuationMatchesPyTorch(_ name: String) throws {
        let lm = try Self.load(name)
        if name.hasSuffix(".gguf") { lm.model.projector.exactF32 = true }
        for seq in Self.sequences {
            let ids = Fixtures.ints(seq["ids"])
            let expected = Fixtures.ints(seq[name.hasSuffix(".gguf") ? "mixed_greedy" : "greedy"])
            let options = try SamplingOptions(maxTokens: expected.count, ignoreEOS: true)
            let result = try BatchDecoder(model: lm).generate([GenerationRequest(prompt: ids, options: options)])[0]
            #expect(result.tokens == expected)
        }
    }

    /// Decoding token by token through the KV cache gives the logits of one full forward pass.
    @Test(arguments: [false, true])
    func incrementalDecodingEqualsFullForward(_ quantized: Bool) throws {
        let lm = try Self.load("tiny-llama-mixed.gguf")
        lm.model.projector.exactF32 = !quantized
        lm.model.projector.quantizedTokenLimit = quantized ? 1 << 20 : 0
        let ids = Fixtures.ints(Self.sequences[0]["ids"])
        let full = try lm.model.forward(tokens: ids)
        let cache = KVCache(config: lm.model.config)
        let seq = cache.newSequence()
        let V = lm.model.config.vocabularySize
        var worst: Float = 0
        // A prompt chunk of 5 tokens, then one at a time.
        var t = 0
        while t < ids.count {
            let n = t == 0 ? 5 : 1
            let logits = try lm.model.forward(
                tokens: Array(ids[t..<(t + n)]), spans: [Span(sequence: seq, start: 0, count: n, position: t)],
                cache: cache,
                logitRows: Array(0..<n))
            worst = max(
                worst, maxDifference(logits.values, Array(full.values[(t * V)..<((t + n) * V)]), "step at \(t)"))
            t += n
        }
        #expect(worst < (quantized ? 2e-2 : 1e-4))
    }

    /// Sequences of different lengths decoded together give what each gives alone.
    @Test func batchedDecodingEqualsOneByOne() throws {
        let lm = try Self.load("tiny-llama-mixed.gguf")
        let prompts = [[5, 6, 7], [9, 10, 11, 12, 13, 14, 15, 16, 17, 18], [20], [30, 31, 32, 33, 34]]
        var requests: [GenerationRequest] = []
        for (i, p) in prompts.enumerated() {
            let options = try SamplingOptions(
                temperature: i == 3 ? 0.8 : 0, maxTokens: 6 + 2 * i, ignoreEOS: true, seed: UInt64(i))
            requests.append(GenerationRequest(prompt: p, options: options))
        }
        let together = try BatchDecoder(model: lm).generate(requests)
        for (i, request) in requests.enumerated() {
            let alone = try BatchDecoder(model: lm).generate([request])[0]
            #expect(alone.tokens == together[i].tokens, "request \(i)")
            #expect(together[i].tokens.count == 6 + 2 * i)
        }
        // And the logits themselves: one batched step against separate steps.
        let cache = KVCache(config: lm.model.config)
        let a = cache.newSequence(), b = cache.newSequence()
        _ = try lm.model.forward(
            tokens: [1, 2, 3], spans: [Span(sequence: a, start: 0, count: 3, position: 0)], cache: cache, logitRows: [2]
        )
        _ = try lm.model.forward(
            tokens: [4], spans: [Span(sequence: b, start: 0, count: 1, position: 0)], cache: cache, logitRows: [0])
        let both = try lm.model.forward(
            tokens: [7, 8],
            spans: [
                Span(sequence: a, start: 0, count: 1, position: 3), Span(sequence: b, start: 1, count: 1, position: 1),
            ],
            cache: cache, logitRows: [0, 1])
        let aloneA = try lm.model.forward(tokens: [1, 2, 3, 7]), aloneB = try lm.model.forward(tokens: [4, 8])
        let V = lm.model.config.vocabularySize
        #expect(maxDifference(Array(both.values[0..<V]), Array(aloneA.values[(3 * V)...]), "batched a") < 1e-3)
        #expect(maxDifference(Array(both.values[V...]), Array(aloneB.values[V...]), "batched b") < 1e-3)
    }

    /// The thread count does not change the arithmetic: a pass with enough tokens for the
    /// row-wise pieces (norms, RoPE, cache writes, SwiGLU) and attention to run in parallel gives
    /// the same logits, bit for bit, on one thread and on three.
    @Test(arguments: ["tiny-llama", "tiny-llama-mixed.gguf"])
    func logitsDoNotDependOnTheThreadCount(_ name: String) throws {
        var runs: [[Float]] = []
        for threads in [1, 3] {
            let lm = try Self.load(name)
            lm.model.pool = WorkerPool(threads: threads)
            let cache = KVCache(config: lm.model.config)
            let ids = (0..<10).map { _ in cache.newSequence() }
            // A 12-token prompt and nine 2-token ones, then one decode step of all ten.
            var tokens: [Int] = [], spans: [Span] = []
            for (i, id) in ids.enumerated() {
                let n = i == 0 ? 12 : 2
                spans.append(Span(sequence: id, start: tokens.count, count: n, position: 0))
                tokens.append(contentsOf: (0..<n).map { (7 * i + 3 * $0) % 50 + 1 })
            }
            let prompt = try lm.model.forward(
                tokens: tokens, spans: spans, cache: cache, logitRows: Array(0..<tokens.count))
            let step = try lm.model.forward(
                tokens: ids.map { $0 % 40 + 2 },
                spans: ids.enumerated().map { i, id in
                    Span(sequence: id, start: i, count: 1, position: i == 0 ? 12 : 2)
                }, cache: cache, logitRows: Array(0..<ids.count))
            runs.append(prompt.values + step.values)
        }
        #expect(runs[0].map(\.bitPattern) == runs[1].map(\.bitPattern))
    }

    @Test func logProbsAgreeWithLogits() throws {
        let lm = try Self.load("tiny-llama")
        let ids = Fixtures.ints(Self.sequences[1]["ids"])
        let logits = Fixtures.floats(Self.sequences[1]["logits"])
        let V = lm.model.config.vocabularySize
        let lp = try lm.model.tokenLogProbs([ids, Array(ids.prefix(4))])
        var expected: [Float] = [0]
        for t in 1..<ids.count {
            let row = Array(logits[((t - 1) * V)..<(t * V)])
            let m = row.max()!
            let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            expected.append(row[ids[t]] - lse)
        }
        #expect(maxDifference(lp[0], expected, "token log-probs") < 2e-4)
        #expect(maxDifference(lp[1], Array(lp[0].prefix(4)), "shorter sequence in the same batch") < 2e-4)
    }

    @Test func badInputIsRejected() throws {
        let lm = try Self.load("tiny-llama")
        #expect(throws: LMError.self) { try lm.model.forward(tokens: [lm.model.config.vocabularySize]) }
        #expect(throws: LMError.self) {
            try lm.model.forward(tokens: [Int](repeating: 3, count: lm.model.config.contextLength + 1))
        }
        let decoder = BatchDecoder(model: lm)
        #expect(throws: LMError.self) { try decoder.submit(GenerationRequest(prompt: [], options: SamplingOptions())) }
        #expect(throws: LMError.self) { try SamplingOptions(topP: 0) }
        #expect(throws: LMError.self) { try LanguageModel.load(Fixtures.path("tiny-tokenizer")) }
    }
}

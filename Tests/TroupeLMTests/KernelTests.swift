import Foundation
import Testing
import TroupeCore

@testable import TroupeLM

@Suite struct KernelTests {
    /// Dequantization of every type equals gguf-py's on random blocks (`quant-blocks.json`).
    @Test func dequantizationMatchesGGUFPy() throws {
        for item in try Fixtures.json("quant-blocks.json").arrayValue ?? [] {
            let name = item["type"]!.stringValue!
            let type = TensorType.allCases.first { $0.description == name }!
            let count = Int(item["count"]!.intValue!)
            let bytes = Fixtures.bytes(item["bytes"])
            #expect(bytes.count == type.rowBytes(count))
            var out = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { Dequantize.row(type, from: $0.baseAddress!, to: &out, count: count) }
            #expect(maxDifference(out, Fixtures.floats(item["values"]), "dequantize \(name)") == 0)
        }
    }

    /// The AVX2 kernels equal the portable reference, and both approximate the f32 product.
    @Test(arguments: [TensorType.q8_0, .q4_0, .q4_1])
    func quantizedKernelsMatchReference(_ type: TensorType) throws {
        var rng = SeededRNG(seed: 5)
        let rows = 37, cols = 256, tokens = 7
        let w = (0..<(rows * cols)).map { _ in Float(rng.double() * 2 - 1) }
        let x = (0..<(tokens * cols)).map { _ in Float(rng.double() * 4 - 2) }
        let weight = try Weight(name: "w", rows: rows, cols: cols, values: w, type: type)
        let acts = QuantizedActivations(cols: cols)
        x.withUnsafeBufferPointer { acts.quantize($0.baseAddress!, tokens: tokens) }
        var y = [Float](repeating: 0, count: tokens * rows)
        QuantKernels.matmul(weight, acts, &y, ldy: rows, rows: 0..<rows)
        var reference = y, exact = y
        let dequantized = weight.f32()
        for t in 0..<tokens {
            for r in 0..<rows {
                reference[t * rows + r] = QuantKernels.referenceDot(type, weight.row(r), acts, t)
                var sum: Float = 0
                for i in 0..<cols { sum += dequantized[r * cols + i] * x[t * cols + i] }
                exact[t * rows + r] = sum
            }
        }
        #expect(maxDifference(y, reference, "\(type) kernel vs reference") < 1e-3)
        #expect(maxDifference(y, exact, "\(type) kernel vs f32") < 0.5)
    }

    @Test func workerPoolRunsEveryChunkOnce() {
        let pool = WorkerPool(threads: 3)
        for n in [0, 1, 2, 5, 100] {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
            counts.initialize(repeating: 0, count: max(n, 1))
            for _ in 0..<50 { pool.parallelFor(n) { counts[$0] += 1 } }
            #expect((0..<n).allSatisfy { counts[$0] == 50 })
            counts.deallocate()
        }
    }

    @Test func samplingIsSeededAndRespectsTopKAndTopP() throws {
        let logits: [Float] = [1, 3, 2, 0.5, 3, -1]
        let greedy = Sampler(options: try SamplingOptions())
        var g = greedy
        #expect(g.sample(logits, count: 6) == 1)  // ties go to the lower id
        func draws(_ options: SamplingOptions, _ n: Int = 400) -> [Int] {
            var s = Sampler(options: options)
            return (0..<n).map { _ in s.sample(logits, count: 6) }
        }
        let a = draws(try SamplingOptions(temperature: 1, seed: 9)),
            b = draws(try SamplingOptions(temperature: 1, seed: 9))
        #expect(a == b)
        #expect(Set(a).count >= 5)
        #expect(Set(draws(try SamplingOptions(temperature: 1, topK: 2, seed: 1))) == [1, 4])
        // p(1) = p(4) ≈ 0.37 each; top-p 0.5 needs both, top-p 0.3 only the first (id 1).
        #expect(Set(draws(try SamplingOptions(temperature: 1, topP: 0.5, seed: 2))) == [1, 4])
        #expect(Set(draws(try SamplingOptions(temperature: 1, topP: 0.3, seed: 2))) == [1])
        // Frequencies follow the softmax.
        let many = draws(try SamplingOptions(temperature: 1, seed: 4), 20_000)
        let p2 = Double(many.filter { $0 == 2 }.count) / 20_000
        let z = logits.reduce(0.0) { $0 + exp(Double($1)) }
        #expect(abs(p2 - exp(2) / z) < 0.02)
    }

    @Test func stopStringsAndLimitsEndGeneration() throws {
        #expect(BatchDecoder.firstStop(["lo", "ell"], in: Array("hello".utf8)) == 1)
        #expect(BatchDecoder.firstStop(["xyz"], in: Array("hello".utf8)) == nil)
        let lm = try ModelTests.load("tiny-llama")
        let prompt = lm.tokenizer.encode("The quick brown fox")
        let free = try BatchDecoder(model: lm).generate([
            GenerationRequest(prompt: prompt, options: try SamplingOptions(maxTokens: 10, ignoreEOS: true))
        ])[0]
        #expect(free.tokens.count == 10 && free.finishReason == .length)
        // Stop at a string that the free run produced: the text is cut before it.
        let stop = String(free.text.dropFirst(free.text.count / 2).prefix(2))
        if !stop.isEmpty {
            let cut = try BatchDecoder(model: lm).generate([
                GenerationRequest(
                    prompt: prompt, options: try SamplingOptions(maxTokens: 10, stop: [stop], ignoreEOS: true))
            ])[0]
            #expect(cut.finishReason == .stop)
            #expect(!cut.text.contains(stop) && free.text.hasPrefix(cut.text))
        }
        // A stop token ends it and is not included.
        let stopToken = free.tokens[3]
        let byToken = try BatchDecoder(model: lm).generate([
            GenerationRequest(
                prompt: prompt, options: try SamplingOptions(maxTokens: 10, stopTokens: [stopToken], ignoreEOS: true))
        ])[0]
        #expect(byToken.finishReason == .stop && !byToken.tokens.contains(stopToken))
        #expect(byToken.tokens == Array(free.tokens.prefix(while: { $0 != stopToken })))
    }
}

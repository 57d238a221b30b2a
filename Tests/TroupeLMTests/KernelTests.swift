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

    /// Kernel sets to check: the portable one, and AVX2 where this CPU has it.
    static let kernelSets: [Kernels] = [.portable] + (Kernels.avx2.map { [$0] } ?? [])

    /// Random weight rows of `type`: quantized from random values, or for the K-quants random
    /// bytes with sane f16 scales (as `quant-blocks.json` makes them).
    static func randomWeight(_ type: TensorType, rows: Int, cols: Int, rng: inout SeededRNG) throws -> Weight {
        guard type == .q4_K || type == .q6_K else {
            let values = (0..<(rows * cols)).map { _ in Float(rng.double() * 2 - 1) }
            return try Weight(name: "w", rows: rows, cols: cols, values: values, type: type)
        }
        let bytes = OwnedBytes(count: rows * type.rowBytes(cols))
        let raw = bytes.pointer.assumingMemoryBound(to: UInt8.self)
        for i in 0..<bytes.count { raw[i] = UInt8(rng.below(256)) }
        for b in 0..<(rows * cols / 256) {
            let block = bytes.pointer + b * type.blockBytes
            let d = floatToHalf(Float(rng.double() * 0.02 + 0.001)), m = floatToHalf(Float(rng.double() * 0.02))
            if type == .q4_K {
                block.storeBytes(of: d, as: UInt16.self)
                block.storeBytes(of: m, toByteOffset: 2, as: UInt16.self)
            } else {
                block.storeBytes(of: d, toByteOffset: 208, as: UInt16.self)
            }
        }
        return Weight(name: "w", rows: rows, cols: cols, type: type, raw: UnsafeRawPointer(bytes.pointer), owner: bytes)
    }

    /// Every kernel set computes W · x of the dequantized weights and activations (in double)
    /// to float rounding, for every token count around the four-token groups, on packed rows
    /// (37 rows: four groups of 8 and 5 plain rows) and on ranges that cut the groups.
    @Test(arguments: [TensorType.q8_0, .q4_0, .q4_1, .q4_K, .q6_K])
    func quantizedProductsMatchTheDequantizedProduct(_ type: TensorType) throws {
        var rng = SeededRNG(seed: 5)
        let rows = 37, cols = 512, maxTokens = 9
        let weight = try Self.randomWeight(type, rows: rows, cols: cols, rng: &rng)
        let x = (0..<(maxTokens * cols)).map { _ in Float(rng.double() * 4 - 2) }
        let w = weight.f32()
        for tokens in 1...maxTokens {
            let acts = QuantizedActivations(cols: cols)
            x.withUnsafeBufferPointer { acts.quantize($0.baseAddress!, tokens: tokens) }
            var results: [[Float]] = []
            for kernels in Self.kernelSets {
                var y = [Float](repeating: .nan, count: tokens * rows)
                QuantKernels.matmul(weight, acts, &y, ldy: rows, rows: 0..<rows, kernels: kernels)
                results.append(y)
                // Ranges that cut groups of 8 packed rows: plain rows around whole groups.
                var split = [Float](repeating: .nan, count: tokens * rows)
                for range in [0..<3, 3..<13, 13..<29, 29..<37] {
                    QuantKernels.matmul(weight, acts, &split, ldy: rows, rows: range, kernels: kernels)
                }
                results.append(split)
            }
            var worst = 0.0
            for t in 0..<tokens {
                for r in 0..<rows {
                    var exact = 0.0, magnitude = 0.0
                    for i in 0..<cols {
                        let xi = Double(acts.q[t * cols + i]) * Double(acts.d[t * cols / 32 + i / 32])
                        exact += Double(w[r * cols + i]) * xi
                        magnitude += abs(Double(w[r * cols + i]) * xi)
                    }
                    for y in results { worst = max(worst, abs(Double(y[t * rows + r]) - exact) / magnitude) }
                }
            }
            // Relative to Σ|w·x|: f32 sums of ~16 blocks, plus Q4_1's and Q4_K's block sums in f16.
            #expect(worst < 1e-3, "\(type), \(tokens) tokens: relative error \(worst)")
        }
    }

    /// The sets quantize activations identically, and convert every f16 value the same way.
    @Test func kernelSetsAgreeOnQuantizationAndHalfPrecision() throws {
        guard let avx2 = Kernels.avx2 else { return }
        var rng = SeededRNG(seed: 11)
        let cols = 256, tokens = 5
        let x = (0..<(tokens * cols)).map { _ in Float(rng.double() * 6 - 3) * (rng.below(10) == 0 ? 1e-3 : 1) }
        let a = QuantizedActivations(cols: cols, kernels: .portable),
            b = QuantizedActivations(cols: cols, kernels: avx2)
        x.withUnsafeBufferPointer {
            a.quantize($0.baseAddress!, tokens: tokens)
            b.quantize($0.baseAddress!, tokens: tokens)
        }
        #expect((0..<(tokens * cols)).allSatisfy { a.q[$0] == b.q[$0] })
        #expect((0..<(tokens * cols / 32)).allSatisfy { a.d[$0] == b.d[$0] && a.s[$0] == b.s[$0] })

        let halves = (0...UInt16.max).map { $0 }
        var p = [Float](repeating: 0, count: halves.count), q = p
        Kernels.portable.fromHalf(halves, &p, halves.count)
        avx2.fromHalf(halves, &q, halves.count)
        #expect(zip(p, q).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(halves.allSatisfy { h in p[Int(h)].isNaN || p[Int(h)] == halfToFloat(h) })
        let floats = (0..<100_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        var hp = [UInt16](repeating: 0, count: floats.count), hq = hp
        Kernels.portable.toHalf(floats, &hp, floats.count)
        avx2.toHalf(floats, &hq, floats.count)
        #expect(hp == hq)
        #expect(floats.indices.allSatisfy { floats[$0].isNaN || hp[$0] == floatToHalf(floats[$0]) })
    }

    /// The attention kernel against a direct computation in double, with keys and values in f32
    /// and in f16 (where queries and probabilities are rounded to f16 too).
    @Test(arguments: [false, true])
    func attentionKernelMatchesDirectComputation(_ half: Bool) throws {
        var rng = SeededRNG(seed: 3)
        let hs = 64, heads = 3
        for S in [1, 7, 8, 9, 40, 129] {
            let k = (0..<(S * hs)).map { _ in Float(rng.double() * 4 - 2) }
            let v = (0..<(S * hs)).map { _ in Float(rng.double() * 2 - 1) }
            let q = (0..<(heads * hs)).map { _ in Float(rng.double() * 4 - 2) }
            var k16 = [UInt16](repeating: 0, count: k.count), v16 = k16
            Kernels.portable.toHalf(k, &k16, k.count)
            Kernels.portable.toHalf(v, &v16, v.count)
            let round = { (x: Float) in Double(halfToFloat(floatToHalf(x))) }
            var expected = [Double](repeating: 0, count: heads * hs)
            for h in 0..<heads {
                var scores = (0..<S).map { p in
                    (0..<hs).reduce(0.0) { acc, i in
                        acc
                            + (half
                                ? round(q[h * hs + i]) * round(k[p * hs + i]) : Double(q[h * hs + i] * k[p * hs + i]))
                    } / 8
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let sum = scores.reduce(0, +)
                for p in 0..<S {
                    let probability = half ? round(Float(scores[p] / sum)) : scores[p] / sum
                    for i in 0..<hs {
                        expected[h * hs + i] += probability * (half ? round(v[p * hs + i]) : Double(v[p * hs + i]))
                    }
                }
            }
            for kernels in Self.kernelSets {
                var out = [Float](repeating: .nan, count: heads * hs)
                var scratch = [Float](repeating: 0, count: S + hs)
                k.withUnsafeBytes { kb in
                    v.withUnsafeBytes { vb in
                        k16.withUnsafeBytes { k16b in
                            v16.withUnsafeBytes { v16b in
                                kernels.attend(
                                    q, heads: heads, stride: hs, keys: half ? k16b.baseAddress! : kb.baseAddress!,
                                    values: half ? v16b.baseAddress! : vb.baseAddress!, half: half, positions: S,
                                    headSize: hs, scale: 0.125, scratch: &scratch, out: &out)
                            }
                        }
                    }
                }
                // f16 probabilities that straddle a rounding boundary may round the other way.
                let worst = zip(out, expected).map { abs(Double($0) - $1) }.max()!
                #expect(worst < (half ? 2e-3 : 1e-5), "\(kernels), S \(S): \(worst)")
            }
        }
    }

    /// Every chunk runs exactly once, also when loops come from several threads at once and
    /// from inside a loop's body (those run inline), and a pool's threads stop when it goes.
    @Test func workerPoolRunsEveryChunkOnce() async {
        for _ in 0..<3 {
            let pool = WorkerPool(threads: 3)
            await withTaskGroup(of: Bool.self) { group in
                for caller in 0..<4 {
                    group.addTask {
                        for n in [0, 1, 2, 5, 100, 1000] {
                            let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
                            counts.initialize(repeating: 0, count: max(n, 1))
                            defer { counts.deallocate() }
                            for round in 0..<20 {
                                pool.parallelFor(n) { i in
                                    if (i + round + caller) % 50 == 0 {
                                        // A nested loop: runs on this thread.
                                        let inner = UnsafeMutablePointer<Int>.allocate(capacity: 3)
                                        inner.initialize(repeating: 0, count: 3)
                                        pool.parallelFor(3) { inner[$0] += 1 }
                                        precondition(inner[0] == 1 && inner[1] == 1 && inner[2] == 1)
                                        inner.deallocate()
                                    }
                                    counts[i] += 1
                                }
                            }
                            if !(0..<n).allSatisfy({ counts[$0] == 20 }) { return false }
                        }
                        return true
                    }
                }
                for await ok in group { #expect(ok) }
            }
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

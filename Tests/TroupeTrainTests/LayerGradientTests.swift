import Foundation
import Testing
import TroupeCore
import TroupeLM

@testable import TroupeTrain

/// Finite-difference checks of every layer's backward on tiny shapes: the loss is Σ r ⊙ y for a
/// fixed random r, so ∂L/∂y = r, and each analytic gradient is compared with central differences
/// (f32 forward, f64 accumulation). Tolerance: 2e-3 of the gradient's largest magnitude.
@Suite struct LayerGradientTests {
    static let tolerance = 2e-3

    @Test func rmsNorm() {
        let T = 3, C = 8
        let x = Tensor([T, C], values: randomFloats(T * C, seed: 1))
        let w = Tensor([C], values: randomFloats(C, seed: 2).map { 1 + $0 / 2 })
        let r = randomFloats(T * C, seed: 3)
        let y = Tensor([T, C]), rstd = Tensor([T])
        func loss() -> Double {
            RMSNorm.forward(x.data, w.data, y.data, rstd: rstd.data, T: T, C: C, eps: 1e-5)
            return project(y.data, r)
        }
        _ = loss()
        let dx = Tensor([T, C]), dw = Tensor([C])
        r.withUnsafeBufferPointer {
            RMSNorm.backward(x.data, w.data, rstd: rstd.data, dy: $0.baseAddress!, dx: dx.data, dw: dw.data, T: T, C: C)
        }
        #expect(
            finiteDifferenceError(x.data, count: T * C, analytic: dx.values, eps: 1e-3, "rmsnorm dx", loss: loss)
                < Self.tolerance)
        #expect(
            finiteDifferenceError(w.data, count: C, analytic: dw.values, eps: 1e-3, "rmsnorm dw", loss: loss)
                < Self.tolerance)
    }

    @Test func rope() {
        let heads = 2, hs = 8, positions = [3, 0, 17]
        let T = positions.count, n = T * heads * hs
        let x = Tensor([n], values: randomFloats(n, seed: 4))
        let r = randomFloats(n, seed: 5)
        let rope = RoPE(headDim: hs, theta: 10_000)
        func loss() -> Double {
            let y = Tensor([n], values: x.values)
            rope.forward(y.data, positions: positions, heads: heads)
            return project(y.data, r)
        }
        let dx = Tensor([n], values: r)
        rope.backward(dx.data, positions: positions, heads: heads)
        #expect(finiteDifferenceError(x.data, count: n, analytic: dx.values, "rope", loss: loss) < Self.tolerance)
    }

    @Test func swiglu() {
        let n = 19
        let g = Tensor([n], values: randomFloats(n, seed: 6, scale: 3)),
            u = Tensor([n], values: randomFloats(n, seed: 7))
        let r = randomFloats(n, seed: 8)
        func loss() -> Double {
            let h = Tensor([n])
            Elementwise.swigluFast(g.data, u.data, h.data, count: n)
            return project(h.data, r)
        }
        let dg = Tensor([n]), du = Tensor([n])
        r.withUnsafeBufferPointer {
            Elementwise.swigluBackward(g.data, u.data, dh: $0.baseAddress!, dg: dg.data, du: du.data, count: n)
        }
        #expect(
            finiteDifferenceError(g.data, count: n, analytic: dg.values, eps: 1e-3, "swiglu dg", loss: loss)
                < Self.tolerance)
        #expect(
            finiteDifferenceError(u.data, count: n, analytic: du.values, eps: 1e-3, "swiglu du", loss: loss)
                < Self.tolerance)
        // The vectorized forward equals the engine's scalar one.
        let a = Tensor([n]), b = Tensor([n])
        Elementwise.swiglu(g.data, u.data, a.data, count: n)
        Elementwise.swigluFast(g.data, u.data, b.data, count: n)
        #expect(maxDifference(a.values, b.values, "swigluFast vs swiglu") < 1e-5)
    }

    /// Grouped-query causal attention over packed sequences: two short ones (one row block);
    /// one of 70 tokens (two row blocks of the causal blocking; one element in 5 checked) after a
    /// short one; two that read the first 3 positions of a third from its rows (shared prefixes,
    /// whose dk and dv add up); one of 66 own tokens after a shared prefix of 4. Each with the
    /// default key tile (one product per run) and with tiles of 8 keys (several per run).
    @Test(
        arguments: [
            [PackedSequence(rows: 0..<3), PackedSequence(rows: 3..<8)],
            [PackedSequence(rows: 0..<2), PackedSequence(rows: 2..<72)],
            [
                PackedSequence(rows: 0..<5), PackedSequence(rows: 5..<7, prefix: 0..<3),
                PackedSequence(rows: 7..<11, prefix: 0..<3),
            ],
            [PackedSequence(rows: 0..<6), PackedSequence(rows: 6..<72, prefix: 0..<4)],
        ], [nil, 8])
    func attention(sequences: [PackedSequence], keyTile: Int?) throws {
        let config = try LlamaConfig(
            hiddenSize: 16, intermediateSize: 8, layers: 1, heads: 4, kvHeads: 2, headDim: 4, vocabularySize: 8)
        let T = sequences.last!.rows.upperBound
        let q = Tensor([T, config.qDim], values: randomFloats(T * config.qDim, seed: 9))
        let k = Tensor([T, config.kvDim], values: randomFloats(T * config.kvDim, seed: 10))
        let v = Tensor([T, config.kvDim], values: randomFloats(T * config.kvDim, seed: 11))
        let r = randomFloats(T * config.qDim, seed: 12)
        let lse = Tensor([T, config.heads])
        func loss() -> Double {
            let out = Tensor([T, config.qDim])
            Attention.trainingForward(
                q: q.data, k: k.data, v: v.data, out: out.data, lse: lse.data, sequences: sequences, config: config,
                pool: .shared, keyTile: keyTile)
            return project(out.data, r)
        }
        _ = loss()
        let dq = Tensor([T, config.qDim]), dk = Tensor([T, config.kvDim]), dv = Tensor([T, config.kvDim])
        r.withUnsafeBufferPointer {
            Attention.backward(
                q: q.data, k: k.data, v: v.data, lse: lse.data, dout: $0.baseAddress!, dq: dq.data, dk: dk.data,
                dv: dv.data, sequences: sequences, config: config, pool: .shared,
                keyTile: keyTile)
        }
        #expect(
            finiteDifferenceError(
                q.data, count: q.count, analytic: dq.values, eps: 1e-3, "attention dq", every: T > 10 ? 5 : 1,
                loss: loss)
                < Self.tolerance)
        #expect(
            finiteDifferenceError(
                k.data, count: k.count, analytic: dk.values, eps: 1e-3, "attention dk", every: T > 10 ? 5 : 1,
                loss: loss)
                < Self.tolerance)
        #expect(
            finiteDifferenceError(
                v.data, count: v.count, analytic: dv.values, eps: 1e-3, "attention dv", every: T > 10 ? 5 : 1,
                loss: loss)
                < Self.tolerance)
    }

    /// A frozen projection with a LoRA adapter, with and without dropout (the mask is a function of
    /// the seed, so the loss stays a deterministic function of the parameters).
    @Test(arguments: [0.0, 0.4])
    func linearWithLoRA(dropout: Double) throws {
        let T = 3, inF = 6, outF = 5, rank = 2
        let w = try Weight(name: "w", rows: outF, cols: inF, values: randomFloats(outF * inF, seed: 13))
        let lora = LoRALayer(inFeatures: inF, outFeatures: outF, rank: rank, scaling: 1.5, dropout: Float(dropout))
        lora.a.data.update(from: randomFloats(rank * inF, seed: 14), count: rank * inF)
        lora.b.data.update(from: randomFloats(outF * rank, seed: 15), count: outF * rank)
        let linear = Linear(weight: w, adapter: lora)
        let x = Tensor([T, inF], values: randomFloats(T * inF, seed: 16))
        let r = randomFloats(T * outF, seed: 17)
        let seed: UInt64 = 77
        func loss() -> Double {
            let y = Tensor([T, outF])
            _ = linear.trainingForward(x.data, y.data, tokens: T, adapters: true, dropoutSeed: seed, pool: .shared)
            return project(y.data, r)
        }
        let y = Tensor([T, outF])
        let saved = linear.trainingForward(x.data, y.data, tokens: T, adapters: true, dropoutSeed: seed, pool: .shared)
        let dx = Tensor([T, inF])
        r.withUnsafeBufferPointer {
            linear.backward(
                x.data, dy: $0.baseAddress!, dx: dx.data, tokens: T, accumulate: false, saved: saved, dropoutSeed: seed,
                pool: .shared)
        }
        #expect(
            finiteDifferenceError(x.data, count: x.count, analytic: dx.values, eps: 1e-3, "linear+lora dx", loss: loss)
                < Self.tolerance)
        #expect(
            finiteDifferenceError(
                lora.a.data, count: lora.a.count, analytic: lora.gradA.values, eps: 1e-3, "lora dA", loss: loss)
                < Self.tolerance)
        #expect(
            finiteDifferenceError(
                lora.b.data, count: lora.b.count, analytic: lora.gradB.values, eps: 1e-3, "lora dB", loss: loss)
                < Self.tolerance)
        if dropout > 0 {
            // The mask really drops (about 40% of the inputs), and the inference path has none.
            let masked = Tensor([T * inF])
            LoRALayer.applyDropout(x.data, masked.data, count: T * inF, p: Float(dropout), seed: seed)
            let zeros = masked.values.filter { $0 == 0 }.count
            #expect(zeros > 0 && zeros < T * inF)
        }
    }

    @Test func embedding() throws {
        let V = 5, C = 4, tokens = [3, 1, 3]
        let e = try Weight(name: "e", rows: V, cols: C, values: randomFloats(V * C, seed: 18))
        let r = randomFloats(tokens.count * C, seed: 19)
        let dE = Tensor([V, C])
        r.withUnsafeBufferPointer { Embedding.backward(tokens: tokens, dout: $0.baseAddress!, dE: dE.data, C: C) }
        let table = e.f32()
        func loss() throws -> Double {
            let out = Tensor([tokens.count, C])
            for (t, id) in tokens.enumerated() { (out.data + t * C).update(from: table.data + id * C, count: C) }
            return project(out.data, r)
        }
        #expect(
            try finiteDifferenceError(table.data, count: V * C, analytic: dE.values, "embedding", loss: loss)
                < Self.tolerance)
    }

    /// The fused head + log-softmax: ∂ log p(target) / ∂h, against finite differences, and the
    /// log-probabilities against a direct f64 computation.
    @Test func tokenLogits() throws {
        let V = 37, C = 8, rows = [0, 2, 2], targets = [5, 0, 36]
        let head = try Weight(name: "head", rows: V, cols: C, values: randomFloats(V * C, seed: 20, scale: 2))
        let hidden = Tensor([3, C], values: randomFloats(3 * C, seed: 21))
        let coefficients: [Float] = [0.7, -1.3, 0.4]
        func loss() -> Double {
            let out = TokenLogits.forward(
                hidden: hidden.data, rows: rows, targets: targets, head: head, gradient: nil, pool: .shared)
            return zip(out, coefficients).reduce(0) { $0 + Double($1.0.logProb) * Double($1.1) }
        }
        let gradient = Tensor([rows.count, C])
        let out = TokenLogits.forward(
            hidden: hidden.data, rows: rows, targets: targets, head: head, gradient: gradient.data, pool: .shared)
        var analytic = [Float](repeating: 0, count: 3 * C)
        for (i, r) in rows.enumerated() {
            for j in 0..<C { analytic[r * C + j] += coefficients[i] * gradient[i * C + j] }
        }
        #expect(
            finiteDifferenceError(
                hidden.data, count: hidden.count, analytic: analytic, eps: 1e-3, "head+log-softmax", loss: loss)
                < Self.tolerance)
        let E = head.f32()
        for (i, r) in rows.enumerated() {
            var z = [Double](repeating: 0, count: V)
            for v in 0..<V { for j in 0..<C { z[v] += Double(E[v * C + j]) * Double(hidden[r * C + j]) } }
            let m = z.max()!
            let lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
            #expect(abs(Double(out[i].logProb) - (z[targets[i]] - lse)) < 1e-4)
        }
    }

    @Test func fastExp() {
        var worst = 0.0
        for i in 0..<20_000 {
            let x = Float(i - 10_000) / 115  // [-87, 87]: the range that neither under- nor overflows
            let e = Double(FastMath.exp(x)), reference = Foundation.exp(Double(x))
            worst = max(worst, abs(e - reference) / reference)
        }
        print("FastMath.exp worst relative error: \(worst)")
        #expect(worst < 5e-7)
        #expect(FastMath.exp(-200) == 0)
    }
}

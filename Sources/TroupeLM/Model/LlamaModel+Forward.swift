/// The inference forward pass: any mix of prompts and decode steps of many sequences in one call.
extension LlamaModel {
    /// Runs `tokens` through the model and returns the final-normed hidden states [T, C].
    ///
    /// `spans` say which tokens belong to which sequence (consecutive, covering `tokens` in
    /// order); each span must start at its sequence's current cache length, and its keys and
    /// values are appended to `cache`. Throws on bad token ids, unknown sequences, holes, or
    /// positions past the context length.
    public func hiddenStates(tokens: [Int], spans: [Span], cache: KVCache) throws -> Tensor {
        let c = config
        let T = tokens.count, C = c.hiddenSize, H = c.intermediateSize
        guard T > 0 else { throw LMError.badRequest("no tokens to run") }
        var covered = 0
        var sequences: [KVCache.Sequence] = []
        for span in spans {
            guard span.start == covered, span.count > 0 else {
                throw LMError.badRequest("spans must cover the tokens in order without gaps")
            }
            covered += span.count
            let s = try cache.sequence(span.sequence)
            guard span.position == s.length else {
                throw LMError.badRequest(
                    "span of sequence \(span.sequence) starts at position \(span.position) but the cache holds \(s.length)"
                )
            }
            guard span.position + span.count <= c.contextLength else {
                throw LMError.contextOverflow(needed: span.position + span.count, limit: c.contextLength)
            }
            sequences.append(s)
        }
        guard covered == T else { throw LMError.badRequest("spans cover \(covered) of \(T) tokens") }
        var positions: [Int] = []
        positions.reserveCapacity(T)
        for span in spans { positions.append(contentsOf: span.position..<(span.position + span.count)) }

        // Activations, one set reused by every layer.
        let x = Tensor([T, C])  // residual stream
        let xn = Tensor([T, C])  // normed input of attention / MLP
        let q = Tensor([T, c.qDim])
        let k = Tensor([T, c.kvDim])
        let v = Tensor([T, c.kvDim])
        let att = Tensor([T, c.qDim])  // attention output before o_proj
        let delta = Tensor([T, C])  // a sublayer's output before the residual add
        let g = Tensor([T, H])  // gate, then silu(gate) ⊙ up
        let u = Tensor([T, H])
        let quantC = QuantizedActivations(cols: C)
        let quantQ = c.qDim % 32 == 0 ? QuantizedActivations(cols: c.qDim) : nil
        let quantH = H % 32 == 0 ? QuantizedActivations(cols: H) : nil

        try Embedding.forward(embedding, tokens: tokens, out: x.data)
        for (span, s) in zip(spans, sequences) { cache.reserve(s, positions: span.position + span.count) }
        // Row-wise pieces (norms, RoPE, the cache writes, SwiGLU, residual adds) run in parallel
        // over tokens when there are many (a batch of decodes, a prompt); for a few tokens a
        // parallel loop would cost more than it saves. Each row is computed as on one thread.
        let pool = projector.pool
        func rows(_ body: (Range<Int>) -> Void) { pool.parallelRanges(T, minimum: WorkerPool.rowMinimum, body) }
        func norm(_ w: Tensor) {
            rows { r in
                RMSNorm.forward(
                    x.data + r.lowerBound * C, w.data, xn.data + r.lowerBound * C, T: r.count, C: C, eps: c.rmsNormEps)
            }
        }
        func addDelta() {
            rows { r in Elementwise.add(x.data + r.lowerBound * C, delta.data + r.lowerBound * C, count: r.count * C) }
        }
        for (l, block) in blocks.enumerated() {
            norm(block.attentionNorm)
            projector.forward(
                [block.q, block.k, block.v], xn.data, [q.data, k.data, v.data], tokens: T, scratch: quantC)
            rows { r in
                let p = Array(positions[r])
                rope.forward(q.data + r.lowerBound * c.qDim, positions: p, heads: c.heads)
                rope.forward(k.data + r.lowerBound * c.kvDim, positions: p, heads: c.kvHeads)
                // The cache writes of the spans (parts of spans) inside these rows.
                for (span, s) in zip(spans, sequences) {
                    let first = max(span.start, r.lowerBound), end = min(span.start + span.count, r.upperBound)
                    guard first < end else { continue }
                    let position = span.position + first - span.start
                    cache.store(
                        s, layer: l, start: position, k: k.data + first * c.kvDim, v: v.data + first * c.kvDim,
                        tokens: end - first, stride: c.kvDim)
                }
            }
            Attention.forward(
                q.data, att.data, spans: spans, sequences: sequences, layer: l, config: c, pool: pool)
            projector.forward([block.o], att.data, [delta.data], tokens: T, scratch: quantQ)
            addDelta()

            norm(block.mlpNorm)
            projector.forward([block.gate, block.up], xn.data, [g.data, u.data], tokens: T, scratch: quantC)
            rows { r in
                Elementwise.swiglu(
                    g.data + r.lowerBound * H, u.data + r.lowerBound * H, g.data + r.lowerBound * H, count: r.count * H)
            }
            projector.forward([block.down], g.data, [delta.data], tokens: T, scratch: quantH)
            addDelta()
        }
        for (span, s) in zip(spans, sequences) { s.length = span.position + span.count }
        RMSNorm.forward(x.data, finalNorm.data, x.data, T: T, C: C, eps: c.rmsNormEps)
        return x
    }

    /// Logits [rows.count, V] of the given rows of final-normed hidden states [T, C].
    public func logits(_ hidden: Tensor, rows: [Int]) -> Tensor {
        let C = config.hiddenSize, V = config.vocabularySize
        let selected = Tensor([rows.count, C])
        for (i, r) in rows.enumerated() { (selected.data + i * C).update(from: hidden.data + r * C, count: C) }
        let out = Tensor([rows.count, V])
        let scratch = C % 32 == 0 ? QuantizedActivations(cols: C) : nil
        projector.forward([head], selected.data, [out.data], tokens: rows.count, scratch: scratch)
        return out
    }

    /// Runs the tokens and returns the logits [rows.count, V] of the batch rows `logitRows`
    /// (typically the last token of each span).
    public func forward(tokens: [Int], spans: [Span], cache: KVCache, logitRows: [Int]) throws -> Tensor {
        let hidden = try hiddenStates(tokens: tokens, spans: spans, cache: cache)
        return logits(hidden, rows: logitRows)
    }

    /// Logits [T, V] of one whole sequence from position 0 (a fresh cache): the reference path
    /// the tests compare with PyTorch.
    public func forward(tokens: [Int]) throws -> Tensor {
        let cache = KVCache(config: config)
        let id = cache.newSequence()
        return try forward(
            tokens: tokens, spans: [Span(sequence: id, start: 0, count: tokens.count, position: 0)], cache: cache,
            logitRows: Array(0..<tokens.count))
    }
}

/// The token embedding lookup. Backward (for the trainer) scatters into the embedding's rows.
public enum Embedding {
    /// out [T, C] = E[tokens[t]]; throws on ids outside the vocabulary.
    public static func forward(_ e: Weight, tokens: [Int], out: UnsafeMutablePointer<Float>) throws {
        for (t, id) in tokens.enumerated() {
            guard id >= 0, id < e.rows else { throw LMError.badToken(id: id, vocabularySize: e.rows) }
            e.dequantizeRow(id, into: out + t * e.cols)
        }
    }
}

// MARK: Backward (the trainer)

extension Embedding {
    /// Backward of `forward`: `dE[tokens[t]] += dout[t]` (a scatter-add; repeated ids add up).
    /// dout [T, C], dE [V, C]. The trainer keeps embeddings frozen; gradient checks use this.
    public static func backward(tokens: [Int], dout: UnsafePointer<Float>, dE: UnsafeMutablePointer<Float>, C: Int) {
        for (t, id) in tokens.enumerated() {
            let row = dE + id * C, d = dout + t * C
            for i in 0..<C { row[i] += d[i] }
        }
    }
}

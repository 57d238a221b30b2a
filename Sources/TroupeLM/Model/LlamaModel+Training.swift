import TroupeCore

/// How a training pass runs.
public struct TrainingPassOptions: Sendable {
    /// Whether LoRA (or any) adapters run; off gives the base model (DPO's reference).
    public var adapters = true
    /// The seed of the adapters' dropout masks for this pass (a pure function of it).
    public var dropoutSeed: UInt64 = 0
    /// Whether `backward` will be called. Without it the pass keeps no activations.
    public var saveForBackward = true
    /// Activation checkpointing: keep only each block's input and recompute the block's forward
    /// during the backward pass (one more forward of compute for about an eighth of the memory).
    public var recomputeBlocks = false
    /// Whether the gradient with respect to the embeddings' output is needed (it is not when the
    /// embedding is frozen: the first block then skips its input-gradient products).
    public var needsInputGradient = false

    public init(
        adapters: Bool = true, dropoutSeed: UInt64 = 0, saveForBackward: Bool = true, recomputeBlocks: Bool = false
    ) {
        self.adapters = adapters
        self.dropoutSeed = dropoutSeed
        self.saveForBackward = saveForBackward
        self.recomputeBlocks = recomputeBlocks
    }
}

/// What one block's forward keeps for its backward (llm.c's activation struct, per block).
/// Shapes: x, h [T, C]; rstd1, rstd2 [T]; q, att [T, NH·hs]; k, v [T, NKV·hs] (q and k after
/// RoPE); lse [T, NH]; g, u [T, H] (before the SwiGLU); adapters: each projection's saved
/// adapter state (q, k, v, o, gate, up, down).
final class BlockActivations {
    let x, h, rstd1, rstd2, q, k, v, lse, att, g, u: Tensor
    var adapters: [Tensor?] = Array(repeating: nil, count: 7)

    init(T: Int, config c: LlamaConfig) {
        x = Tensor([T, c.hiddenSize])
        h = Tensor([T, c.hiddenSize])
        rstd1 = Tensor([T])
        rstd2 = Tensor([T])
        q = Tensor([T, c.qDim])
        k = Tensor([T, c.kvDim])
        v = Tensor([T, c.kvDim])
        lse = Tensor([T, c.heads])
        att = Tensor([T, c.qDim])
        g = Tensor([T, c.intermediateSize])
        u = Tensor([T, c.intermediateSize])
    }

    /// Floats kept per token and block.
    static func floatsPerToken(_ c: LlamaConfig) -> Int {
        3 * c.hiddenSize + 2 + 2 * c.qDim + 2 * c.kvDim + c.heads + 2 * c.intermediateSize
    }
}

extension LlamaModel {
    /// Bytes a training pass over `tokens` tokens keeps for its backward (adapter state aside).
    public func activationBytes(tokens T: Int, recomputeBlocks: Bool) -> Int {
        let perBlock = BlockActivations.floatsPerToken(config) * T * 4
        let inputs = config.hiddenSize * T * 4
        return recomputeBlocks ? config.layers * inputs + perBlock : config.layers * perBlock + inputs
    }

    /// Runs packed sequences through the model for training: `tokens[s.rows]` are sequence s's
    /// own tokens, after the tokens of rows `s.prefix` (see `PackedSequence`); each attends only
    /// to its prefix and itself (packing without cross-contamination, and no padding). A prefix
    /// shared by n sequences is computed once and its gradient is the sum of what each of them
    /// sends back, so the pass equals packing every sequence whole (up to float rounding) for
    /// less work. Products run in f32 on the dequantized weights (the quantized kernels are never
    /// used here), so forward and backward see the same weights.
    ///
    /// Returns the pass, whose `hidden` [T, C] are the final-normed hidden states; call
    /// `backward` with their gradient to accumulate the adapters' gradients.
    public func trainingForward(
        tokens: [Int], sequences: [PackedSequence], options: TrainingPassOptions
    ) throws -> TrainingPass {
        var next = 0
        for (i, s) in sequences.enumerated() {
            let hostOK =
                s.prefix.isEmpty
                || sequences[..<i].contains {
                    $0.prefix.isEmpty && $0.rows.lowerBound == s.prefix.lowerBound
                        && $0.rows.upperBound >= s.prefix.upperBound
                }
            guard s.rows.lowerBound == next, !s.rows.isEmpty, hostOK else {
                throw LMError.badRequest(
                    "training pass: sequence \(i) (rows \(s.rows), prefix \(s.prefix)) does not follow the packing rules"
                )
            }
            guard s.length <= config.contextLength else {
                throw LMError.contextOverflow(needed: s.length, limit: config.contextLength)
            }
            next = s.rows.upperBound
        }
        guard !tokens.isEmpty, next == tokens.count else {
            throw LMError.badRequest("training pass: the sequences' rows do not cover the \(tokens.count) tokens")
        }
        let pass = TrainingPass(model: self, tokens: tokens, sequences: sequences, options: options)
        try pass.runForward()
        return pass
    }
}

/// One training forward pass and its backward. Made by `LlamaModel.trainingForward`.
///
/// Invariant: `backward` runs at most once, after the forward, with the model's adapters as they
/// were during the forward (the trainer changes parameters only after the backward).
public final class TrainingPass {
    public let model: LlamaModel
    public let tokens: [Int]
    public let sequences: [PackedSequence]
    public let options: TrainingPassOptions
    let positions: [Int]
    /// [T, C]: the final-normed hidden states.
    public let hidden: Tensor
    /// [T, C] before the final norm, and its rstd [T].
    let finalInput: Tensor
    let finalRstd: Tensor
    /// Per block: its activations (no recomputation) or only its input (recomputation).
    var saved: [BlockActivations] = []
    var inputs: [Tensor] = []
    private var backwardDone = false

    var T: Int { tokens.count }
    var config: LlamaConfig { model.config }
    var pool: WorkerPool { model.projector.pool }

    init(model: LlamaModel, tokens: [Int], sequences: [PackedSequence], options: TrainingPassOptions) {
        self.model = model
        self.tokens = tokens
        self.options = options
        self.sequences = sequences
        positions = sequences.flatMap { $0.prefix.count..<$0.length }
        hidden = Tensor([tokens.count, model.config.hiddenSize])
        finalInput = Tensor([tokens.count, model.config.hiddenSize])
        finalRstd = Tensor([tokens.count])
    }

    /// The seed of projection `p` of block `l` for this pass.
    func seed(_ l: Int, _ p: Int) -> UInt64 {
        var s = options.dropoutSeed &+ UInt64(l * 8 + p) &* 0x9E37_79B9_7F4A_7C15
        return SeededRNG.splitMix64(&s)
    }

    func runForward() throws {
        let c = config, C = c.hiddenSize
        let x = finalInput  // the residual stream, ends as the final norm's input
        try Embedding.forward(model.embedding, tokens: tokens, out: x.data)
        let keepAll = options.saveForBackward && !options.recomputeBlocks
        let scratch = keepAll ? nil : BlockActivations(T: T, config: c)
        let xn = Tensor([T, C]), a = Tensor([T, c.intermediateSize])
        for l in 0..<c.layers {
            if options.saveForBackward && options.recomputeBlocks {
                let input = Tensor([T, C])
                input.data.update(from: x.data, count: T * C)
                inputs.append(input)
            }
            let acts = scratch ?? BlockActivations(T: T, config: c)
            if keepAll { saved.append(acts) }
            blockForward(l, x: x, acts: acts, xn: xn, a: a)
        }
        norm(x.data, model.finalNorm, hidden.data, rstd: finalRstd.data)
    }

    /// Block `l`'s forward: x [T, C] is its input and becomes its output; `acts` receives what
    /// the backward needs; xn [T, C] and a [T, H] are scratch.
    func blockForward(_ l: Int, x: Tensor, acts: BlockActivations, xn: Tensor, a: Tensor) {
        let c = config, C = c.hiddenSize, block = model.blocks[l]
        let on = options.adapters
        acts.x.data.update(from: x.data, count: T * C)
        norm(x.data, block.attentionNorm, xn.data, rstd: acts.rstd1.data)
        for (p, (linear, out)) in [(block.q, acts.q), (block.k, acts.k), (block.v, acts.v)].enumerated() {
            acts.adapters[p] = linear.trainingForward(
                xn.data, out.data, tokens: T, adapters: on, dropoutSeed: seed(l, p), pool: pool)
        }
        rope(acts.q.data, heads: c.heads, backward: false)
        rope(acts.k.data, heads: c.kvHeads, backward: false)
        Attention.trainingForward(
            q: acts.q.data, k: acts.k.data, v: acts.v.data, out: acts.att.data, lse: acts.lse.data,
            sequences: sequences, config: c, pool: pool)
        // o_proj and down_proj add into the residual stream directly (no output to zero and add).
        acts.adapters[3] = block.o.trainingForward(
            acts.att.data, x.data, tokens: T, adapters: on, dropoutSeed: seed(l, 3), pool: pool, accumulate: true)
        acts.h.data.update(from: x.data, count: T * C)
        norm(x.data, block.mlpNorm, xn.data, rstd: acts.rstd2.data)
        acts.adapters[4] = block.gate.trainingForward(
            xn.data, acts.g.data, tokens: T, adapters: on, dropoutSeed: seed(l, 4), pool: pool)
        acts.adapters[5] = block.up.trainingForward(
            xn.data, acts.u.data, tokens: T, adapters: on, dropoutSeed: seed(l, 5), pool: pool)
        swiglu(acts.g.data, acts.u.data, a.data)
        acts.adapters[6] = block.down.trainingForward(
            a.data, x.data, tokens: T, adapters: on, dropoutSeed: seed(l, 6), pool: pool, accumulate: true)
    }

    /// Backpropagates dHidden [T, C] (the gradient of the final-normed hidden states) through
    /// the model, accumulating into the adapters' gradients. Returns the gradient with respect to
    /// the embedding output [T, C] when `options.needsInputGradient`, else nil.
    @discardableResult
    public func backward(dHidden: UnsafePointer<Float>) throws -> Tensor? {
        guard options.saveForBackward, !backwardDone else {
            throw LMError.badRequest("this training pass kept no activations, or its backward already ran")
        }
        backwardDone = true
        let c = config, C = c.hiddenSize, H = c.intermediateSize
        let dx = Tensor([T, C])
        normBackward(finalInput.data, model.finalNorm, rstd: finalRstd.data, dy: dHidden, dx: dx.data)
        // Scratch, reused by every block.
        let xn = Tensor([T, C]), a = Tensor([T, H]), da = Tensor([T, H]), dg = Tensor([T, H]), du = Tensor([T, H])
        let dxn = Tensor([T, C]), datt = Tensor([T, c.qDim]), dq = Tensor([T, c.qDim])
        let dk = Tensor([T, c.kvDim]), dv = Tensor([T, c.kvDim])
        let recomputed = options.recomputeBlocks ? BlockActivations(T: T, config: c) : nil
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            let block = model.blocks[l]
            let acts: BlockActivations
            if let recomputed {
                let x = Tensor([T, C])
                x.data.update(from: inputs[l].data, count: T * C)
                blockForward(l, x: x, acts: recomputed, xn: xn, a: a)
                acts = recomputed
                inputs[l] = Tensor([0])  // free it
            } else {
                acts = saved[l]
            }
            let inputGradient = l > 0 || options.needsInputGradient
            // MLP: out = h + down(swiglu(gate(n2), up(n2))), n2 = rmsnorm(h).
            norm(acts.h.data, block.mlpNorm, xn.data, rstd: nil)
            swiglu(acts.g.data, acts.u.data, a.data)
            block.down.backward(
                a.data, dy: dx.data, dx: da.data, tokens: T, accumulate: false, saved: acts.adapters[6],
                dropoutSeed: seed(l, 6), pool: pool)
            rows { r in
                let o = r.lowerBound * H
                Elementwise.swigluBackward(
                    acts.g.data + o, acts.u.data + o, dh: da.data + o, dg: dg.data + o, du: du.data + o,
                    count: r.count * H)
            }
            block.gate.backward(
                xn.data, dy: dg.data, dx: dxn.data, tokens: T, accumulate: false, saved: acts.adapters[4],
                dropoutSeed: seed(l, 4), pool: pool)
            block.up.backward(
                xn.data, dy: du.data, dx: dxn.data, tokens: T, accumulate: true, saved: acts.adapters[5],
                dropoutSeed: seed(l, 5), pool: pool)
            normBackward(acts.h.data, block.mlpNorm, rstd: acts.rstd2.data, dy: dxn.data, dx: dx.data)
            // Attention: h = x + o(attn(rope(q(n1)), rope(k(n1)), v(n1))), n1 = rmsnorm(x).
            block.o.backward(
                acts.att.data, dy: dx.data, dx: datt.data, tokens: T, accumulate: false, saved: acts.adapters[3],
                dropoutSeed: seed(l, 3), pool: pool)
            dk.zero()
            dv.zero()
            Attention.backward(
                q: acts.q.data, k: acts.k.data, v: acts.v.data, lse: acts.lse.data, dout: datt.data, dq: dq.data,
                dk: dk.data, dv: dv.data, sequences: sequences, config: c, pool: pool)
            rope(dq.data, heads: c.heads, backward: true)
            rope(dk.data, heads: c.kvHeads, backward: true)
            norm(acts.x.data, block.attentionNorm, xn.data, rstd: nil)
            let target = inputGradient ? dxn.data : nil
            for (p, (linear, d)) in [(block.q, dq), (block.k, dk), (block.v, dv)].enumerated() {
                linear.backward(
                    xn.data, dy: d.data, dx: target, tokens: T, accumulate: p > 0, saved: acts.adapters[p],
                    dropoutSeed: seed(l, p), pool: pool)
            }
            if inputGradient {
                normBackward(acts.x.data, block.attentionNorm, rstd: acts.rstd1.data, dy: dxn.data, dx: dx.data)
            }
            if recomputed == nil { saved[l] = BlockActivations(T: 0, config: c) }  // free it
        }
        return options.needsInputGradient ? dx : nil
    }
}

// MARK: Row-wise pieces

extension TrainingPass {
    /// Runs `body` on consecutive pieces of the pass's rows, spread over the worker pool: the
    /// norms, RoPE and SwiGLU are row-wise, and computing each row as on one thread
    /// keeps the pass bit-identical whatever the thread count. (Run serially, they kept the second
    /// core idle, its OpenBLAS thread yielding, for about a tenth of a step.)
    func rows(_ body: (Range<Int>) -> Void) { pool.parallelRanges(T, minimum: WorkerPool.rowMinimum, body) }

    /// RMSNorm of x [T, C] into y with the weight w; rstd [T] receives the saved factors when given.
    func norm(
        _ x: UnsafePointer<Float>, _ w: Tensor, _ y: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>?
    ) {
        let C = config.hiddenSize, eps = config.rmsNormEps
        rows { r in
            let o = r.lowerBound * C
            RMSNorm.forward(x + o, w.data, y + o, rstd: rstd.map { $0 + r.lowerBound }, T: r.count, C: C, eps: eps)
        }
    }

    /// dx += the gradient of RMSNorm's input (the norm's weight is frozen).
    func normBackward(
        _ x: UnsafePointer<Float>, _ w: Tensor, rstd: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>
    ) {
        let C = config.hiddenSize
        rows { r in
            let o = r.lowerBound * C
            RMSNorm.backward(
                x + o, w.data, rstd: rstd + r.lowerBound, dy: dy + o, dx: dx + o, dw: nil, T: r.count, C: C)
        }
    }

    /// h = silu(g) ⊙ u over rows of the MLP's width.
    func swiglu(_ g: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>) {
        let H = config.intermediateSize
        rows { r in
            let o = r.lowerBound * H
            Elementwise.swigluFast(g + o, u + o, h + o, count: r.count * H)
        }
    }

    /// RoPE (or its backward) in place on x [T, heads, hs] at the pass's positions.
    func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, backward: Bool) {
        let width = heads * config.headDim
        rows { r in
            let slice = Array(positions[r]), xr = x + r.lowerBound * width
            if backward {
                model.rope.backward(xr, positions: slice, heads: heads)
            } else {
                model.rope.forward(xr, positions: slice, heads: heads)
            }
        }
    }
}

/// Something added to a projection's output: `y += f(x)`. LoRA adapters implement it (the trainer
/// attaches them to any of q, k, v, o, gate, up, down); the base weight stays frozen.
public protocol LinearAdapter: AnyObject, Sendable {
    /// Adds the adapter's contribution for x [T, in] to y [T, out].
    func addForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, tokens T: Int)
}

/// A bias-free projection `y = x · Wᵀ` with W [out, in], plus an optional adapter.
///
/// Backward (for the trainer): `dx += dy · W` through `weight.f32()`, and the adapter's own
/// backward; the base weight receives no gradient.
public struct Linear: Sendable {
    public let weight: Weight
    public var adapter: (any LinearAdapter)?
    /// Whether the adapter runs (off gives the base model, e.g. DPO's reference).
    public var adapterEnabled = true

    public init(weight: Weight, adapter: (any LinearAdapter)? = nil) {
        self.weight = weight
        self.adapter = adapter
    }

    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }
}

/// Runs projections that share one input, choosing the kernel by weight type and size.
///
/// - Quantized weights (Q8_0, Q4_0, Q4_1, Q4_K, Q6_K), up to `quantizedTokenLimit` tokens (by
///   default any number: prompts too, as llama.cpp computes them): the input is quantized to 8
///   bits once and every projection's rows are spread over the worker pool in one parallel
///   loop (`QuantKernels`). Faster than f32 products here (about 450 against 310 prompt tokens
///   per second per core on SmolLM2-135M) and without an f32 copy of the weights.
/// - Otherwise, and always with `exactF32`: OpenBLAS `sgemm` on the dequantized f32 weights
///   (float models, the reference checks, training).
public struct Projector: Sendable {
    public var pool: WorkerPool
    /// The most tokens a product runs through the quantized kernels.
    public var quantizedTokenLimit: Int
    /// When true, quantized weights always go through f32 `sgemm` (exact dequantized weights and
    /// f32 activations, as the PyTorch reference computes).
    public var exactF32 = false

    public init(pool: WorkerPool, quantizedTokenLimit: Int) {
        self.pool = pool
        self.quantizedTokenLimit = quantizedTokenLimit
    }

    /// outputs[i] [T, layers[i].out] = x [T, in] · layers[i].Wᵀ (+ adapters), for T tokens.
    public func forward(
        _ layers: [Linear], _ x: UnsafePointer<Float>, _ outputs: [UnsafeMutablePointer<Float>], tokens T: Int,
        scratch: QuantizedActivations?
    ) {
        let quantized =
            !exactF32 && T <= quantizedTokenLimit && scratch != nil
            && layers.allSatisfy { $0.weight.hasQuantizedKernel && $0.weight.cols == scratch!.cols }
        if quantized, let scratch {
            scratch.quantize(x, tokens: T, pool: pool)
            // Chunks of rows across all layers, so q/k/v (or gate/up) share one parallel loop:
            // about 8 per thread (fewer claims and cache-line handoffs than 32-row chunks, and
            // still enough to even out a thread that starts late), whole groups of 8 rows.
            let total = layers.reduce(0) { $0 + $1.outFeatures }
            let chunk = max(32, (total / (8 * pool.threads) + 7) / 8 * 8)
            var jobs: [(layer: Int, rows: Range<Int>)] = []
            for (i, l) in layers.enumerated() {
                var r = 0
                while r < l.outFeatures {
                    jobs.append((i, r..<min(r + chunk, l.outFeatures)))
                    r += chunk
                }
            }
            let packed = layers.map { $0.weight.packed(pool: pool) }
            pool.parallelFor(jobs.count) { j in
                let job = jobs[j]
                let layer = layers[job.layer]
                QuantKernels.matmul(
                    layer.weight, packed: packed[job.layer], scratch, outputs[job.layer], ldy: layer.outFeatures,
                    rows: job.rows)
            }
        } else {
            for (i, l) in layers.enumerated() {
                let w = l.weight.f32(pool: pool)
                BLAS.gemm(x, w.data, outputs[i], m: T, n: l.outFeatures, k: l.inFeatures, transB: true)
            }
        }
        for (i, l) in layers.enumerated() where l.adapterEnabled {
            l.adapter?.addForward(x, outputs[i], tokens: T)
        }
    }
}

// MARK: Training (forward that saves, and backward)

/// An adapter the training pass can differentiate (LoRA). The base weight stays frozen; the
/// adapter owns its parameters and their gradients, and `backward` accumulates into them.
///
/// Who calls it: `LlamaModel`'s training pass (`LlamaModel+Training.swift`), once per projection
/// per forward and backward. `dropoutSeed` makes any randomness a pure function of the seed, so
/// a recomputed forward (activation checkpointing) and the backward see the same dropout mask.
public protocol DifferentiableAdapter: LinearAdapter {
    /// Adds the adapter's output for x [T, in] to y [T, out] and returns what `backward` needs.
    /// Row-wise work may be spread over `pool`, with results that do not depend on its size.
    func trainingForward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, tokens T: Int, dropoutSeed: UInt64,
        pool: WorkerPool
    ) -> Tensor
    /// Given dy [T, out], accumulates the parameter gradients and, when `dx` is given, adds the
    /// gradient with respect to x [T, in] into it.
    func backward(
        _ x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, tokens T: Int,
        saved: Tensor, dropoutSeed: UInt64, pool: WorkerPool)
}

extension Linear {
    /// y [T, out] = x [T, in] · Wᵀ in f32 (the dequantized weight), plus the adapter when
    /// `adapters` is true; returns the adapter's saved state. With `accumulate`, y += instead
    /// (a residual add without a separate output and pass). Training products never use the
    /// quantized kernels, so forward and backward see exactly the same weights.
    public func trainingForward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, tokens T: Int, adapters: Bool,
        dropoutSeed: UInt64, pool: WorkerPool, accumulate: Bool = false
    ) -> Tensor? {
        let w = weight.f32(pool: pool)
        BLAS.gemm(x, w.data, y, m: T, n: outFeatures, k: inFeatures, transB: true, beta: accumulate ? 1 : 0)
        guard adapters, adapterEnabled, let adapter else { return nil }
        if let trainable = adapter as? any DifferentiableAdapter {
            return trainable.trainingForward(x, y, tokens: T, dropoutSeed: dropoutSeed, pool: pool)
        }
        adapter.addForward(x, y, tokens: T)
        return nil
    }

    /// Backward of `trainingForward`: `dx (+)= dy · W` (accumulated when `accumulate`) and the
    /// adapter's backward (its parameter gradients, and its part of dx). x [T, in] is the forward
    /// input; dx may be nil when no input gradient is needed (the first layer's input).
    public func backward(
        _ x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, tokens T: Int,
        accumulate: Bool, saved: Tensor?, dropoutSeed: UInt64, pool: WorkerPool
    ) {
        if let dx {
            let w = weight.f32(pool: pool)
            BLAS.gemm(dy, w.data, dx, m: T, n: inFeatures, k: outFeatures, beta: accumulate ? 1 : 0)
        }
        if let saved, let trainable = adapter as? any DifferentiableAdapter {
            trainable.backward(x, dy: dy, dx: dx, tokens: T, saved: saved, dropoutSeed: dropoutSeed, pool: pool)
        }
    }
}

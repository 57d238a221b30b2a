import TroupeCore
import TroupeLM

/// One LoRA adapter on a frozen projection W [out, in]:
/// `y = W x + s · B (A · dropout(x))`, A [r, in], B [out, r], s = `scaling`.
///
/// Parameters and their gradients live side by side (`a`/`gradA`, `b`/`gradB`); the training
/// pass calls `trainingForward` and `backward`, inference calls `addForward`. A is initialized
/// as PEFT does (`kaiming_uniform_(a=√5)`, i.e. U(−1/√in, 1/√in)) and B is zero, so a fresh
/// adapter changes nothing.
///
/// Dropout masks are a pure function of (seed, element index): the forward, a recomputed
/// forward and the backward of one pass all see the same mask without storing it.
public final class LoRALayer: DifferentiableAdapter, @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let rank: Int
    public let scaling: Float
    public let dropout: Float
    /// A [r, in] and B [out, r], and their gradients.
    public let a: Tensor
    public let b: Tensor
    public let gradA: Tensor
    public let gradB: Tensor

    public init(inFeatures: Int, outFeatures: Int, rank: Int, scaling: Float, dropout: Float) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.rank = rank
        self.scaling = scaling
        self.dropout = dropout
        a = Tensor([rank, inFeatures])
        b = Tensor([outFeatures, rank])
        gradA = Tensor([rank, inFeatures])
        gradB = Tensor([outFeatures, rank])
    }

    /// PEFT's initialization: A ~ U(−1/√in, 1/√in), B = 0.
    public func initialize(_ rng: inout SeededRNG) {
        let bound = 1 / Double(inFeatures).squareRoot()
        for i in 0..<a.count { a[i] = Float((rng.double() * 2 - 1) * bound) }
        b.zero()
    }

    public func zeroGradients() {
        gradA.zero()
        gradB.zero()
    }

    // MARK: Forward

    public func addForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, tokens T: Int) {
        let xa = Tensor([T, rank])
        BLAS.gemm(x, a.data, xa.data, m: T, n: rank, k: inFeatures, transB: true)
        BLAS.gemm(xa.data, b.data, y, m: T, n: outFeatures, k: rank, transB: true, alpha: scaling, beta: 1)
    }

    /// Saves xa = dropout(x)·Aᵀ [T, r] for the backward. The products run fused row by row on
    /// the pool (`LowRank`), bit-identical at any thread count.
    public func trainingForward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, tokens T: Int, dropoutSeed: UInt64,
        pool: WorkerPool
    ) -> Tensor {
        let xa = Tensor([T, rank])
        withDroppedInput(x, tokens: T, seed: dropoutSeed) { xd in
            LowRank.forward(
                xd, a: a.data, b: b.data, scale: scaling, xa: xa.data, y: y, tokens: T, in: inFeatures,
                out: outFeatures, rank: rank, pool: pool)
        }
        return xa
    }

    // MARK: Backward

    /// `gradB += s · dyᵀ · xa`, `d(xa) = s · dy · B`, `gradA += d(xa)ᵀ · dropout(x)`,
    /// `dx += mask ⊙ (d(xa) · A) / (1 − p)`.
    public func backward(
        _ x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, tokens T: Int,
        saved xa: Tensor, dropoutSeed: UInt64, pool: WorkerPool
    ) {
        // With dropout, the input gradient goes through the mask: computed apart, then added.
        let masked = dx != nil && dropout > 0 ? Tensor([T, inFeatures]) : nil
        withDroppedInput(x, tokens: T, seed: dropoutSeed) { xd in
            LowRank.backward(
                xd, dy: dy, a: a.data, b: b.data, scale: scaling, xa: xa.data, dx: masked?.data ?? dx,
                gradA: gradA.data, gradB: gradB.data, tokens: T, in: inFeatures, out: outFeatures, rank: rank,
                pool: pool)
        }
        guard let dx, let masked else { return }
        LoRALayer.applyDropout(masked.data, masked.data, count: T * inFeatures, p: dropout, seed: dropoutSeed)
        for i in 0..<(T * inFeatures) { dx[i] += masked[i] }
    }

    /// Calls `body` with x itself (no dropout) or with a dropped copy.
    private func withDroppedInput(
        _ x: UnsafePointer<Float>, tokens T: Int, seed: UInt64, _ body: (UnsafePointer<Float>) -> Void
    ) {
        if dropout == 0 { return body(x) }
        let dropped = Tensor([T, inFeatures])
        LoRALayer.applyDropout(x, dropped.data, count: T * inFeatures, p: dropout, seed: seed)
        body(dropped.data)
    }

    /// out[i] = x[i] / (1 − p) where element i is kept, else 0; element i is dropped when the
    /// top 24 bits of SplitMix64(seed, i) fall below p·2²⁴.
    static func applyDropout(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, p: Float, seed: UInt64
    ) {
        let threshold = UInt64(Double(p) * 16_777_216)
        let keep = 1 / (1 - p)
        for i in 0..<count {
            var state = seed ^ (UInt64(i) &* 0xD1B5_4A32_D192_ED03)
            let bits = SeededRNG.splitMix64(&state) >> 40
            out[i] = bits < threshold ? 0 : x[i] * keep
        }
    }
}

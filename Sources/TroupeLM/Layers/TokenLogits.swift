import Foundation

/// The head and the log-softmax, fused for training: for selected rows of final-normed hidden
/// states, the log-probability of each row's target token, a few statistics TRL reports, and
/// (when asked) the gradient of that log-probability with respect to the hidden row.
///
/// Why fused: the logits [rows, V] are the largest tensor of a step (V = 49152 for SmolLM2). They
/// are made in chunks of `chunkRows` rows and dropped at once: the forward keeps one number per
/// row, and `∂ log p / ∂h = (onehot(target) − softmax(z)) · E` is formed while the chunk is hot.
/// Every loss of the trainer is a weighted sum of such log-probabilities (or of last-token
/// hidden states), so it later scales these per-row gradients by its coefficients: the network
/// below the head is linear in its upstream gradient.
public enum TokenLogits {
    /// What one row yields.
    public struct Row: Sendable, Equatable {
        /// log softmax(z)[target].
        public var logProb: Float
        /// The mean of the raw logits over the vocabulary (TRL's `logits/*`).
        public var meanLogit: Float
        /// The entropy of softmax(z), in nats.
        public var entropy: Float
        /// Whether the target is the most likely token (TRL's `mean_token_accuracy`).
        public var top1: Bool
    }

    /// Rows per chunk of logits (chunkRows × V floats live at once).
    public static let chunkRows = 128

    /// hidden [T, C] (final-normed); `rows[i]` picks a row of it and `targets[i]` the token that
    /// row predicts; head [V, C]. When `gradient` [rows.count, C] is given, row i receives
    /// `∂ logProb_i / ∂ hidden[rows[i]]` (overwritten).
    public static func forward(
        hidden: UnsafePointer<Float>, rows: [Int], targets: [Int], head: Weight,
        gradient: UnsafeMutablePointer<Float>?, pool: WorkerPool
    ) -> [Row] {
        let C = head.cols, V = head.rows
        let E = head.f32(pool: pool)
        let chunk = min(chunkRows, max(1, rows.count))
        let selected = UnsafeMutablePointer<Float>.allocate(capacity: chunk * C)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: chunk * V)
        defer {
            selected.deallocate()
            logits.deallocate()
        }
        var out = [Row](repeating: Row(logProb: 0, meanLogit: 0, entropy: 0, top1: false), count: rows.count)
        var c0 = 0
        while c0 < rows.count {
            let R = min(chunk, rows.count - c0)
            for i in 0..<R { (selected + i * C).update(from: hidden + rows[c0 + i] * C, count: C) }
            BLAS.gemm(selected, E.data, logits, m: R, n: V, k: C, transB: true)
            // Rows are independent and each is computed as on one thread: bit-identical at any
            // thread count.
            out.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress! + c0
                pool.parallelFor(R) { i in
                    base[i] = logSoftmax(logits + i * V, V, target: targets[c0 + i], gradient: gradient != nil)
                }
            }
            if let gradient {
                BLAS.gemm(logits, E.data, gradient + c0 * C, m: R, n: C, k: V)
            }
            c0 += R
        }
        return out
    }

    /// One row of logits z [V] in place: returns its `Row` for `target`, and when `gradient`
    /// leaves `onehot(target) − softmax(z)` in z (else e^(z − max z)).
    @inline(__always)
    static func logSoftmax(_ z: UnsafeMutablePointer<Float>, _ V: Int, target: Int, gradient: Bool) -> Row {
        let m = FastMath.max(z, V)
        let zt = z[target]
        // One pass: e = exp(z − m) in place, with Σe, Σe·z and Σz.
        var sumE = 0.0, sumEZ = 0.0, sumZ = 0.0
        let shift = SIMD8<Float>(repeating: m)
        var j = 0
        while j + 8 <= V {
            var accE = SIMD8<Float>(), accEZ = SIMD8<Float>(), accZ = SIMD8<Float>()
            let end = min(V, j + 1024) - 7
            while j < end {
                let zv = UnsafeRawPointer(z + j).loadUnaligned(as: SIMD8<Float>.self)
                let e = FastMath.exp(zv - shift)
                UnsafeMutableRawPointer(z + j).storeBytes(of: e, as: SIMD8<Float>.self)
                accE += e
                accEZ += e * zv
                accZ += zv
                j += 8
            }
            sumE += Double(accE.sum())
            sumEZ += Double(accEZ.sum())
            sumZ += Double(accZ.sum())
        }
        while j < V {
            let e = FastMath.exp(z[j] - m)
            sumE += Double(e)
            sumEZ += Double(e * z[j])
            sumZ += Double(z[j])
            z[j] = e
            j += 1
        }
        let lse = Double(m) + log(sumE)
        let row = Row(
            logProb: Float(Double(zt) - lse), meanLogit: Float(sumZ / Double(V)), entropy: Float(lse - sumEZ / sumE),
            top1: zt >= m)
        guard gradient else { return row }
        // z ← onehot(target) − softmax
        let k = SIMD8<Float>(repeating: Float(-1 / sumE))
        j = 0
        while j + 8 <= V {
            let e = UnsafeRawPointer(z + j).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(z + j).storeBytes(of: e * k, as: SIMD8<Float>.self)
            j += 8
        }
        while j < V {
            z[j] *= k[0]
            j += 1
        }
        z[target] += 1
        return row
    }
}

import Foundation
import Synchronization

/// Rotary position embedding in Hugging Face's rotate-half convention: within each head of width
/// hs, element i (i < hs/2) pairs with element i + hs/2 and both rotate by `pos · θ^(-2i/hs)`.
///
/// GGUF files of the llama architecture store Q and K rows permuted for ggml's interleaved
/// convention; the loader undoes that permutation (`LlamaModel+Load.swift`), so one convention
/// serves both sources and LoRA weights on q/k are always in Hugging Face row order.
///
/// The cos/sin table grows on demand and is shared by every thread (guarded by a mutex; reads of
/// a table that is large enough take no lock after `prepare`).
public final class RoPE: @unchecked Sendable {
    public let headDim: Int
    public let theta: Float
    private let table = Mutex<(positions: Int, cos: [Float], sin: [Float])>((0, [], []))

    public init(headDim: Int, theta: Float) {
        self.headDim = headDim
        self.theta = theta
    }

    /// The cos and sin tables [positions, hs/2], at least `positions` long.
    func tables(upTo positions: Int) -> (cos: [Float], sin: [Float]) {
        table.withLock { t in
            if t.positions < positions {
                let n = max(positions, 2 * t.positions, 256)
                let half = headDim / 2
                var cos = [Float](repeating: 0, count: n * half), sin = cos
                for i in 0..<half {
                    // HF computes inverse frequencies in f32; the angle in double for accuracy.
                    let inverse = Double(
                        Float(1) / Float(Foundation.pow(Double(theta), Double(2 * i) / Double(headDim))))
                    for p in 0..<n {
                        let angle = Double(p) * inverse
                        cos[p * half + i] = Float(Foundation.cos(angle))
                        sin[p * half + i] = Float(Foundation.sin(angle))
                    }
                }
                t = (n, cos, sin)
            }
            return (t.cos, t.sin)
        }
    }

    /// Rotates x [T, heads, hs] in place; `positions[t]` is token t's position.
    public func forward(_ x: UnsafeMutablePointer<Float>, positions: [Int], heads: Int) {
        let (cos, sin) = tables(upTo: (positions.max() ?? 0) + 1)
        let half = headDim / 2
        cos.withUnsafeBufferPointer { c in
            sin.withUnsafeBufferPointer { s in
                for (t, p) in positions.enumerated() {
                    let cr = c.baseAddress! + p * half, sr = s.baseAddress! + p * half
                    for h in 0..<heads {
                        let v = x + (t * heads + h) * headDim
                        for i in 0..<half {
                            let a = v[i], b = v[i + half]
                            v[i] = a * cr[i] - b * sr[i]
                            v[i + half] = b * cr[i] + a * sr[i]
                        }
                    }
                }
            }
        }
    }
}

// MARK: Backward (the trainer)

extension RoPE {
    /// Backward of `forward`: the rotation is orthogonal, so the gradient rotates back by the
    /// same angle. dx [T, heads, hs] holds the gradient of the rotated values and is turned in
    /// place into the gradient of the values before rotation.
    public func backward(_ dx: UnsafeMutablePointer<Float>, positions: [Int], heads: Int) {
        let (cos, sin) = tables(upTo: (positions.max() ?? 0) + 1)
        let half = headDim / 2
        cos.withUnsafeBufferPointer { c in
            sin.withUnsafeBufferPointer { s in
                for (t, p) in positions.enumerated() {
                    let cr = c.baseAddress! + p * half, sr = s.baseAddress! + p * half
                    for h in 0..<heads {
                        let v = dx + (t * heads + h) * headDim
                        for i in 0..<half {
                            let a = v[i], b = v[i + half]
                            v[i] = a * cr[i] + b * sr[i]
                            v[i + half] = b * cr[i] - a * sr[i]
                        }
                    }
                }
            }
        }
    }
}

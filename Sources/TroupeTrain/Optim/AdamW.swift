import Foundation
import TroupeLM

/// AdamW (Loshchilov & Hutter), computed exactly as `torch.optim.AdamW` does (decoupled weight
/// decay first, then bias-corrected moments): for each parameter p with gradient g at step t,
///
///     p ← p − lr·λ·p
///     m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²
///     p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
///
/// The moments are the optimizer state a checkpoint saves.
public final class AdamW {
    public struct Settings: Codable, Sendable, Equatable {
        public var beta1 = 0.9
        public var beta2 = 0.999
        public var epsilon = 1e-8
        public var weightDecay = 0.0
        public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    public let settings: Settings
    public let parameters: [Parameter]
    /// First and second moments, one per parameter (same shapes).
    public let m: [Tensor]
    public let v: [Tensor]
    /// Optimizer steps taken.
    public internal(set) var step = 0

    public init(parameters: [Parameter], settings: Settings) throws {
        guard settings.beta1 >= 0, settings.beta1 < 1, settings.beta2 >= 0, settings.beta2 < 1 else {
            throw TrainError.badConfig("adam betas must be in [0, 1), found \(settings.beta1), \(settings.beta2)")
        }
        guard settings.epsilon > 0, settings.weightDecay >= 0 else {
            throw TrainError.badConfig("adam epsilon must be positive and weight decay not negative")
        }
        self.settings = settings
        self.parameters = parameters
        m = parameters.map { Tensor($0.value.shape) }
        v = parameters.map { Tensor($0.value.shape) }
    }

    /// The global L2 norm of all gradients (accumulated in f64).
    public func gradientNorm() -> Double {
        var total = 0.0
        for p in parameters {
            let g = p.gradient
            for i in 0..<g.count { total += Double(g[i]) * Double(g[i]) }
        }
        return total.squareRoot()
    }

    /// Scales gradients so their global norm is at most `maxNorm`, as
    /// `torch.nn.utils.clip_grad_norm_` does (`coef = maxNorm / (norm + 1e-6)`, clamped to 1).
    /// Returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Double) -> Double {
        let norm = gradientNorm()
        guard maxNorm > 0 else { return norm }
        let coef = Float(min(1, maxNorm / (norm + 1e-6)))
        if coef < 1 {
            for p in parameters {
                let g = p.gradient
                for i in 0..<g.count { g[i] *= coef }
            }
        }
        return norm
    }

    /// One update with learning rate `lr`.
    public func update(lr: Double) {
        step += 1
        let s = settings
        let bc1 = 1 - Foundation.pow(s.beta1, Double(step))
        let bc2Sqrt = (1 - Foundation.pow(s.beta2, Double(step))).squareRoot()
        let stepSize = Float(lr / bc1)
        let b1 = Float(s.beta1), b2 = Float(s.beta2), eps = Float(s.epsilon), bc2 = Float(bc2Sqrt)
        for (k, p) in parameters.enumerated() {
            let x = p.value, g = p.gradient, mk = m[k], vk = v[k]
            let decay = p.decay ? Float(1 - lr * s.weightDecay) : 1
            for i in 0..<x.count {
                x[i] *= decay
                mk[i] = b1 * mk[i] + (1 - b1) * g[i]
                vk[i] = b2 * vk[i] + (1 - b2) * g[i] * g[i]
                x[i] -= stepSize * mk[i] / (vk[i].squareRoot() / bc2 + eps)
            }
        }
    }
}

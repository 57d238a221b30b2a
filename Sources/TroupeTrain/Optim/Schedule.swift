import Foundation

/// Learning-rate schedules as Hugging Face's `get_scheduler` defines them: a warmup from 0 over
/// `warmupSteps`, then a decay. The learning rate of optimizer step s (0-based) is
/// `base · factor(s)`, as `LambdaLR` applies it (so the very first step of a warmup uses 0).
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case constant
        /// `constant_with_warmup`
        case constantWithWarmup = "constant_with_warmup"
        /// Linear decay to 0 at the last step.
        case linear
        /// Half a cosine from 1 to 0.
        case cosine
        /// Half a cosine from 1 to `minLRRate` (AutoIF decays to 0.1·lr).
        case cosineWithMinLR = "cosine_with_min_lr"
    }
    public var kind: Kind
    public var baseLR: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minLRRate: Double

    public init(kind: Kind, baseLR: Double, warmupSteps: Int, totalSteps: Int, minLRRate: Double = 0) throws {
        guard baseLR > 0, baseLR.isFinite else {
            throw TrainError.badConfig("learning rate must be positive, found \(baseLR)")
        }
        guard warmupSteps >= 0, totalSteps >= 1 else {
            throw TrainError.badConfig("warmup steps must not be negative and the run needs at least one step")
        }
        guard minLRRate >= 0, minLRRate <= 1 else { throw TrainError.badConfig("min lr rate must be in [0, 1]") }
        self.kind = kind
        self.baseLR = baseLR
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minLRRate = minLRRate
    }

    /// Warmup steps from a ratio of the total, rounded up (Hugging Face's `get_warmup_steps`).
    public static func warmupSteps(ratio: Double, steps: Int, explicit: Int) -> Int {
        explicit > 0 ? explicit : Int((Double(steps) * ratio).rounded(.up))
    }

    public func factor(_ step: Int) -> Double {
        if step < warmupSteps, kind != .constant { return Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch kind {
        case .constant, .constantWithWarmup: return 1
        case .linear: return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine: return max(0, 0.5 * (1 + cos(Double.pi * progress)))
        case .cosineWithMinLR: return minLRRate + (1 - minLRRate) * max(0, 0.5 * (1 + cos(Double.pi * progress)))
        }
    }

    public func learningRate(_ step: Int) -> Double { baseLR * factor(step) }
}

import Foundation
import TroupeLM

/// The DPO family's settings, with TRL's and OpenRLHF's names.
public struct DPOConfig: Codable, Sendable, Equatable {
    public enum LossType: String, Codable, Sendable, CaseIterable {
        /// `−(1−ε)·logσ(βΔ) − ε·logσ(−βΔ)`: DPO, and with ε > 0 conservative DPO (cDPO), as
        /// OpenRLHF and TRL ≤ 0.28 compute it.
        case sigmoid
        /// `(Δ − 1/(2β))²` on summed log-probabilities (OpenRLHF's IPO).
        case ipo
    }
    /// β: the strength of the KL constraint (TRL and OpenRLHF default 0.1).
    public var beta: Double = 0.1
    /// ε of conservative DPO: the assumed probability that a label is flipped (sigmoid only).
    public var labelSmoothing: Double = 0
    public var lossType: LossType = .sigmoid
    /// OpenRLHF's `nll_loss_coef` (AutoIF's variant): adds α·mean over pairs of
    /// `−(Σ log p(chosen)) / #chosen tokens`.
    public var nllLossCoef: Double = 0
    /// TRL ≤ 0.28's `rpo_alpha`: adds α·(Σ over the batch's chosen tokens of −log p) / #tokens.
    public var rpoAlpha: Double = 0

    public init(
        beta: Double = 0.1, labelSmoothing: Double = 0, lossType: LossType = .sigmoid, nllLossCoef: Double = 0,
        rpoAlpha: Double = 0
    ) throws {
        self.beta = beta
        self.labelSmoothing = labelSmoothing
        self.lossType = lossType
        self.nllLossCoef = nllLossCoef
        self.rpoAlpha = rpoAlpha
        guard beta > 0, beta.isFinite else { throw TrainError.badConfig("beta must be positive, found \(beta)") }
        guard labelSmoothing >= 0, labelSmoothing < 0.5 else {
            throw TrainError.badConfig("label smoothing must be in [0, 0.5), found \(labelSmoothing)")
        }
        guard nllLossCoef >= 0, rpoAlpha >= 0 else {
            throw TrainError.badConfig("nll loss coefficient and rpo alpha must not be negative")
        }
    }
}

/// The losses as pure functions of log-probabilities: values and their derivatives, in f64.
/// The objectives turn the derivatives into per-token coefficients for the backward pass.
public enum Loss {
    /// DPO for one pair, from summed completion log-probabilities of the policy (π) and the
    /// reference: Δ = (π_c − π_r) − (ref_c − ref_r). Returns the loss and ∂L/∂Δ
    /// (so ∂L/∂π_c = dDelta and ∂L/∂π_r = −dDelta).
    public static func dpo(
        policyChosen: Double, policyRejected: Double, referenceChosen: Double, referenceRejected: Double,
        config: DPOConfig
    ) -> (loss: Double, dDelta: Double) {
        let delta = (policyChosen - policyRejected) - (referenceChosen - referenceRejected)
        let b = config.beta
        switch config.lossType {
        case .sigmoid:
            let e = config.labelSmoothing
            let loss = -(1 - e) * FastMath.logSigmoid(b * delta) - e * FastMath.logSigmoid(-b * delta)
            let d = -b * ((1 - e) * FastMath.sigmoid(-b * delta) - e * FastMath.sigmoid(b * delta))
            return (loss, d)
        case .ipo:
            let m = delta - 1 / (2 * b)
            return (m * m, 2 * m)
        }
    }

    /// Bradley–Terry for one pair of rewards: `−logσ(r_c − r_r)`; returns the loss and ∂L/∂r_c
    /// (∂L/∂r_r is its negative).
    public static func bradleyTerry(chosen: Double, rejected: Double) -> (loss: Double, dChosen: Double) {
        let m = chosen - rejected
        return (-FastMath.logSigmoid(m), -FastMath.sigmoid(-m))
    }
}

/// Sums of per-step metrics over micro-batches: each metric is a weighted mean.
public struct MetricSums: Sendable {
    private var sums: [String: (value: Double, weight: Double)] = [:]
    private(set) var order: [String] = []

    public init() {}

    public mutating func add(_ name: String, _ value: Double, weight: Double = 1) {
        if sums[name] == nil { order.append(name) }
        let old = sums[name] ?? (0, 0)
        sums[name] = (old.value + value * weight, old.weight + weight)
    }

    public mutating func merge(_ other: MetricSums) {
        for name in other.order {
            let s = other.sums[name]!
            if sums[name] == nil { order.append(name) }
            let old = sums[name] ?? (0, 0)
            sums[name] = (old.value + s.value, old.weight + s.weight)
        }
    }

    /// (name, mean) in first-seen order.
    public var means: [(String, Double)] {
        order.map { ($0, sums[$0]!.weight > 0 ? sums[$0]!.value / sums[$0]!.weight : 0) }
    }

    public subscript(_ name: String) -> Double? {
        guard let s = sums[name], s.weight > 0 else { return nil }
        return s.value / s.weight
    }
}

import TroupeLM

/// A sequence the losses score: `tokens`, of which `tokens[completionStart...]` are the scored
/// (completion) tokens, each predicted from the position before it.
public struct ScoredSequence: Sendable, Equatable {
    public var tokens: [Int]
    public var completionStart: Int

    public init(tokens: [Int], completionStart: Int) {
        self.tokens = tokens
        self.completionStart = completionStart
    }

    /// Completion tokens (those that are scored).
    public var completionCount: Int { tokens.count - completionStart }
}

/// Sequences packed into one training pass (no padding, each attending only to itself), with the
/// per-token log-probabilities of their completions.
///
/// A sequence that begins with at least `PackedSequence.minSharedPrefix` of the same tokens as
/// an earlier one (DPO's chosen and rejected after their common prompt, or several samples of one
/// prompt) reads those positions from the earlier sequence's rows instead of computing them again
/// (`PackedSequence`): the pass is the same, and a DPO step of 128 prompt and 2 × 128 completion
/// tokens does three quarters of the work.
///
/// The forward keeps, for every scored token, `∂ log p / ∂h` of its hidden row
/// (`TokenLogits`); a loss then calls `backward` with one coefficient per scored token
/// (`∂L/∂ log p`), or with a gradient for chosen hidden rows (the reward head). That is the whole
/// interface between the model and the losses.
final class SequenceBatch {
    let sequences: [ScoredSequence]
    let pass: TrainingPass
    /// How each sequence is packed.
    let packing: [PackedSequence]
    /// Per sequence, per completion token: what the head gives.
    private(set) var tokens: [[TokenLogits.Row]] = []
    /// [scored rows, C]: ∂ log p / ∂h per scored token, in sequence order (nil without backward).
    private var rowGradients: Tensor?
    private var hiddenRows: [Int] = []

    /// Runs the pass. `scoreTokens` computes the completion log-probabilities (not needed for
    /// the reward model, which reads the last hidden state). `sharePrefixes` off packs every
    /// sequence whole (the tests' baseline).
    init(
        model: LlamaModel, sequences: [ScoredSequence], options: TrainingPassOptions, scoreTokens: Bool = true,
        sharePrefixes: Bool = true
    ) throws {
        self.sequences = sequences
        var tokens: [Int] = []
        var packing: [PackedSequence] = []
        for s in sequences {
            precondition(s.completionStart >= 1 && s.completionStart <= s.tokens.count, "completionStart out of range")
            let prefix =
                sharePrefixes
                ? Self.sharedPrefix(of: s.tokens, in: sequences[..<packing.count], packed: packing) : 0..<0
            packing.append(
                PackedSequence(rows: tokens.count..<(tokens.count + s.tokens.count - prefix.count), prefix: prefix))
            tokens.append(contentsOf: s.tokens[prefix.count...])
        }
        self.packing = packing
        pass = try model.trainingForward(tokens: tokens, sequences: packing, options: options)
        guard scoreTokens else { return }
        var targets: [Int] = []
        for (i, s) in sequences.enumerated() {
            for t in s.completionStart..<s.tokens.count {
                hiddenRows.append(row(i, t - 1))
                targets.append(s.tokens[t])
            }
        }
        let gradient = options.saveForBackward ? Tensor([hiddenRows.count, model.config.hiddenSize]) : nil
        let rows = TokenLogits.forward(
            hidden: pass.hidden.data, rows: hiddenRows, targets: targets, head: model.head.weight,
            gradient: gradient?.data, pool: model.pool)
        rowGradients = gradient
        var i = 0
        for s in sequences {
            self.tokens.append(Array(rows[i..<(i + s.completionCount)]))
            i += s.completionCount
        }
    }

    /// The rows of the longest beginning `tokens` shares with an earlier sequence that shares
    /// none itself (at least `PackedSequence.minSharedPrefix` tokens, and never the whole of
    /// `tokens`), or an empty range.
    static func sharedPrefix(
        of tokens: [Int], in earlier: ArraySlice<ScoredSequence>, packed: [PackedSequence]
    ) -> Range<Int> {
        var best = 0..<0
        for (other, p) in zip(earlier, packed) where p.prefix.isEmpty {
            let limit = min(other.tokens.count, tokens.count - 1)
            var n = 0
            while n < limit && other.tokens[n] == tokens[n] { n += 1 }
            if n >= PackedSequence.minSharedPrefix && n > best.count {
                best = p.rows.lowerBound..<(p.rows.lowerBound + n)
            }
        }
        return best
    }

    /// The row of `pass.hidden` that holds position t of sequence i.
    func row(_ i: Int, _ t: Int) -> Int {
        let p = packing[i]
        return t < p.prefix.count ? p.prefix.lowerBound + t : p.rows.lowerBound + t - p.prefix.count
    }

    /// Σ log p over sequence i's completion.
    func logProbSum(_ i: Int) -> Double { tokens[i].reduce(0) { $0 + Double($1.logProb) } }

    /// The final-normed hidden state of sequence i's last token [C].
    func lastHidden(_ i: Int) -> UnsafeMutablePointer<Float> {
        pass.hidden.data + row(i, sequences[i].tokens.count - 1) * pass.model.config.hiddenSize
    }

    /// Backward with `coefficients[i][t]` = ∂L/∂ log p of sequence i's completion token t, plus
    /// optional extra gradients on hidden rows (`extra(i) -> [C]` for sequence i's last token).
    func backward(coefficients: [[Float]], lastTokenGradient: ((Int) -> [Float]?)? = nil) throws {
        let C = pass.model.config.hiddenSize
        let dHidden = Tensor(pass.hidden.shape)
        if let rowGradients {
            var r = 0
            for (i, s) in sequences.enumerated() {
                precondition(coefficients[i].count == s.completionCount, "one coefficient per completion token")
                for c in coefficients[i] {
                    if c != 0 {
                        let src = rowGradients.data + r * C, dst = dHidden.data + hiddenRows[r] * C
                        for j in 0..<C { dst[j] += c * src[j] }
                    }
                    r += 1
                }
            }
        }
        if let lastTokenGradient {
            for i in sequences.indices {
                guard let g = lastTokenGradient(i) else { continue }
                let dst = dHidden.data + row(i, sequences[i].tokens.count - 1) * C
                for j in 0..<C { dst[j] += g[j] }
            }
        }
        try pass.backward(dHidden: dHidden.data)
    }
}

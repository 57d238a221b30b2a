/// A supervised example: the model learns `completion` after `prompt`, token t of the completion
/// weighted by `weights[t]` (1 by default; TriPosT weights its feedback section 1.5).
public struct SFTExample: Sendable, Equatable {
    public var prompt: [Int]
    public var completion: [Int]
    public var weights: [Float]
    /// The 1-based JSONL line it came from (0 when made in code).
    public var line: Int
    /// Whether truncation shortened it (see `Truncation`).
    public var truncated = false

    public init(prompt: [Int], completion: [Int], weights: [Float]? = nil, line: Int = 0) {
        self.prompt = prompt
        self.completion = completion
        self.weights = weights ?? Array(repeating: 1, count: completion.count)
        self.line = line
    }

    /// The sequence the loss scores. Without a prompt the first token has no context, so it is
    /// not scored (as in every causal LM loss).
    public var scored: (sequence: ScoredSequence, weights: [Float]) {
        if prompt.isEmpty {
            return (ScoredSequence(tokens: completion, completionStart: 1), Array(weights.dropFirst()))
        }
        return (ScoredSequence(tokens: prompt + completion, completionStart: prompt.count), weights)
    }

    public var tokenCount: Int { prompt.count + completion.count }
}

/// A preference pair: `chosen` is preferred to `rejected` as a continuation of `prompt` (DPO and
/// reward models).
public struct PreferenceExample: Sendable, Equatable {
    public var prompt: [Int]
    public var chosen: [Int]
    public var rejected: [Int]
    public var line: Int
    public var truncated = false

    public init(prompt: [Int], chosen: [Int], rejected: [Int], line: Int = 0) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.line = line
    }

    /// The chosen and rejected sequences. A pair without a prompt scores from the second token.
    public var sequences: (chosen: ScoredSequence, rejected: ScoredSequence) {
        let start = max(1, prompt.count)
        return (
            ScoredSequence(tokens: prompt + chosen, completionStart: start),
            ScoredSequence(tokens: prompt + rejected, completionStart: start)
        )
    }

    public var tokenCount: Int { 2 * prompt.count + chosen.count + rejected.count }
}

import TroupeCore
import TroupeLM

/// One sampled guidance and how the black box did with it.
public struct LabeledGuidance: Sendable, Equatable {
    /// The game (index in its split) and the sample number.
    public var game: Int
    public var sample: Int
    public var guidance: String
    public var won: Bool

    public init(game: Int, sample: Int, guidance: String, won: Bool) {
        self.game = game
        self.sample = sample
        self.guidance = guidance
        self.won = won
    }
}

/// A preference pair for one game: a guidance that won over one that lost, after the same prompt.
public struct GuidancePair: Sendable, Equatable {
    public var game: Int
    public var chosen: String
    public var rejected: String
}

/// Matryoshka's pairs (`alfworld_generate_data.py` with the pairing of `gsm_generate_data.py`):
/// per game, the samples that won are positives and those that lost negatives; a game needs at
/// least one of each; `n = min(#pos, #neg)`, n of each are drawn at random without replacement
/// (Python's `random.sample`; here a seeded shuffle) and zipped into n pairs. Games with only wins
/// or only losses give no pair. A pair whose two texts are equal teaches nothing and is dropped.
public enum PairBuilder {
    public static func pairs(_ samples: [LabeledGuidance], seed: UInt64) -> [GuidancePair] {
        var result: [GuidancePair] = []
        let games = Dictionary(grouping: samples, by: \.game)
        for game in games.keys.sorted() {
            let ordered = games[game]!.sorted { $0.sample < $1.sample }
            var positives = ordered.filter(\.won)
            var negatives = ordered.filter { !$0.won }
            let n = min(positives.count, negatives.count)
            guard n > 0 else { continue }
            var rng = SeededRNG(seed: seed, stream: "matryoshka/pairs/\(game)")
            rng.shuffle(&positives)
            rng.shuffle(&negatives)
            for (positive, negative) in zip(positives.prefix(n), negatives.prefix(n))
            where positive.guidance != negative.guidance {
                result.append(GuidancePair(game: game, chosen: positive.guidance, rejected: negative.guidance))
            }
        }
        return result
    }

    /// A pair as TRL's conversational preference line: `prompt` (the controller's messages),
    /// `chosen` and `rejected` (one assistant message each), plus the game for reference.
    public static func trlLine(_ pair: GuidancePair, prompt: [ChatMessage]) -> JSONValue {
        [
            "prompt": messagesJSON(prompt),
            "chosen": messagesJSON([ChatMessage(role: "assistant", content: pair.chosen)]),
            "rejected": messagesJSON([ChatMessage(role: "assistant", content: pair.rejected)]),
            "game": .number(pair.game),
        ]
    }

    /// The same pair as OpenRLHF (and Matryoshka's `train.jsonl`) writes it: `chosen` and
    /// `rejected` are whole conversations ending in the assistant's guidance.
    public static func openRLHFLine(_ pair: GuidancePair, prompt: [ChatMessage]) -> JSONValue {
        [
            "chosen": messagesJSON(prompt + [ChatMessage(role: "assistant", content: pair.chosen)]),
            "rejected": messagesJSON(prompt + [ChatMessage(role: "assistant", content: pair.rejected)]),
        ]
    }

    static func messagesJSON(_ messages: [ChatMessage]) -> JSONValue {
        .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] })
    }
}

/// A seed for one purpose (`stream`) from a run's seed: the first draw of that stream.
func seedFor(_ seed: UInt64, _ stream: String) -> UInt64 {
    var rng = SeededRNG(seed: seed, stream: stream)
    return rng.next()
}

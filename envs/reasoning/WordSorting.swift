import TroupeCore

/// Word sorting (BIG-Bench's `word_sorting`, as TriPosT scripts it): a list of distinct words to
/// sort alphabetically, solved by bucketing on the first letter, then sorting each bucket of
/// several words on the next letter, recursively (`(3.1)`, `(4.2.3)` sub-steps).
///
/// TriPosT trains on lists of 1 to 7 words and reports buckets 2-3, 4-7 (seen), 8-10, 11-15 and
/// 16+ (unseen). Here: train 1-7, test_seen 2-7, test_unseen 8-20. Words come from `Vocabulary`;
/// no word of a list is a prefix of another, so every comparison is decided by a letter.
public struct WordSortingTask: ReasoningTask {
    /// The knobs of the family.
    public struct Params: Sendable, Equatable, Codable {
        /// The smallest and largest list length, inclusive.
        public var minWords: Int
        public var maxWords: Int

        public init(minWords: Int, maxWords: Int) {
            self.minWords = minWords
            self.maxWords = maxWords
        }

        enum CodingKeys: String, CodingKey {
            case minWords = "min_words"
            case maxWords = "max_words"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minWords = try c.decodeIfPresent(Int.self, forKey: .minWords) ?? 1
            maxWords = try c.decodeIfPresent(Int.self, forKey: .maxWords) ?? 7
            guard 1 <= minWords, minWords <= maxWords, maxWords <= 40 else {
                throw EnvError.badConfig(
                    "`params.min_words` and `params.max_words` must satisfy 1 <= min_words <= max_words <= 40, got \(minWords) and \(maxWords)"
                )
            }
        }

        public static func defaults(for split: Split) -> Params {
            switch split {
            case .train: return Params(minWords: 1, maxWords: 7)
            case .testSeen: return Params(minWords: 2, maxWords: 7)
            case .testUnseen: return Params(minWords: 8, maxWords: 20)
            }
        }
    }

    public let family = ReasoningFamily.wordSorting
    /// The list in question order.
    public let words: [String]

    public static func generate(_ params: Params, rng: inout SeededRNG) -> WordSortingTask {
        let count = rng.int(in: params.minWords...params.maxWords)
        var words: [String] = []
        while words.count < count {
            let word = rng.element(of: Vocabulary.words)!
            if words.contains(where: { $0.hasPrefix(word) || word.hasPrefix($0) }) { continue }
            words.append(word)
        }
        return WordSortingTask(words: words)
    }

    public var question: String { "Q: Sort the following words alphabetically:\nList: \(words.joined(separator: " "))" }
    public var answerHeader: String { "Let's think step by step." }
    public var goldAnswer: String { words.sorted().joined(separator: " ") }

    public func answerIsCorrect(_ finalText: String) -> Bool {
        AnswerCheck.wordList(finalText) == words.sorted()
    }

    /// One step of the scripted method.
    enum Move: Equatable {
        /// `The first letter: …` (index 0, top level) or `Now sort this subpart [G] by looking at
        /// their K letters: …`.
        case letters(group: [String], index: Int, top: Bool)
        /// `We now have: (n) "w" < (m) ["a" ? "b"] …`: the group bucketed on letter `index`.
        case buckets(group: [String], index: Int)
        /// `Hence, we have "a" < "b" …`.
        case hence([String])
        /// `So the answer is: a b ….`
        case final([String])
    }

    /// The scripted moves with their labels.
    var moves: [(label: String, move: Move)] {
        var moves: [(String, Move)] = [
            ("1", .letters(group: words, index: 0, top: true)), ("2", .buckets(group: words, index: 0)),
        ]
        var next = 3
        for bucket in Self.bucketize(words, index: 0) where bucket.count > 1 {
            moves += Self.subsort(bucket, index: 1, label: String(next))
            next += 1
        }
        moves.append((String(next), .hence(words.sorted())))
        moves.append((ReasoningStep.finalLabel, .final(words.sorted())))
        return moves
    }

    /// The moves that sort `group` on letter `index` and after, labelled under `label`.
    static func subsort(_ group: [String], index: Int, label: String) -> [(String, Move)] {
        var moves: [(String, Move)] = [(label, .letters(group: group, index: index, top: false))]
        var child = 0
        var current = index
        while true {
            child += 1
            moves.append(("\(label).\(child)", .buckets(group: group, index: current)))
            guard bucketize(group, index: current).count == 1 else { break }
            current += 1
            child += 1
            moves.append(("\(label).\(child)", .letters(group: group, index: current, top: false)))
        }
        for bucket in bucketize(group, index: current) where bucket.count > 1 {
            child += 1
            moves += subsort(bucket, index: current + 1, label: "\(label).\(child)")
        }
        child += 1
        moves.append(("\(label).\(child)", .hence(group.sorted())))
        return moves
    }

    /// The group split by the letter at `index`, buckets in alphabetical order, words in each
    /// bucket in their order of appearance.
    static func bucketize(_ group: [String], index: Int) -> [[String]] {
        var buckets: [Int: [String]] = [:]
        for word in group { buckets[letterNumber(word, index), default: []].append(word) }
        return buckets.keys.sorted().map { buckets[$0]! }
    }

    /// The letter at `index` (nil past the end).
    static func letter(_ word: String, _ index: Int) -> Character? {
        guard index < word.count else { return nil }
        return word[word.index(word.startIndex, offsetBy: index)]
    }

    /// A letter's place in the alphabet (`a` is 1); 0 past the end of the word.
    static func letterNumber(_ word: String, _ index: Int) -> Int {
        guard let c = letter(word, index), let ascii = c.asciiValue else { return 0 }
        return Int(ascii) - 96
    }

    static func quoted(_ words: [String], separator: String) -> String {
        words.map { "\"\($0)\"" }.joined(separator: separator)
    }

    static func pair(_ word: String, _ index: Int) -> String {
        "\"\(word)\"=\"\(letter(word, index).map(String.init) ?? "")\" (\(letterNumber(word, index)))"
    }

    static func bucketText(_ group: [String], index: Int) -> String {
        bucketize(group, index: index).map { bucket in
            let number = letterNumber(bucket[0], index)
            return bucket.count == 1
                ? "(\(number)) \"\(bucket[0])\"" : "(\(number)) [\(quoted(bucket, separator: " ? "))]"
        }.joined(separator: " < ")
    }

    static func text(_ move: Move) -> String {
        switch move {
        case .letters(let group, let index, let top):
            let pairs = group.map { pair($0, index) }.joined(separator: ", ")
            if top { return "The first letter: \(pairs)." }
            return
                "Now sort this subpart [\(quoted(group, separator: " ? "))] by looking at their \(String.ordinal(index + 1)) letters: \(pairs)."
        case .buckets(let group, let index): return "We now have: \(bucketText(group, index: index))."
        case .hence(let sorted): return "Hence, we have \(quoted(sorted, separator: " < "))."
        case .final(let sorted): return "So the answer is: \(sorted.joined(separator: " "))."
        }
    }

    public var rationale: [ReasoningStep] { moves.map { ReasoningStep($0.label, Self.text($0.move)) } }
}

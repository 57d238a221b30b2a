import TroupeCore

/// Logical deduction (BIG-Bench's `logical_deduction`): n objects (3, 5 or 7) in a fixed order,
/// statements that fix it, and the question which object holds a given position, with one option
/// per object. Every puzzle has exactly one ordering that satisfies its statements (checked by the
/// solver over all n! orderings), and no statement can be dropped without losing that.
///
/// The scripted rationale follows the paper's pattern notation: one step per statement
/// (`"(left) ?? owl ?? falcon ?? (right)"`), the count of objects, then `Combining (i) and (j)`
/// steps, each the strongest single pattern that follows from the two steps it cites, until one
/// ordering remains. TriPosT trains on 3-5 objects; here train and test_seen draw 3 or 5, test_unseen 7.
public struct LogicalDeductionTask: ReasoningTask {
    public struct Params: Sendable, Equatable, Codable {
        /// Object counts to draw from (each 3 ... 7).
        public var objects: [Int]

        public init(objects: [Int]) { self.objects = objects }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            objects = try c.decodeIfPresent([Int].self, forKey: .objects) ?? [3, 5]
            guard !objects.isEmpty, objects.allSatisfy({ (3...7).contains($0) }) else {
                throw EnvError.badConfig("`params.objects` must list object counts between 3 and 7, got \(objects)")
            }
        }

        public static func defaults(for split: Split) -> Params {
            split == .testUnseen ? Params(objects: [7]) : Params(objects: [3, 5])
        }
    }

    /// A statement of the puzzle.
    enum Clue: Sendable, Equatable {
        /// `first` is nearer the start than `second`; worded from `first` or from `second`.
        case before(Int, Int, fromFirst: Bool)
        /// The object is at the position (0 is the start).
        case at(Int, Int)
    }

    public let family = ReasoningFamily.logicalDeduction
    let domain: DeductionDomain
    /// Object names in the order the question introduces them (object i is `names[i]`).
    let names: [String]
    let clues: [Clue]
    /// `solution[position]` is the object there.
    let solution: [UInt8]
    /// The position asked about.
    let asked: Int
    /// The combination steps of the scripted rationale (see `combine`).
    private(set) var combinations: [(Int, Int, OrderingPattern)]

    var n: Int { names.count }
    var orderings: Orderings { Orderings.of(n) }
    var answerObject: Int { Int(solution[asked]) }
    var letter: Character { Character(Unicode.Scalar(UInt8(65 + answerObject))) }

    /// Draws a puzzle. `admits` is asked about the question before the (costlier) rationale is
    /// built, so that a split's redraws stay cheap.
    public static func generate(
        _ params: Params, rng: inout SeededRNG, admits: (String) -> Bool = { _ in true }
    ) -> LogicalDeductionTask {
        while true {
            let n = rng.element(of: params.objects)!
            let domain = rng.element(of: DeductionDomain.allCases)!
            let names = rng.sample(domain.pool, count: n)
            let solution = rng.shuffled((0..<n).map(UInt8.init))
            let orderings = Orderings.of(n)
            var position = [Int](repeating: 0, count: n)
            for (p, object) in solution.enumerated() { position[Int(object)] = p }
            // Add true statements until one ordering remains, then drop the redundant ones.
            var clues: [Clue] = []
            var remaining = orderings.everything
            while remaining.count > 1 {
                let clue: Clue
                if rng.chance(0.6) {
                    let pair = rng.sample(Array(0..<n), count: 2)
                    let (a, b) = position[pair[0]] < position[pair[1]] ? (pair[0], pair[1]) : (pair[1], pair[0])
                    clue = .before(a, b, fromFirst: rng.chance(0.5))
                } else {
                    let object = rng.int(in: 0..<n)
                    clue = .at(object, position[object])
                }
                let narrowed = remaining & set(of: clue, in: orderings)
                if narrowed.count < remaining.count {
                    clues.append(clue)
                    remaining = narrowed
                }
            }
            var sets = clues.map { set(of: $0, in: orderings) }
            for clue in rng.shuffled(clues) {
                let index = clues.firstIndex(of: clue)!
                let others = sets.indices.filter { $0 != index }.reduce(orderings.everything) { $0 & sets[$1] }
                if others.count == 1 {
                    clues.remove(at: index)
                    sets.remove(at: index)
                }
            }
            var task = LogicalDeductionTask(
                domain: domain, names: names, clues: clues, solution: solution, asked: rng.int(in: 0..<n),
                combinations: [])
            guard admits(task.question), let combinations = combine(clues, n: n) else { continue }
            task.combinations = combinations
            return task
        }
    }

    /// The orderings a statement allows.
    static func set(of clue: Clue, in orderings: Orderings) -> OrderingSet {
        switch clue {
        case .before(let a, let b, _): return orderings.before(a, b)
        case .at(let object, let p): return orderings.at(object, p)
        }
    }

    /// The statement's pattern, as the scripted rationale writes it.
    func pattern(of clue: Clue) -> OrderingPattern {
        switch clue {
        case .before(let a, let b, _): return OrderingPattern(tokens: [.any, .object(a), .any, .object(b), .any])
        case .at(let object, let p):
            if DeductionDomain.fromStart(p, n) {
                return OrderingPattern(
                    tokens: [OrderingPattern.Token](repeating: .one, count: p) + [.object(object)]
                        + (p < n - 1 ? [.any] : []))
            }
            return OrderingPattern(
                tokens: (p > 0 ? [.any] : []) + [.object(object)]
                    + [OrderingPattern.Token](repeating: .one, count: n - 1 - p))
        }
    }

    func text(of clue: Clue) -> String {
        switch clue {
        case .before(let a, let b, let fromFirst):
            return domain.relative(first: names[a], second: names[b], fromFirst: fromFirst)
        case .at(let object, let p): return domain.absolute(names[object], p, n)
        }
    }

    func render(_ pattern: OrderingPattern) -> String { pattern.render(names: names, ends: domain.ends) }

    public var question: String {
        var text =
            "Q: The following paragraphs each describe a set of \(String.cardinal(n)) objects arranged in a fixed order. The statements are logically consistent within each paragraph. \(domain.setting(names)) \(clues.map(text(of:)).joined(separator: " "))\nOptions:"
        for (object, name) in names.enumerated() {
            text += "\n(\(Character(Unicode.Scalar(UInt8(65 + object))))) \(domain.absolute(name, asked, n))"
        }
        return text
    }

    public var answerHeader: String {
        "Let's think step by step. Let \"??\" represents 0 or more objects, and \"?\" represents exactly 1 object."
    }

    public var goldAnswer: String { "(\(letter))" }

    public func answerIsCorrect(_ finalText: String) -> Bool {
        AnswerCheck.optionLetter(finalText, count: n) == letter
    }

    /// The combination steps of the scripted rationale: pairs of earlier step numbers and the
    /// pattern that follows from them, found greedily (the pair whose strongest common pattern
    /// allows the fewest orderings, ties to the latest steps); nil when no chain of pairwise
    /// combinations reaches a single ordering (the generator then draws another puzzle).
    static func combine(_ clues: [Clue], n: Int) -> [(Int, Int, OrderingPattern)]? {
        let orderings = Orderings.of(n)
        // Facts by step number: statements first, then (after the count step) combinations.
        var facts: [(step: Int, set: OrderingSet)] = clues.enumerated().map {
            ($0.offset + 1, Self.set(of: $0.element, in: orderings))
        }
        var result: [(Int, Int, OrderingPattern)] = []
        var cache: [Int: [Int: (OrderingPattern, Int)]] = [:]
        var nextStep = clues.count + 2
        for _ in 0..<(3 * n) {
            var best: (i: Int, j: Int, pattern: OrderingPattern, count: Int)?
            for j in facts.indices {
                for i in 0..<j {
                    let (a, b) = (facts[i], facts[j])
                    // No pattern allows fewer orderings than the premises together, so skip pairs
                    // that cannot make progress or beat the best so far.
                    let together = a.set & b.set
                    let floor = together.count
                    guard floor < min(a.set.count, b.set.count), floor <= (best?.count ?? Int.max) else { continue }
                    let candidate: (OrderingPattern, Int)
                    if let cached = cache[a.step]?[b.step] {
                        candidate = cached
                    } else {
                        candidate = OrderingPattern.strongest(covering: together, in: orderings)
                        cache[a.step, default: [:]][b.step] = candidate
                    }
                    guard candidate.1 < min(a.set.count, b.set.count) else { continue }
                    if best == nil || candidate.1 < best!.count
                        || (candidate.1 == best!.count && (j, i) > (best!.j, best!.i))
                    {
                        best = (i, j, candidate.0, candidate.1)
                    }
                }
            }
            guard let best else { return nil }
            result.append((facts[best.i].step, facts[best.j].step, best.pattern))
            if best.count == 1 { return result }
            facts.append((nextStep, best.pattern.set(in: orderings)))
            nextStep += 1
        }
        return nil
    }

    public var rationale: [ReasoningStep] {
        var steps: [ReasoningStep] = clues.enumerated().map { index, clue in
            ReasoningStep(String(index + 1), "\(text(of: clue).dropLast()): \"\(render(pattern(of: clue)))\".")
        }
        steps.append(ReasoningStep(String(steps.count + 1), "There are in total \(domain.listing(names))."))
        for (i, j, pattern) in combinations {
            steps.append(
                ReasoningStep(
                    String(steps.count + 1),
                    "Combining (\(i)) and (\(j)) we get the following ordering: \"\(render(pattern))\"."))
        }
        steps.append(
            ReasoningStep(
                String(steps.count + 1),
                "According to this ordering, \(domain.asked(asked, n)) is \(domain.the(names[answerObject]))."))
        steps.append(
            ReasoningStep(
                ReasoningStep.finalLabel,
                "\(domain.absolute(names[answerObject], asked, n)) So the answer is \(goldAnswer)."))
        return steps
    }
}

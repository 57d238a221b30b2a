import Foundation
import TroupeCore

/// The scripted verifier of word sorting, after TriPosT's `WS_Verifier`. The method is fixed, so
/// the attempt is read step by step against the scripted moves, each compared by meaning (words,
/// letters, numbers, order), not by text:
/// - letter steps: the right subpart and letter; every word once, its k-th letter, the letter's
///   place in the alphabet;
/// - `We now have`: the groups in ascending order of the previous step's numbers, no single-word
///   subparts;
/// - `Hence` and the final response: every word of the group, in alphabetical order.
extension WordSortingTask {
    public func verify(_ attempt: Attempt) -> Verdict {
        var builder = VerdictBuilder()
        let answerCorrect = attempt.finalStep.flatMap { Self.finalClaim($0) }.map(answerIsCorrect) ?? false
        let expected = moves
        for (position, step) in attempt.steps.enumerated() {
            let text = Self.straightQuotes(step.text)
            guard position < expected.count else { break }
            let (label, move) = expected[position]
            if let error = check(
                step, text: text, against: move, label: label,
                previous: position > 0 ? attempt.steps[position - 1].label : nil)
            {
                return builder.fail(error, answerCorrect: answerCorrect)
            }
            if step.isFinal { return builder.correct() }
            builder.pass(step)
        }
        return builder.fail(.missingFinal, answerCorrect: answerCorrect)
    }

    private func check(
        _ step: ReasoningStep, text: String, against move: Move, label: String, previous: String?
    )
        -> StepError?
    {
        let kind = Self.kind(of: text, isFinal: step.isFinal)
        guard kind == Self.kind(of: move) else {
            return StepError(
                step.label, segment: text, reason: Self.expectation(move),
                generic: "it does not follow the sorting method")
        }
        guard step.label == label else { return .misnumbered(step, expected: label) }
        let previousStep = previous.map { "(\($0))" } ?? "the previous step"
        switch move {
        case .letters(let group, let index, let top):
            return checkLetters(step, text: text, group: group, index: index, top: top)
        case .buckets(let group, let index):
            return checkBuckets(step, text: text, group: group, index: index, previousStep: previousStep)
        case .hence(let sorted):
            guard let range = text.range(of: "we have", options: .caseInsensitive) else { return nil }
            return checkOrdering(
                step, segment: text[range.upperBound...].trimmingSpaces().trimmingCharacters(in: ["."]),
                claimed: Self.quotedWords(String(text[range.upperBound...])), sorted: sorted)
        case .final(let sorted):
            let claim = Self.finalClaim(step) ?? ""
            let claimed = AnswerCheck.wordList(claim)
            if let stranger = claimed.first(where: { !words.contains($0) }) {
                return StepError(
                    step.label, segment: "the answer is: \(claim)",
                    reason: "\"\(stranger)\" is not amongst the ordering established in step \(previousStep)",
                    generic: "it is inconsistent with the previous steps")
            }
            guard claimed == sorted else {
                return StepError(
                    step.label, segment: "the answer is: \(claim)",
                    reason: "this answer is inconsistent with the ordering established in step \(previousStep)",
                    generic: "it is inconsistent with the previous steps")
            }
            return nil
        }
    }

    private func checkLetters(_ step: ReasoningStep, text: String, group: [String], index: Int, top: Bool) -> StepError?
    {
        let generic = "it is inconsistent with the question statement"
        guard let colon = text.range(of: "letters:") ?? text.range(of: "letter:") else {
            return StepError(
                step.label, segment: text, reason: "the letters of the words are not listed", generic: generic)
        }
        if !top {
            let head = String(text[..<colon.lowerBound])
            let subpart = head.range(of: "[").map { Self.quotedWords(String(head[$0.lowerBound...])) } ?? []
            guard Set(subpart) == Set(group), subpart.count == group.count else {
                return StepError(
                    step.label, segment: head.trimmingSpaces(),
                    reason: "the subpart to sort next is [\(Self.quoted(group, separator: " ? "))]",
                    generic: "it sorts the wrong subpart")
            }
            let ordinal = head.components(separatedBy: "their ").last?.trimmingSpaces() ?? ""
            guard ordinal == String.ordinal(index + 1) else {
                return StepError(
                    step.label, segment: head.trimmingSpaces(),
                    reason:
                        "these words share their first \(index) letters, so they are sorted by their \(String.ordinal(index + 1)) letters",
                    generic: "it looks at the wrong letter")
            }
        }
        var seen: [String] = []
        let body = text[colon.upperBound...].trimmingSpaces().trimmingCharacters(in: ["."])
        for piece in body.components(separatedBy: ", ") {
            let segment = piece.trimmingSpaces()
            let quoted = Self.quotedWords(segment)
            let number = segment.split(separator: "(").last.flatMap { Int($0.trimmingCharacters(in: [")", " "])) }
            guard quoted.count == 2, let number else {
                return StepError(
                    step.label, segment: segment, reason: "it is not of the form \"word\"=\"letter\" (number)",
                    generic: "it is not in the expected format")
            }
            let (word, letter) = (quoted[0], quoted[1])
            guard group.contains(word) else {
                return StepError(
                    step.label, segment: segment,
                    reason: top
                        ? "\"\(word)\" is not in the list of words provided by the question statement: \(words.joined(separator: " "))"
                        : "\"\(word)\" is not in this subpart", generic: generic)
            }
            guard !seen.contains(word) else {
                return StepError(
                    step.label, segment: segment, reason: "the word \"\(word)\" is duplicated",
                    generic: "some words are duplicated")
            }
            seen.append(word)
            let actual = Self.letter(word, index).map(String.init) ?? ""
            guard letter == actual else {
                return StepError(
                    step.label, segment: segment,
                    reason: "the \(String.ordinal(index + 1)) letter of \"\(word)\" should be \"\(actual)\"",
                    generic: "you made a mistake in finding the k-th letter of some words")
            }
            guard number == Self.letterNumber(word, index) else {
                return StepError(
                    step.label, segment: segment,
                    reason:
                        "the alphabetical order for the character \"\(letter)\" should be \(Self.letterNumber(word, index))",
                    generic: "you made a mistake in finding the alphabetical order of some characters")
            }
        }
        if let missing = group.first(where: { !seen.contains($0) }) {
            return StepError(
                step.label, segment: body, reason: "the word \"\(missing)\" is missing",
                generic: "some words are missing")
        }
        return nil
    }

    private func checkBuckets(
        _ step: ReasoningStep, text: String, group: [String], index: Int, previousStep: String
    )
        -> StepError?
    {
        guard let colon = text.range(of: ":") else {
            return StepError(
                step.label, segment: text, reason: "it is not a valid sorted list",
                generic: "it is not a valid sorted list")
        }
        let body = text[colon.upperBound...].trimmingSpaces().trimmingCharacters(in: ["."])
        let expected = Self.bucketize(group, index: index).map { (Self.letterNumber($0[0], index), $0) }
        var claimed: [(Int, [String], Bool)] = []
        for item in body.components(separatedBy: "<") {
            let item = item.trimmingSpaces()
            guard item.hasPrefix("("), let close = item.firstIndex(of: ")"),
                let number = Int(item[item.index(after: item.startIndex)..<close])
            else {
                return StepError(
                    step.label, segment: body, reason: "it is not a valid sorted list",
                    generic: "it is not a valid sorted list")
            }
            claimed.append((number, Self.quotedWords(item), item.contains("[")))
        }
        for (number, bucket, bracketed) in claimed where bracketed && bucket.count == 1 {
            _ = number
            return StepError(
                step.label, segment: body,
                reason: "[\"\(bucket[0])\"] has only a single word, so it is not a subpart that needs further sorting",
                generic: "subparts to sort need to include more than one word")
        }
        if let stranger = claimed.flatMap(\.1).first(where: { !group.contains($0) }) {
            return StepError(
                step.label, segment: body,
                reason: "the word \"\(stranger)\" is not among the words sorted in step \(previousStep)",
                generic: "it is inconsistent with the question statement")
        }
        let numbers = claimed.map(\.0)
        let expectedNumbers = expected.map(\.0)
        if let missing = expectedNumbers.first(where: { !numbers.contains($0) }) {
            return StepError(
                step.label, segment: body,
                reason:
                    "according to step \(previousStep), this ordering does not have the words with the number (\(missing))",
                generic: "it is inconsistent with the result in step \(previousStep)")
        }
        if let extra = numbers.first(where: { !expectedNumbers.contains($0) }) {
            return StepError(
                step.label, segment: body,
                reason: "no word has the number (\(extra)) in step \(previousStep)",
                generic: "it is inconsistent with the result in step \(previousStep)")
        }
        for i in 1..<max(1, numbers.count) where numbers[i] <= numbers[i - 1] {
            return StepError(
                step.label, segment: body,
                reason:
                    "words are not sorted in ascending order: the words with (\(numbers[i])) should come before those with (\(numbers[i - 1]))",
                generic: "it is inconsistent with the result in step \(previousStep)")
        }
        for ((number, bucket, _), (_, truth)) in zip(claimed, expected)
        where Set(bucket) != Set(truth) || bucket.count != truth.count {
            return StepError(
                step.label, segment: body,
                reason:
                    "according to step \(previousStep), the words with the number (\(number)) are \(Self.quoted(truth, separator: " and "))",
                generic: "it is inconsistent with the result in step \(previousStep)")
        }
        return nil
    }

    private func checkOrdering(
        _ step: ReasoningStep, segment: String, claimed: [String], sorted: [String]
    ) -> StepError? {
        if let stranger = claimed.first(where: { !sorted.contains($0) }) {
            return StepError(
                step.label, segment: segment, reason: "\"\(stranger)\" is not among the words being sorted here",
                generic: "it is inconsistent with the previous steps")
        }
        if let missing = sorted.first(where: { !claimed.contains($0) }) {
            return StepError(
                step.label, segment: segment, reason: "the word \"\(missing)\" is missing",
                generic: "some words are missing")
        }
        for i in 1..<max(1, claimed.count) where claimed[i] <= claimed[i - 1] {
            return StepError(
                step.label, segment: segment,
                reason: "the words are not in alphabetical order: \"\(claimed[i])\" comes before \"\(claimed[i - 1])\"",
                generic: "it is inconsistent with the previous steps")
        }
        return nil
    }

    /// A coarse kind of step, by its wording.
    static func kind(of text: String, isFinal: Bool) -> Int {
        if isFinal { return 3 }
        if text.contains("We now have") { return 1 }
        if text.contains("Hence") { return 2 }
        if text.contains("letter") { return 0 }
        return -1
    }

    static func kind(of move: Move) -> Int {
        switch move {
        case .letters: return 0
        case .buckets: return 1
        case .hence: return 2
        case .final: return 3
        }
    }

    /// What the method does at this point, for a step of the wrong kind.
    static func expectation(_ move: Move) -> String {
        switch move {
        case .letters(let group, let index, let top):
            return top
                ? "the first step lists the first letter of every word"
                : "the subpart [\(quoted(group, separator: " ? "))] still needs sorting by their \(String.ordinal(index + 1)) letters"
        case .buckets: return "the words should now be grouped by the numbers of the previous step (\"We now have: …\")"
        case .hence(let sorted):
            return
                "the subparts are all sorted, so the ordering of \(quoted(sorted, separator: " < ")) follows (\"Hence, we have …\")"
        case .final: return "the words are all sorted, so the final response follows"
        }
    }

    /// Every string in double quotes, in order.
    static func quotedWords(_ text: String) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated().compactMap {
            $0.offset % 2 == 1 ? String($0.element) : nil
        }
    }

    static func straightQuotes(_ text: String) -> String {
        text.replacingOccurrences(of: "“", with: "\"").replacingOccurrences(of: "”", with: "\"")
    }

    public func injectingError(at index: Int, rng: inout SeededRNG) -> [ReasoningStep] {
        var steps = rationale
        let move = moves[index].move
        switch move {
        case .letters(let group, let letterIndex, _):
            let word = rng.element(of: group)!
            let right = Self.pair(word, letterIndex)
            let number = Self.letterNumber(word, letterIndex)
            let wrong: String
            if rng.chance(0.5) {
                // A wrong letter with its own (consistent) number.
                let other = (number % 26) + 1
                wrong = "\"\(word)\"=\"\(Character(Unicode.Scalar(UInt8(96 + other))))\" (\(other))"
            } else {
                wrong = "\"\(word)\"=\"\(Self.letter(word, letterIndex)!)\" (\(number == 26 ? 25 : number + 1))"
            }
            steps[index].text = steps[index].text.replacingOccurrences(of: right, with: wrong)
        case .buckets(let group, let letterIndex):
            let buckets = Self.bucketize(group, index: letterIndex)
            let body = Self.bucketText(group, index: letterIndex)
            var items = body.components(separatedBy: " < ")
            if items.count >= 2 {
                let i = rng.int(in: 0..<(items.count - 1))
                items.swapAt(i, i + 1)
            } else {
                let number = Self.letterNumber(buckets[0][0], letterIndex)
                items[0] = items[0].replacingOccurrences(of: "(\(number))", with: "(\(number == 26 ? 25 : number + 1))")
            }
            steps[index].text = "We now have: \(items.joined(separator: " < "))."
        case .hence(let sorted):
            steps[index].text = "Hence, we have \(Self.quoted(Self.misorder(sorted, rng: &rng), separator: " < "))."
        case .final(let sorted):
            steps[index].text = "So the answer is: \(Self.misorder(sorted, rng: &rng).joined(separator: " "))."
        }
        return steps
    }

    /// The list with two neighbours swapped, or a single word replaced by another.
    static func misorder(_ sorted: [String], rng: inout SeededRNG) -> [String] {
        var wrong = sorted
        if wrong.count >= 2 {
            let i = rng.int(in: 0..<(wrong.count - 1))
            wrong.swapAt(i, i + 1)
        } else {
            wrong[0] = Vocabulary.words.first { $0 != sorted[0] }!
        }
        return wrong
    }
}

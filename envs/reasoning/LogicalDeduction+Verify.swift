import Foundation
import TroupeCore

/// The scripted verifier of logical deduction. TriPosT used an LLM verifier here; patterns make a
/// script exact, because each pattern is a set of orderings:
/// - a statement step must quote a statement of the question and a pattern allowing exactly the
///   orderings the statement allows;
/// - the count step must name the right number of objects, and all of them;
/// - a `Combining (i) and (j)` step is correct when every ordering allowed by the cited steps is
///   allowed by its pattern (it follows from them); otherwise the feedback names an ordering that
///   satisfies the cited steps but not the pattern;
/// - `According to this ordering …` must name the object the last ordering puts at the asked
///   position (and the ordering must fix it); the final response must pick that object's option.
extension LogicalDeductionTask {
    public func verify(_ attempt: Attempt) -> Verdict {
        var builder = VerdictBuilder()
        let answerCorrect = attempt.finalStep.flatMap { Self.finalClaim($0) }.map(answerIsCorrect) ?? false
        let misnumbered = numberingError(attempt.steps)
        let orderings = self.orderings
        var facts: [String: OrderingSet] = [:]
        var lastOrdering: (label: String, set: OrderingSet)?
        var according: (label: String, object: Int)?
        for step in attempt.steps {
            if let misnumbered, misnumbered.label == step.label, !step.isFinal {
                return builder.fail(misnumbered, answerCorrect: answerCorrect)
            }
            let text = WordSortingTask.straightQuotes(step.text)
            if step.isFinal {
                if let error = checkFinal(step, according: according, lastOrdering: lastOrdering) {
                    return builder.fail(error, answerCorrect: answerCorrect)
                }
                return builder.correct()
            }
            let result: Result<OrderingSet?, StepError>
            if text.hasPrefix("There are") {
                result = checkCount(step, text: text).map { .failure($0) } ?? .success(orderings.everything)
            } else if text.hasPrefix("Combining") {
                result = checkCombination(step, text: text, facts: facts).map { Optional($0) }
            } else if text.hasPrefix("According") {
                switch checkAccording(step, text: text, lastOrdering: lastOrdering) {
                case .failure(let error): return builder.fail(error, answerCorrect: answerCorrect)
                case .success(let object): according = (step.label, object)
                }
                result = .success(nil)
            } else {
                result = checkStatement(step, text: text).map { Optional($0) }
            }
            switch result {
            case .failure(let error): return builder.fail(error, answerCorrect: answerCorrect)
            case .success(let set):
                if let set {
                    facts[step.label] = set
                    if !text.hasPrefix("There are") { lastOrdering = (step.label, set) }
                }
            }
            builder.pass(step)
        }
        return builder.fail(.missingFinal, answerCorrect: answerCorrect)
    }

    /// The quoted pattern of a step, and the text before the colon.
    private func quotedPattern(_ text: String) -> (head: String, pattern: String)? {
        let parts = text.split(separator: "\"", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let head = parts[0].trimmingSpaces().trimmingCharacters(in: [":", " "])
        return (head, String(parts[1]))
    }

    private func parsePattern(_ step: ReasoningStep, _ text: String) -> Result<OrderingPattern, StepError> {
        guard let pattern = OrderingPattern.parse(text, names: names, ends: domain.ends) else {
            return .failure(
                StepError(
                    step.label, segment: text,
                    reason:
                        "it is not a valid ordering: use the names of the \(domain.noun)s, \"?\" and \"??\" between (\(domain.ends.0)) and (\(domain.ends.1))",
                    generic: "it is not a valid ordering"))
        }
        return .success(pattern)
    }

    private func checkStatement(_ step: ReasoningStep, text: String) -> Result<OrderingSet, StepError> {
        guard let (head, patternText) = quotedPattern(text) else {
            return .failure(
                StepError(
                    step.label, segment: text,
                    reason:
                        "a statement step is the statement followed by its ordering in quotes: \(self.text(of: clues[0]).dropLast()): \"\(render(pattern(of: clues[0])))\"",
                    generic: "the step is not in the expected format"))
        }
        let normalized = head.lowercased().trimmingCharacters(in: ["."])
        guard let clue = clues.first(where: { self.text(of: $0).lowercased().dropLast() == normalized }) else {
            return .failure(
                StepError(
                    step.label, segment: head, reason: "\"\(head)\" is not one of the statements in the question",
                    generic: "it is inconsistent with the question statement"))
        }
        let pattern: OrderingPattern
        switch parsePattern(step, patternText) {
        case .failure(let error): return .failure(error)
        case .success(let parsed): pattern = parsed
        }
        let truth = Self.set(of: clue, in: orderings)
        guard pattern.set(in: orderings) == truth else {
            return .failure(
                StepError(
                    step.label, segment: patternText,
                    reason:
                        "this ordering does not express \"\(head)\"; it should be \"\(render(self.pattern(of: clue)))\"",
                    generic: "the ordering does not match the statement"))
        }
        return .success(truth)
    }

    /// Nil when the count is right.
    private func checkCount(_ step: ReasoningStep, text: String) -> StepError? {
        let lower = text.lowercased()
        let words = lower.split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
        let mentioned = names.filter { lower.contains($0.lowercased()) }
        guard words.contains(String.cardinal(n)) || lower.contains(" \(n) "), mentioned.count == n else {
            return StepError(
                step.label, segment: text, reason: "there are \(domain.listing(names))",
                generic: "it is inconsistent with the question statement")
        }
        return nil
    }

    private func checkCombination(
        _ step: ReasoningStep, text: String, facts: [String: OrderingSet]
    ) -> Result<OrderingSet, StepError> {
        guard let (head, patternText) = quotedPattern(text) else {
            return .failure(
                StepError(
                    step.label, segment: text, reason: "the combined ordering must be given in quotes",
                    generic: "the step is not in the expected format"))
        }
        let cited = Self.citedSteps(head)
        guard !cited.isEmpty else {
            return .failure(
                StepError(
                    step.label, segment: head,
                    reason: "it must name the steps it combines, as in \"Combining (1) and (2)\"",
                    generic: "the step is not in the expected format"))
        }
        var premises = orderings.everything
        for label in cited {
            guard let fact = facts[label] else {
                return .failure(
                    StepError(
                        step.label, segment: head, reason: "step (\(label)) is not an earlier step with an ordering",
                        generic: "it refers to a wrong step"))
            }
            premises = premises & fact
        }
        let pattern: OrderingPattern
        switch parsePattern(step, patternText) {
        case .failure(let error): return .failure(error)
        case .success(let parsed): pattern = parsed
        }
        let claimed = pattern.set(in: orderings)
        if let counter = premises.firstMember(notIn: claimed) {
            let example = render(OrderingPattern(tokens: orderings.all[counter].map { .object(Int($0)) }))
            let steps = cited.map { "(\($0))" }
            let named =
                steps.count == 1
                ? "step \(steps[0])" : "steps \(steps.dropLast().joined(separator: ", ")) and \(steps.last!)"
            return .failure(
                StepError(
                    step.label, segment: patternText,
                    reason:
                        "this ordering does not follow from \(named): \"\(example)\" satisfies \(steps.count == 1 ? "it" : "them") but not this ordering",
                    generic: "it is inconsistent with the previous steps"))
        }
        return .success(claimed)
    }

    private func checkAccording(
        _ step: ReasoningStep, text: String, lastOrdering: (label: String, set: OrderingSet)?
    ) -> Result<Int, StepError> {
        let question = domain.asked(asked, n)
        let clause = domain.position(asked, n)
        let lower = text.lowercased()
        guard lower.contains(clause.lowercased()) else {
            return .failure(
                StepError(
                    step.label, segment: text, reason: "the question asks for \(question)",
                    generic: "it answers a different question"))
        }
        guard let lastOrdering else {
            return .failure(
                StepError(
                    step.label, segment: text, reason: "no ordering has been established in previous steps",
                    generic: "it is not supported by the previous steps"))
        }
        let atPosition = Set(lastOrdering.set.members.map { orderings.all[$0][asked] })
        guard atPosition.count == 1, let object = atPosition.first.map(Int.init) else {
            return .failure(
                StepError(
                    step.label, segment: text,
                    reason: "the ordering in step (\(lastOrdering.label)) does not determine \(question)",
                    generic: "it is not supported by the previous steps"))
        }
        let named = mentionedObjects(in: text.components(separatedBy: clause).last ?? text)
        guard named.last == object else {
            return .failure(
                StepError(
                    step.label, segment: text,
                    reason:
                        "according to the ordering in step (\(lastOrdering.label)), \(question) is \(domain.the(names[object]))",
                    generic: "it is inconsistent with the previous steps"))
        }
        return .success(object)
    }

    private func checkFinal(
        _ step: ReasoningStep, according: (label: String, object: Int)?,
        lastOrdering: (label: String, set: OrderingSet)?
    ) -> StepError? {
        guard let claim = Self.finalClaim(step) else {
            return .noClaim(step)
        }
        let segment = "the answer is \(claim)"
        guard let letter = AnswerCheck.optionLetter(claim, count: n) else {
            return StepError(
                step.label, segment: segment,
                reason: "the answer must be one of the options (A) to (\(Character(Unicode.Scalar(UInt8(64 + n)))))",
                generic: "the answer is not in the expected format")
        }
        let object = Int(letter.asciiValue! - 65)
        if let according, according.object != object {
            return StepError(
                step.label, segment: segment,
                reason:
                    "(\(letter)) is inconsistent with step (\(according.label)), which found \(domain.the(names[according.object]))",
                generic: "the answer is inconsistent with the previous steps")
        }
        guard object == answerObject else {
            let source = lastOrdering.map { "the ordering in step (\($0.label))" } ?? "the question statement"
            return StepError(
                step.label, segment: segment, reason: "(\(letter)) is inconsistent with \(source)",
                generic: "the answer is inconsistent with the previous steps")
        }
        return nil
    }

    /// `(1) and (2)`, `(3), (5) and (8)` as labels.
    static func citedSteps(_ text: String) -> [String] {
        text.split(separator: "(").compactMap { piece in
            guard let close = piece.firstIndex(of: ")") else { return nil }
            let label = String(piece[..<close])
            return label.allSatisfy({ $0.isNumber || $0 == "." }) && !label.isEmpty ? label : nil
        }
    }

    /// Objects named in the text, in order of appearance (longest names first at each place).
    func mentionedObjects(in text: String) -> [Int] {
        let lower = text.lowercased()
        var found: [(offset: Int, object: Int)] = []
        for (object, name) in names.enumerated() {
            var searchRange = lower.startIndex..<lower.endIndex
            while let range = lower.range(of: name.lowercased(), range: searchRange) {
                let covered = found.contains { existing in
                    let other = names[existing.object].lowercased()
                    return other.count > name.count && other.contains(name.lowercased())
                        && lower.distance(from: lower.startIndex, to: range.lowerBound) >= existing.offset
                        && lower.distance(from: lower.startIndex, to: range.lowerBound) < existing.offset + other.count
                }
                if !covered { found.append((lower.distance(from: lower.startIndex, to: range.lowerBound), object)) }
                searchRange = range.upperBound..<lower.endIndex
            }
        }
        return found.sorted { $0.offset < $1.offset }.map(\.object)
    }

    public func injectingError(at index: Int, rng: inout SeededRNG) -> [ReasoningStep] {
        var steps = rationale
        let step = steps[index]
        if step.isFinal {
            let others = (0..<n).filter { $0 != answerObject }
            let wrong = Character(Unicode.Scalar(UInt8(65 + rng.element(of: others)!)))
            steps[index].text = "\(domain.absolute(names[answerObject], asked, n)) So the answer is (\(wrong))."
            return steps
        }
        if index < clues.count {
            // The statement's pattern with the two objects swapped, or the position moved by one.
            var wrong = pattern(of: clues[index])
            switch clues[index] {
            case .before(let a, let b, _): wrong = OrderingPattern(tokens: [.any, .object(b), .any, .object(a), .any])
            case .at(let object, let p):
                let q = p == 0 ? 1 : p - 1
                wrong = pattern(of: .at(object, q))
            }
            steps[index].text = "\(text(of: clues[index]).dropLast()): \"\(render(wrong))\"."
        } else if index == clues.count {
            steps[index].text =
                "There are in total \(String.cardinal(n - 1)) \(domain.noun)s: \(names.dropLast().map(domain.introduced).joined(separator: ", "))."
        } else if index < clues.count + 1 + combinations.count {
            let (i, j, pattern) = combinations[index - clues.count - 1]
            var tokens = pattern.tokens
            let named = tokens.indices.filter { if case .object = tokens[$0] { return true } else { return false } }
            if named.count >= 2 {
                let pick = rng.int(in: 0..<(named.count - 1))
                tokens.swapAt(named[pick], named[pick + 1])
            } else {
                var order = solution
                let p = rng.int(in: 0..<(n - 1))
                order.swapAt(p, p + 1)
                tokens = order.map { .object(Int($0)) }
            }
            steps[index].text =
                "Combining (\(i)) and (\(j)) we get the following ordering: \"\(render(OrderingPattern(tokens: tokens)))\"."
        } else {
            let others = (0..<n).filter { $0 != answerObject }
            steps[index].text =
                "According to this ordering, \(domain.asked(asked, n)) is \(domain.the(names[rng.element(of: others)!]))."
        }
        return steps
    }
}

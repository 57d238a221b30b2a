import Foundation
import TroupeCore

/// The scripted verifier of word problems. Solutions may take their own path, so a step is read
/// by its equations (`… 4 * 2.5 = 10 dollars`): each `=` link must hold (to the cent, so rounded
/// money is accepted), and every number on the left must come from the question, from an earlier
/// step's result, or be a unit constant (1, 2, 7, 10, 12, 24, 60, 100, 1000 and the story's own).
/// A step without `=` is narration and passes. The attempt is correct when the final answer is
/// within 1e-3 of the gold answer (PAL's tolerance); when it is not but every step holds, the
/// first step whose result is not a quantity of the reference solution is the wrong one.
extension WordProblemTask {
    static let unitConstants: [Double] = [1, 2, 7, 10, 12, 24, 60, 100, 1000]

    public func verify(_ attempt: Attempt) -> Verdict {
        var builder = VerdictBuilder()
        let answerCorrect = attempt.finalStep.flatMap { Self.finalClaim($0) }.map(answerIsCorrect) ?? false
        let misnumbered = numberingError(attempt.steps)
        var known = Self.numbers(in: story) + constants.map(\.1) + Self.unitConstants
        var results: [(label: String, value: Double, text: String)] = []
        for step in attempt.steps {
            if let misnumbered, misnumbered.label == step.label, !step.isFinal {
                return builder.fail(misnumbered, answerCorrect: answerCorrect)
            }
            if step.isFinal {
                if answerCorrect { return builder.correct() }
                return builder.fail(blame(step, results: results), answerCorrect: false)
            }
            switch check(step, known: known) {
            case .failure(let error): return builder.fail(error, answerCorrect: answerCorrect)
            case .success(let result):
                if let result {
                    known.append(result.value)
                    results.append((step.label, result.value, result.text))
                }
            }
            builder.pass(step)
        }
        return builder.fail(.missingFinal, answerCorrect: answerCorrect)
    }

    /// Checks the equations of a step; returns its result (the last right-hand side), if any.
    private func check(_ step: ReasoningStep, known: [Double]) -> Result<(value: Double, text: String)?, StepError> {
        let parts = step.text.components(separatedBy: "=")
        guard parts.count >= 2 else { return .success(nil) }
        var terms: [String] = [Self.trailingExpression(parts[0])]
        for part in parts.dropFirst().dropLast() { terms.append(part.trimmingSpaces()) }
        terms.append(Self.leadingNumber(parts.last!))
        var values: [Double] = []
        for term in terms {
            guard let expression = Expression.parse(term), let value = expression.doubleValue else {
                return .failure(
                    StepError(
                        step.label, segment: term, reason: "\"\(term)\" is not a valid calculation",
                        generic: "it is an invalid equation"))
            }
            // Only the first term brings numbers in; later terms are intermediate results.
            if values.isEmpty {
                for number in expression.numbers where !known.contains(where: { Self.close($0, number) }) {
                    return .failure(
                        StepError(
                            step.label, segment: term,
                            reason:
                                "the number \(formatNumber(number)) does not appear in the question or in the previous steps",
                            generic: "it uses a number that is not given"))
                }
            }
            values.append(value)
        }
        for i in 0..<(terms.count - 1) where !Self.close(values[i], values[i + 1], cents: true) {
            return .failure(
                StepError(
                    step.label, segment: "\(terms[i]) = \(terms[i + 1])",
                    reason:
                        "there is a calculation error, since \(terms[i]) is \(formatNumber(values[i])), not \(terms[i + 1])",
                    generic: "there is a calculation error"))
        }
        return .success((values.last!, terms.last!))
    }

    /// The error of a wrong final answer after steps that all hold.
    private func blame(_ step: ReasoningStep, results: [(label: String, value: Double, text: String)]) -> StepError {
        guard let claim = Self.finalClaim(step) else {
            return .noClaim(step)
        }
        let reference = steps.map { values[$0.name]! }
        for (index, result) in results.enumerated() where !reference.contains(where: { Self.close($0, result.value) }) {
            let hint = index < steps.count ? "; step (\(result.label)) should find \(steps[index].what)" : ""
            return StepError(
                result.label, segment: result.text,
                reason: "\(result.text) is not a quantity the question needs\(hint)",
                generic: "this step does not lead to the answer")
        }
        if let last = results.last, !AnswerCheck.numberMatches(claim, gold: last.value) {
            return StepError(
                step.label, segment: "the answer is \(claim)",
                reason: "this answer is inconsistent with the result in step (\(last.label))",
                generic: "the answer is inconsistent with the previous steps")
        }
        return StepError(
            step.label, segment: "the answer is \(claim)",
            reason: "the question asks for \(steps.last!.what), which the previous steps have not found",
            generic: "the answer does not answer the question")
    }

    static func close(_ a: Double, _ b: Double, cents: Bool = false) -> Bool {
        abs(a - b) <= max(1e-6 * max(abs(a), abs(b)), cents ? 0.005 : 1e-9)
    }

    /// The arithmetic expression at the end of a text (`The notebooks cost 4 * 2.5` → `4 * 2.5`).
    static func trailingExpression(_ text: String) -> String {
        let allowed = Set("0123456789.,+-*/×÷()$ ")
        let chars = Array(text)
        var start = chars.count
        while start > 0, allowed.contains(chars[start - 1]) { start -= 1 }
        var expression = String(chars[start...]).trimmingSpaces()
        // Drop leading operators or commas left over from the sentence.
        while let first = expression.first, "+*/×÷,)".contains(first) {
            expression = expression.dropFirst().trimmingSpaces()
        }
        while expression.hasPrefix("(") && !Expression.bracketsBalance(expression) {
            expression = expression.dropFirst().trimmingSpaces()
        }
        return expression
    }

    /// The number at the start of a text (`10 dollars.` → `10`).
    static func leadingNumber(_ text: String) -> String {
        let trimmed = text.trimmingSpaces()
        let allowed = Set("0123456789.,-$")
        var number = String(trimmed.prefix { allowed.contains($0) })
        while let last = number.last, ".,".contains(last) { number.removeLast() }
        return number.replacingOccurrences(of: ",", with: "")
    }

    /// Every number in a story, with percents also as fractions.
    static func numbers(in text: String) -> [Double] {
        var result: [Double] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "\n" }) {
            let cleaned = word.filter { $0.isNumber || $0 == "." }
            let trimmed = cleaned.trimmingCharacters(in: ["."])
            guard let value = Double(trimmed) else { continue }
            result.append(value)
            if word.contains("%") { result.append(value / 100) }
        }
        return result
    }

    public func injectingError(at index: Int, rng: inout SeededRNG) -> [ReasoningStep] {
        var steps = rationale
        let delta = rng.element(of: [-3.0, -2, -1, 1, 2, 5])!
        if steps[index].isFinal {
            steps[index].text = "So the answer is \(formatNumber(answer + delta))."
            return steps
        }
        // Change the result after `=`, keeping the unit.
        let text = steps[index].text
        let cut = text.range(of: " = ", options: .backwards)!
        let rest = text[cut.upperBound...]
        let number = Self.leadingNumber(String(rest))
        let value = Double(number)!
        steps[index].text = String(text[..<cut.upperBound]) + formatNumber(value + delta) + rest.dropFirst(number.count)
        return steps
    }
}

import Foundation
import TroupeCore

/// The scripted verifier of multistep arithmetic, after TriPosT's `MSA_Verifier`: it checks, in
/// order, the partition (step 1 substituted back must be the question), every calculation (each
/// `=` link must hold exactly; the first term must be the variable's definition), the final
/// equation (every variable computed before, values substituted as computed, links exact), and the
/// final response (equal to the last result and to the answer).
extension MultistepArithmeticTask {
    public func verify(_ attempt: Attempt) -> Verdict {
        var builder = VerdictBuilder()
        let answerCorrect = attempt.finalStep.flatMap { Self.finalClaim($0) }.map(answerIsCorrect) ?? false
        let misnumbered = numberingError(attempt.steps)
        var definitions: [Character: Expression] = [:]
        var values: [Character: Int] = [:]
        var finalValue: (label: String, value: Int)?
        var partitioned = false
        for step in attempt.steps {
            if let misnumbered, misnumbered.label == step.label, !step.isFinal {
                return builder.fail(misnumbered, answerCorrect: answerCorrect)
            }
            if step.isFinal {
                guard let claim = Self.finalClaim(step) else {
                    return builder.fail(.noClaim(step), answerCorrect: false)
                }
                guard let last = finalValue else {
                    return builder.fail(
                        StepError(
                            step.label, segment: "the answer is \(claim)",
                            reason: "the final equation has not been calculated in previous steps",
                            generic: "the answer is not supported by the previous steps"),
                        answerCorrect: answerCorrect)
                }
                guard AnswerCheck.integer(claim) == last.value else {
                    return builder.fail(
                        StepError(
                            step.label, segment: "the answer is \(claim)",
                            reason: "this answer is inconsistent with the result in step (\(last.label))",
                            generic: "this answer is inconsistent with the previous steps"),
                        answerCorrect: answerCorrect)
                }
                return answerCorrect
                    ? builder.correct()
                    : builder.fail(
                        StepError(
                            step.label, segment: "the answer is \(claim)",
                            reason: "this answer is inconsistent with the question statement",
                            generic: "this answer is inconsistent with the question statement"),
                        answerCorrect: answerCorrect)
            }
            let sentence = Self.firstSentence(step.text)
            if !partitioned {
                if let error = checkPartition(step, sentence: sentence, definitions: &definitions) {
                    return builder.fail(error, answerCorrect: answerCorrect)
                }
                partitioned = true
            } else if let error = checkCalculation(
                step, sentence: sentence, definitions: definitions, values: &values, finalValue: &finalValue)
            {
                return builder.fail(error, answerCorrect: answerCorrect)
            }
            if let extra = Self.extraCalculation(step.text) {
                return builder.fail(
                    StepError(
                        step.label, segment: extra,
                        reason: "each calculation belongs in its own step", generic: "the step does more than one thing"
                    ),
                    answerCorrect: answerCorrect)
            }
            builder.pass(step)
        }
        return builder.fail(.missingFinal, answerCorrect: answerCorrect)
    }

    /// Step 1: `This equation can be written as "P", where A = …, B = … and C = ….`
    private func checkPartition(
        _ step: ReasoningStep, sentence: String, definitions: inout [Character: Expression]
    ) -> StepError? {
        let generic = "it is inconsistent with the question statement"
        guard let open = sentence.range(of: "written as \""), let close = sentence.range(of: "\", where ") else {
            return StepError(
                step.label, segment: sentence,
                reason:
                    "the first step must write the equation in terms of its parts: This equation can be written as \"…\", where A = …",
                generic: "the step is not in the expected format")
        }
        let pattern = String(sentence[open.upperBound..<close.lowerBound])
        let assignments = Self.assignments(String(sentence[close.upperBound...]))
        var substituted = pattern
        for (name, text) in assignments {
            guard let expression = Expression.parse(text) else {
                return StepError(
                    step.label, segment: "\(name) = \(text)", reason: "it is an invalid equation", generic: generic)
            }
            definitions[name] = expression
            substituted = substituted.replacingOccurrences(of: String(name), with: text)
        }
        guard let rebuilt = Expression.parse(substituted), let question = Expression.parse(expressionText),
            rebuilt.normalized == question.normalized
        else {
            return StepError(
                step.label, segment: "\"\(pattern)\", where \(sentence[close.upperBound...].trimmingSpaces())",
                reason: "it is not consistent with the original equation: \(expressionText)", generic: generic)
        }
        return nil
    }

    /// `Let's calculate X = … = v.` or `Then, the final equation is P = … = v.`
    private func checkCalculation(
        _ step: ReasoningStep, sentence: String, definitions: [Character: Expression], values: inout [Character: Int],
        finalValue: inout (label: String, value: Int)?
    ) -> StepError? {
        let lower = sentence.lowercased()
        let body: String
        if let range = lower.range(of: "calculate ") {
            body = String(sentence[range.upperBound...])
        } else if let range = lower.range(of: "the final equation is ") {
            body = String(sentence[range.upperBound...])
        } else {
            return StepError(
                step.label, segment: sentence,
                reason:
                    "it is not a step of this method: after step (1), each step is \"Let's calculate X = …\" or \"Then, the final equation is …\"",
                generic: "the step is not in the expected format")
        }
        var parts = body.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        if let last = parts.last, last.hasSuffix(".") { parts[parts.count - 1] = String(last.dropLast()) }
        guard parts.count >= 2 else {
            return StepError(
                step.label, segment: body, reason: "it is an invalid equation", generic: "it is an invalid equation")
        }
        var expressions: [Expression] = []
        for part in parts {
            guard let expression = Expression.parse(part) else {
                let reason =
                    Expression.bracketsBalance(part)
                    ? "it is an invalid equation"
                    : "it is an invalid equation as the number of left and right brackets do not match"
                return StepError(step.label, segment: part, reason: reason, generic: "it is an invalid equation")
            }
            expressions.append(expression)
        }
        let head = expressions[0]
        var start = 1
        if case .variable(let name) = head {
            // `Let's calculate A = (definition) = …`
            guard let definition = definitions[name] else {
                return StepError(
                    step.label, segment: "\(name) = \(parts[1])", reason: "\(name) is not defined in step (1)",
                    generic: "it is inconsistent with step (1)")
            }
            guard expressions[1].normalized == definition.normalized else {
                return StepError(
                    step.label, segment: "\(name) = \(parts[1])",
                    reason: "\(name) is defined as \(groups[Int(name.asciiValue! - 65)].flatText) in step (1)",
                    generic: "it is inconsistent with step (1)")
            }
            start = 1
        } else {
            // The final equation over the variables of step (1).
            guard head.normalized == Expression.parse(patternText)!.normalized else {
                return StepError(
                    step.label, segment: parts[0],
                    reason: "this equation is not the one written in step (1), \(patternText)",
                    generic: "it is inconsistent with step (1)")
            }
            for name in head.variables where values[name] == nil {
                return StepError(
                    step.label, segment: parts[0], reason: "\(name) has not been calculated in previous steps",
                    generic: "some variables have not been calculated in previous steps")
            }
            let expected = Expression.parse(top.render(variables: values.mapValues(String.init)))!
            guard expressions[1].normalized == expected.normalized else {
                return StepError(
                    step.label, segment: "\(parts[0]) = \(parts[1])",
                    reason: "this substitution is inconsistent with the results in the previous steps",
                    generic: "it is inconsistent with the previous steps")
            }
        }
        for index in start..<(parts.count - 1) {
            let left = expressions[index].intValue
            let right = expressions[index + 1].intValue
            guard let left, let right, left == right else {
                let invalid = left == nil || right == nil
                return StepError(
                    step.label, segment: "\(parts[index]) = \(parts[index + 1])",
                    reason: invalid
                        ? "it is an invalid equation"
                        : "there is a calculation error, since \(parts[index]) is not equal to \(parts[index + 1])",
                    generic: invalid ? "it is an invalid equation" : "there is a calculation error")
            }
        }
        let value = expressions.last!.intValue!
        if case .variable(let name) = head {
            values[name] = value
        } else {
            guard value == answer else {
                return StepError(
                    step.label, segment: "\(parts[0]) = \(parts.last!)",
                    reason: "this equation is inconsistent with the question statement",
                    generic: "this equation is inconsistent with the question statement")
            }
            finalValue = (step.label, value)
        }
        return nil
    }

    /// `A = (…), B = (…) and C = (…).` as pairs, in order.
    static func assignments(_ text: String) -> [(Character, String)] {
        var body = text.trimmingSpaces()
        if body.hasSuffix(".") { body.removeLast() }
        let chars = Array(body)
        var starts: [Int] = []
        for i in chars.indices
        where chars[i].isUppercase && i + 3 < chars.count && String(chars[(i + 1)...(i + 3)]) == " = " {
            let before = String(chars[max(0, i - 5)..<i])
            if i == 0 || before.hasSuffix(", ") || before.hasSuffix(" and ") { starts.append(i) }
        }
        var result: [(Character, String)] = []
        for (n, start) in starts.enumerated() {
            let end = n + 1 < starts.count ? starts[n + 1] : chars.count
            var value = String(chars[(start + 4)..<end]).trimmingSpaces()
            for separator in [",", " and"] where value.hasSuffix(separator) {
                value = String(value.dropLast(separator.count)).trimmingSpaces()
            }
            result.append((chars[start], value))
        }
        return result
    }

    /// The step's first sentence: up to the first `. ` (a period followed by a space).
    static func firstSentence(_ text: String) -> String {
        guard let range = text.range(of: ". ") else { return text }
        return String(text[..<range.lowerBound]) + "."
    }

    /// A further sentence of the step that holds an `=`, if any.
    static func extraCalculation(_ text: String) -> String? {
        guard let range = text.range(of: ". ") else { return nil }
        let rest = text[range.upperBound...].trimmingSpaces()
        return rest.contains("=") ? rest : nil
    }

    public func injectingError(at index: Int, rng: inout SeededRNG) -> [ReasoningStep] {
        var steps = rationale
        let step = steps[index]
        let delta = rng.element(of: [-10, -3, -2, -1, 1, 2, 3, 10])!
        if step.isFinal {
            steps[index].text = "So the answer is \(answer + delta)."
        } else if index == 0 {
            // Change one number of one group's definition.
            let group = rng.int(in: 0..<groups.count)
            let original = groups[group].flatText
            var numbers = original.split(separator: " ").map(String.init)
            let positions = numbers.indices.filter { Int(numbers[$0].trimmingCharacters(in: ["(", ")"])) != nil }
            let position = rng.element(of: positions)!
            let stripped = numbers[position].trimmingCharacters(in: ["(", ")"])
            numbers[position] = numbers[position].replacingOccurrences(
                of: stripped, with: String(Int(stripped)! + delta))
            let name = variableNames[group]
            steps[index].text = step.text.replacingOccurrences(
                of: "\(name) = \(original)", with: "\(name) = \(numbers.joined(separator: " "))")
        } else {
            // Change the result of the last link, so that it no longer equals the term before it.
            var text = step.text
            text.removeLast()  // the period
            let cut = text.range(of: " = ", options: .backwards)!
            let value = Int(text[cut.upperBound...])!
            steps[index].text = String(text[..<cut.upperBound]) + "\(value + delta)."
        }
        return steps
    }
}

extension Expression {
    /// The same expression with `-(number)` folded into a negative number, so that `(3 - -196)`
    /// and `(3 - (-196))` compare equal.
    var normalized: Expression {
        switch self {
        case .number, .variable: return self
        case .negate(let inner):
            let folded = inner.normalized
            if case .number(let value, let exact) = folded { return .number(-value, exact: exact.map { -$0 }) }
            return .negate(folded)
        case .binary(let op, let l, let r): return .binary(op, l.normalized, r.normalized)
        }
    }
}

import Foundation
import TroupeCore

/// The scripted verifier of date understanding. TriPosT used an LLM verifier here; the dates make
/// a script exact: step k must state the k-th date of the chain (read in any of `CivilDate.scan`'s
/// formats, after `then` when the step has a premise), an `, that is MM/DD/YYYY` must restate the
/// same date, and the final response must pick the option (or write the date) of the last step.
extension DateUnderstandingTask {
    public func verify(_ attempt: Attempt) -> Verdict {
        var builder = VerdictBuilder()
        let answerCorrect = attempt.finalStep.flatMap { Self.finalClaim($0) }.map(answerIsCorrect) ?? false
        let misnumbered = numberingError(attempt.steps)
        var position = 0
        var lastResult: (label: String, date: CivilDate)?
        for step in attempt.steps {
            if let misnumbered, misnumbered.label == step.label, !step.isFinal {
                return builder.fail(misnumbered, answerCorrect: answerCorrect)
            }
            if step.isFinal {
                if let error = checkFinal(step, lastResult: lastResult) {
                    return builder.fail(error, answerCorrect: answerCorrect)
                }
                return builder.correct()
            }
            guard position < links.count else {
                return builder.fail(
                    StepError(
                        step.label, segment: step.text,
                        reason: "the asked date was already found in step (\(lastResult!.label))",
                        generic: "the step is not needed"),
                    answerCorrect: answerCorrect)
            }
            let link = links[position]
            let claimPart = step.text.range(of: "then ").map { String(step.text[$0.upperBound...]) } ?? step.text
            let dates = CivilDate.scan(claimPart)
            guard let claim = dates.first else {
                return builder.fail(
                    StepError(
                        step.label, segment: step.text, reason: "it does not state \(link.subject) as a date",
                        generic: "the step does not state a date"),
                    answerCorrect: answerCorrect)
            }
            let segment = Self.segment(of: claim.text, in: claimPart)
            guard claim.date == link.date else {
                return builder.fail(
                    StepError(
                        step.label, segment: segment, reason: "\(link.relation) is \(link.date.long)",
                        generic: "the date is miscalculated"),
                    answerCorrect: answerCorrect)
            }
            if let range = claimPart.range(of: "that is"),
                let restated = CivilDate.scan(String(claimPart[range.upperBound...])).first,
                restated.date != claim.date
            {
                return builder.fail(
                    StepError(
                        step.label, segment: "\(claim.text), that is \(restated.text)",
                        reason: "\(claim.date.long) is \(claim.date.mmddyyyy) in MM/DD/YYYY",
                        generic: "the date is written incorrectly in MM/DD/YYYY"),
                    answerCorrect: answerCorrect)
            }
            lastResult = (step.label, claim.date)
            position += 1
            builder.pass(step)
        }
        return builder.fail(.missingFinal, answerCorrect: answerCorrect)
    }

    private func checkFinal(_ step: ReasoningStep, lastResult: (label: String, date: CivilDate)?) -> StepError? {
        guard let claim = Self.finalClaim(step) else {
            return .noClaim(step)
        }
        if answerIsCorrect(claim) { return nil }
        let segment = "the answer is \(claim)"
        var stated = CivilDate.scan(claim).first?.date
        var described = claim
        if let options, let letter = AnswerCheck.optionLetter(claim, count: options.count) {
            let date = options[Int(letter.asciiValue! - 65)]
            stated = date
            described = "(\(letter)) \(date.mmddyyyy)"
        }
        guard stated != nil else {
            return StepError(
                step.label, segment: segment,
                reason: options == nil
                    ? "the answer must be a date in MM/DD/YYYY"
                    : "the answer must be one of the options (A) to (\(Character(Unicode.Scalar(UInt8(64 + options!.count)))))",
                generic: "the answer is not in the expected format")
        }
        guard let lastResult else {
            return StepError(
                step.label, segment: segment, reason: "the date \(asked) has not been calculated in previous steps",
                generic: "the answer is not supported by the previous steps")
        }
        return StepError(
            step.label, segment: segment,
            reason:
                "\(described) is inconsistent with the result \"\(lastResult.date.mmddyyyy)\" in step (\(lastResult.label))",
            generic: "the answer is inconsistent with the previous steps")
    }

    /// The clause that states the date: from the start of the claim part to the date's end
    /// (`today's date is April 1, 2021`).
    static func segment(of dateText: String, in claimPart: String) -> String {
        guard let range = claimPart.range(of: dateText) else { return dateText }
        return String(claimPart[..<range.upperBound]).trimmingSpaces()
    }

    public func injectingError(at index: Int, rng: inout SeededRNG) -> [ReasoningStep] {
        var steps = rationale
        if steps[index].isFinal {
            if let options, let correct = correctLetter {
                let letters = (0..<options.count).map { Character(Unicode.Scalar(UInt8(65 + $0))) }.filter {
                    $0 != correct
                }
                steps[index].text = "So the answer is (\(rng.element(of: letters)!))."
            } else {
                steps[index].text =
                    "So the answer is \(target.adding(days: rng.element(of: [-2, -1, 1, 2])!).mmddyyyy)."
            }
            return steps
        }
        let link = links[index]
        let shifts: [DateOffset] = [
            .days(1), .days(-1), .days(2), .days(-2), .months(1), .months(-1), .years(1), .years(-1),
        ]
        var wrong = link.date.adding(days: 1)
        for shift in rng.shuffled(shifts) {
            if let date = shift.apply(link.date) {
                wrong = date
                break
            }
        }
        steps[index].text = Self.text(of: link, last: index == links.count - 1, date: wrong)
        return steps
    }
}

/// The first wrong step of an attempt, as a verifier reports it: which step, the part of it that
/// is wrong, and why (a specific reason, and a generic one for TriPosT's ablation).
public struct StepError: Sendable, Equatable, Error {
    /// The wrong step's label (`3`, `3.2`, `Final response`).
    public var label: String
    /// The wrong part of the step, quoted in the feedback.
    public var segment: String
    /// Why it is wrong, specifically: a lowercase clause without a final period
    /// (`there is a calculation error, since (-15 + 8 * 1) is not equal to -3`).
    public var reason: String
    /// Why it is wrong, in general terms (`there is a calculation error`).
    public var genericReason: String

    public init(_ label: String, segment: String, reason: String, generic: String) {
        self.label = label
        self.segment = segment
        self.reason = reason
        self.genericReason = generic
    }
}

/// What a verifier concludes about an attempt.
///
/// Invariant: `checked` lists, in order, the labels of the numbered steps the verifier found
/// correct before the error (or all numbered steps when the attempt is correct); the feedback
/// sentence names its first and last element.
public struct Verdict: Sendable, Equatable {
    /// Labels of the steps found correct, in order (the final response is not among them).
    public var checked: [String]
    /// The first wrong step, or nil when the attempt is correct.
    public var error: StepError?
    /// Whether the final answer alone is right (TriPosT's accuracy metric), whatever the steps.
    public var answerCorrect: Bool

    public init(checked: [String], error: StepError?, answerCorrect: Bool) {
        self.checked = checked
        self.error = error
        self.answerCorrect = answerCorrect
    }

    public var isCorrect: Bool { error == nil }
}

/// How much the feedback says, after TriPosT's verifier options (`fb_wrong_segment`,
/// `fb_reason`, `fb_specific_reason`).
public struct FeedbackStyle: Sendable, Equatable, Codable {
    public enum Reason: String, Sendable, Codable, CaseIterable {
        /// The verifier's specific reason (the default).
        case specific
        /// A generic reason per kind of error.
        case generic
        /// No reason sentence.
        case none
    }

    /// Quote the wrong part of the step.
    public var segment: Bool
    public var reason: Reason

    public init(segment: Bool = true, reason: Reason = .specific) {
        self.segment = segment
        self.reason = reason
    }

    /// The feedback sentence for a verdict, in TriPosT's format:
    /// - correct: `Step (1) to step (k) are correct. The final response is also correct.`
    /// - error at the first step: `In step (1) the part "…" is incorrect. This is because ….`
    /// - error at the second: `Step (1) is correct. In step (2) the part "…" is incorrect. …`
    /// - later: `Step (1) to step (k-1) are correct. In step (k) the part "…" is incorrect. …`
    public func feedback(_ verdict: Verdict) -> String {
        let prefix: String
        switch verdict.checked.count {
        case 0: prefix = ""
        case 1: prefix = "Step (\(verdict.checked[0])) is correct. "
        default: prefix = "Step (\(verdict.checked[0])) to step (\(verdict.checked.last!)) are correct. "
        }
        guard let error = verdict.error else {
            return verdict.checked.isEmpty
                ? "The final response is correct." : prefix + "The final response is also correct."
        }
        var sentence = prefix
        if segment {
            sentence += "In step (\(error.label)) the part \"\(error.segment)\" is incorrect."
        } else {
            sentence += "Step (\(error.label)) is incorrect."
        }
        switch reason {
        case .specific: sentence += " This is because \(error.reason)."
        case .generic: sentence += " This is because \(error.genericReason)."
        case .none: break
        }
        return sentence
    }
}

/// Builds a verdict step by step: a verifier walks the attempt, marks steps correct, and stops
/// at the first error. Keeps the bookkeeping of `checked` in one place.
struct VerdictBuilder {
    private(set) var checked: [String] = []

    mutating func pass(_ step: ReasoningStep) {
        if !step.isFinal { checked.append(step.label) }
    }

    func fail(_ error: StepError, answerCorrect: Bool) -> Verdict {
        Verdict(checked: checked, error: error, answerCorrect: answerCorrect)
    }

    func correct() -> Verdict { Verdict(checked: checked, error: nil, answerCorrect: true) }
}

extension StepError {
    /// The error for an attempt without a `(Final response)` step.
    static let missingFinal = StepError(
        ReasoningStep.finalLabel, segment: "",
        reason: "there is no final response; end the answer with a line \"(Final response) So the answer is …\"",
        generic: "the final response is missing")

    /// The error for a final response that states no answer.
    static func noClaim(_ step: ReasoningStep) -> StepError {
        StepError(
            step.label, segment: step.text, reason: "the final response must state \"So the answer is …\"",
            generic: "the final response does not state an answer")
    }

    /// The error for a step whose label is not the one expected at that point.
    static func misnumbered(_ step: ReasoningStep, expected: String) -> StepError {
        StepError(
            step.label, segment: "(\(step.label))",
            reason: "the steps must be numbered in order, and this step should be (\(expected))",
            generic: "the steps are not numbered in order")
    }
}

/// Checks that numbered steps run 1, 2, 3 … with sub-steps 3.1, 3.2 … where a family uses them,
/// that is: each label is the next sibling of the previous label or of one of its ancestors, or
/// the first child (`.1`) of the previous label. Returns the first misnumbered step.
func numberingError(_ steps: [ReasoningStep]) -> StepError? {
    var previous: [Int] = []
    for step in steps where !step.isFinal {
        let parts = step.label.split(separator: ".").compactMap { Int($0) }
        var allowed: [[Int]] = [previous + [1]]
        for depth in stride(from: previous.count, to: 0, by: -1) {
            allowed.append(Array(previous.prefix(depth - 1)) + [previous[depth - 1] + 1])
        }
        if previous.isEmpty { allowed = [[1]] }
        guard allowed.contains(parts) else {
            let expected = allowed.count > 1 ? allowed[1] : allowed[0]
            return .misnumbered(step, expected: expected.map(String.init).joined(separator: "."))
        }
        previous = parts
    }
    return nil
}

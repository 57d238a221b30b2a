/// One numbered step of a step-by-step answer in TriPosT's format: `(3.1) We now have: …` has the
/// label `3.1` and the text `We now have: …`; the last step is labelled `Final response`.
public struct ReasoningStep: Sendable, Equatable, Codable {
    /// `1`, `3.2`, `4.2.3` or `Final response`.
    public var label: String
    /// The step's text after the label, without surrounding spaces.
    public var text: String

    public init(_ label: String, _ text: String) {
        self.label = label
        self.text = text
    }

    /// The label of the final step.
    public static let finalLabel = "Final response"

    public var isFinal: Bool { label == ReasoningStep.finalLabel }

    /// The step as it is written: `(label) text`.
    public var line: String { "(\(label)) \(text)" }
}

/// A model's step-by-step attempt, parsed leniently from free text.
///
/// Rules (documented in docs/envs/reasoning.md):
/// - A leading `Updated Answer:` or `Answer:` is dropped, and so is everything from `[END]` or
///   from a line starting with `Feedback:` on (a model that keeps writing after its answer).
/// - A line starting with `(N)`, `(N.M…)` or `(Final response)` starts a step; other lines before
///   the first step are the header (`Let's think step by step. …`) and are ignored; other lines
///   after a step continue that step.
/// - Whitespace inside a step is collapsed to single spaces, so line wrapping does not matter.
public struct Attempt: Sendable, Equatable {
    public var header: String
    public var steps: [ReasoningStep]

    public init(header: String = "", steps: [ReasoningStep]) {
        self.header = header
        self.steps = steps
    }

    /// Parses free text as described on the type.
    public init(parsing raw: String) {
        var text = raw
        if let end = text.range(of: "[END]") { text = String(text[..<end.lowerBound]) }
        var header: [String] = []
        var steps: [ReasoningStep] = []
        var first = true
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine.trimmingSpaces())
            if first, !line.isEmpty {
                for prefix in ["Updated Answer:", "Answer:"] where line.hasPrefix(prefix) {
                    line = Substring(line.dropFirst(prefix.count).trimmingSpaces())
                    break
                }
                first = false
            }
            if line.hasPrefix("Feedback:") && !steps.isEmpty { break }
            if let (label, rest) = Attempt.splitLabel(line) {
                steps.append(ReasoningStep(label, rest.collapsingSpaces()))
            } else if line.isEmpty {
                continue
            } else if steps.isEmpty {
                header.append(String(line))
            } else {
                steps[steps.count - 1].text = (steps[steps.count - 1].text + " " + line).collapsingSpaces()
            }
        }
        self.header = header.joined(separator: " ")
        self.steps = steps
    }

    /// `(label) rest` split at the closing bracket when the label is a step number or
    /// `Final response`.
    static func splitLabel(_ line: Substring) -> (String, String)? {
        guard line.first == "(", let close = line.firstIndex(of: ")") else { return nil }
        let label = line[line.index(after: line.startIndex)..<close].trimmingSpaces()
        let isNumber =
            !label.isEmpty && label.first!.isASCII && label.first!.isNumber && label.last!.isNumber
            && label.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "." } && !label.contains("..")
        guard isNumber || label.lowercased() == "final response" else { return nil }
        let rest = line[line.index(after: close)...].trimmingSpaces()
        return (isNumber ? label : ReasoningStep.finalLabel, rest)
    }

    /// The final step, if the attempt has one.
    public var finalStep: ReasoningStep? { steps.last(where: \.isFinal) }

    /// The attempt written out: header line, then one step per line.
    public var text: String {
        ([header].filter { !$0.isEmpty } + steps.map(\.line)).joined(separator: "\n")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }

    /// Runs of whitespace replaced by one space, and trimmed.
    func collapsingSpaces() -> String {
        split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).joined(separator: " ")
    }
}

import Foundation
import TroupeCore

/// GSM-style word problems: multi-step arithmetic stories from templates (prices, speeds, recipes,
/// rates, units), with an integer or decimal answer, a scripted step-by-step rationale and a
/// reference PAL program (`def solution(): … return result`), as Matryoshka's GSM setting uses.
///
/// Scales: `small` numbers (GSM8K-like; train and test_seen) and `large` numbers (GSM-Hard-like:
/// the same stories with numbers in the thousands; test_unseen).
public struct WordProblemTask: ReasoningTask {
    public struct Params: Sendable, Equatable, Codable {
        public enum Scale: String, Sendable, Codable { case small, large }
        public var scale: Scale
        /// Template names to draw from (nil: all); see `WordProblemTask.templates`.
        public var templates: [String]?

        public init(scale: Scale, templates: [String]? = nil) {
            self.scale = scale
            self.templates = templates
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            scale = try c.decodeIfPresent(Scale.self, forKey: .scale) ?? .small
            templates = try c.decodeIfPresent([String].self, forKey: .templates)
            if let templates {
                let known = WordProblemTask.templates.map(\.name)
                if let unknown = templates.first(where: { !known.contains($0) }) {
                    throw EnvError.badConfig(
                        "`params.templates`: unknown template \"\(unknown)\"; known: \(known.joined(separator: ", "))")
                }
                guard !templates.isEmpty else { throw EnvError.badConfig("`params.templates` must not be empty") }
            }
        }

        public static func defaults(for split: Split) -> Params {
            Params(scale: split == .testUnseen ? .large : .small)
        }
    }

    /// A quantity computed by one step.
    struct Computation: Sendable, Equatable {
        /// The Python variable.
        var name: String
        var formula: Formula
        /// The sentence before the equation: `The notebooks cost`.
        var lead: String
        /// The unit after the result (`dollars`; may be empty).
        var unit: String
        /// What it is, for feedback: `the cost of the notebooks`.
        var what: String
    }

    public let family = ReasoningFamily.wordProblems
    public let template: String
    let story: String
    /// Given numbers (Python variable, value), in the order the program declares them.
    let givens: [(String, Double)]
    /// Unit constants the steps may use (60 minutes per hour, 100 for percent, 12 per dozen).
    let constants: [(String, Double)]
    let steps: [Computation]

    /// Every named value: givens, constants, then each step's result.
    var values: [String: Double] {
        var table = Dictionary(uniqueKeysWithValues: givens + constants)
        for step in steps { table[step.name] = step.formula.value(table) }
        return table
    }

    public var answer: Double { values[steps.last!.name]! }

    public var question: String { "Q: \(story)" }
    public var answerHeader: String { "Let's think step by step." }
    public var goldAnswer: String { formatNumber(answer) }

    public var rationale: [ReasoningStep] {
        var table = Dictionary(uniqueKeysWithValues: givens + constants)
        var result: [ReasoningStep] = []
        for (index, step) in steps.enumerated() {
            let value = step.formula.value(table)
            table[step.name] = value
            let unit = step.unit.isEmpty ? "" : " \(step.unit)"
            result.append(
                ReasoningStep(
                    String(index + 1), "\(step.lead) \(step.formula.render(table)) = \(formatNumber(value))\(unit)."))
        }
        result.append(ReasoningStep(ReasoningStep.finalLabel, "So the answer is \(goldAnswer)."))
        return result
    }

    /// The reference PAL program: givens and constants as variables, one line per step, and
    /// `return result`, with the question as the docstring.
    public var program: String {
        var lines = ["def solution():", "    \"\"\"\(story.replacingOccurrences(of: "\"", with: "'"))\"\"\""]
        for (name, value) in givens + constants { lines.append("    \(name) = \(formatNumber(value))") }
        for step in steps { lines.append("    \(step.name) = \(step.formula.python)") }
        lines.append("    result = \(steps.last!.name)")
        lines.append("    return result")
        return lines.joined(separator: "\n")
    }

    public func answerIsCorrect(_ finalText: String) -> Bool { AnswerCheck.numberMatches(finalText, gold: answer) }

    public static func generate(_ params: Params, rng: inout SeededRNG) -> WordProblemTask {
        let pool = templates.filter { params.templates?.contains($0.name) ?? true }
        while true {
            let template = rng.element(of: pool)!
            if let task = template.build(&rng, params.scale), task.isClean { return task }
        }
    }

    /// Every step's value is finite, non-negative and has at most four decimals.
    var isClean: Bool {
        values.values.allSatisfy { value in
            value.isFinite && value >= 0 && abs(value * 10_000 - (value * 10_000).rounded()) < 1e-6 && value < 1e13
        }
    }
}

/// A formula over named values.
indirect enum Formula: Sendable, Equatable {
    case ref(String)
    case op(Character, Formula, Formula)

    static func + (a: Formula, b: Formula) -> Formula { .op("+", a, b) }
    static func - (a: Formula, b: Formula) -> Formula { .op("-", a, b) }
    static func * (a: Formula, b: Formula) -> Formula { .op("*", a, b) }
    static func / (a: Formula, b: Formula) -> Formula { .op("/", a, b) }

    func value(_ table: [String: Double]) -> Double {
        switch self {
        case .ref(let name): return table[name]!
        case .op(let op, let l, let r):
            let (a, b) = (l.value(table), r.value(table))
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            default: return a / b
            }
        }
    }

    /// With values: `4 * 2.5`, parenthesized where precedence needs it.
    func render(_ table: [String: Double], top: Bool = true) -> String {
        switch self {
        case .ref(let name): return formatNumber(table[name]!)
        case .op(let op, let l, let r):
            let text = "\(l.render(table, top: false)) \(op) \(r.render(table, top: false))"
            return top ? text : "(\(text))"
        }
    }

    /// As Python: `notebooks * notebook_price`.
    var python: String {
        switch self {
        case .ref(let name): return name
        case .op(let op, let l, let r):
            let left = l.isRef ? l.python : "(\(l.python))"
            let right = r.isRef ? r.python : "(\(r.python))"
            return "\(left) \(op) \(right)"
        }
    }

    var isRef: Bool {
        if case .ref = self { return true }
        return false
    }
}

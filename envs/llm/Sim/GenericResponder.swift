import Foundation
import TroupeCore

/// The `generic` sim family: echo, or templated answers picked by regular expressions.
///
/// Options:
/// - `templates`: `[{"match": REGEX, "answer": TEMPLATE}]`, tried in order on the last user
///   message (or the prompt); the first that matches answers.
/// - `fallback`: the template used when none matches (default `{input}`: echo).
/// - `wrong_answers`: answers to give when the responder deviates (default: a perturbed right
///   answer).
///
/// In a template, `{input}` is the last user message (or the prompt) and `$1` … `$9` are the
/// match's groups (`$0` the whole match).
///
/// Competence: the right answer is kept with probability `competence`; otherwise the answer
/// deviates: one of `wrong_answers` if given, else the right answer perturbed (its last number
/// changed, or a word dropped, or "I don't know.").
public struct GenericResponder: SimResponder {
    public struct Template: Sendable {
        public let pattern: String
        public let answer: String
        let regex: NSRegularExpression
    }

    public let templates: [Template]
    public let fallback: String
    public let wrongAnswers: [String]

    public static let kind = SimResponderKind(
        family: "generic", summary: "echoes the last user message, or answers from regex templates"
    ) { options in try GenericResponder(options: options) }

    public init(options: JSONObject) throws {
        let allowed = ["templates", "fallback", "wrong_answers"]
        if let unknown = options.keys.first(where: { !allowed.contains($0) }) {
            throw EnvError.badConfig("unknown option `\(unknown)`; the options are \(allowed.joined(separator: ", "))")
        }
        var templates: [Template] = []
        for (index, item) in (options["templates"]?.arrayValue ?? []).enumerated() {
            guard let pattern = item["match"]?.stringValue, let answer = item["answer"]?.stringValue else {
                throw EnvError.badConfig("`templates[\(index)]` must be {\"match\": REGEX, \"answer\": TEMPLATE}")
            }
            do {
                templates.append(
                    Template(pattern: pattern, answer: answer, regex: try NSRegularExpression(pattern: pattern)))
            } catch {
                throw EnvError.badConfig("`templates[\(index)].match` is not a valid regular expression: \(pattern)")
            }
        }
        if let value = options["templates"], value.arrayValue == nil {
            throw EnvError.badConfig("`templates` must be an array")
        }
        self.templates = templates
        if let value = options["fallback"], value.stringValue == nil {
            throw EnvError.badConfig("`fallback` must be a string template")
        }
        fallback = options["fallback"]?.stringValue ?? "{input}"
        let wrong = options["wrong_answers"]?.arrayValue ?? []
        guard wrong.allSatisfy({ $0.stringValue != nil }),
            options["wrong_answers"].map({ $0.arrayValue != nil }) ?? true
        else { throw EnvError.badConfig("`wrong_answers` must be an array of strings") }
        wrongAnswers = wrong.compactMap(\.stringValue)
    }

    public func respond(to input: LLMInput, competence: Double, rng: inout SeededRNG) throws -> String {
        let text = input.lastUserText
        let right = answer(to: text)
        guard rng.chance(1 - competence) else { return right }
        if let wrong = rng.element(of: wrongAnswers.filter { $0 != right }) { return wrong }
        return GenericResponder.perturb(right, rng: &rng)
    }

    /// The right answer: the first matching template, filled in, or the fallback.
    func answer(to text: String) -> String {
        let range = NSRange(text.startIndex..., in: text)
        for template in templates {
            if let match = template.regex.firstMatch(in: text, range: range) {
                return fill(template.answer, input: text, match: match)
            }
        }
        return fill(fallback, input: text, match: nil)
    }

    private func fill(_ template: String, input: String, match: NSTextCheckingResult?) -> String {
        var result = template.replacingOccurrences(of: "{input}", with: input)
        if let match {
            for group in stride(from: min(match.numberOfRanges - 1, 9), through: 0, by: -1) {
                let captured = Range(match.range(at: group), in: input).map { String(input[$0]) } ?? ""
                result = result.replacingOccurrences(of: "$\(group)", with: captured)
            }
        }
        return result
    }

    private static let numberPattern = try! NSRegularExpression(pattern: "-?[0-9]+")

    /// A plausible wrong variant of `answer`.
    static func perturb(_ answer: String, rng: inout SeededRNG) -> String {
        let range = NSRange(answer.startIndex..., in: answer)
        if let last = numberPattern.matches(in: answer, range: range).last,
            let swiftRange = Range(last.range, in: answer), let value = Int(answer[swiftRange])
        {
            let offset = rng.int(in: 1...9) * (rng.chance(0.5) ? 1 : -1)
            return answer.replacingCharacters(in: swiftRange, with: String(value + offset))
        }
        var words = answer.split(separator: " ", omittingEmptySubsequences: true)
        if words.count >= 2 {
            words.remove(at: rng.int(in: 0..<words.count))
            return words.joined(separator: " ")
        }
        return "I don't know."
    }
}

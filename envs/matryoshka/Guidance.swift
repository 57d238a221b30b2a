/// Guidance as a controller writes it: Matryoshka's plan format, a `# General Plan: …` line and
/// `# [Step k] …` lines (`alfworld_prompt.py`; regexes `# General [pP]lan.*` and `\[Step (\d+)\]`),
/// or free text.
///
/// Parsing is lenient, as a reader of model output must be: the leading `#` is optional, `Step k:`
/// and `k.` count as steps when no `[Step k]` line exists, and a line that continues a step is
/// joined to it. Lines that are neither plan nor step are kept as `notes`. Nothing is rejected:
/// text with no plan at all is free text (`isStructured` false), which the black box reads as it
/// can.
public struct Guidance: Sendable, Equatable {
    /// One plan step: its number as written and its text (without the `[Step k]` marker).
    public struct Step: Sendable, Equatable {
        public var number: Int
        public var text: String

        public init(number: Int, text: String) {
            self.number = number
            self.text = text
        }
    }

    /// The guidance exactly as given.
    public var raw: String
    /// The text after `General Plan:`, if there is such a line.
    public var generalPlan: String?
    /// The steps in the order written.
    public var steps: [Step]
    /// Lines that are neither the general plan nor a step.
    public var notes: [String]

    /// Whether the text follows the plan format (a general plan or at least one step).
    public var isStructured: Bool { generalPlan != nil || !steps.isEmpty }

    /// Whether there is anything to read (not only white space).
    public var isEmpty: Bool { raw.allSatisfy(\.isWhitespace) }

    public init(raw: String, generalPlan: String?, steps: [Step], notes: [String]) {
        self.raw = raw
        self.generalPlan = generalPlan
        self.steps = steps
        self.notes = notes
    }

    /// Reads `text`. Never fails.
    public static func parse(_ text: String) -> Guidance {
        let lines = text.split(whereSeparator: \.isNewline).map { trimmed(String($0)) }.filter { !$0.isEmpty }
        let bracketed = lines.contains { bracketStep($0) != nil }
        var plan: String?
        var steps: [Step] = []
        var notes: [String] = []
        for line in lines {
            let body = trimmed(String(line.drop { $0 == "#" }))
            if plan == nil, let rest = generalPlanText(body) {
                plan = rest
            } else if let step = bracketed ? bracketStep(body) : looseStep(body) {
                steps.append(step)
            } else if !steps.isEmpty {
                // A continuation of the previous step (a wrapped line).
                steps[steps.count - 1].text += " " + body
            } else if !body.isEmpty {
                notes.append(body)
            }
        }
        return Guidance(raw: text, generalPlan: plan, steps: steps, notes: notes)
    }

    /// `General Plan: …` (any case of `plan`, the colon optional) → the rest of the line.
    static func generalPlanText(_ line: String) -> String? {
        let lower = line.lowercased()
        guard lower.hasPrefix("general plan") else { return nil }
        var rest = line.dropFirst("general plan".count)
        if rest.first == ":" { rest = rest.dropFirst() }
        return trimmed(String(rest))
    }

    /// `[Step k] text` anywhere at the start of the line (after `#` and spaces).
    static func bracketStep(_ line: String) -> Step? {
        let body = trimmed(String(line.drop { $0 == "#" }))
        guard body.lowercased().hasPrefix("[step") else { return nil }
        let afterWord = body.dropFirst("[step".count).drop { $0 == " " }
        let digits = afterWord.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let afterNumber = afterWord.dropFirst(digits.count).drop { $0 == " " }
        guard afterNumber.first == "]" else { return nil }
        var rest = afterNumber.dropFirst().drop { $0 == " " }
        if rest.first == ":" { rest = rest.dropFirst() }
        return Step(number: number, text: trimmed(String(rest)))
    }

    /// `Step k: text`, `Step k. text`, `k. text` or `k) text`: steps written without brackets.
    static func looseStep(_ line: String) -> Step? {
        var body = Substring(line)
        if body.lowercased().hasPrefix("step ") { body = body.dropFirst(5) }
        let digits = body.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3, let number = Int(digits) else { return nil }
        let rest = body.dropFirst(digits.count)
        guard let mark = rest.first, [":", ".", ")"].contains(mark) else { return nil }
        return Step(number: number, text: trimmed(String(rest.dropFirst())))
    }

    static func trimmed(_ text: String) -> String {
        guard let start = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = text.lastIndex(where: { !$0.isWhitespace })!
        return String(text[start...end])
    }

    /// The guidance written back in Matryoshka's format (what `parse` reads), for prompts and
    /// data: `# General Plan: …` then one `# [Step k] …` line per step.
    public var formatted: String {
        var lines: [String] = []
        if let generalPlan { lines.append("# General Plan: \(generalPlan)") }
        lines += steps.map { "# [Step \($0.number)] \($0.text)" }
        lines += notes
        return lines.joined(separator: "\n")
    }
}

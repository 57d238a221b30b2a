import TroupeCore

/// Date understanding (BIG-Bench's `date_understanding`): a few sentences fix a date relative to
/// today; the question asks for another date relative to today, in MM/DD/YYYY, with six options
/// (A)–(F) or free form. Each reasoning step computes one date.
///
/// Difficulty is the number of steps: one (today is given), two (today follows from one fact:
/// yesterday, tomorrow, n days ago, an anniversary, a holiday), three or four (a chain of events
/// leads to today). TriPosT trains on 1-2 steps; here train and test_seen draw 1-2, test_unseen 3-4.
public struct DateUnderstandingTask: ReasoningTask {
    /// The knobs of the family.
    public struct Params: Sendable, Equatable, Codable {
        public var minSteps: Int
        public var maxSteps: Int
        /// Dates fall in `min_year ... max_year`.
        public var minYear: Int
        public var maxYear: Int

        public init(minSteps: Int, maxSteps: Int, minYear: Int = 1850, maxYear: Int = 2030) {
            self.minSteps = minSteps
            self.maxSteps = maxSteps
            self.minYear = minYear
            self.maxYear = maxYear
        }

        enum CodingKeys: String, CodingKey {
            case minSteps = "min_steps"
            case maxSteps = "max_steps"
            case minYear = "min_year"
            case maxYear = "max_year"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minSteps = try c.decodeIfPresent(Int.self, forKey: .minSteps) ?? 1
            maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps) ?? 2
            minYear = try c.decodeIfPresent(Int.self, forKey: .minYear) ?? 1850
            maxYear = try c.decodeIfPresent(Int.self, forKey: .maxYear) ?? 2030
            guard 1 <= minSteps, minSteps <= maxSteps, maxSteps <= 6 else {
                throw EnvError.badConfig("`params.min_steps` and `params.max_steps` must satisfy 1 <= min <= max <= 6")
            }
            guard 1000 <= minYear, minYear + 10 <= maxYear, maxYear <= 9000 else {
                throw EnvError.badConfig(
                    "`params.min_year` and `params.max_year` must satisfy 1000 <= min, min + 10 <= max <= 9000")
            }
        }

        public static func defaults(for split: Split) -> Params {
            switch split {
            case .train, .testSeen: return Params(minSteps: 1, maxSteps: 2)
            case .testUnseen: return Params(minSteps: 3, maxSteps: 4)
            }
        }
    }

    /// One computed date: what the step says and how it follows from the one before.
    struct Link: Sendable, Equatable {
        var date: CivilDate
        /// What the step assumes, after `If` (empty for a step without a premise).
        var premise: String
        /// What the step computes: `today's date`, `the date of the concert`, `the date tomorrow`.
        var subject: String
        /// How the date follows, for the reason of an error: `one day after March 3, 2005`.
        var relation: String
    }

    public let family = ReasoningFamily.dateUnderstanding
    let context: String
    /// The asked date, as in `What is the date one week ago from today in MM/DD/YYYY?`.
    let asked: String
    let links: [Link]
    /// The options in letter order, or nil for a free-form question.
    let options: [CivilDate]?

    var target: CivilDate { links.last!.date }
    var correctLetter: Character? {
        options.flatMap { $0.firstIndex(of: target) }.map { Character(Unicode.Scalar(UInt8(65 + $0))) }
    }

    public var question: String {
        var text = "Q: \(context) What is the date \(asked) in MM/DD/YYYY?"
        if let options {
            text += "\nOptions:"
            for (index, date) in options.enumerated() {
                text += "\n(\(Character(Unicode.Scalar(UInt8(65 + index))))) \(date.mmddyyyy)"
            }
        }
        return text
    }

    public var answerHeader: String { "Let's think step by step." }

    public var goldAnswer: String { correctLetter.map { "(\($0))" } ?? target.mmddyyyy }

    public var rationale: [ReasoningStep] {
        var steps = links.enumerated().map { index, link in
            ReasoningStep(String(index + 1), Self.text(of: link, last: index == links.count - 1))
        }
        steps.append(ReasoningStep(ReasoningStep.finalLabel, "So the answer is \(goldAnswer)."))
        return steps
    }

    static func text(of link: Link, last: Bool, date: CivilDate? = nil) -> String {
        let date = date ?? link.date
        let claim = "\(link.subject) is \(date.long)" + (last ? ", that is \(date.mmddyyyy)" : "")
        if link.premise.isEmpty { return claim.prefix(1).uppercased() + claim.dropFirst() + "." }
        return "If \(link.premise), then \(claim)."
    }

    public func answerIsCorrect(_ finalText: String) -> Bool {
        if let options {
            if let letter = AnswerCheck.optionLetter(finalText, count: options.count) { return letter == correctLetter }
        }
        return CivilDate.scan(finalText).first?.date == target
    }
}

/// A signed distance between dates, as the questions state them.
enum DateOffset: Sendable, Equatable {
    case days(Int)
    case months(Int)
    case years(Int)

    func apply(_ date: CivilDate) -> CivilDate? {
        switch self {
        case .days(let n): return date.adding(days: n)
        case .months(let n): return date.adding(months: n)
        case .years(let n): return date.adding(years: n)
        }
    }

    var negated: DateOffset {
        switch self {
        case .days(let n): return .days(-n)
        case .months(let n): return .months(-n)
        case .years(let n): return .years(-n)
        }
    }

    /// `one day`, `one week`, `10 days`, `one month`, `3 years`.
    var magnitude: String {
        switch self {
        case .days(let n):
            let m = abs(n)
            return m == 1 ? "one day" : m == 7 ? "one week" : m == 14 ? "two weeks" : "\(m) days"
        case .months(let n): return abs(n) == 1 ? "one month" : "\(abs(n)) months"
        case .years(let n): return abs(n) == 1 ? "one year" : "\(abs(n)) years"
        }
    }

    var isForward: Bool {
        switch self {
        case .days(let n), .months(let n), .years(let n): return n > 0
        }
    }

    /// `one day after March 3, 2005`.
    func relation(from date: CivilDate) -> String { "\(magnitude) \(isForward ? "after" : "before") \(date.long)" }
}

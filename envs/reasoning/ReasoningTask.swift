import Foundation
import TroupeCore

/// The task families of `reasoning-v0`. Raw values are the names used in configurations and info.
public enum ReasoningFamily: String, Sendable, Codable, CaseIterable {
    /// Nested integer expressions, BIG-Bench's multistep arithmetic as TriPosT uses it.
    case multistepArithmetic = "multistep_arithmetic"
    /// Lists of words to sort alphabetically, letter by letter.
    case wordSorting = "word_sorting"
    /// Relative date questions in BIG-Bench's style, answers in MM/DD/YYYY.
    case dateUnderstanding = "date_understanding"
    /// Ordering puzzles over 3, 5 or 7 objects, uniquely solvable.
    case logicalDeduction = "logical_deduction"
    /// GSM-style word problems with a reference PAL program.
    case wordProblems = "gsm"
}

/// Which distribution a task is drawn from. TriPosT trains on easier instances and tests on the
/// same ("seen") distribution and on harder ("unseen") ones; each family maps these to its knobs.
///
/// Train and test never share a question: a task belongs to the test side when
/// `fnv1a64("reasoning-split/" + question) % 5 == 0` and to the train side otherwise, and the
/// generator redraws until the task falls on its split's side. This holds for custom knobs too.
public enum Split: String, Sendable, Codable, CaseIterable {
    case train
    case testSeen = "test_seen"
    case testUnseen = "test_unseen"

    /// Whether a question with this text may appear in this split (see the type's documentation).
    func admits(question: String) -> Bool {
        let testSide = SeededRNG.fnv1a64("reasoning-split/" + question) % 5 == 0
        return (self == .train) != testSide
    }
}

/// One generated task: the question, its gold answer, the scripted rationale, and the
/// verifier that reads attempts at it.
///
/// Every task is a pure function of (family, parameters, seed): `ReasoningTasks.make` regenerates
/// it from those, which is how snapshots and the action sampler rebuild it.
public protocol ReasoningTask: Sendable {
    var family: ReasoningFamily { get }
    /// The question block as the papers print it: `Q: …`, with `Options:` when multiple choice.
    var question: String { get }
    /// What follows `Answer:` before the first step (`Let's think step by step.` plus the
    /// family's hint).
    var answerHeader: String { get }
    /// The gold answer, as the final response states it (`1516`, `(D)`, `costume counterpart oven`).
    var goldAnswer: String { get }
    /// The scripted, correct step-by-step solution (last step `Final response`).
    var rationale: [ReasoningStep] { get }
    /// Reads an attempt and finds its first wrong step.
    func verify(_ attempt: Attempt) -> Verdict
    /// Whether a final-response text states the gold answer (formatting-tolerant).
    func answerIsCorrect(_ finalText: String) -> Bool
    /// The scripted rationale with a wrong step at `index` (an index into `rationale`), for
    /// tests, demonstrations of errors, and the action sampler. Only that step differs, and the
    /// verifier reports it as the first wrong step.
    func injectingError(at index: Int, rng: inout SeededRNG) -> [ReasoningStep]
}

extension ReasoningTask {
    /// The scripted rationale as a full attempt text (`Let's think step by step. …` and steps).
    public var rationaleText: String { render(rationale) }

    /// Steps written out after the answer header.
    public func render(_ steps: [ReasoningStep]) -> String {
        ([answerHeader] + steps.map(\.line)).joined(separator: "\n")
    }

    /// The final step's claim: the text after `the answer is`, without a trailing period.
    static func finalClaim(_ step: ReasoningStep) -> String? {
        guard let range = step.text.range(of: "the answer is", options: [.caseInsensitive, .backwards]) else {
            return nil
        }
        var claim = step.text[range.upperBound...].trimmingSpaces()
        if claim.hasPrefix(":") { claim = claim.dropFirst().trimmingSpaces() }
        while claim.hasSuffix(".") { claim.removeLast() }
        return claim.trimmingSpaces()
    }
}

/// The shared setting of every task of one episode stream: how the task is drawn.
public struct TaskRequest: Sendable, Equatable, Codable {
    public var family: ReasoningFamily
    public var split: Split
    /// The family's knobs as JSON (nil: the split's defaults).
    public var params: JSONValue?
    /// Date understanding only: multiple-choice options (true) or a free-form date.
    public var multipleChoice: Bool

    public init(family: ReasoningFamily, split: Split = .train, params: JSONValue? = nil, multipleChoice: Bool = true) {
        self.family = family
        self.split = split
        self.params = params
        self.multipleChoice = multipleChoice
    }

    enum CodingKeys: String, CodingKey {
        case family, split, params
        case multipleChoice = "multiple_choice"
    }
}

extension String {
    /// Ordinal words used by the formats (`second`, `third`, … `twentieth`).
    static func ordinal(_ n: Int) -> String {
        let words = [
            "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
            "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
            "seventeenth", "eighteenth", "nineteenth", "twentieth",
        ]
        return n >= 0 && n < words.count ? words[n] : "\(n)th"
    }

    /// Cardinal words for small counts (`three`, `five`, `seven`).
    static func cardinal(_ n: Int) -> String {
        let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
        return n >= 0 && n < words.count ? words[n] : String(n)
    }
}

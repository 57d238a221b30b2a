import Foundation
import Testing
import TroupeCore

@testable import ReasoningEnv

/// Properties every family must have, checked over many seeds and every split: deterministic
/// generation, scripted rationales that verify, and errors injected at each step located exactly.
@Suite struct FamilyTests {
    static let slow = ProcessInfo.processInfo.environment["TROUPE_SLOW"] == "1"
    /// Seeds per (family, split): more with TROUPE_SLOW=1.
    static let seeds: [UInt64] = Array(1...(slow ? 400 : 25))

    static let cases: [(ReasoningFamily, Split)] = ReasoningFamily.allCases.flatMap { family in
        Split.allCases.map { (family, $0) }
    }

    static func task(
        _ family: ReasoningFamily, _ split: Split, _ seed: UInt64, multipleChoice: Bool = true
    ) throws -> any ReasoningTask {
        try ReasoningTasks.make(
            TaskRequest(family: family, split: split, multipleChoice: multipleChoice), seed: seed, cached: false)
    }

    @Test(arguments: cases)
    func generationIsDeterministicPerSeed(family: ReasoningFamily, split: Split) throws {
        var questions = Set<String>()
        for seed in Self.seeds {
            let a = try Self.task(family, split, seed)
            let b = try Self.task(family, split, seed)
            #expect(a.question == b.question)
            #expect(a.rationale == b.rationale)
            #expect(a.goldAnswer == b.goldAnswer)
            questions.insert(a.question)
        }
        // Different seeds give different questions (collisions are possible but rare).
        #expect(questions.count >= Self.seeds.count * 9 / 10, "only \(questions.count) distinct questions")
    }

    @Test(arguments: cases)
    func scriptedRationaleVerifiesAsCorrect(family: ReasoningFamily, split: Split) throws {
        for seed in Self.seeds {
            let task = try Self.task(family, split, seed, multipleChoice: seed % 3 != 0)
            let verdict = task.verify(Attempt(parsing: task.rationaleText))
            #expect(
                verdict.isCorrect,
                "seed \(seed): \(task.question)\n\(task.rationaleText)\n→ \(String(describing: verdict.error))")
            #expect(verdict.answerCorrect)
            #expect(verdict.checked == task.rationale.filter { !$0.isFinal }.map(\.label))
            #expect(task.answerIsCorrect(Self.claim(task.rationale.last!)), "seed \(seed)")
        }
    }

    @Test(arguments: cases)
    func verifierLocatesAnInjectedErrorAtEveryStep(family: ReasoningFamily, split: Split) throws {
        for seed in Self.seeds.prefix(Self.slow ? 400 : 12) {
            let task = try Self.task(family, split, seed, multipleChoice: seed % 3 != 0)
            var rng = SeededRNG(seed: seed, stream: "inject")
            for index in task.rationale.indices {
                let wrong = task.injectingError(at: index, rng: &rng)
                #expect(wrong != task.rationale, "seed \(seed) step \(index): nothing was changed")
                #expect(Array(wrong[..<index]) == Array(task.rationale[..<index]))
                let verdict = task.verify(Attempt(parsing: task.render(wrong)))
                let expected = task.rationale[index].label
                #expect(
                    verdict.error?.label == expected,
                    "seed \(seed): error injected at (\(expected)) but found \(String(describing: verdict.error))\n\(task.question)\n\(task.render(wrong))"
                )
                #expect(verdict.checked == task.rationale[..<index].filter { !$0.isFinal }.map(\.label))
                if wrong[index].isFinal { #expect(!verdict.answerCorrect) }
            }
        }
    }

    @Test func trainAndTestNeverShareAQuestion() throws {
        for family in ReasoningFamily.allCases {
            let train = try Set(Self.seeds.map { try Self.task(family, .train, $0).question })
            let test = try Set(Self.seeds.map { try Self.task(family, .testSeen, $0 &+ 1_000).question })
            #expect(train.isDisjoint(with: test), "\(family)")
            for question in train { #expect(Split.train.admits(question: question)) }
            for question in test { #expect(!Split.train.admits(question: question)) }
        }
    }

    @Test func truncatedOrEmptyAttemptsAreFeedbackNotCrashes() throws {
        for family in ReasoningFamily.allCases {
            let task = try Self.task(family, .train, 7)
            for text in [
                "", "(Final response) So the answer is", "garbage (1) (2)", "(1) 1 = = 2\n(1) x",
                String(task.rationaleText.prefix(40)),
            ] {
                let verdict = task.verify(Attempt(parsing: text))
                #expect(!verdict.isCorrect, "\(family): \(text)")
            }
        }
    }

    static func claim(_ step: ReasoningStep) -> String {
        let text = step.text
        return String(text[text.range(of: "the answer is")!.upperBound...]).trimmingCharacters(in: [":", " "])
    }
}

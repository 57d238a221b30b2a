import Foundation
import Testing
import TroupeCore

@testable import ReasoningEnv

/// Answer checkers, feedback sentences, and family-specific properties (unique solutions,
/// distinct options, TriPosT's own examples).
@Suite struct CheckerTests {
    @Test(arguments: [
        ("1516", 1516.0), ("1,516", 1516), ("$1,516.00", 1516), ("-73.", -73), ("12.5 dollars", 12.5), ("25%", 25),
        ("So it is 7", 7), ("−4", -4), ("0.125", 0.125),
    ])
    func numbersAcceptEquivalentFormats(text: String, value: Double) {
        #expect(AnswerCheck.number(text) == value)
    }

    @Test func numbersRejectWrongOnes() {
        #expect(AnswerCheck.number("no number") == nil)
        #expect(AnswerCheck.integer("12.5") == nil)
        #expect(!AnswerCheck.numberMatches("1517", gold: 1516))
        #expect(AnswerCheck.numberMatches("1516.0004", gold: 1516))
        #expect(!AnswerCheck.numberMatches("1516.01", gold: 1516))
    }

    @Test func datesAcceptEquivalentFormatsAndRejectOthers() {
        let target = CivilDate(1937, 12, 14)
        for text in [
            "12/14/1937", "12/14/1937.", "December 14, 1937", "Dec 14, 1937", "Dec. 14th, 1937", "14 December 1937",
            "1937-12-14",
        ] {
            #expect(CivilDate.scan(text).first?.date == target, "\(text)")
        }
        for text in ["12/14/37", "13/14/1937", "February 30, 2001", "Dec 14"] {
            #expect(CivilDate.scan(text).first?.date != target, "\(text)")
        }
        // Day numbers round-trip through the calendar, leap days included.
        for day in stride(from: -80_000, to: 40_000, by: 997) {
            #expect(CivilDate(dayNumber: day).dayNumber == day)
        }
        #expect(CivilDate(2000, 2, 28).adding(days: 1) == CivilDate(2000, 2, 29))
        #expect(CivilDate(1900, 2, 28).adding(days: 1) == CivilDate(1900, 3, 1))
        #expect(CivilDate(2002, 11, 28).weekday == 4)  // US Thanksgiving 2002 was a Thursday
    }

    @Test func wordListsAndLettersAreTolerant() {
        #expect(AnswerCheck.wordList("costume, counterpart and oven.") == ["costume", "counterpart", "oven"])
        #expect(AnswerCheck.wordList(": \"Costume\" \"counterpart\" \"oven\"") == ["costume", "counterpart", "oven"])
        #expect(AnswerCheck.optionLetter("(B) 11/11/2018", count: 5) == "B")
        #expect(AnswerCheck.optionLetter("b", count: 5) == "B")
        #expect(AnswerCheck.optionLetter("option C", count: 5) == "C")
        #expect(AnswerCheck.optionLetter("(G)", count: 5) == nil)
        #expect(AnswerCheck.optionLetter("the bus", count: 5) == nil)
    }

    @Test func feedbackFollowsTriPosTsSentences() {
        let error = StepError("6", segment: "(1424 - 64) = 1360", reason: "there is a calculation error", generic: "g")
        let style = FeedbackStyle()
        #expect(
            style.feedback(Verdict(checked: ["1", "2", "3", "4", "5"], error: error, answerCorrect: false))
                == "Step (1) to step (5) are correct. In step (6) the part \"(1424 - 64) = 1360\" is incorrect. This is because there is a calculation error."
        )
        #expect(
            style.feedback(Verdict(checked: ["1"], error: error, answerCorrect: false)).hasPrefix(
                "Step (1) is correct. In step (6)"))
        #expect(
            style.feedback(Verdict(checked: [], error: error, answerCorrect: false)).hasPrefix("In step (6) the part"))
        #expect(
            style.feedback(Verdict(checked: ["1", "2"], error: nil, answerCorrect: true))
                == "Step (1) to step (2) are correct. The final response is also correct.")
        #expect(
            FeedbackStyle(segment: false, reason: .generic).feedback(
                Verdict(checked: [], error: error, answerCorrect: false))
                == "Step (6) is incorrect. This is because g.")
    }

    /// TriPosT's own example of a wrong attempt (prompts/multistep_arithmetic.py): the error is in
    /// step (2), in the part "(-15 + 8 * 1) = -3".
    @Test func multistepArithmeticFindsThePapersExampleError() {
        let task = MultistepArithmeticTask(
            groups: [
                ArithmeticNode.flatGroup(numbers: [-9, -6, 8, 1], ops: ["+", "+", "*"]),
                ArithmeticNode.flatGroup(numbers: [-9, -1, -6, 6], ops: ["-", "*", "-"]),
            ], top: .op("*", .variable("A"), .variable("B")), length: 4, depth: 1)
        #expect(task.question == "Q: ((-9 + -6 + 8 * 1) * (-9 - -1 * -6 - 6)) =")
        #expect(task.goldAnswer == "147")
        #expect(
            task.rationale.map(\.line)[1]
                == "(2) Let's calculate A = (-9 + -6 + 8 * 1) = ((-9 + -6) + (8 * 1)) = (-15 + (8 * 1)) = (-15 + 8) = -7."
        )
        let attempt = """
            Answer: Let's think step by step.
            (1) This equation can be written as "(A * B)", where A = (-9 + -6 + 8 * 1) and B = (-9 - -1 * -6 - 6).
            (2) Let's calculate A = (-9 + -6 + 8 * 1) = ((-9 + -6) + 8 * 1) = (-15 + 8 * 1) = -3.
            (3) Let's calculate B = (-9 - -1 * -6 - 6) = ((-9 - (-1 * -6) - 6) = (-9 - 6) = -15.
            (4) Then, the final equation is (A * B) = (-3 * -15) = 45.
            (Final response) So the answer is 45.
            """
        let verdict = task.verify(Attempt(parsing: attempt))
        #expect(verdict.error?.label == "2")
        #expect(verdict.error?.segment == "(-15 + 8 * 1) = -3")
        #expect(
            FeedbackStyle().feedback(verdict).hasPrefix(
                "Step (1) is correct. In step (2) the part \"(-15 + 8 * 1) = -3\" is incorrect."))
    }

    /// Every logical-deduction puzzle has exactly one solution, found here by a plain search over
    /// permutations (not the bitsets the generator uses), and needs every one of its statements.
    @Test(arguments: [Split.train, .testUnseen])
    func logicalDeductionPuzzlesHaveExactlyOneSolution(split: Split) throws {
        for seed in UInt64(1)...(FamilyTests.slow ? 300 : 30) {
            let task = try ReasoningTasks.make(
                TaskRequest(family: .logicalDeduction, split: split), seed: seed, cached: false)
            let puzzle = try #require(task as? LogicalDeductionTask)
            func satisfied(_ order: [Int], _ clues: [LogicalDeductionTask.Clue]) -> Bool {
                clues.allSatisfy { clue in
                    switch clue {
                    case .before(let a, let b, _): return order.firstIndex(of: a)! < order.firstIndex(of: b)!
                    case .at(let object, let p): return order[p] == object
                    }
                }
            }
            func solutions(_ clues: [LogicalDeductionTask.Clue]) -> [[Int]] {
                var found: [[Int]] = []
                func extend(_ prefix: [Int]) {
                    if prefix.count == puzzle.n {
                        if satisfied(prefix, clues) { found.append(prefix) }
                        return
                    }
                    for object in 0..<puzzle.n where !prefix.contains(object) { extend(prefix + [object]) }
                }
                extend([])
                return found
            }
            #expect(solutions(puzzle.clues) == [puzzle.solution.map(Int.init)], "seed \(seed)")
            for index in puzzle.clues.indices {
                var fewer = puzzle.clues
                fewer.remove(at: index)
                #expect(solutions(fewer).count > 1, "seed \(seed): statement \(index + 1) is redundant")
            }
            // One option per object, exactly one of them right.
            #expect(puzzle.question.components(separatedBy: "\n(").count == puzzle.n + 1)
        }
    }

    @Test func dateOptionsAreDistinctWithExactlyOneRight() throws {
        for seed in UInt64(1)...60 {
            for split in Split.allCases {
                let task = try ReasoningTasks.make(
                    TaskRequest(family: .dateUnderstanding, split: split), seed: seed, cached: false)
                let date = try #require(task as? DateUnderstandingTask)
                let options = try #require(date.options)
                #expect(Set(options).count == options.count)
                #expect(options.filter { $0 == date.target }.count == 1)
                #expect(options.count == 6)
            }
        }
    }

    @Test func wordListsAreDistinctAndPrefixFree() throws {
        for seed in UInt64(1)...100 {
            let task = try ReasoningTasks.make(
                TaskRequest(family: .wordSorting, split: .testUnseen), seed: seed, cached: false)
            let words = try #require(task as? WordSortingTask).words
            #expect(Set(words).count == words.count)
            for a in words { for b in words where a != b { #expect(!a.hasPrefix(b)) } }
        }
    }

    /// The reference PAL program of every template, run by python3, returns the gold answer
    /// within PAL's tolerance; a broken program is reported, not crashed on.
    @Test func wordProblemProgramsComputeTheGoldAnswer() async throws {
        let runner = Python3SubprocessRunner()
        for template in WordProblemTask.templates.map(\.name) {
            for (seed, scale) in [(UInt64(1), "small"), (2, "large")] {
                let request = TaskRequest(
                    family: .wordProblems, split: .train,
                    params: ["templates": [.string(template)], "scale": .string(scale)])
                let task = try #require(try ReasoningTasks.make(request, seed: seed, cached: false) as? WordProblemTask)
                let outcome = await runner.run(task.program, timeout: .seconds(20))
                guard case .value(let value) = outcome else {
                    Issue.record("\(template): \(outcome)\n\(task.program)")
                    continue
                }
                #expect(abs(value - task.answer) < 1e-3, "\(template): \(value) vs \(task.answer)")
                #expect(task.judge(outcome).correct)
            }
        }
        #expect(
            await runner.run("def solution():\n    return 1/0", timeout: .seconds(20))
                == .failed("ZeroDivisionError: division by zero"))
        #expect(await runner.run("def solution():\n    while True: pass", timeout: .milliseconds(500)) == .timedOut)
        #expect(await runner.run("def solution():\n    return 'x'", timeout: .seconds(20)) == .notANumber("'x'"))
    }

    @Test func wordProblemVerifierGroundsNumbers() throws {
        let task = try #require(
            try ReasoningTasks.make(
                TaskRequest(family: .wordProblems, params: ["templates": ["tiles"]]), seed: 3, cached: false)
                as? WordProblemTask)
        var steps = task.rationale
        steps[0].text = "The area is 97 * 3 = 291 square meters."
        let verdict = task.verify(Attempt(parsing: task.render(steps)))
        #expect(verdict.error?.label == "1")
        #expect(verdict.error?.reason.contains("does not appear in the question") == true)
    }
}

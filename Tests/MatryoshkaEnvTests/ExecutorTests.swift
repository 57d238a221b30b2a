import ALFWorldEnv
import Foundation
import LLMEnv
import Testing
import TroupeCore

@testable import MatryoshkaEnv

@Suite struct ExecutorTests {
    /// The trajectory of one try with `guidance` on an explicit game.
    static func play(
        _ game: JSONValue, guidance: String, blackBox: JSONValue = perfectBlackBox
    ) async throws -> [[String]] {
        let env = try await makeSession(["black_box": blackBox])
        _ = try await env.reset(seed: 1, options: ["game_description": game])
        let step = try await env.step(.string(guidance))
        return step.info["trajectory"]!.arrayValue!.map { $0.arrayValue!.compactMap(\.stringValue) }
    }

    @Test(arguments: [0.5, 1.0])
    func neverReadsHiddenState(competence: Double) async throws {
        // Two games whose intros are the same text: the black box acts the same until what it is
        // shown differs, wherever the apple really is.
        let blackBox: JSONValue = ["backend": ["kind": "sim", "family": "alfworld", "competence": .double(competence)]]
        let a = try await Self.play(heatGame(appleIn: "garbagecan 1"), guidance: "", blackBox: blackBox)
        let b = try await Self.play(heatGame(appleIn: "sinkbasin 1"), guidance: "", blackBox: blackBox)
        let firstDifference = (0..<min(a.count, b.count)).first { a[$0][1] != b[$0][1] } ?? min(a.count, b.count)
        #expect(firstDifference < min(a.count, b.count), "the games should differ somewhere")
        #expect(firstDifference >= 3)  // the countertop, the table and the fridge come first
        for index in 0...firstDifference { #expect(a[index][0] == b[index][0], "command \(index) differs") }
    }

    @Test func theSamePromptGivesTheSameCommand() throws {
        let messages = BlackBoxPrompt.messages(
            grammar: .old, intro: BlackBoxPromptTests.intro, guidance: "# [Step 1] Check the fridge.", history: [],
            window: nil, admissible: nil)
        let executor = ALFWorldExecutor()
        var answers: Set<String> = []
        for _ in 0..<5 {
            var rng = SeededRNG(seed: 42)
            answers.insert(try executor.respond(to: .chat(messages), competence: 0.7, rng: &rng))
        }
        #expect(answers == ["go to fridge 1"])
    }

    @Test func readsTheSlotsOfAPlan() {
        let task = TaskReading(intro: BlackBoxPrompt.shownIntro(BlackBoxPromptTests.intro))
        #expect(task.kind == .heat && task.object == "apple" && task.parent == "fridge")
        #expect(task.receptacles == ["cabinet 2", "cabinet 1", "countertop 1", "fridge 1", "microwave 1"])
        let plan = Guidance.parse(
            """
            # General Plan: heat an apple and put it in the fridge.
            # [Step 1] Look for the apple on the countertops and in cabinet 1, opening closed ones.
            # [Step 2] Take the apple.
            # [Step 3] Warm it with microwave 1.
            # [Step 4] Put it in the fridge 1.
            # [Step 5] Check the towelholder for a second one.
            """)
        let reading = GuidanceReading(plan, task: task)
        #expect(reading.search == ["countertop 1", "cabinet 1"])
        #expect(reading.takeObject == "apple")
        #expect(reading.treatment?.verb == "heat" && reading.treatment?.appliance == "microwave 1")
        #expect(reading.destination == "fridge 1")
        #expect(reading.opensClosed)
        #expect(reading.two)  // "a second one"
        #expect(GuidanceReading(Guidance.parse(GuidanceWriter.vague), task: task).actionable == false)
    }

    @Test func slipsAreMalformedCommands() {
        #expect(ALFWorldExecutor.slip("take apple 1 from countertop 2") == "take apple 1 from countertop")
        #expect(ALFWorldExecutor.slip("look") == "look around")
    }
}

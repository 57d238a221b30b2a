import LLMEnv
import Testing

@testable import MatryoshkaEnv

@Suite struct BlackBoxPromptTests {
    static let intro = """
        -= Welcome to TextWorld, ALFRED! =-

        You are in the middle of a room. Looking quickly around you, you see a cabinet 2, a cabinet 1, a countertop 1, a fridge 1, and a microwave 1.

        Your task is to: put a hot apple in fridge.
        """

    @Test func showsTheIntroAsReActDoes() {
        #expect(
            BlackBoxPrompt.shownIntro(Self.intro)
                == "You are in the middle of a room. Looking quickly around you, you see a cabinet 2, a cabinet 1, a countertop 1, a fridge 1, and a microwave 1.\nYour task is to: put a hot apple in fridge."
        )
        #expect(
            BlackBoxPrompt.shownObservation("You arrive at loc 7. On the countertop 1, you see a apple 1.")
                == "On the countertop 1, you see a apple 1.")
        #expect(
            BlackBoxPrompt.shownObservation("You arrive at countertop 1. On the …")
                == "You arrive at countertop 1. On the …")
    }

    @Test func transcriptReadsBackWhatThePromptSays() throws {
        let history = [
            ("go to countertop 1", "On the countertop 1, you see a apple 1."),
            ("take apple 1 from countertop 1", "You pick up the apple 1 from the countertop 1."),
        ]
        let messages = BlackBoxPrompt.messages(
            grammar: .old, intro: Self.intro, guidance: "# [Step 1] heat it", history: history, window: nil,
            admissible: ["go to fridge 1", "inventory"])
        #expect(messages.map(\.role) == ["system", "user", "assistant", "user", "assistant", "user"])
        #expect(
            messages[1].content.hasSuffix(
                "Guidance from your planner:\n# [Step 1] heat it\n\nWhat is your first command?"))
        #expect(messages[5].content.hasSuffix("\n\nAdmissible commands: go to fridge 1, inventory"))
        let transcript = try #require(Transcript(.chat(messages)))
        #expect(transcript.intro == BlackBoxPrompt.shownIntro(Self.intro))
        #expect(transcript.guidance == "# [Step 1] heat it")
        #expect(transcript.turns.map(\.command) == history.map(\.0))
        #expect(transcript.turns.map(\.observation) == history.map(\.1))
        #expect(transcript.admissible == ["go to fridge 1", "inventory"])
        #expect(transcript.omittedTurns == 0)
    }

    @Test func windowDropsEarlyTurnsAndSaysSo() throws {
        let history = (1...5).map { ("go to cabinet \($0)", "Nothing happens.") }
        let messages = BlackBoxPrompt.messages(
            grammar: .new, intro: Self.intro, guidance: "", history: history, window: 2, admissible: nil)
        #expect(messages.count == 2 + 4)
        #expect(messages[0].content.contains("move OBJECT to RECEPTACLE"))
        let transcript = try #require(Transcript(.chat(messages)))
        #expect(transcript.guidance == "")
        #expect(transcript.omittedTurns == 3)
        #expect(transcript.turns.map(\.command) == ["go to cabinet 4", "go to cabinet 5"])
    }

    @Test func otherPromptsAreNotTranscripts() {
        #expect(Transcript(.prompt("Here is your task.")) == nil)
        #expect(Transcript(.chat([ChatMessage(role: "user", content: "hello")])) == nil)
    }

    @Test(arguments: [
        ("go to fridge 1", "go to fridge 1"),
        ("> take apple 1 from countertop 1\nthen heat it", "take apple 1 from countertop 1"),
        ("\n\n  Action: open fridge 1.  ", "open fridge 1"), ("`use desklamp 1`", "use desklamp 1"),
        ("Go To Fridge 1", "Go To Fridge 1"),
        ("", ""),
    ])
    func commandIsTheFirstLineCleaned(reply: String, command: String) {
        #expect(BlackBoxPrompt.command(from: reply) == command)
    }
}

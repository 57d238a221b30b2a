import Testing
import TroupeCore

@testable import LLMEnv

/// The `sim` backend and its generic responder.
@Suite struct SimTests {
    func backend(
        _ config: JSONObject = [:], responders: [SimResponderKind] = SimResponderKind.builtin
    ) async throws
        -> any LLMBackend
    {
        let plan = try SimBackend.kind(responders: responders).prepare(config)
        return try await plan.make(SharedResources())
    }

    func ask(
        _ backend: any LLMBackend, _ input: LLMInput, maxTokens: Int = 256, stop: [String] = [], seed: UInt64 = 1
    )
        async throws -> LLMCompletion
    {
        try await backend.complete(
            LLMRequest(
                model: "sim", input: input, sampling: SamplingParameters(maxTokens: maxTokens, stop: stop),
                sampleSeed: seed))
    }

    @Test func echoesTheLastUserMessage() async throws {
        let sim = try await backend()
        let chat = LLMInput.chat([
            ChatMessage(role: "system", content: "You are terse."), ChatMessage(role: "user", content: "first"),
            ChatMessage(role: "assistant", content: "ok"), ChatMessage(role: "user", content: "second, please!"),
        ])
        let answer = try await ask(sim, chat)
        #expect(answer.text == "second, please!")
        #expect(answer.finishReason == "stop")
        #expect(answer.usage == TokenUsage(promptTokens: SimTokens.count(chat.plainText), completionTokens: 4))
    }

    @Test func templatesAnswerWithCaptures() async throws {
        let sim = try await backend([
            "options": [
                "templates": [
                    ["match": "capital of (\\w+)", "answer": "I believe it is the capital of $1."],
                    ["match": "^go to (.+)$", "answer": "You arrive at $1."],
                ],
                "fallback": "Nothing happens. ({input})",
            ]
        ])
        #expect(
            try await ask(sim, .prompt("What is the capital of France?")).text
                == "I believe it is the capital of France.")
        #expect(try await ask(sim, .prompt("go to the kitchen")).text == "You arrive at the kitchen.")
        #expect(try await ask(sim, .prompt("jump")).text == "Nothing happens. (jump)")
    }

    @Test func stopSequencesAndTokenBudgetsApply() async throws {
        let sim = try await backend()
        let stopped = try await ask(sim, .prompt("alpha beta\ngamma"), stop: ["\n"])
        #expect(stopped.text == "alpha beta")
        #expect(stopped.finishReason == "stop")
        let cut = try await ask(sim, .prompt("one, two, three four"), maxTokens: 3)
        #expect(cut.text == "one, two")
        #expect(cut.finishReason == "length")
        #expect(cut.usage?.completionTokens == 3)
    }

    @Test(arguments: [0.0, 0.25, 0.75, 1.0])
    func competenceSetsTheDeviationRate(competence: Double) async throws {
        let sim = try await backend(["competence": .double(competence)])
        var right = 0
        let trials = 400
        for seed in 0..<trials {
            if try await ask(sim, .prompt("put 3 apples in the box"), seed: UInt64(seed)).text
                == "put 3 apples in the box"
            {
                right += 1
            }
        }
        let rate = Double(right) / Double(trials)
        #expect(abs(rate - competence) < 0.08, "right \(right) of \(trials) at competence \(competence)")
    }

    @Test func deviationsAreDeterministicAndPlausible() async throws {
        let sim = try await backend(["competence": 0])
        let a = try await ask(sim, .prompt("The answer is 42"), seed: 7)
        let b = try await ask(sim, .prompt("The answer is 42"), seed: 7)
        #expect(a == b)
        #expect(a.text.hasPrefix("The answer is "))
        #expect(a.text != "The answer is 42")
        let wrong = try await backend(["competence": 0, "options": ["wrong_answers": ["no", "maybe"]]])
        #expect(["no", "maybe"].contains(try await ask(wrong, .prompt("yes")).text))
    }

    @Test func aTaskFamilyCanBeRegistered() async throws {
        struct Shouter: SimResponder {
            func respond(to input: LLMInput, competence: Double, rng: inout SeededRNG) throws -> String {
                input.lastUserText.uppercased()
            }
        }
        let family = SimResponderKind(family: "shout", summary: "upper case") { _ in Shouter() }
        let sim = try await backend(["family": "shout"], responders: SimResponderKind.builtin + [family])
        #expect(try await ask(sim, .prompt("hello")).text == "HELLO")
    }

    @Test func tokenPiecesAreWordsAndPunctuation() {
        #expect(SimTokens.count("Hello, world! 42x") == 5)
        #expect(SimTokens.count("  ") == 0)
        #expect(SimTokens.count("café, nai\u{308}ve 日本!") == 5)
        #expect(SimTokens.truncate("a b c", to: 2) == ("a b", true))
        #expect(SimTokens.truncate("a b", to: 2) == ("a b", false))
    }
}

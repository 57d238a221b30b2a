import Foundation
import Testing
import TroupeCore

@testable import ReasoningEnv

/// `reasoning-v0` as an environment: the conformance checker on every family and on the mixed
/// default, the attempt–feedback loop, fixed evaluation indices, and configuration errors.
@Suite struct EnvTests {
    static let registry = EnvRegistry([ReasoningEnv.registration])
    static let configs: [String] =
        ["{}"] + ReasoningFamily.allCases.map { "{\"family\": \"\($0.rawValue)\"}" }
        + ["{\"family\": \"logical_deduction\", \"split\": \"test_unseen\", \"improvement_turns\": 1}"]

    static let cases: [(String, String)] = configs.flatMap { config in
        ConformanceChecker.checks.map { (config, $0.name) }
    }

    @Test(arguments: cases)
    func conformance(config: String, check: String) async throws {
        let subject = ConformanceSubject(
            registration: ReasoningEnv.registration, driver: InProcessDriver(registry: Self.registry),
            config: try JSONValue.parse(config), stepCap: 200)
        let named = try #require(ConformanceChecker.checks.first { $0.name == check })
        let outcome = try await named.run(subject)
        #expect(outcome == .passed, "\(config) \(check): \(outcome)")
    }

    func make(_ config: JSONValue, seed: UInt64 = 1) async throws -> any Environment {
        try await Self.registry.make(
            "reasoning-v0", config: config, context: MakeContext(seed: seed, shared: SharedResources()))
    }

    @Test func wrongAttemptGetsFeedbackThenTheRightOneWins() async throws {
        let env = try await make(["family": "multistep_arithmetic", "improvement_turns": 2])
        let first = try await env.reset(seed: 11, options: .null)
        let task = try #require(ReasoningEnv.task(fromInfo: first.info))
        #expect(first.observation.stringValue == task.question)
        #expect(first.info["attempts_left"] == 3)
        var rng = SeededRNG(seed: 1)
        let wrong = task.render(task.injectingError(at: 2, rng: &rng))
        let feedback = try await env.step(.string(wrong))
        #expect(feedback.reward == 0)
        #expect(!feedback.terminated)
        #expect(
            feedback.observation.stringValue?.hasPrefix("Step (1) to step (2) are correct. In step (3) the part")
                == true)
        #expect(feedback.info["error_step"] == "3")
        #expect(feedback.info["gold_answer"] == nil)
        let right = try await env.step(.string("Updated Answer: " + task.rationaleText + " [END]"))
        #expect(right.reward == 1)
        #expect(right.terminated)
        #expect(right.observation.stringValue?.hasSuffix("The final response is also correct.") == true)
        #expect(right.info["gold_answer"] == .string(task.goldAnswer))
    }

    @Test func attemptsRunOutAfterTheImprovementTurns() async throws {
        let env = try await make(["family": "word_sorting", "improvement_turns": 1])
        _ = try await env.reset(seed: 3, options: .null)
        let a = try await env.step("(Final response) So the answer is: nothing.")
        #expect(!a.done)
        let b = try await env.step("(Final response) So the answer is: nothing.")
        #expect(b.terminated && b.reward == 0)
        #expect(b.info["gold_answer"] != nil)
    }

    @Test func answerSuccessCountsTheAnswerOnly() async throws {
        let env = try await make(["family": "date_understanding", "success": "answer"])
        let first = try await env.reset(seed: 5, options: .null)
        let task = try #require(ReasoningEnv.task(fromInfo: first.info))
        let result = try await env.step(.string("(Final response) So the answer is \(task.goldAnswer)."))
        #expect(result.reward == 1)
        #expect(result.info["verified"] == true)
    }

    @Test func indicesGiveFixedEvaluationTasks() async throws {
        let a = try await make(["family": "all", "split": "test_seen"], seed: 1)
        let b = try await make(["family": "all", "split": "test_seen"], seed: 99)
        var families = Set<String>()
        for index in 0..<20 {
            let x = try await a.reset(seed: UInt64(index) &* 7, options: ["index": .number(index)])
            let y = try await b.reset(seed: nil, options: ["index": .number(index)])
            #expect(x.observation == y.observation)
            families.insert(x.info["family"]?.stringValue ?? "")
        }
        #expect(families.count >= 4)
    }

    @Test(arguments: [
        "{\"family\": \"chess\"}", "{\"family\": \"all\", \"params\": {\"objects\": [3]}}",
        "{\"family\": \"logical_deduction\", \"params\": {\"objects\": [9]}}",
        "{\"family\": \"logical_deduction\", \"params\": {\"object\": [3]}}",
        "{\"family\": \"multistep_arithmetic\", \"params\": {\"settings\": [\"x3d2\"]}}",
        "{\"improvement_turns\": -1}", "{\"program_runner\": \"bash\"}", "{\"answer_format\": \"program\"}",
        "{\"split\": \"validation\"}",
        "{\"family\": \"word_sorting\", \"params\": {\"min_words\": 5, \"max_words\": 2}}",
    ])
    func badConfigurationsAreRejectedWithTheField(config: String) async throws {
        do {
            _ = try await make(try JSONValue.parse(config))
            Issue.record("\(config) was accepted")
        } catch {
            #expect(error.troupeCode == .badConfig, "\(config): \(error)")
        }
    }

    @Test func badActionsAndOptionsAreErrors() async throws {
        let env = try await make(["family": "gsm"])
        _ = try await env.reset(seed: 1, options: .null)
        await #expect(throws: EnvError.self) { _ = try await env.step(["not": "text"]) }
        // A program without a runner is refused with a message saying how to enable one.
        do {
            _ = try await env.step("```python\ndef solution():\n    return 1\n```")
            Issue.record("a program ran without a runner")
        } catch {
            #expect(error.troupeCode == .invalidAction)
            #expect(error.troupeMessage.contains("program_runner"))
        }
        await #expect(throws: EnvError.self) { _ = try await env.reset(seed: 1, options: ["index": -3]) }
        await #expect(throws: EnvError.self) { _ = try await env.reset(seed: 1, options: ["level": 3]) }
    }

    @Test func palProgramsRunThroughTheProgramRunner() async throws {
        let env = try await make(["family": "gsm", "answer_format": "program", "program_runner": "python3"])
        let first = try await env.reset(seed: 4, options: .null)
        let task = try #require(ReasoningEnv.task(fromInfo: first.info) as? WordProblemTask)
        let wrong = try await env.step(
            .string(task.program.replacingOccurrences(of: "result = ", with: "result = 2 + ")))
        #expect(wrong.reward == 0)
        #expect(
            wrong.observation.stringValue
                == "You executed the solution function successfully but the answer is not correct.")
        let right = try await env.step(.string("```python\n\(task.program)\n```"))
        #expect(right.reward == 1)
        #expect(right.terminated)
    }
}

import Foundation
import ReasoningEnv
import Testing
import TroupeCatalog
import TroupeCore

@testable import PythonEnv

/// `reasoning-v0`'s PAL programs run in `python-v0`'s sandbox through the catalog's
/// `SandboxProgramRunner`: right programs score, wrong, failing and endless ones do not, and the
/// sandbox's limits (not the reasoning environment) stop the endless ones.
@Suite("PAL programs of reasoning-v0 in the python-v0 sandbox", .timeLimit(.minutes(10)))
struct PALRunnerTests {
    /// A GSM session with PAL answers, made through the catalog as `envd` makes it, and its task.
    static func session(
        timeout: Double = 30, resources: SharedResources = Sandboxes.resources
    ) async throws -> (any Environment, WordProblemTask) {
        let env = try await builtinEnvironments.make(
            "reasoning-v0",
            config: ["family": "gsm", "answer_format": "program", "program_timeout_s": .double(timeout)],
            context: MakeContext(seed: 3, shared: resources))
        let reset = try await env.reset(seed: 11, options: .null)
        let task = try #require(ReasoningEnv.task(fromInfo: reset.info) as? WordProblemTask)
        return (env, task)
    }

    @Test("a PAL program that computes the gold answer is correct; one off by one is not")
    func goldProgram() async throws {
        let (env, task) = try await PALRunnerTests.session()
        let wrong = try await env.step(
            .string(task.program.replacingOccurrences(of: "result = ", with: "result = 1 + ")))
        #expect(wrong.reward == 0)
        #expect(
            wrong.observation.stringValue
                == "You executed the solution function successfully but the answer is not correct.")
        #expect(wrong.info["program_value"]?.doubleValue.map { abs($0 - task.answer - 1) < 1e-9 } == true)
        let right = try await env.step(.string("```python\n\(task.program)\n```"))
        #expect(right.reward == 1, "\(right.observation)")
        #expect(right.terminated)
        #expect(right.observation.stringValue?.contains("is correct") == true)
        #expect(right.info["program_value"]?.doubleValue.map { abs($0 - task.answer) < 1e-3 } == true)
        await env.close()
    }

    @Test("a program that loops is killed by the sandbox's time limit, scored wrong, and the next one runs")
    func loopingProgram() async throws {
        // Resources of its own, so the pool's counters are this test's alone.
        let resources = SharedResources()
        let (env, task) = try await PALRunnerTests.session(timeout: 0.5, resources: resources)
        let pool = try await SandboxPool.shared(SandboxPoolConfig(), in: resources)
        defer { pool.shutdown() }
        let loop = try await env.step(.string("def solution():\n    while True:\n        pass\n"))
        #expect(loop.reward == 0)
        #expect(loop.observation.stringValue == "The solution function did not finish within the time limit.")
        #expect(loop.info["answer_correct"] == false)
        #expect(pool.stats().byStatus[.timeout] == 1, "the sandbox did not stop it: \(pool.stats().json)")
        let right = try await env.step(.string(task.program))
        #expect(right.reward == 1, "\(right.observation)")
        // The sandbox stopped the program itself: its worker was not replaced.
        #expect(pool.stats().completed == 2)
        #expect(pool.stats().restarts == 0)
        await env.close()
    }

    /// Runs programs through the runner directly, on the test's single-worker pool.
    static func run(_ program: String) async -> ProgramOutcome {
        let runner = SandboxProgramRunner(
            resources: Sandboxes.resources,
            poolConfig: SandboxPoolConfig(isolation: .rlimitsOnly, workers: 1, sandboxUID: 61234, sandboxGID: 61234))
        return await runner.run(program, timeout: .seconds(30))
    }

    @Test(
        "PAL's contract: float() of solution(), exceptions and syntax errors named, no solution, not a number",
        arguments: [
            ("def solution():\n    return 7", ProgramOutcome.value(7)),
            ("def solution():\n    return ' 2.5 '", .value(2.5)),
            ("from fractions import Fraction\ndef solution():\n    return Fraction(1, 4)", .value(0.25)),
            ("def solution():\n    return True", .value(1)),
            ("def solution():\n    return x", .failed("NameError: name 'x' is not defined")),
            ("def solution():\n    return 1 / 0", .failed("ZeroDivisionError: division by zero")),
            ("def solution():\n    return [1, 2]", .notANumber("[1, 2]")),
            ("def solution():\n    return 'seven'", .notANumber("'seven'")),
            ("solution = 3", .failed("NameError: the program defines no solution() function")),
        ])
    func contract(program: String, expected: ProgramOutcome) async {
        #expect(await PALRunnerTests.run(program) == expected)
    }

    @Test("syntax errors, NaN, and programs with quotes, backslashes and non-ASCII text survive the trip")
    func awkwardPrograms() async {
        if case .failed(let message) = await PALRunnerTests.run("def solution(:\n    return 1") {
            #expect(message.hasPrefix("SyntaxError"), "\(message)")
        } else {
            Issue.record("a syntax error was not a failure")
        }
        if case .value(let value) = await PALRunnerTests.run("def solution():\n    return float('nan')") {
            #expect(value.isNaN)
        } else {
            Issue.record("NaN was not a value")
        }
        let program = #"""
            def solution():
                s = "a\\b \"q\" 'é' \u00e9 \/ \n"
                return len(s) + 0.5
            """#
        let reference = await Python3SubprocessRunner().run(program, timeout: .seconds(30))
        #expect(reference == .value(18.5))
        #expect(await PALRunnerTests.run(program) == reference)
    }
}

import Foundation
import LLMEnv
import Testing
import TroupeCore
import TroupeLM

@testable import LLMLocalBackend

/// The `local` backend on the real default model (SmolLM2-135M-Instruct Q4_1, `scripts/fetch-model`),
/// through `llm-v0` with no `path`: only with `TROUPE_SLOW=1` (6 minutes in a debug build on the loaded
/// 2-core machine; the engine is compiled without optimization there).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TROUPE_SLOW"] == "1"))
struct DefaultModelTests {
    /// Eight sessions at once get the greedy answers each gets alone, through the model's own chat
    /// template, and the answers are real text.
    @Test func batchedChatsEqualAlone() async throws {
        try await bounded("batchedChatsEqualAlone", seconds: 600) {
            let config: JSONValue = ["backend": ["kind": "local", "threads": 2], "defaults": ["max_tokens": 24]]
            let questions = (0..<8).map { "In one sentence, what is \(["rain", "a cat", "Paris", "music"][$0 % 4])?" }
            let alone = Harness()
            var expected: [String] = []
            for (index, question) in questions.enumerated() {
                let env = try await alone.session(config, seed: UInt64(index))
                expected.append(try await env.step(.string(question)).observation.stringValue ?? "")
            }
            let together = Harness()
            var envs: [any Environment] = []
            for index in questions.indices { envs.append(try await together.session(config, seed: UInt64(index))) }
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (index, env) in envs.enumerated() {
                    group.addTask {
                        (index, try await env.step(.string(questions[index])).observation.stringValue ?? "")
                    }
                }
                return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
            for index in questions.indices {
                #expect(answers[index] == expected[index], "session \(index)")
                #expect(expected[index].count > 10, "\(expected[index])")
            }
            let backend = try #require(await together.backend())
            #expect(backend.modelName == "SmolLM2-135M-Instruct.Q4_1")
            #expect(backend.stats.meanBatch > 1.5, "the engine did not batch: \(backend.stats)")
        }
    }
}

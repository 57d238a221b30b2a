import Foundation
import LLMEnv
import Testing
import TroupeCore

@testable import LLMLocalBackend

/// `llm-v0` with the `local` backend: configuration, identity, many sessions, conformance.
@Suite struct LocalEnvTests {
    /// Configuration errors are `bad_config` naming the field, at `make`.
    @Test(
        arguments: [
            (["speed": 1], "backend.speed"),
            (["threads": 0], "threads"),
            (["max_batch": 0], "max_batch"),
            (["template": "jinja"], "template"),
            (["prefill_budget": 8], "prefill_budget"),
            (["context_length": 1], "context_length"),
            (["context_length": 4096], "model's context of 128"),
            (["path": "/nonexistent/model.gguf"], "/nonexistent/model.gguf"),
            (["path": ""], "path"),
            (["adapter": "/nonexistent/adapter"], "/nonexistent/adapter"),
            (["adapter": ""], "adapter"),
        ] as [(JSONObject, String)])
    func badConfig(_ fields: JSONObject, _ named: String) async throws {
        try await bounded("badConfig") {
            let harness = Harness()
            let error = await captureError {
                _ = try await harness.session(localConfig(try TinyModel.quantized(), backend: fields))
            }
            #expect(error?.troupeCode == .badConfig)
            #expect("\(error!)".contains(named), "\(error!)")
        }
    }

    /// Without `path`, a missing default model is `bad_config` saying to run scripts/fetch-model.
    @Test func missingDefaultModel() throws {
        let error = #expect(throws: EnvError.self) {
            _ = try LocalBackend.resolveModel(LocalBackend.Config(), defaultPath: "/nonexistent/troupe/model.gguf")
        }
        #expect(error?.troupeCode == .badConfig)
        #expect("\(error!)".contains("scripts/fetch-model"))
    }

    /// The cache identity is the model file's SHA-256 (the fixture manifest's digest), so runs on
    /// any machine with the same file share recorded answers.
    @Test func identityIsTheFileDigest() throws {
        let plan = try LocalBackend.kind.prepare(["path": .string(TinyModel.f32)])
        #expect(plan.identity["sha256"]?.stringValue?.hasPrefix("55bd92e9c92f1d09") == true)
        #expect(plan.defaultModel == "tiny-llama-f32")
        let directory = try LocalBackend.kind.prepare(["path": .string(TinyModel.fixtures + "/tiny-llama")])
        #expect(directory.identity["sha256"]?.stringValue?.count == 64)
        #expect(directory.defaultModel == "tiny-llama")
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(
            SHA256.hex(Array(twoBlocks.utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Fed in uneven pieces, a million `a`s.
        var hash = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 9_973)
        var left = 1_000_000
        while left > 0 {
            hash.update(Array(piece.prefix(min(left, piece.count))))
            left -= min(left, piece.count)
        }
        #expect(hash.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Many sessions at once share one backend and get exactly what one session alone gets; the
    /// engine batched them.
    @Test func manyConcurrentSessions() async throws {
        try await bounded("manyConcurrentSessions") {
            let config = localConfig(try TinyModel.quantized(), maxTokens: 12)
            func actions(_ index: Int) -> [JSONValue] {
                [
                    ["prompt": .string(prompts[index % prompts.count]), "extra": ["ignore_eos": true]],
                    ["messages": [["role": "user", "content": .string("Question \(index)?")]], "temperature": 0.8],
                ]
            }
            let sessions = 24
            let alone = Harness()
            var expected: [[String]] = []
            for index in 0..<sessions {
                let env = try await alone.session(config, seed: UInt64(index))
                var texts: [String] = []
                for action in actions(index) { texts.append(try await env.step(action).observation.stringValue ?? "") }
                expected.append(texts)
            }

            let together = Harness()
            var envs: [any Environment] = []
            for index in 0..<sessions { envs.append(try await together.session(config, seed: UInt64(index))) }
            let results = try await withThrowingTaskGroup(of: (Int, [StepResult]).self) { group in
                for (index, env) in envs.enumerated() {
                    group.addTask {
                        var steps: [StepResult] = []
                        for action in actions(index) { steps.append(try await env.step(action)) }
                        return (index, steps)
                    }
                }
                return try await group.reduce(into: [Int: [StepResult]]()) { $0[$1.0] = $1.1 }
            }
            for index in 0..<sessions {
                let steps = try #require(results[index])
                #expect(steps.map { $0.observation.stringValue ?? "" } == expected[index], "session \(index)")
                #expect(steps[0].info["backend"] == "local")
                #expect(steps[0].info["model"] == "tiny-llama-q4_1")
                #expect(steps[0].info["finish_reason"] == "length")
                #expect(steps[0].info["usage"]?["completion_tokens"] == 12)
            }
            let stats = try #require(await together.backend()).stats
            #expect(stats.finished == 2 * sessions)
            #expect(stats.meanBatch > 1.5, "the engine did not batch: \(stats)")
        }
    }

    /// The core's conformance checker over `llm-v0` with the `local` backend on the tiny model.
    @Test func conformance() async throws {
        try await bounded("conformance") {
            // Short episodes: the checker plays whole episodes, several times.
            guard case .object(var conformanceConfig) = localConfig(try TinyModel.quantized()) else { return }
            conformanceConfig["max_episode_steps"] = 8
            let registry = EnvRegistry([LLMEnv.registration(backends: LLMBackendKind.builtin + [LocalBackend.kind])])
            let subject = ConformanceSubject(
                registration: try registry.registration("llm-v0"), driver: InProcessDriver(registry: registry),
                config: .object(conformanceConfig))
            for (check, result) in await ConformanceChecker.runAll(subject) {
                switch result {
                case .success(.skipped(let why)): Issue.record("\(check) skipped: \(why)")
                case .success: break
                case .failure(let error): Issue.record("\(check): \(error)")
                }
            }
        }
    }
}

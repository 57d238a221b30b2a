import Foundation
import LLMEnv
import Testing
import TroupeCore
import TroupeLM
import TroupeTrain

@testable import LLMLocalBackend

/// The `local` backend with a PEFT LoRA adapter (`backend.adapter`).
@Suite struct AdapterTests {
    /// A PEFT adapter for the tiny model on every projection, with B drawn at random (a fresh
    /// adapter's B is zero and would change nothing), saved as `agent sft` saves one.
    static func adapter() throws -> String {
        let lm = try LanguageModel.load(TinyModel.f32)
        let lora = try LoRAModel(config: LoRAConfig(r: 4, alpha: 8), modelConfig: lm.model.config, seed: 3)
        var rng = SeededRNG(seed: 5)
        for block in lora.layers {
            for (_, layer) in block.sorted(by: { $0.key < $1.key }) {
                for i in 0..<layer.b.count { layer.b[i] = Float(rng.double() - 0.5) }
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "troupe-local-adapter-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try lora.savePEFT(to: directory, baseModel: "tiny-llama")
        return directory
    }

    /// The adapter changes the answers, and batched answers still equal one-at-a-time answers; the
    /// cache identity names the adapter's digest.
    @Test func adapterChangesAnswers() async throws {
        try await bounded("adapterChangesAnswers") {
            let adapter = try AdapterTests.adapter()
            let path = try TinyModel.quantized()
            let base = try TinyModel.backend(path)
            let adapted = try LocalBackend(
                config: LocalBackend.Config(path: path, adapter: adapter, threads: 2), path: path)
            let requests = prompts.prefix(4).map { promptRequest($0, maxTokens: 8, extra: ["ignore_eos": true]) }
            var alone: [LLMCompletion] = []
            var baseline: [LLMCompletion] = []
            for request in requests {
                alone.append(try await adapted.complete(request))
                baseline.append(try await base.complete(request))
            }
            #expect(alone.map(\.text) != baseline.map(\.text))
            let together = try await withThrowingTaskGroup(of: (Int, LLMCompletion).self) { group in
                for (i, request) in requests.enumerated() { group.addTask { (i, try await adapted.complete(request)) } }
                return try await group.reduce(into: [Int: LLMCompletion]()) { $0[$1.0] = $1.1 }
            }
            for (i, completion) in alone.enumerated() { #expect(together[i] == completion, "request \(i)") }

            let plan = try LocalBackend.kind.prepare(["path": .string(path), "adapter": .string(adapter)])
            #expect(plan.identity["adapter_sha256"]?.stringValue?.count == 64)
            #expect(try LocalBackend.kind.prepare(["path": .string(path)]).identity["adapter_sha256"] == .null)
        }
    }
}

import AgentKit
import Foundation
import MatryoshkaEnv
import Testing
import TroupeCatalog
import TroupeCore
import TroupeLM

@testable import Matryoshka

/// Matryoshka's loop end to end on the engine's tiny fixture model (in process, the `sim` black
/// box), interrupted at deterministic points (`Interruption`: the run throws as a crash would,
/// after N recorded episodes or N optimizer steps) and resumed from what is on disk. Serialized:
/// one model generates or trains at a time (a suspected deadlock when several ran at once).
@Suite(.serialized) struct RunTests {
    /// The engine's tiny Llama (safetensors), copied with a 2,048-position context: its own 128
    /// cannot hold the controller's prompt (RoPE has no learned positions, so only the limit moves).
    static let tinyModel: String = {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../TroupeLMTests/Fixtures/tiny-llama").standardized
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("troupe-matryoshka-tiny-\(getpid())")
        try? FileManager.default.removeItem(at: copy)
        try! FileManager.default.copyItem(at: source, to: copy)
        let configURL = copy.appendingPathComponent("config.json")
        var config = try! JSONValue.parse([UInt8](try! Data(contentsOf: configURL))).objectValue!
        config["max_position_embeddings"] = 2048
        try! Data(JSONValue.object(config).serialized().utf8).write(to: configURL)
        return copy.path
    }()

    /// The tiny preset with a clumsy black box, so that samples both win and lose (pairs exist).
    static var settings: RunSettings {
        var s = RunSettings.presets["tiny"]!
        s.trainGames = 3
        s.evalGames = 2
        s.samples = 4
        // Prompts cut to their last 128 tokens for training: the debug build trains slowly.
        s.maxLength = 160
        s.blackBox = ["backend": ["kind": "sim", "family": "alfworld", "competence": 0.5]]
        return s
    }

    static func run(_ directory: String, interruption: Interruption? = nil) throws -> MatryoshkaRun {
        let lm = try LanguageModel.load(tinyModel)
        let controller = try Controller(
            lm: lm, maxTokens: RunTests.settings.maxTokens, template: .chatML(defaultSystem: nil))
        let run = try MatryoshkaRun(
            settings: RunTests.settings, directory: directory,
            driver: InProcessDriver(registry: builtinEnvironments), controller: controller,
            modelIdentity: ["path": "tiny-llama"])
        run.interruption = interruption
        return run
    }

    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "troupe-matryoshka-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func done(_ directory: String) throws -> Set<String> {
        Set((try RunFiles.readJSON(directory + "/state.json")?["done"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    @Test func resumesAfterAnInterruptionDuringCollection() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await #expect(throws: Interrupted.self) {
            try await RunTests.run(directory, interruption: Interruption(phase: "round-1/collect", count: 5)).run()
        }
        let partial = try RunFiles.readLines(directory + "/round-1/collect.jsonl")
        #expect(partial.count == 5)
        #expect(try RunTests.done(directory).contains("eval/round-0"))
        #expect(!(try RunTests.done(directory).contains("round-1/collect")))

        let report = try await RunTests.run(directory).run()
        let samples = try RunFiles.readLines(directory + "/round-1/collect.jsonl")
        let keys = samples.compactMap { $0["key"]?.stringValue }
        #expect(keys.count == 12 && Set(keys).count == 12, "every sample exactly once after the resume")
        // The five recorded before the interruption are kept as they were.
        #expect(Array(samples.prefix(5)).map { $0.serialized() } == partial.map { $0.serialized() })
        #expect(
            try RunTests.done(directory).isSuperset(of: [
                "eval/round-0", "round-1/collect", "round-1/pairs", "round-1/dpo", "eval/round-1",
            ]))
        #expect(FileManager.default.fileExists(atPath: report))
    }

    /// Scripted collection: even samples a generic plan, odd ones nothing. The tiny model's text
    /// means nothing to the black box, which then plays every sample of a game alike (same game,
    /// same seed), so it alone would give no pair.
    struct AlternatingGuidance: Policy {
        var name: String { "alternating" }
        func act(_ episode: EpisodeView) async throws -> JSONValue {
            let sample = episode.key.split(separator: "s").last.flatMap { Int($0) } ?? 0
            return sample % 2 == 0
                ? .string(GuidanceWriter.generic(intro: episode.reset.observation.stringValue ?? "")) : ""
        }
    }

    @Test func resumesAfterAnInterruptionDuringTraining() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await #expect(throws: Interrupted.self) {
            let run = try RunTests.run(directory, interruption: Interruption(phase: "round-1/dpo", count: 1))
            run.collectionPolicy = AlternatingGuidance()
            try await run.run()
        }
        let pairs = try RunFiles.readLines(directory + "/round-1/pairs.jsonl")
        try #require(pairs.count >= 2, "the fixture run must give pairs (a clumsy black box wins some, loses some)")
        for pair in pairs {
            #expect(
                pair["chosen"]?.arrayValue?.first?["content"]?.stringValue
                    != pair["rejected"]?.arrayValue?.first?["content"]?.stringValue)
        }
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: directory + "/round-1/dpo")
        #expect(checkpoints.contains { $0.hasPrefix("checkpoint-") }, "a checkpoint after the first step")
        #expect(!(try RunTests.done(directory).contains("round-1/dpo")))

        try await RunTests.run(directory).run()
        #expect(try RunTests.done(directory).contains("eval/round-1"))
        for file in [
            "round-1/dpo/adapter_config.json", "round-1/dpo/adapter_model.safetensors", "round-1/adapter.gguf",
            "report.md",
        ] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file)")
        }
        let metrics = try RunFiles.readLines(directory + "/round-1/dpo/metrics.jsonl")
        let steps = metrics.compactMap { $0["step"]?.intValue }
        #expect(
            steps == Array(1...Int64(steps.count)), "one metrics line per step, none lost or repeated by the resume")
    }

    @Test func refusesADirectoryOfAnotherRun() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await #expect(throws: Interrupted.self) {
            try await RunTests.run(directory, interruption: Interruption(phase: "eval/round-0", count: 1)).run()
        }
        var other = RunTests.settings
        other.samples = 5
        let lm = try LanguageModel.load(RunTests.tinyModel)
        let run = try MatryoshkaRun(
            settings: other, directory: directory, driver: InProcessDriver(registry: builtinEnvironments),
            controller: try Controller(lm: lm, template: .chatML(defaultSystem: nil)),
            modelIdentity: ["path": "tiny-llama"])
        await #expect(throws: MatryoshkaError.self) { try await run.run() }
    }
}

/// The same loop with the default controller, SmolLM2-135M-Instruct (TROUPE_SLOW=1, and the model
/// fetched by `scripts/fetch-model`): the tiny preset end to end, adapters exported.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["TROUPE_SLOW"] == "1"
            && FileManager.default.fileExists(atPath: ModelStore.defaultModelPath)))
struct SmolLM2RunTests {
    @Test func tinyPresetEndToEnd() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = RunSettings.presets["tiny"]!
        settings.maxTokens = 96
        let lm = try LanguageModel.load(ModelStore.defaultModelPath)
        let run = try MatryoshkaRun(
            settings: settings, directory: directory, driver: InProcessDriver(registry: builtinEnvironments),
            controller: try Controller(lm: lm, maxTokens: settings.maxTokens),
            modelIdentity: ["path": .string(ModelStore.defaultModelPath)])
        let report = try await run.run()
        let done = try RunTests.done(directory)
        #expect(
            done.isSuperset(of: ["eval/round-0", "round-1/collect", "round-1/pairs", "round-1/dpo", "eval/round-1"]))
        let guidance = try RunFiles.readLines(directory + "/round-1/collect.jsonl").compactMap {
            $0["steps"]?.arrayValue?.first?["action"]?.stringValue
        }
        #expect(guidance.count == 12)
        #expect(guidance.contains { $0.contains("[Step") || $0.contains("General Plan") }, "SmolLM2 follows the format")
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("| controller before training"))
    }
}

import Foundation
import LLMStubServer
import Testing
import TroupeCore

@testable import LLMEnv

/// Sessions of `llm-v0` made through the registry (so with its wrappers), sharing one
/// `SharedResources` as sessions of one server do.
struct Harness {
    let registry = EnvRegistry([LLMEnv.registration])
    let shared = SharedResources()

    func make(_ config: JSONValue, seed: UInt64 = 1) async throws -> any Environment {
        try await registry.make("llm-v0", config: config, context: MakeContext(seed: seed, shared: shared))
    }

    /// A session already reset with `seed`.
    func session(_ config: JSONValue, seed: UInt64 = 1) async throws -> any Environment {
        let env = try await make(config, seed: seed)
        _ = try await env.reset(seed: seed, options: .null)
        return env
    }
}

/// An `openai` backend configuration pointing at a stub server, with quick retries.
func openAIConfig(
    _ server: StubHTTPServer, backend extra: JSONObject = [:], cache: JSONValue? = nil, model: String = "stub-model"
) -> JSONValue {
    var backend: JSONObject = [
        "kind": "openai", "base_url": .string(server.baseURL), "backoff_base_s": 0.01, "backoff_max_s": 0.05,
        "timeout_s": 5,
    ]
    for (key, value) in extra { backend[key] = value }
    var config: JSONObject = ["backend": .object(backend), "model": .string(model)]
    if let cache { config["cache"] = cache }
    return .object(config)
}

/// A fresh path for a cache file in a temporary directory.
func temporaryCachePath(_ name: String = "cache.log") -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "troupe-llm-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// Runs `body` and returns the error it throws, failing the test when it throws none.
func captureError(
    _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> (any Error)? {
    do {
        try await body()
        Issue.record("expected an error, got none", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

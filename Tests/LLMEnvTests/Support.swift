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

/// A counter safe to bump from the stub server's threads, and a gauge of requests in flight.
final class Counter: @unchecked Sendable {
    private let condition = NSCondition()
    private var value = 0
    private var peak = 0
    private var current = 0

    /// Adds one and returns the new count.
    func next() -> Int {
        condition.withLock {
            value += 1; return value
        }
    }
    var count: Int { condition.withLock { value } }

    /// Counts a request in flight and holds it until `target` are in flight at once (or `timeout`
    /// seconds pass, so a failing test ends), then lets it go. `maxInFlight` then tells how many
    /// were in flight together, whatever the machine's speed.
    func holdUntil(_ target: Int, timeout: Double = 10) {
        condition.lock()
        current += 1
        peak = max(peak, current)
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while peak < target, condition.wait(until: deadline) {}
        current -= 1
        condition.unlock()
    }

    var maxInFlight: Int { condition.withLock { peak } }
}

/// A loopback port held by a socket that never listens: connecting to it is refused.
struct ReservedPort {
    let fd: Int32
    let port: Int

    init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard socketFD >= 0, bound else {
            close(socketFD)
            throw LlamaServerError("could not reserve a loopback port")
        }
        fd = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() { close(fd) }
}

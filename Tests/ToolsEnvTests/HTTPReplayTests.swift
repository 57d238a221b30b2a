import Foundation
import Testing
import TroupeCore

@testable import ToolsEnv

/// The HTTP backend against a real local server (Python's http.server on 127.0.0.1, started by
/// the test): request shape, key handling, status mapping, host restriction, timeouts, and
/// record/replay that reproduces a run offline.
@Suite(.serialized) struct HTTPReplayTests {
    /// A tiny RapidAPI stand-in: echoes what it received and counts requests; a few paths
    /// answer with error statuses, one echoes the key, one is slow.
    static let serverScript = #"""
        import http.server, json, sys, time, urllib.parse
        count = 0
        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def answer(self, body):
                global count
                count += 1
                u = urllib.parse.urlparse(self.path)
                for code in (400, 401, 403, 404, 429, 500):
                    if u.path.endswith("/status%d" % code):
                        return self.reply(code, {"message": "status %d" % code})
                if u.path.endswith("/slow"):
                    time.sleep(3)
                if u.path.endswith("/echo-key"):
                    return self.reply(200, {"you_sent": self.headers.get("X-RapidAPI-Key")})
                self.reply(200, {"count": count, "method": self.command, "path": u.path, "query": u.query,
                                 "host": self.headers.get("X-RapidAPI-Host"),
                                 "has_key": self.headers.get("X-RapidAPI-Key") == "sekrit-123", "body": body})
            def reply(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def do_GET(self): self.answer(None)
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                self.answer(self.rfile.read(n).decode())
        s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        print(s.server_address[1], flush=True)
        s.serve_forever()
        """#

    static let toolFile = """
        {"tool_name": "Test API", "tool_description": "A local stand-in.", "host": "test-api.p.rapidapi.com", "api_list": [
          {"name": "Echo", "url": "https://test-api.p.rapidapi.com/echo", "method": "GET", "description": "Echo.",
           "required_parameters": [{"name": "q", "type": "STRING", "description": "", "default": ""}],
           "optional_parameters": [{"name": "n", "type": "NUMBER", "description": "", "default": ""}]},
          {"name": "Create", "url": "https://test-api.p.rapidapi.com/items/{kind}", "method": "POST", "description": "Create.",
           "required_parameters": [{"name": "kind", "type": "STRING", "description": "", "default": ""},
                                   {"name": "from", "type": "STRING", "description": "", "default": ""}], "optional_parameters": []},
          {"name": "Echo Key", "url": "https://test-api.p.rapidapi.com/echo-key", "method": "GET", "description": "", "required_parameters": [], "optional_parameters": []},
          {"name": "Slow", "url": "https://test-api.p.rapidapi.com/slow", "method": "GET", "description": "", "required_parameters": [], "optional_parameters": []},
          {"name": "Status401", "url": "https://test-api.p.rapidapi.com/status401", "method": "GET", "description": "", "required_parameters": [], "optional_parameters": []},
          {"name": "Status403", "url": "https://test-api.p.rapidapi.com/status403", "method": "GET", "description": "", "required_parameters": [], "optional_parameters": []},
          {"name": "Status404", "url": "https://test-api.p.rapidapi.com/status404", "method": "GET", "description": "", "required_parameters": [], "optional_parameters": []},
          {"name": "Status429", "url": "https://test-api.p.rapidapi.com/status429", "method": "GET", "description": "", "required_parameters": [], "optional_parameters": []},
          {"name": "Status400", "url": "https://test-api.p.rapidapi.com/status400", "method": "GET", "description": "", "required_parameters": [], "optional_parameters": []}
        ]}
        """

    final class Server {
        let process = Process()
        let port: Int

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", HTTPReplayTests.serverScript]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = [UInt8]()
            while true {
                let byte = pipe.fileHandleForReading.readData(ofLength: 1)
                guard let first = byte.first else { break }
                if first == 0x0A { break }
                line.append(first)
            }
            guard let port = Int(String(decoding: line, as: UTF8.self)) else {
                process.terminate()
                throw ToolsError.cache("the test server did not start")
            }
            self.port = port
        }

        /// Stops the server with SIGKILL (the child inherits the spawning thread's signal mask,
        /// in which SIGTERM may be blocked) and polls, since `waitUntilExit` can hang off the
        /// main thread in Foundation on Linux.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            for _ in 0..<100 where process.isRunning { usleep(50_000) }
        }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tools-http-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent("catalog/Data"), withIntermediateDirectories: true)
        try toolFile.write(
            to: url.appendingPathComponent("catalog/Data/test_api.json"), atomically: true, encoding: .utf8)
        return url
    }

    func backend(
        _ config: HTTPToolBackend.Config, shared: SharedResources = SharedResources(), key: String? = "sekrit-123"
    ) async throws -> HTTPToolBackend {
        try await HTTPToolBackend.make(config, shared: shared, environment: key.map { ["TEST_KEY": $0] } ?? [:])
    }

    @Test func recordThenReplayOffline() async throws {
        let root = try HTTPReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let catalog = try ToolCatalog.load(directory: root.appendingPathComponent("catalog"))
        let echo = try #require(catalog.function(named: "echo_for_test_api"))
        let create = try #require(catalog.function(named: "create_for_test_api"))
        let cacheDir = root.appendingPathComponent("cache").path
        let server = try Server()
        var stopped = false
        defer { if !stopped { server.stop() } }
        let base = "http://127.0.0.1:\(server.port)"
        let record = try await backend(
            HTTPToolBackend.Config(
                allowedHosts: ["127.0.0.1"], keyEnv: "TEST_KEY", baseURL: base, mode: .record, cacheDir: cacheDir))

        let first = await record.call(echo, arguments: ["q": "Paris", "n": 2])
        #expect(first.status == .ok)
        #expect(first.response["path"] == "/echo")
        #expect(first.response["query"] == "n=2&q=Paris")  // sorted keys
        #expect(first.response["has_key"] == true)
        #expect(first.response["host"] == "test-api.p.rapidapi.com")
        #expect(first.response["count"] == 1)
        // Same canonical arguments (other order, 2.0 for 2): answered from the cache.
        let again = await record.call(echo, arguments: ["n": 2.0, "q": "Paris"])
        #expect(again == first)
        // A string "2" is a different call.
        let typed = await record.call(echo, arguments: ["q": "Paris", "n": "2"])
        #expect(typed.response["count"] == 2)

        let posted = await record.call(create, arguments: ["kind": "todo list", "is_from": "me"])
        #expect(posted.response["method"] == "POST")
        #expect(posted.response["path"] == "/items/todo%20list")
        #expect(posted.response["body"] == "{\"from\":\"me\"}")  // ToolBench's `from`, exposed as `is_from`

        let echoKey = try #require(catalog.function(named: "echo_key_for_test_api"))
        let leaked = await record.call(echoKey, arguments: [:])
        #expect(leaked.response["you_sent"] == "<redacted>")

        for (name, status) in [
            ("status401_for_test_api", ToolStatus.unauthorized), ("status403_for_test_api", .unsubscribed),
            ("status404_for_test_api", .notWorking), ("status429_for_test_api", .tooManyRequests),
            ("status400_for_test_api", .messageError),
        ] {
            let response = await record.call(try #require(catalog.function(named: name)), arguments: [:])
            #expect(response.status == status, "\(name)")
        }

        // Hosts outside the list are refused before any request is sent.
        let blocked = try await backend(
            HTTPToolBackend.Config(allowedHosts: ["api.example.org"], keyEnv: "TEST_KEY", baseURL: base, mode: .live))
        let refused = await blocked.call(echo, arguments: ["q": "Rome"])
        #expect(refused.status == .requestError)
        #expect(refused.error.hasPrefix("Blocked error..."))
        let counted = await record.call(echo, arguments: ["q": "count me"])
        #expect(counted.response["count"] == 10)  // 9 requests reached the server before: none from `blocked`

        let slow = try await backend(
            HTTPToolBackend.Config(
                allowedHosts: ["127.0.0.1"], keyEnv: "TEST_KEY", baseURL: base, mode: .live, timeoutSeconds: 0.3))
        let timedOut = await slow.call(try #require(catalog.function(named: "slow_for_test_api")), arguments: [:])
        #expect(timedOut.status == .timeout)

        server.stop()
        stopped = true

        // No file of the cache holds the key.
        let files =
            FileManager.default.enumerator(atPath: cacheDir)?.compactMap { $0 as? String }.filter {
                $0.hasSuffix(".json")
            } ?? []
        #expect(files.count >= 8)
        for file in files {
            let text = try String(contentsOfFile: cacheDir + "/" + file, encoding: .utf8)
            #expect(!text.contains("sekrit-123"))
        }

        // Replay: offline, no key, the same answers; an unrecorded call is "not working".
        let replay = try await backend(
            HTTPToolBackend.Config(
                allowedHosts: ["127.0.0.1"], keyEnv: "TEST_KEY", baseURL: base, mode: .replay, cacheDir: cacheDir),
            key: nil)
        #expect(await replay.call(echo, arguments: ["q": "Paris", "n": 2]) == first)
        #expect(await replay.call(create, arguments: ["kind": "todo list", "is_from": "me"]) == posted)
        let missing = await replay.call(echo, arguments: ["q": "Tokyo"])
        #expect(missing.status == .notWorking)
        #expect(missing.error.contains("replay mode"))

        // Live with the server gone: a request error, not a crash.
        let live = try await backend(
            HTTPToolBackend.Config(allowedHosts: ["127.0.0.1"], keyEnv: "TEST_KEY", baseURL: base, mode: .live))
        let gone = await live.call(echo, arguments: ["q": "Paris"])
        #expect(gone.status == .requestError, "\(gone)")

        // The environment replays the recorded run too.
        let registry = EnvRegistry([ToolsEnvironment.registration])
        let env = try await registry.make(
            "tools-v0",
            config: [
                "backend": "http", "catalog_dir": .string(root.appendingPathComponent("catalog").path),
                "http": [
                    "allowed_hosts": ["127.0.0.1"], "key_env": "TEST_KEY", "base_url": .string(base), "mode": "replay",
                    "cache_dir": .string(cacheDir),
                ],
            ], context: MakeContext(seed: 1, shared: SharedResources()))
        _ = try await env.reset(seed: 1, options: ["query": "echo Paris", "apis": ["echo_for_test_api"]])
        let step = try await env.step("Action: echo_for_test_api\nAction Input: {\"q\": \"Paris\", \"n\": 2}")
        #expect(step.observation.stringValue == first.envelope.serialized())
    }

    @Test func missingKeyIsAConfigurationErrorThatNamesTheVariableOnly() async throws {
        do {
            _ = try await backend(
                HTTPToolBackend.Config(allowedHosts: ["x"], keyEnv: "NO_SUCH_KEY_VAR", mode: .live), key: nil)
            Issue.record("accepted a missing key")
        } catch {
            #expect(error.troupeCode == .badConfig)
            #expect(error.troupeMessage.contains("NO_SUCH_KEY_VAR"))
        }
    }

    @Test func cacheEntriesAreWrittenAtomicallyAndSurviveCollisions() async throws {
        let root = try HTTPReplayTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = try ReplayCache(root: root.appendingPathComponent("cache"))
        let key = ReplayCache.Key(category: "Data", tool: "t", api: "A", arguments: ["b": 1.0, "a": "x"])
        #expect(try await cache.lookup(key) == nil)
        try await cache.store(key, .ok(["v": 1]))
        #expect(
            try await cache.lookup(
                ReplayCache.Key(category: "Data", tool: "t", api: "A", arguments: ["a": "x", "b": 1])) == .ok(["v": 1]))
        // A different key planted at the same file name (a hash collision) is probed past.
        let other = ReplayCache.Key(category: "Data", tool: "t", api: "A", arguments: ["a": "y"])
        let path = await cache.candidates(other)[0]
        try ReplayCache.writeAtomically(
            Array(
                "{\"key\":{\"api\":\"A\",\"arguments\":{},\"tool\":\"zzz\"},\"response\":{\"error\":\"\",\"response\":1},\"status\":0}\n"
                    .utf8), to: path)
        #expect(try await cache.lookup(other) == nil)
        try await cache.store(other, .ok(2))
        #expect(try await cache.lookup(other) == .ok(2))
        let folder = path.deletingLastPathComponent().path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(!names.contains { $0.hasSuffix(".tmp") })
        // A corrupt entry is reported, not trusted.
        try "{not json".write(to: path, atomically: true, encoding: .utf8)
        await #expect(throws: ToolsError.self) { _ = try await cache.lookup(other) }
    }
}

import Foundation
import Testing
import TroupeBench
import TroupeClient
import TroupeCore
import TroupeWire

@testable import TroupeServer

extension LiveServerTests {
    /// The server end to end, over real sockets.
    @Suite struct ServerTests {
        @Test func malformedFrameThenGoodFrameOnOneConnection() async throws {
            try await withLiveServer { live in
                let s = try live.raw()
                try s.send("this is not json\n{\"id\":2,\"op\":\"hello\",\"version\":1}\n")
                let bad = try JSONValue.parse(s.readLine())
                let good = try JSONValue.parse(s.readLine())
                #expect(errorCode(bad) == "bad_frame" && bad["id"] == .null)
                #expect(good["ok"] == true && good["id"] == 2 && good["version"] == 1)
            }
        }

        @Test func pipelinedRequestsAreAnsweredInOrderUpToThePendingLimit() async throws {
            try await withLiveServer { live in
                let s = try live.raw()
                let session = try s.makeEcho()
                _ = try s.rpc(#"{"id":"r","op":"reset","session":"\#(session)","seed":4}"#)
                var frames = ""
                for index in 0..<50 {
                    frames += #"{"id":\#(index),"op":"step","session":"\#(session)","action":"step-\#(index)"}"# + "\n"
                }
                try s.send(frames)
                var answered: [Int64] = []
                var refused = 0
                for _ in 0..<50 {
                    let answer = try JSONValue.parse(s.readLine())
                    if answer["ok"] == true {
                        let id = try #require(answer["id"]?.intValue)
                        #expect(answer["observation"] == .string("step-\(id)"))
                        answered.append(id)
                    } else {
                        #expect(errorCode(answer) == "too_many_pending")
                        refused += 1
                    }
                }
                // One session runs its requests in the order received; beyond the limit of 16
                // queued or running, requests are refused rather than buffered without bound.
                #expect(answered == answered.sorted())
                #expect(answered.count >= ServerLimits().maxPendingPerSession)
                #expect(answered.count + refused == 50)
            }
        }

        @Test func batchRunsManySessionsInOneFrame() async throws {
            try await withLiveServer { live in
                let client = try await live.client()
                var sessions: [RemoteSession] = []
                for seed in 0..<4 { sessions.append(try await client.makeSession("echo-v0", seed: UInt64(seed))) }
                let resets = try await client.batch(sessions.map { .reset($0.id, seed: 7) })
                for result in resets {
                    guard case .success(.reset(let reset)) = result else {
                        Issue.record("reset failed: \(result)"); continue
                    }
                    #expect(reset.observation.stringValue?.hasPrefix("Guess") == true)
                }
                let items =
                    sessions.flatMap { [BatchItem.step($0.id, "red"), .step($0.id, "blue")] } + [.step("s999", "x")]
                let results = try await client.batch(items)
                #expect(results.count == items.count)
                for (index, result) in results.dropLast().enumerated() {
                    guard case .success(.step(let step)) = result else {
                        Issue.record("step failed: \(result)"); continue
                    }
                    #expect(step.observation == (index % 2 == 0 ? "red" : "blue"))
                    #expect(step.info["steps"] == .number(index % 2 + 1), "items on one session run in order")
                }
                guard case .failure(let error) = results.last! else { Issue.record("expected an error"); return }
                #expect(error.code == .unknownSession)
                await client.close()
            }
        }

        @Test func resumeAfterDisconnectReplaysNothingTwice() async throws {
            try await withLiveServer { live in
                let client = try await live.client()
                let session = try await client.makeSession("echo-v0", seed: 3)
                _ = try await session.reset(seed: 11)
                for word in ["a", "b"] { _ = try await session.step(.string(word)) }
                await client.simulateConnectionDrop()
                // The next calls wait for the reconnect, then go to the resumed session.
                let third = try await session.step("c")
                #expect(third.info["steps"] == 3, "the session kept its state across the drop")
                // Drop with requests in flight: each runs exactly once.
                async let d = session.step("d")
                async let e = session.step("e")
                await client.simulateConnectionDrop()
                let steps = Set([try await d.info["steps"], try await e.info["steps"]])
                #expect(steps == [4, 5])
                let after = try await session.step("f")
                #expect(after.info["steps"] == 6, "no step ran twice")
                let stats = try await client.stats()
                #expect(stats["totals"]?["requests"]?["resume"]?.intValue ?? 0 >= 2)
                await client.close()
            }
        }

        @Test func requestsFailWithConnectionLostWhenTheServerIsGone() async throws {
            let live = try await LiveServer.start()
            let client = try await live.client(reconnectWindow: .milliseconds(300))
            let session = try await client.makeSession("echo-v0", seed: 1)
            _ = try await session.reset(seed: 1)
            await live.stop()
            do {
                _ = try await session.step("red")
                Issue.record("a step succeeded with no server")
            } catch let error as ClientError {
                #expect(error.code.rawValue == "connection_lost" || error == .closed)
            }
            await client.close()
        }

        @Test func resumeFromAnotherConnectionWithTheToken() async throws {
            try await withLiveServer { live in
                let first = try live.raw()
                let made = try first.rpc(#"{"id":1,"op":"make","env":"echo-v0","seed":1}"#)
                let session = made["session"]!.stringValue!
                let token = made["token"]!.stringValue!
                _ = try first.rpc(#"{"id":2,"op":"reset","session":"\#(session)","seed":2}"#)
                _ = try first.rpc(#"{"id":3,"op":"step","session":"\#(session)","action":"x"}"#)
                let second = try live.raw()
                let refused = try second.rpc(#"{"id":1,"op":"step","session":"\#(session)","action":"y"}"#)
                #expect(errorCode(refused) == "unknown_session", "another connection must resume first")
                let resumed = try second.rpc(
                    #"{"id":2,"op":"resume","session":"\#(session)","token":"\#(token)","waiting":[3]}"#)
                #expect(resumed["ok"] == true)
                #expect(
                    resumed["replies"]?.arrayValue?.first?["id"] == 3, "the answer of request 3 is replayed, not re-run"
                )
                let step = try second.rpc(#"{"id":3,"op":"step","session":"\#(session)","action":"y"}"#)
                #expect(step["info"]?["steps"] == 2)
                let stolen = try first.rpc(#"{"id":4,"op":"step","session":"\#(session)","action":"z"}"#)
                #expect(errorCode(stolen) == "unknown_session", "the session moved to the resuming connection")
            }
        }

        @Test func idleSessionsAreReaped() async throws {
            try await withLiveServer(limits: ServerLimits(idleTimeoutMs: 150)) { live in
                let s = try live.raw()
                let session = try s.makeEcho()
                try await Task.sleep(for: .milliseconds(600))
                let answer = try s.rpc(#"{"id":2,"op":"reset","session":"\#(session)"}"#)
                #expect(errorCode(answer) == "unknown_session")
                let stats = try s.rpc(#"{"id":3,"op":"stats"}"#)
                #expect(stats["totals"]?["sessions_removed"]?["idle"] == 1)
            }
        }

        @Test func detachedSessionsAreReapedAfterTheirLease() async throws {
            try await withLiveServer(limits: ServerLimits(leaseMs: 100)) { live in
                var made: JSONValue = .null
                do {
                    let s = try live.raw()
                    made = try s.rpc(#"{"id":1,"op":"make","env":"echo-v0"}"#)
                }
                try await Task.sleep(for: .milliseconds(500))
                let other = try live.raw()
                let answer = try other.rpc(
                    #"{"id":2,"op":"resume","session":"\#(made["session"]!.stringValue!)","token":"\#(made["token"]!.stringValue!)"}"#
                )
                #expect(errorCode(answer) == "unknown_session")
            }
        }

        @Test func makeWaitsInTheQueueAtCapacity() async throws {
            try await withLiveServer(limits: ServerLimits(maxSessions: 1, makeQueueLimit: 4, makeQueueTimeoutMs: 5_000))
            { live in
                let holder = try live.raw()
                let session = try holder.makeEcho()
                let waiter = try live.raw()
                try waiter.send(#"{"id":"w","op":"make","env":"echo-v0"}"# + "\n")
                try await Task.sleep(for: .milliseconds(200))
                let stats = try holder.rpc(#"{"id":2,"op":"stats"}"#)
                #expect(stats["sessions"]?["queued_makes"] == 1, "the make waits instead of failing")
                _ = try holder.rpc(#"{"id":3,"op":"close","session":"\#(session)"}"#)
                let admitted = try JSONValue.parse(waiter.readLine())
                #expect(admitted["id"] == "w" && admitted["ok"] == true)
            }
        }

        @Test func queuedMakeFailsWithCapacityAfterItsTimeout() async throws {
            try await withLiveServer(limits: ServerLimits(maxSessions: 1, makeQueueLimit: 4, makeQueueTimeoutMs: 200)) {
                live in
                let holder = try live.raw()
                _ = try holder.makeEcho()
                let waiter = try live.raw()
                let answer = try waiter.rpc(#"{"id":"w","op":"make","env":"echo-v0"}"#)
                #expect(errorCode(answer) == "capacity")
                #expect(answer["error"]?["message"]?.stringValue?.contains("no session slot freed") == true)
            }
        }

        @Test func stepTimeoutClosesTheSessionAndOthersGoOn() async throws {
            try await withLiveServer(limits: ServerLimits(stepTimeoutMs: 200)) { live in
                let s = try live.raw()
                let fast = try s.makeEcho(id: 1)
                let slow = try s.rpc(#"{"id":2,"op":"make","env":"slow-v0","config":{"delay_ms":5000}}"#)["session"]!
                    .stringValue!
                let answer = try s.rpc(#"{"id":3,"op":"reset","session":"\#(slow)"}"#)
                #expect(errorCode(answer) == "timeout")
                let gone = try s.rpc(#"{"id":4,"op":"reset","session":"\#(slow)"}"#)
                #expect(errorCode(gone) == "unknown_session", "a timed-out session is closed")
                let ok = try s.rpc(#"{"id":5,"op":"reset","session":"\#(fast)"}"#)
                #expect(ok["ok"] == true, "other sessions are unaffected")
            }
        }

        @Test func forkCopiesTheState() async throws {
            try await withLiveServer { live in
                let client = try await live.client()
                let original = try await client.makeSession("echo-v0", seed: 5)
                _ = try await original.reset(seed: 9)
                _ = try await original.step("a")
                let copy = try await original.fork()
                let x = try await original.step("b")
                let y = try await copy.step("b")
                #expect(x == y)
                await client.close()
            }
        }

        @Test func unixSocketIsPrivateAndAStaleFileIsReplaced() async throws {
            let path = "/tmp/troupe-test-stale-\(UInt32.random(in: 0...UInt32.max)).sock"
            // A stale socket file: bound by a server that is gone.
            let first = EnvServer(registry: testRegistry, configuration: ServerConfiguration(unixSocket: path))
            try await first.start()
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            // A live one is refused with a message that says so.
            let second = EnvServer(registry: testRegistry, configuration: ServerConfiguration(unixSocket: path))
            await #expect(throws: ServerError.self) { try await second.start() }
            await first.shutdown()
            #expect(stat(path, &info) != 0, "the socket file is removed at shutdown")
            // Leave a stale socket file behind (bind without serving), then start over it.
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(path.utf8))
                raw[path.utf8.count] = 0
            }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            close(fd)
            #expect(stat(path, &info) == 0)
            let third = EnvServer(registry: testRegistry, configuration: ServerConfiguration(unixSocket: path))
            try await third.start()
            let s = try LineSocket(unixPath: path)
            #expect(try s.rpc(#"{"id":1,"op":"hello"}"#)["ok"] == true)
            await third.shutdown()
        }

        @Test func nonLoopbackNeedsTheFlagAndAToken() {
            let remote = ServerConfiguration.TCPAddress(host: "0.0.0.0", port: 7000)
            #expect(ServerConfiguration(tcp: remote).problem?.contains("--allow-remote") == true)
            #expect(ServerConfiguration(tcp: remote, allowRemote: true).problem?.contains("--token") == true)
            #expect(ServerConfiguration(tcp: remote, allowRemote: true, token: "0123456789abcdef").problem == nil)
            #expect(ServerConfiguration(tcp: .init(host: "127.0.0.1", port: 7000)).problem == nil)
        }

        @Test func tcpWithTokenAfterHello() async throws {
            try await withLiveServer(tcp: true, token: "0123456789abcdef") { live in
                let s = try LineSocket(host: "127.0.0.1", port: live.tcpPort!)
                #expect(errorCode(try s.rpc(#"{"id":1,"op":"hello","token":"wrong"}"#)) == "unauthorized")
                #expect(try s.rpc(#"{"id":2,"op":"hello","token":"0123456789abcdef"}"#)["requires_token"] == true)
                #expect(try s.rpc(#"{"id":3,"op":"list"}"#)["ok"] == true)
                // The Unix socket is trusted by its file mode.
                #expect(try live.raw().rpc(#"{"id":4,"op":"list"}"#)["ok"] == true)
                let client = try await EnvdClient.connect(
                    to: .tcp(host: "127.0.0.1", port: live.tcpPort!), token: "0123456789abcdef")
                #expect(try await client.list().contains { $0.id == "echo-v0" })
                await client.close()
            }
        }

        @Test func poolSpreadsSessionsOverEndpoints() async throws {
            let a = try await LiveServer.start(limits: ServerLimits(maxSessions: 2, makeQueueLimit: 0))
            let b = try await LiveServer.start(limits: ServerLimits(maxSessions: 2, makeQueueLimit: 0))
            let pool = try await EnvdPool.connect(to: [a.endpoint, b.endpoint])
            var sessions: [RemoteSession] = []
            for _ in 0..<4 { sessions.append(try await pool.makeSession("echo-v0")) }
            #expect(pool.clients.map(\.sessionCount) == [2, 2])
            await #expect(throws: WireError.self) { try await pool.makeSession("echo-v0") }
            for session in sessions { _ = try await session.reset(seed: 1) }
            await pool.close()
            await a.stop()
            await b.stop()
        }
    }
}

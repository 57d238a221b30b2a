import NIOCore
import NIOPosix
import Testing
import TroupeCatalog
import TroupeCore
import TroupeWire

@testable import TroupeServer

/// Inline environments (`InlineEnvironment`): reset and step run synchronously on the event loop
/// the session was made on, through the wrappers, and through a task everywhere else.
@Suite struct InlineTests {
    /// An echo-v0 session isolated to `loop`, as the server makes it.
    static func echo(on loop: any EventLoop, seed: UInt64 = 3) async throws -> any Environment {
        try await builtinEnvironments.make(
            "echo-v0", context: MakeContext(seed: seed, shared: SharedResources(), executor: loop.executor))
    }

    /// Runs `body` with a fresh group of `threads` event loops, shut down however it ends.
    static func withLoops(_ threads: Int, _ body: (MultiThreadedEventLoopGroup) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            try await body(group)
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    @Test func resetAndStepRunOnTheSessionsLoopOnly() async throws {
        try await Self.withLoops(2) { group in try await Self.onTheSessionsLoopOnly(group) }
    }

    static func onTheSessionsLoopOnly(_ group: MultiThreadedEventLoopGroup) async throws {
        let home = group.next()
        let other = group.next()
        #expect(home !== other)
        let env = try await Self.echo(on: home)

        let reset = try await home.submit {
            EnvServer.executeInline(.reset(seed: 5, options: .null), on: HostedEnv(env))
        }.get()
        guard case .success(.reset(let first))? = reset else {
            Issue.record("reset did not run inline on the session's loop: \(String(describing: reset))")
            return
        }
        #expect(first.observation.stringValue?.hasPrefix("Guess the secret word") == true)

        let step = try await home.submit { EnvServer.executeInline(.step("hello"), on: HostedEnv(env)) }.get()
        guard case .success(.step(let result))? = step else {
            Issue.record("step did not run inline: \(String(describing: step))")
            return
        }
        #expect(result.observation == "hello" && result.info["steps"] == 1)

        // Another loop, a thread of no loop, and operations that are never inline: a task instead.
        #expect(try await other.submit { EnvServer.executeInline(.step("x"), on: HostedEnv(env)) }.get() == nil)
        #expect(EnvServer.executeInline(.step("x"), on: HostedEnv(env)) == nil)
        #expect(try await home.submit { EnvServer.executeInline(.snapshot, on: HostedEnv(env)) }.get() == nil)
        // The async path reaches the same actor from anywhere, and the state is shared.
        let viaActor = try await env.step("again")
        #expect(viaActor.info["steps"] == 2)
    }

    @Test func wrappersRunInlineAndKeepTheirRules() async throws {
        try await Self.withLoops(1) { group in try await Self.wrappersKeepTheirRules(group.next()) }
    }

    static func wrappersKeepTheirRules(_ loop: any EventLoop) async throws {
        let env = try await builtinEnvironments.make(
            "echo-v0", config: ["max_episode_steps": 3, "words": ["never-said"]],
            context: MakeContext(seed: 1, shared: SharedResources(), executor: loop.executor))
        let outcomes = try await loop.submit { () -> [Result<ResponseBody, WireError>?] in
            [
                EnvServer.executeInline(.step("early"), on: HostedEnv(env)),  // before reset: OrderEnforcing
                EnvServer.executeInline(.reset(seed: 1, options: .null), on: HostedEnv(env)),
                EnvServer.executeInline(.step(.number(7)), on: HostedEnv(env)),  // not text: OrderEnforcing
                EnvServer.executeInline(.step("a"), on: HostedEnv(env)),
                EnvServer.executeInline(.step("b"), on: HostedEnv(env)),
                EnvServer.executeInline(.step("c"), on: HostedEnv(env)),  // the third step: TimeLimit
                EnvServer.executeInline(.step("d"), on: HostedEnv(env)),  // after the end
            ]
        }.get()
        func code(_ outcome: Result<ResponseBody, WireError>?) -> String? {
            if case .failure(let error)? = outcome { return error.code.rawValue }
            return nil
        }
        func step(_ outcome: Result<ResponseBody, WireError>?) -> StepResult? {
            if case .success(.step(let result))? = outcome { return result }
            return nil
        }
        #expect(code(outcomes[0]) == "reset_needed")
        #expect(code(outcomes[2]) == "invalid_action")
        #expect(step(outcomes[3])?.truncated == false && step(outcomes[4])?.truncated == false)
        #expect(step(outcomes[5])?.truncated == true && step(outcomes[5])?.terminated == false)
        #expect(code(outcomes[6]) == "episode_ended")
    }

    @Test func wrappersAroundAnEnvironmentThatIsNotInlineAreNotInline() async throws {
        let env = try await testRegistry.make("slow-v0", context: MakeContext(seed: 1, shared: SharedResources()))
        #expect((env as? any InlineEnvironment)?.inlineIsolation == nil)
        // Through the wrappers, which share its executor, the actor path works as before.
        _ = try await env.reset(seed: 1, options: .null)
        #expect(try await env.step("go").observation == "1")
    }

    @Test func madeInProcessAnInlineEnvironmentIsAnOrdinaryActor() async throws {
        let env = try await builtinEnvironments.make(
            "echo-v0", context: MakeContext(seed: 2, shared: SharedResources()))
        #expect((env as? any InlineEnvironment)?.inlineIsolation != nil)
        _ = try await env.reset(seed: 2, options: .null)
        async let a = env.step("one")
        async let b = env.step("two")
        let steps = try await [a, b].map { $0.info["steps"]?.intValue ?? 0 }.sorted()
        #expect(steps == [1, 2], "calls are serialized by the actor")
    }
}

extension LiveServerTests {
    @Suite struct InlineServerTests {
        @Test func stepsOfAnInlineEnvironmentRunInlineAndOthersDoNot() async throws {
            try await withLiveServer { live in
                let s = try live.raw()
                let echo = try s.makeEcho()
                _ = try s.rpc(#"{"id":"r","op":"reset","session":"\#(echo)","seed":4}"#)
                for index in 0..<5 {
                    let answer = try s.rpc(#"{"id":\#(index),"op":"step","session":"\#(echo)","action":"w\#(index)"}"#)
                    #expect(answer["observation"] == .string("w\(index)"))
                }
                let batch = try s.rpc(
                    #"{"id":"b","op":"batch","items":[{"op":"step","session":"\#(echo)","action":"x"},{"op":"step","session":"\#(echo)","action":"y"}]}"#
                )
                #expect(batch["results"]?.arrayValue?.map { $0["observation"] } == [.string("x"), .string("y")])
                let before = try s.rpc(#"{"id":"s","op":"stats"}"#)["totals"]?["ran_inline"]
                #expect(before == 8, "a reset, five steps and two batch items")

                let made = try s.rpc(#"{"id":"m","op":"make","env":"slow-v0"}"#)
                let slow = try #require(made["session"]?.stringValue)
                _ = try s.rpc(#"{"id":"r2","op":"reset","session":"\#(slow)"}"#)
                _ = try s.rpc(#"{"id":"t","op":"step","session":"\#(slow)","action":"go"}"#)
                let after = try s.rpc(#"{"id":"s2","op":"stats"}"#)["totals"]?["ran_inline"]
                #expect(after == before, "slow-v0 is not inline: its calls went through tasks")
            }
        }
        @Test func aQueuedMakeIsInlineOnItsOwnersLoop() async throws {
            try await withLiveServer(limits: ServerLimits(maxSessions: 1, makeQueueLimit: 4, makeQueueTimeoutMs: 5_000))
            { live in
                // Two connections in a row land on different event loops when there are two.
                let holder = try live.raw()
                let held = try holder.makeEcho()
                let waiter = try live.raw()
                try waiter.send(#"{"id":"w","op":"make","env":"echo-v0","seed":1}"# + "\n")
                try await Task.sleep(for: .milliseconds(200))
                // Closing frees the slot: the waiting make is admitted from the holder's loop.
                _ = try holder.rpc(#"{"id":3,"op":"close","session":"\#(held)"}"#)
                let admitted = try JSONValue.parse(waiter.readLine())
                let session = try #require(admitted["session"]?.stringValue)
                _ = try waiter.rpc(#"{"id":"r","op":"reset","session":"\#(session)","seed":2}"#)
                let step = try waiter.rpc(#"{"id":"s","op":"step","session":"\#(session)","action":"x"}"#)
                #expect(step["observation"] == "x")
                let inline = try waiter.rpc(#"{"id":"t","op":"stats"}"#)["totals"]?["ran_inline"]
                #expect(inline == 2, "the session is isolated to its owner's loop, so its reset and step ran inline")
            }
        }
    }
}

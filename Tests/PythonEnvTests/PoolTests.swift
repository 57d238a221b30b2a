import Foundation
import Testing
import TroupeCore

@testable import PythonEnv

/// The pool's queueing: round-robin fairness between sessions, a bound with a clear error,
/// cancellation of waiting jobs, and a burst of jobs served by a fixed set of processes.
@Suite("Sandbox pool: queueing, fairness, backpressure", .timeLimit(.minutes(10)))
struct PoolTests {
    @Test("the fair queue serves clients round-robin, FIFO within a client")
    func roundRobin() {
        var queue = FairQueue<String>(capacity: 100)
        var accepted = (0..<4).map { queue.push("a\($0)", client: "a") }
        accepted += [queue.push("b0", client: "b"), queue.push("c0", client: "c"), queue.push("b1", client: "b")]
        #expect(accepted.allSatisfy { $0 })
        var order: [String] = []
        while let next = queue.pop() { order.append(next) }
        #expect(order == ["a0", "b0", "c0", "a1", "b1", "a2", "a3"])
        #expect(queue.isEmpty)
    }

    @Test("the fair queue refuses past its capacity and can withdraw any job")
    func capacityAndRemoval() {
        var queue = FairQueue<Int>(capacity: 3)
        let accepted = [queue.push(1, client: "a"), queue.push(2, client: "b"), queue.push(3, client: "a")]
        #expect(accepted == [true, true, true])
        let overflow = queue.push(4, client: "c")
        #expect(!overflow)
        let removed = queue.remove { $0 == 2 }
        #expect(removed == 2)
        #expect(queue.clients == 1)
        let again = queue.push(4, client: "c")
        #expect(again)
        let rest = queue.removeAll()
        #expect(rest.sorted() == [1, 3, 4])
        #expect(queue.count == 0)
    }

    /// A job that holds its worker until the test opens the gate (creates a file), so a test can
    /// set up its queue without racing the worker, however slow the machine.
    final class Gate: Sendable {
        let path = NSTemporaryDirectory() + "/troupe-gate-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        var job: SandboxJob {
            let literal = JSONValue.string(path).serialized()
            return SandboxJob(
                task: .run(
                    source: "import os, time\nwhile not os.path.exists(\(literal)):\n    time.sleep(0.005)", stdin: "",
                    argv: []),
                limits: Sandboxes.roomy)
        }

        func open() { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        deinit { unlink(path) }
    }

    static let quick = SandboxJob(task: .run(source: "pass", stdin: "", argv: []), limits: Sandboxes.roomy)

    /// Waits for a state of the pool; a guard against hanging, not a timed assertion.
    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("the pool never reached: \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("a full queue is a capacity error, not unbounded memory; the pool goes on")
    func backpressure() async throws {
        let pool = try await SandboxPool.start(SandboxPoolConfig(isolation: .rlimitsOnly, workers: 1, maxQueued: 2))
        defer { pool.shutdown() }
        let gate = Gate()
        // One job holds the worker, two wait, and the fourth is refused.
        let running = Task { try await pool.run(gate.job, client: "a") }
        try await PoolTests.waitUntil("one job running") { pool.stats().running == 1 }
        let waiting = (0..<2).map { _ in Task { try await pool.run(PoolTests.quick, client: "a") } }
        try await PoolTests.waitUntil("two jobs queued") { pool.stats().queued == 2 }
        do {
            _ = try await pool.run(PoolTests.quick, client: "b")
            Issue.record("a job was accepted past max_queued")
        } catch let error as PythonEnvError {
            #expect(error == .queueFull(capacity: 2))
            #expect(error.code == .capacity)
        }
        gate.open()
        #expect(try await running.value.status == .ok)
        for task in waiting { #expect(try await task.value.status == .ok) }
    }

    @Test("cancelling a waiting job withdraws it; it never runs")
    func cancellation() async throws {
        let pool = try await SandboxPool.start(SandboxPoolConfig(isolation: .rlimitsOnly, workers: 1))
        defer { pool.shutdown() }
        let gate = Gate()
        let running = Task { try await pool.run(gate.job, client: "a") }
        try await PoolTests.waitUntil("one job running") { pool.stats().running == 1 }
        let waiting = Task { try await pool.run(PoolTests.quick, client: "a") }
        try await PoolTests.waitUntil("one job queued") { pool.stats().queued == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        gate.open()
        #expect(try await running.value.status == .ok)
        #expect(pool.stats().completed == 1)
    }

    @Test("a late session is served before an early session's burst is done")
    func fairness() async throws {
        let pool = try await SandboxPool.start(SandboxPoolConfig(isolation: .rlimitsOnly, workers: 1))
        defer { pool.shutdown() }
        let gate = Gate()
        // One worker runs jobs one after another, so their start times give the order they ran in.
        let stamp = SandboxJob(task: .run(source: "import time\nprint(time.monotonic())", stdin: "", argv: []))
        let blocker = Task { try await pool.run(gate.job, client: "burst") }
        try await PoolTests.waitUntil("the gate job running") { pool.stats().running == 1 }
        let burst = Task { try await pool.run([SandboxJob](repeating: stamp, count: 30), client: "burst") }
        try await PoolTests.waitUntil("the burst queued") { pool.stats().queued == 30 }
        let late = Task { try await pool.run(stamp, client: "late") }
        try await PoolTests.waitUntil("the late job queued") { pool.stats().queued == 31 }
        gate.open()
        let lateStamp = try #require(Double(try await late.value.stdout.trimmingSpaces))
        let burstStamps = try await burst.value.map { Double($0.stdout.trimmingSpaces)! }
        _ = try await blocker.value
        let before = burstStamps.filter { $0 < lateStamp }.count
        #expect(before <= 1, "\(before) jobs of the burst ran before the late session's job")
    }

    /// The server waits for the zygote's answer alone during a job's first milliseconds, then reads
    /// the pipes as they fill; a job that writes more than a pipe holds must still finish, whole.
    @Test(
        "stdin, stdout and stderr larger than a pipe arrive whole, and leave nothing for the next job",
        arguments: Sandboxes.isolations)
    func streamsLargerThanAPipe(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let input = String(repeating: "0123456789abcdef", count: 1 << 15)  // 512 KiB
        let result = try await Sandboxes.run(
            pool, "import sys\ndata = sys.stdin.read()\nsys.stdout.write(data)\nsys.stderr.write(data[::-1])",
            stdin: input)
        #expect(result.status == .ok)
        #expect(result.stdout.count == input.count && result.stdout == input)
        #expect(result.stderr == String(input.reversed()))
        let next = try await Sandboxes.run(pool, "print('small')")
        #expect(next.stdout == "small\n")
        #expect(next.stderr == "")
    }

    @Test("a job's seed gives exactly the sequence of Python's random.seed(seed)", arguments: Sandboxes.isolations)
    func seedIsPythons(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        for seed: UInt64 in [0, 7, 1 << 40] {
            let draw = "import random\nprint(random.random(), random.getrandbits(64), random.gauss(0, 1))"
            let seeded = try await pool.run(
                SandboxJob(task: .run(source: draw, stdin: "", argv: []), seed: seed), client: "tests")
            let reseeded = try await Sandboxes.run(pool, "import random\nrandom.seed(\(seed))\n" + draw)
            #expect(seeded.status == .ok && reseeded.status == .ok)
            #expect(seeded.stdout == reseeded.stdout, "seed \(seed)")
        }
    }

    @Test("a burst of a thousand jobs is served by the pool's few processes")
    func burstUsesFewProcesses() async throws {
        let pool = try await SandboxPool.start(SandboxPoolConfig(isolation: .rlimitsOnly, workers: 2))
        defer { pool.shutdown() }
        let jobs = (0..<1000).map { i in
            SandboxJob(
                task: .call(
                    source: "import os\ndef f():\n    return os.getppid()", function: "f", args: [], kwargs: [:]),
                seed: UInt64(i))
        }
        let results = try await pool.run(jobs, client: "burst")
        #expect(results.allSatisfy { $0.status == .ok })
        let zygotes = Set(results.compactMap { $0.value?.json.intValue })
        #expect(zygotes.count <= 2, "jobs were forked by \(zygotes.count) processes")
        #expect(pool.stats().restarts == 0)
    }

    @Test("the worker command: namespaces, read-only system, private tmp, scrubbed environment")
    func bubblewrapCommand() throws {
        let command = WorkerCommand.bubblewrap(
            bwrap: "/usr/bin/bwrap", python: PythonInstall(path: "/opt/py/bin/python3", bindPaths: ["/opt/py"]),
            zygote: "ZYGOTE", extraPaths: ["/srv/packages"], tmpMB: 64, identity: (65534, 65534),
            host: HostLayout(usrLinks: [("/bin", "usr/bin"), ("/lib", nil)]))
        let args = command.arguments
        for flag in [
            "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--as-pid-1",
        ] {
            #expect(args.contains(flag), "\(flag)")
        }
        #expect(!args.contains("--share-net"))
        #expect(args.joined(separator: " ").contains("--symlink usr/bin /bin"))
        #expect(args.joined(separator: " ").contains("--ro-bind-try /lib /lib"))
        #expect(args.joined(separator: " ").contains("--ro-bind /opt/py /opt/py"))
        #expect(args.joined(separator: " ").contains("--ro-bind /srv/packages /srv/packages"))
        #expect(args.joined(separator: " ").contains("--size 67108864 --tmpfs /tmp"))
        #expect(args.joined(separator: " ").contains("--remount-ro /"))
        #expect(!args.contains { $0 == "/home" || $0 == "/root" || $0 == "/etc" })
        #expect(Array(args.suffix(5)) == ["/opt/py/bin/python3", "-s", "-B", "-c", "ZYGOTE"])
        #expect(command.environment.allSatisfy { !$0.hasPrefix(Sandboxes.secretName) })
        #expect(command.identity?.uid == 65534)
    }
}

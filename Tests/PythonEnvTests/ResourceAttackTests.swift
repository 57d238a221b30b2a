import Foundation
import Testing
import TroupeCore

@testable import PythonEnv

/// The attack cases of tools-and-sandbox.md §B.5 that go after time, processes, memory, disk and
/// output (rows 1-10). Each asserts the verdict, then that the worker is clean for the next job
/// and was not replaced. Run under every isolation that works here.
@Suite("Attacks on resources (§B.5 rows 1-10)", .timeLimit(.minutes(10)))
struct ResourceAttackTests {
    @Test("1: an infinite loop is killed at the wall-clock limit", arguments: Sandboxes.isolations)
    func infiniteLoop(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let result = try await Sandboxes.run(pool, "while True:\n    pass", limits: Sandboxes.tight)
        #expect(result.status == .timeout)
        #expect(result.signal == "SIGKILL")
        #expect(result.error?.type == "Timeout")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("2: a loop that swallows every catchable signal is still killed", arguments: Sandboxes.isolations)
    func loopSwallowingTimers(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let source = """
            import signal, time
            for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP):
                signal.signal(s, signal.SIG_IGN)
            while True:
                try:
                    time.sleep(10)
                except BaseException:
                    pass
            """
        let result = try await Sandboxes.run(pool, source, limits: Sandboxes.tight)
        #expect(result.status == .timeout)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "3: a long C-level call that never yields to Python is killed",
        arguments: Sandboxes.everywhere(["sum(range(10 ** 12))", "import re\nre.match('(a+)+$', 'a' * 40 + 'b')"]))
    func longNativeCall(isolation: Isolation, source: String) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let result = try await Sandboxes.run(pool, source, limits: Sandboxes.tight)
        #expect(result.status == .timeout)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("4: sleeping uses no CPU but still hits the wall-clock limit", arguments: Sandboxes.isolations)
    func sleepOnly(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let result = try await Sandboxes.run(pool, "import time\ntime.sleep(1000)", limits: Sandboxes.tight)
        #expect(result.status == .timeout)
        #expect(result.cpuSeconds < Sandboxes.tight.cpuSeconds)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    static let forkBombs = [
        "import os\nwhile True:\n    os.fork()",
        """
        import multiprocessing, time
        def hold():
            time.sleep(100)
        while True:
            multiprocessing.Process(target=hold).start()
        """,
        """
        import subprocess, time
        subprocess.run(["bash", "-c", ":(){ :|:& };:"], stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        """,
    ]

    @Test(
        "5: fork bombs are contained by the process limit and every process is reaped",
        arguments: Sandboxes.everywhere(forkBombs))
    func forkBomb(isolation: Isolation, source: String) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let result = try await Sandboxes.run(pool, source, limits: Sandboxes.tight)
        #expect(result.status != .killed)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("6: a double-forked daemon in its own session does not outlive its job", arguments: Sandboxes.isolations)
    func orphanDaemon(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let source = """
            import os, time
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(1000)
                os._exit(0)
            time.sleep(0.1)
            print("parent done")
            """
        let result = try await Sandboxes.run(pool, source)
        #expect(result.status == .ok)
        #expect(result.stdout == "parent done\n")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "7: memory bombs end in a MemoryError, reported as memory",
        arguments: Sandboxes.everywhere([
            "x = bytearray(10 ** 11)", "x = [0] * 10 ** 10",
            "chunks = []\nwhile True:\n    chunks.append(bytearray(10 ** 6))",
        ]))
    func memoryBomb(isolation: Isolation, source: String) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let result = try await Sandboxes.run(pool, source, limits: Sandboxes.untilLimit)
        #expect(result.status == .memory)
        #expect(result.error?.type == "MemoryError")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("8: recursion and native crashes are contained and reported", arguments: Sandboxes.isolations)
    func stackBombAndCrash(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        // Recursion through C (map calls back into Python) overflows the C stack: SIGSEGV.
        let throughC = """
            import sys
            sys.setrecursionlimit(10 ** 9)
            def f():
                return list(map(lambda _: f(), [0]))
            f()
            """
        let stack = try await Sandboxes.run(pool, throughC, limits: Sandboxes.untilLimit)
        #expect(stack.status == .error)
        #expect(stack.error?.type == "Crash")
        #expect(stack.signal == "SIGSEGV")
        let limited = try await Sandboxes.run(pool, "def f(n):\n    return f(n + 1)\nf(0)")
        #expect(limited.status == .error)
        #expect(limited.error?.type == "RecursionError")
        let crash = try await Sandboxes.run(pool, "import ctypes\nctypes.string_at(0)")
        #expect(crash.status == .error)
        #expect(crash.error?.type == "Crash")
        #expect(crash.signal == "SIGSEGV")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "8: unbounded pure-Python recursion runs into the memory limit (slow)",
        .enabled(if: ProcessInfo.processInfo.environment["TROUPE_SLOW"] == "1"), arguments: Sandboxes.isolations)
    func pythonRecursionToTheMemoryLimit(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let source = "import sys\nsys.setrecursionlimit(10 ** 9)\ndef f(n):\n    return f(n + 1)\nf(0)"
        var limits = Sandboxes.untilLimit
        limits.memoryMB = 100
        let result = try await Sandboxes.run(pool, source, limits: limits)
        #expect([.memory, .error].contains(result.status), "got \(result.status)")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "9: filling the disk stops at the file-size limit (and the private tmpfs size)", arguments: Sandboxes.isolations
    )
    func diskFill(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let big = try await Sandboxes.run(
            pool, "with open('fill', 'wb') as f:\n    while True:\n        f.write(b'x' * (1 << 20))",
            limits: Sandboxes.untilLimit)
        #expect(big.status == .error)
        #expect(big.error?.message.contains("File too large") == true)
        if isolation == .bubblewrap {
            // Many files below the size limit: the tmpfs is full long before the host disk.
            let many = try await Sandboxes.run(
                pool,
                "i = 0\nwhile True:\n    with open('/tmp/f%d' % i, 'wb') as f:\n        f.write(b'x' * (1 << 20))\n    i += 1",
                limits: Sandboxes.untilLimit)
            #expect(many.status == .error)
            #expect(many.error?.message.contains("No space left") == true)
        }
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "10: endless or huge output is capped and the job killed",
        arguments: Sandboxes.everywhere([
            "while True:\n    print('x' * 1000)", "import sys\nwhile True:\n    sys.stderr.write('y' * 1000)",
            "import sys\nsys.stdout.write('z' * 10 ** 7)",
        ]))
    func hugeOutput(isolation: Isolation, source: String) async throws {
        let pool = try await Sandboxes.pool(isolation)
        // A starved job could hit a short time limit before the output cap: the time stays out of the way.
        let result = try await Sandboxes.run(pool, source, limits: Sandboxes.untilLimit)
        #expect(result.status == .outputLimit, "\(result.status): \(result.error?.message ?? "")")
        #expect(result.stdout.utf8.count <= Sandboxes.untilLimit.outputBytes)
        #expect(result.stderr.utf8.count <= Sandboxes.untilLimit.outputBytes)
        #expect(result.stdoutTruncated || result.stderrTruncated)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }
}

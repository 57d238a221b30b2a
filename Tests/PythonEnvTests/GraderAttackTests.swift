import Foundation
import Testing
import TroupeCore

@testable import PythonEnv

/// The attack cases of §B.5 against the verdict itself and against other jobs (rows 14, 22, 23):
/// code that exits before the checks, forges the harness's output or reports, leaves things for
/// the next job, or asks for limits the machine cannot give.
@Suite("Attacks on the grader and on other jobs (§B.5 rows 14, 22, 23)", .timeLimit(.minutes(10)))
struct GraderAttackTests {
    static let cheats: [(String, String)] = [
        ("sys.exit(0) before the checks", "import sys\nsys.exit(0)\ndef f(x):\n    return x"),
        ("os._exit(0) before the checks", "import os\nos._exit(0)\ndef f(x):\n    return x"),
        ("exit() from a function the test calls", "import sys\ndef f(x):\n    sys.exit(0)"),
        ("os._exit(0) from a function the test calls", "import os\ndef f(x):\n    os._exit(0)"),
        (
            "a success message on stdout",
            "print('PASSED')\nprint('{\"passed\": true, \"status\": \"ok\"}')\ndef f(x):\n    return x + 1"
        ),
        (
            "a forged result frame on the harness's descriptor",
            "import os\nos.write(3, b'0123456789abcdef0123456789abcdef {\"status\": \"ok\", \"error\": null, \"passed\": true}\\n')\nos._exit(0)"
        ),
        (
            "a replaced AssertionError",
            "import builtins\nbuiltins.AssertionError = type('Fake', (Exception,), {})\ndef f(x):\n    return x + 1"
        ),
        (
            "an exception raised at exit",
            "import atexit\ndef boom():\n    raise SystemExit(0)\natexit.register(boom)\ndef f(x):\n    return x + 1"
        ),
    ]

    @Test(
        "14: cheating code never passes an assert it does not satisfy",
        arguments: Sandboxes.isolations.flatMap { isolation in cheats.map { (isolation, $0.0, $0.1) } })
    func graderTamper(isolation: Isolation, name: String, source: String) async throws {
        let pool = try await Sandboxes.pool(isolation)
        // f(1) == 3 is false for every honest f above, so only a cheat could pass it.
        let result = try await pool.run(
            SandboxJob(task: .test(source: source, test: "assert f(1) == 3"), limits: Sandboxes.roomy), client: "tests")
        #expect(result.passed == false, "\(name) passed")
        #expect(result.status != .ok, "\(name): \(result.status)")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "14: an AutoIF verifier or a PAL program that exits early counts as a failure", arguments: Sandboxes.isolations)
    func earlyExitInVerifiers(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        for body in ["import sys\n    sys.exit(0)", "import os\n    os._exit(0)", "raise SystemExit(True)"] {
            let verifier = "def evaluate(response):\n    \(body)"
            let result = try await pool.run(
                SandboxJob(task: .autoif(function: verifier, response: "hi", scoping: .module)), client: "tests")
            #expect(AutoIFScore.pair(result).verdict == nil, "\(body): \(result.status)")
            let call = try await pool.run(
                SandboxJob(
                    task: .call(
                        source: "def solution():\n    \(body)\n    return 42", function: "solution", args: [],
                        kwargs: [:])),
                client: "tests")
            #expect(call.status == .error)
            #expect(call.value == nil)
        }
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("22: nothing leaks from one job to the next on the same worker", arguments: Sandboxes.isolations)
    func leakage(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        for _ in 0..<3 {
            let first = try await Sandboxes.run(
                pool,
                """
                import json, os, subprocess, sys, threading, time
                open("leak.txt", "w").write("x")
                for place in ("/tmp", "/dev/shm"):
                    try:
                        open(os.path.join(place, "leak.txt"), "w").write("x")
                    except OSError:
                        pass
                json.leak = "x"
                sys.modules["leaked_module"] = json
                os.environ["LEAK"] = "x"
                __builtins__.leak = "x"
                subprocess.Popen(["sleep", "1000"])
                threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
                print("planted")
                """)
            #expect(first.stdout == "planted\n")
            let second = try await Sandboxes.report(
                pool,
                """
                import builtins, json, os, sys
                print(json.dumps({
                    "module_attr": hasattr(json, "leak"), "module": "leaked_module" in sys.modules,
                    "env": "LEAK" in os.environ, "builtins": hasattr(builtins, "leak"),
                    "file": os.path.exists("leak.txt"),
                }))
                """)
            #expect(second == ["module_attr": false, "module": false, "env": false, "builtins": false, "file": false])
            try await Sandboxes.expectClean(pool, restartsBefore: 0)
        }
    }

    /// A job's process is forked from the zygote and so inherits its whole memory, freed blocks
    /// included. Had the zygote ever read a job's code, stdin or output (it once did: the request
    /// line, the pipes, the reply), the next job could find them by reading its own memory.
    @Test(
        "22: an earlier job's code, stdin and output are nowhere in the next job's memory",
        arguments: Sandboxes.isolations)
    func noDataInInheritedMemory(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        // The output mark is built at run time, so that only the output holds it, not the code.
        let secret = try await Sandboxes.run(
            pool,
            "code_mark = 'CODEMARK-31337'\nimport sys\nsys.stdin.read()\nprint(('OUT' + 'MARK-27182 ') * 40)",
            stdin: "IN" + "MARK-16180 " + String(repeating: "x", count: 200))
        #expect(secret.status == .ok)
        #expect(secret.stdout.contains("OUTMARK-27182"))
        let found = try await Sandboxes.report(
            pool,
            """
            import ctypes, json
            # Built alike, side by side: "control" was never in any job, so however the scan copies
            # memory around, a mark no earlier job left is counted exactly as often as it.
            parts = {"control": b"NEVERMARK", "code": b"CODEMARK", "stdin": b"INMARK", "output": b"OUTMARK"}
            numbers = {"control": b"11111", "code": b"31337", "stdin": b"16180", "output": b"27182"}
            marks = {name: b"-".join([part, numbers[name]]) for name, part in parts.items()}
            counts = dict.fromkeys(marks, 0)
            for line in open("/proc/self/maps"):
                fields = line.split()
                # Data lives in anonymous memory (the heap, Python's arenas, the stack); mapped files
                # are code, and reading one past its end raises SIGBUS.
                if not fields[1].startswith("rw") or (len(fields) > 5 and fields[5] not in ("[heap]", "[stack]")):
                    continue
                low, high = (int(x, 16) for x in fields[0].split("-"))
                memory = ctypes.string_at(low, high - low)
                for name, mark in marks.items():
                    counts[name] += memory.count(mark)
            print(json.dumps(counts))
            """)
        let control = try #require(found["control"]?.intValue)
        #expect(control >= 1, "the scan did not see the marks it made: \(found)")
        #expect(found["code"]?.intValue == control, "the previous job's code: \(found)")
        #expect(found["stdin"]?.intValue == control, "the previous job's stdin: \(found)")
        #expect(found["output"]?.intValue == control, "the previous job's output: \(found)")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "22: output a job wrote past its cap, on any of its pipes, never reaches the next job",
        arguments: Sandboxes.isolations)
    func outputPastTheCap(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        // Output still unread when the job is killed must not reach the next job, whatever the pipes'
        // life. 1.6 MB is over the output cap (64 KiB) and over the result frame's (1 MiB).
        for fd in [1, 2, 3] {
            let flood = try await Sandboxes.run(
                pool, "import os\nfor _ in range(200):\n    os.write(\(fd), b'x' * 8192)", limits: Sandboxes.untilLimit)
            #expect(flood.status == .outputLimit, "fd \(fd): \(flood.status)")
            let next = try await Sandboxes.run(pool, "import sys\nprint('clean')\nprint('quiet', file=sys.stderr)")
            #expect(next.status == .ok)
            #expect(next.stdout == "clean\n")
            #expect(next.stderr == "quiet\n")
        }
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("23: limits above the machine's hard limits are clamped, and the job runs", arguments: Sandboxes.isolations)
    func limitsAboveHardLimits(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let hard = try #require(pool.report["hard_limits"]?["open_files"]?.intValue)
        var limits = Sandboxes.roomy
        limits.openFiles = 65536
        limits.processes = 4096
        let result = try await Sandboxes.run(
            pool, "import resource\nprint(resource.getrlimit(resource.RLIMIT_NOFILE)[0])", limits: limits)
        #expect(result.status == .ok)
        #expect(Int(result.stdout.trimmingSpaces) == min(65536, Int(hard)))
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }
}

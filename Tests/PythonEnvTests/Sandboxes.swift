import Foundation
import Testing
import TroupeCore

@testable import PythonEnv

/// The pools the tests share, one per isolation, and helpers to run jobs and check that a worker
/// is clean after whatever ran before.
///
/// Each pool has one worker, so a probe job always runs on the worker the previous job of that
/// pool ran on: "the next job is unaffected" is then a real claim, whichever test ran last.
enum Sandboxes {
    static let resources = SharedResources()

    /// A secret the "server" holds in its environment, as an API key would be. No job may see it.
    static let secretValue = "sk-troupe-test-\(UInt64.random(in: 1...UInt64.max))"
    static let secretName = "TROUPE_TEST_API_KEY"

    /// Whether bubblewrap can make a sandbox on this machine (namespaces allowed, bwrap installed).
    static let bubblewrapWorks: Bool = {
        guard let bwrap = FileSystem.findExecutable("bwrap") else { return false }
        let probe = try? HostProcess.run(
            bwrap,
            [
                "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/usr", "/usr", "--symlink",
                "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc",
                "/proc", "--dev", "/dev", "/usr/bin/true",
            ], seconds: 60)
        return probe?.status == 0
    }()

    /// The isolations that can be tested here.
    static let isolations: [Isolation] = (bubblewrapWorks ? [.bubblewrap] : []) + [.rlimitsOnly]

    static let runningAsRoot = geteuid() == 0

    /// Every pair of an isolation that works here and one of `sources`, for parameterized tests.
    static func everywhere(_ sources: [String]) -> [(Isolation, String)] {
        isolations.flatMap { isolation in sources.map { (isolation, $0) } }
    }

    /// A program that tries things: `body` calls `attempt(name, f)`, which records
    /// "ok: <what f returned>" or "denied: <exception type>" under `name`; the program prints the
    /// record as JSON at its end.
    static func attempts(_ body: String) -> String {
        """
        import json
        found = {}
        def attempt(name, f):
            try:
                found[name] = "ok: " + str(f())[:2000]
            except Exception as e:
                found[name] = "denied: " + type(e).__name__

        """ + body + "\nprint(json.dumps(found))\n"
    }

    /// Runs an `attempts` program and returns its record.
    static func attempt(_ pool: SandboxPool, _ body: String) async throws -> JSONValue {
        try await report(pool, attempts(body))
    }

    /// The shared single-worker pool of `isolation`.
    static func pool(_ isolation: Isolation) async throws -> SandboxPool {
        setenv(secretName, secretValue, 1)
        let request: IsolationRequest = isolation == .bubblewrap ? .bubblewrap : .rlimitsOnly
        // Under rlimits-only, RLIMIT_NPROC counts every process of the sandbox user on the machine:
        // a user of its own keeps the bubblewrap tests' fork bombs out of this pool's count.
        let uid = isolation == .rlimitsOnly ? 61234 : 65534
        let pool = try await SandboxPool.shared(
            SandboxPoolConfig(isolation: request, workers: 1, sandboxUID: uid, sandboxGID: uid), in: resources)
        #expect(pool.isolation == isolation)
        return pool
    }

    /// Limits for jobs expected to finish: generous, because the test machine is shared and slow.
    static let roomy = SandboxLimits(
        timeoutSeconds: 30, cpuSeconds: 30, memoryMB: 512, processes: 1024, fileSizeMB: 16, openFiles: 64,
        outputBytes: 1 << 20)

    /// Limits for jobs expected to hit a limit: short, so the suite stays fast.
    static let tight = SandboxLimits(
        timeoutSeconds: 0.6, cpuSeconds: 5, memoryMB: 160, processes: 32, fileSizeMB: 4, openFiles: 64,
        outputBytes: 1 << 16)

    /// Limits for jobs that must run into the memory, file-size, tmpfs or output limit: filling
    /// memory, disk or a pipe takes a while on a loaded machine, so the time limits stay out of the way.
    static let untilLimit = SandboxLimits(
        timeoutSeconds: 30, cpuSeconds: 30, memoryMB: 160, processes: 32, fileSizeMB: 4, openFiles: 64,
        outputBytes: 1 << 16)

    static func run(
        _ pool: SandboxPool, _ source: String, stdin: String = "", limits: SandboxLimits = roomy
    ) async throws -> SandboxResult {
        try await pool.run(
            SandboxJob(task: .run(source: source, stdin: stdin, argv: []), limits: limits), client: "tests")
    }

    /// Runs a program that prints one JSON document and returns it parsed.
    static func report(_ pool: SandboxPool, _ source: String) async throws -> JSONValue {
        let result = try await run(pool, source)
        try #require(result.status == .ok, "the probe failed: \(result.error?.message ?? "") \(result.stderr)")
        return try JSONValue.parse(result.stdout)
    }

    /// Checks that a worker is as clean as a fresh one: no process left but the zygote (and the
    /// probe), nothing in /tmp, /dev/shm or the work directory, the environment scrubbed, and the
    /// worker process itself not replaced (a job that killed it would show as a restart).
    static func expectClean(_ pool: SandboxPool, restartsBefore: Int? = nil) async throws {
        let state = try await report(
            pool,
            #"""
            import json, os
            me = os.getpid()
            pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
            try:
                with open("/proc/%d/task/%d/children" % (os.getppid(), os.getppid())) as f:
                    siblings = [int(x) for x in f.read().split()]
            except OSError:
                siblings = None
            print(json.dumps({
                "pid": me, "ppid": os.getppid(), "pids": pids, "siblings": siblings,
                "tmp": sorted(os.listdir("/tmp")) if os.path.isdir("/tmp") else [],
                "shm": sorted(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else [],
                "cwd": sorted(os.listdir(".")), "env": sorted(os.environ),
            }))
            """#)
        let me = state["pid"]!
        if pool.isolation == .bubblewrap {
            #expect(state["pids"] == [1, me], "processes left in the sandbox: \(state["pids"]!)")
            #expect(state["tmp"] == ["job"], "files left in /tmp: \(state["tmp"]!)")
            #expect(state["shm"] == [], "files left in /dev/shm: \(state["shm"]!)")
        } else {
            // The zygote is a subreaper: anything a job left would be its child.
            #expect(state["siblings"] == [me], "processes left by earlier jobs: \(state["siblings"]!)")
        }
        #expect(state["cwd"] == [], "files left in the work directory: \(state["cwd"]!)")
        let env = state["env"]!.arrayValue!.compactMap(\.stringValue)
        #expect(!env.contains(secretName))
        #expect(
            Set(env).isSubset(of: [
                "PATH", "HOME", "TMPDIR", "LANG", "USER", "LOGNAME", "PYTHONHASHSEED",
                "PYTHONDONTWRITEBYTECODE", "PYTHONNOUSERSITE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                "MKL_NUM_THREADS", "LC_CTYPE",
            ]))
        if let restartsBefore {
            #expect(pool.stats().restarts == restartsBefore, "the worker was replaced: a job killed it")
        }
    }
}

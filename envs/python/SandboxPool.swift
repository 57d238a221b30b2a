import Foundation
import TroupeCore

/// The settings that make a pool what it is. Sessions whose settings are equal share one pool
/// (through `SharedResources`); limits are per job and do not split pools.
public struct SandboxPoolConfig: Sendable, Equatable, Codable {
    /// How jobs are isolated (`auto`: bubblewrap when it works here, else rlimits-only, loudly).
    public var isolation: IsolationRequest
    /// The interpreter (absolute path); nil: the first `python3` in /usr/bin, /bin, /usr/local/bin.
    public var python: String?
    /// Worker processes, each running one job at a time; 0: one per online CPU core.
    public var workers: Int
    /// Jobs that may wait for a worker, across sessions, before `run` fails with `capacity`.
    public var maxQueued: Int
    /// Modules every worker imports once at start, so jobs do not pay for them. Ones that fail to
    /// import are reported at `reset`, not fatal.
    public var preload: [String]
    /// Host directories (absolute) bound read-only into the sandbox and put first on `sys.path`,
    /// for packages jobs may import.
    public var extraPaths: [String]
    /// Size in MiB of each worker's private /tmp (and /dev/shm) under bubblewrap.
    public var tmpMB: Int
    /// The uid and gid workers run as when the server runs as root (default: nobody, 65534).
    public var sandboxUID: Int
    public var sandboxGID: Int

    /// Modules most verifiers and PAL programs use. Each preloaded module saves the jobs that
    /// import it the import, and costs every job a little (a bigger zygote is dearer to fork):
    /// heavy, rarely used ones (typing, dataclasses, tempfile) are left out.
    public static let defaultPreload = [
        "re", "json", "math", "string", "collections", "itertools", "functools", "datetime", "random", "statistics",
        "fractions", "decimal", "heapq", "bisect", "textwrap", "unicodedata", "copy", "operator", "time",
    ]

    public init(
        isolation: IsolationRequest = .auto, python: String? = nil, workers: Int = 0, maxQueued: Int = 10_000,
        preload: [String] = SandboxPoolConfig.defaultPreload, extraPaths: [String] = [], tmpMB: Int = 64,
        sandboxUID: Int = 65534, sandboxGID: Int = 65534
    ) {
        self.isolation = isolation
        self.python = python
        self.workers = workers
        self.maxQueued = maxQueued
        self.preload = preload
        self.extraPaths = extraPaths
        self.tmpMB = tmpMB
        self.sandboxUID = sandboxUID
        self.sandboxGID = sandboxGID
    }

    /// The number of workers this configuration gets on this machine.
    public var effectiveWorkers: Int { workers > 0 ? workers : max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The key under which sessions share a pool.
    var sharingKey: String {
        let value: JSONValue = [
            "isolation": .string(isolation.rawValue), "python": python.map { .string($0) } ?? .null,
            "workers": .number(effectiveWorkers), "max_queued": .number(maxQueued),
            "preload": .array(preload.map { .string($0) }), "extra_paths": .array(extraPaths.map { .string($0) }),
            "tmp_mb": .number(tmpMB), "uid": .number(sandboxUID), "gid": .number(sandboxGID),
        ]
        return "python-v0.pool " + value.canonicalString()
    }
}

/// A warm pool of sandboxed Python workers shared by every session of a process.
///
/// Each worker is a zygote interpreter (the common modules already imported) that forks one fresh,
/// confined child per job; `workers` of them run side by side, each owned by its own thread. Jobs
/// wait in a bounded queue that serves sessions round-robin, so a burst of thousands of jobs uses
/// `workers` processes, never thousands, and a full queue is an error (`capacity`) rather than
/// unbounded memory.
///
/// Invariants: a job's continuation is resumed exactly once (by the worker that ran it, by
/// cancellation while it still waits, or by shutdown); a worker that failed in any way is killed
/// and replaced before its next job; when the pool is released, its workers are killed.
public final class SandboxPool: Sendable {
    /// The isolation every job of this pool runs under.
    public let isolation: Isolation
    /// Why bubblewrap is not in use, when `isolation` is rlimits-only.
    public let isolationNote: String?
    /// The first worker's start-up report: Python version, uid, namespaces, hard limits.
    public let report: JSONValue
    public let config: SandboxPoolConfig
    let scheduler: Scheduler

    init(config: SandboxPoolConfig, isolation: Isolation, note: String?, report: JSONValue, scheduler: Scheduler) {
        self.config = config
        self.isolation = isolation
        self.isolationNote = note
        self.report = report
        self.scheduler = scheduler
    }

    deinit { scheduler.stop() }

    /// The pool for `config` in `resources`, started on first use and shared from then on.
    public static func shared(_ config: SandboxPoolConfig, in resources: SharedResources) async throws -> SandboxPool {
        try await resources.resource(config.sharingKey) { try await SandboxPool.start(config) }
    }

    /// Starts a pool: finds out whether bubblewrap works here by starting the first worker with
    /// it (falling back to rlimits-only under `auto`), then starts the other workers.
    ///
    /// - Throws: `PythonEnvError.badPython` or `.sandboxUnavailable` with the reason.
    public static func start(_ config: SandboxPoolConfig) async throws -> SandboxPool {
        let plan = try LaunchPlan(config: config)
        let scheduler = Scheduler(capacity: config.maxQueued)
        var attempts: [(Isolation, String)] = []
        for isolation in plan.isolations {
            let launcher = try plan.launcher(isolation)
            let first = Worker(index: 0, launcher: launcher, scheduler: scheduler)
            let outcome = await first.startProbing()
            switch outcome {
            case .success(let report):
                for index in 1..<config.effectiveWorkers {
                    Worker(index: index, launcher: launcher, scheduler: scheduler).start()
                }
                let note = attempts.first.map { "bubblewrap does not work here (\($0.1))" }
                return SandboxPool(
                    config: config, isolation: isolation, note: note, report: report, scheduler: scheduler)
            case .failure(let why):
                attempts.append((isolation, why.message))
            }
        }
        let reasons = attempts.map { "\($0.0.rawValue): \($0.1)" }.joined(separator: "; ")
        throw PythonEnvError.sandboxUnavailable(
            reasons
                + (config.isolation == .bubblewrap ? " (`isolation: \"auto\"` would fall back to rlimits-only)" : ""))
    }

    /// Runs one job and returns how it ended. Waits for a worker when all are busy; `client`
    /// names the submitter (a session) for round-robin fairness.
    ///
    /// Job outcomes (exceptions, timeouts, memory) are results, not errors. This throws only when
    /// the job could not run: `PythonEnvError.queueFull`, `.sandboxUnavailable`, `.shutDown`, or
    /// `CancellationError` when the task was cancelled while the job still waited.
    public func run(_ job: SandboxJob, client: String) async throws -> SandboxResult {
        let id = scheduler.newID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                scheduler.submit(
                    Scheduler.Item(
                        id: id, client: client, job: job, continuation: continuation, enqueued: .now))
            }
        } onCancel: {
            scheduler.cancel(id)
        }
    }

    /// Runs many jobs concurrently (they queue fairly with everyone else's) and returns their
    /// results in order.
    public func run(_ jobs: [SandboxJob], client: String) async throws -> [SandboxResult] {
        try await withThrowingTaskGroup(of: (Int, SandboxResult).self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask { (index, try await self.run(job, client: client)) }
            }
            var results = [SandboxResult?](repeating: nil, count: jobs.count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    /// Counters of the pool's work so far.
    public func stats() -> SandboxPoolStats { scheduler.stats() }

    /// Stops the pool: waiting jobs fail with `PythonEnvError.shutDown`; running jobs end within
    /// their limits, then every worker kills its process. Also happens when the last reference to
    /// the pool goes away.
    public func shutdown() { scheduler.stop() }
}

/// What a pool has done: for `reset` info, `envd` stats and the benchmark.
public struct SandboxPoolStats: Sendable, Equatable {
    public var workers: Int
    public var queued: Int
    public var running: Int
    public var completed: Int
    public var byStatus: [SandboxStatus: Int]
    /// Worker processes started after the first one of each worker (after a job killed its
    /// worker, or after the backstop killed one).
    public var restarts: Int

    public var json: JSONValue {
        var statuses = JSONObject()
        for status in SandboxStatus.allCases { statuses[status.rawValue] = .number(byStatus[status] ?? 0) }
        return [
            "workers": .number(workers), "queued": .number(queued), "running": .number(running),
            "completed": .number(completed), "by_status": .object(statuses), "restarts": .number(restarts),
        ]
    }
}

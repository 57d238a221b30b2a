import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `python-v0`: untrusted Python (programs, PAL's `solution()`, AutoIF verifiers, assert-style
/// tests) run in a sandbox that the operating system enforces, on a warm pool of workers shared by
/// every session of the process.
///
/// An episode is a sequence of jobs. `reset` reports the sandbox (its isolation, interpreter and
/// limits); each `step` runs one action (see `PythonAction`) as one or more fresh, isolated
/// processes and returns what they did. Episodes never terminate by themselves (the sandbox is a
/// tool, not a task); a step limit can truncate them (`max_episode_steps`).
///
/// Observations hold what is deterministic (statuses, outputs, values, verdicts), so a seeded
/// episode repeats byte for byte; wall and CPU times, which vary, are in `info` (its volatile keys).
/// Every observation carries `isolation`, and under rlimits-only a `warning` saying what that does
/// not protect.
///
/// Rewards: `run` 1 when the program ended with status 0; `call` 1 when the function returned;
/// `autoif` the mean over responses of AutoIF's pass rate (clamped to [0, 1]); `tests` the share of
/// tests passed.
public actor PythonEnv: Environment {
    public static let spec = EnvSpec(
        id: "python-v0",
        summary:
            "Runs untrusted Python (programs, PAL solution(), AutoIF evaluate(response) verifiers, assert tests) in an OS-enforced sandbox on a shared warm worker pool.",
        observation: .json(
            "after reset: the sandbox's isolation, interpreter and limits; after a step: the action's results (status, output, values, verdicts)"
        ),
        action: .json(
            "{\"kind\": \"run\"|\"call\"|\"autoif\"|\"tests\", ...} (see docs/envs/python.md), or a program as a string",
            schema: actionSchema),
        configSchema: Config.schema,
        capabilities: [.snapshot],
        rewardRange: 0...1,
        volatileInfoKeys: ["wall_ms", "cpu_ms", "queue_ms", "timings", "pool"])

    public static let registration = EnvRegistration.decoding(
        Config.self, spec: spec, conformanceConfig: ["max_episode_steps": 4],
        sampleAction: { _, _, rng in sampleAction(&rng) },
        factory: { config, context in
            let pool = try await SandboxPool.shared(config.pool, in: context.shared)
            return PythonEnv(config: config, pool: pool, seed: context.seed)
        })

    public nonisolated var spec: EnvSpec { PythonEnv.spec }
    public let config: Config
    public let pool: SandboxPool
    /// This session's name in the pool's fair queue.
    private let client: String
    private var seeding: EpisodeSeeding
    private var steps = 0

    public init(config: Config, pool: SandboxPool, seed: UInt64) {
        self.config = config
        self.pool = pool
        self.seeding = EpisodeSeeding(sessionSeed: seed)
        self.client = "session-\(SeededRNG.entropySeed())"
    }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        if case .object(let members) = options, !members.isEmpty {
            throw EnvError.badOptions("python-v0 takes no reset options; got \(members.keys.joined(separator: ", "))")
        } else if !options.isNull, options.objectValue == nil {
            throw EnvError.badOptions("options must be null or an empty object")
        }
        seeding.reset(seed: seed)
        steps = 0
        var observation: JSONObject = [
            "isolation": .string(pool.isolation.rawValue),
            "python": pool.report["python"] ?? .null,
            "workers": .number(pool.config.effectiveWorkers),
            "kinds": ["run", "call", "autoif", "tests"],
            "limits": config.limits.json,
            "interpreter_vm_mb": .number(Int(pool.report["vm_bytes"]?.intValue ?? 0) >> 20),
            "allowed_imports": config.allowedImports.map { .array($0.map { .string($0) }) } ?? .null,
        ]
        if let failed = pool.report["failed_preload"]?.objectValue, !failed.isEmpty {
            observation["failed_preload"] = .object(failed)
        }
        if let warning { observation["warning"] = .string(warning) }
        return ResetResult(observation: .object(observation), info: ["pool": pool.stats().json])
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        let (decoded, limits) = try PythonAction.decode(
            action, sessionLimits: config.limits, maxJobs: pool.config.maxQueued)
        steps += 1
        let seed = seeding.rng.next()
        let jobs = decoded.jobs(limits: limits, seed: seed, allowedImports: config.allowedImports)
        let results = try await pool.run(jobs, client: client)
        var (observation, reward) = PythonEnv.observe(decoded, results)
        observation["isolation"] = .string(pool.isolation.rawValue)
        if let warning { observation["warning"] = .string(warning) }
        return StepResult(
            observation: .object(observation), reward: reward, info: PythonEnv.timingInfo(results))
    }

    public func snapshot() async throws -> JSONValue {
        ["rng": try JSONValue(encoding: seeding), "steps": .number(steps)]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let rng = snapshot["rng"], let steps = snapshot["steps"]?.intValue else {
            throw EnvError.badSnapshot("expected `rng` and `steps` (python-v0)")
        }
        do {
            seeding = try rng.decode(EpisodeSeeding.self)
        } catch {
            throw EnvError.badSnapshot("`rng` is not a random stream state: \(error)")
        }
        self.steps = Int(steps)
    }

    /// The loud notice every result carries when jobs are not in bubblewrap.
    private var warning: String? {
        guard pool.isolation == .rlimitsOnly else { return nil }
        let user =
            pool.report["uid"]?.intValue == Int64(geteuid())
            ? "this server's own user, so they can signal this server and read its files"
            : "uid \(pool.report["uid"]?.intValue ?? -1), not this server's user"
        return "NOT A SECURITY BOUNDARY: jobs run with rlimits only"
            + (pool.isolationNote.map { " because \($0)" } ?? " (configured)")
            + ". Jobs run as \(user); they can read whatever that user can read, reach the network and "
            + "loopback ports, and see and signal every process of that user."
    }
}

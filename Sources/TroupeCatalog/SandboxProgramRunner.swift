import PythonEnv
import ReasoningEnv
import TroupeCore

/// Runs `reasoning-v0`'s PAL programs in `python-v0`'s sandbox: the adapter between the two
/// environments, here because the catalog is the one module that depends on both (environments do
/// not depend on each other).
///
/// A program runs as one `call` job on the pool that `python-v0` sessions with the default pool
/// settings use (from the session's `SharedResources`, started on the first program), so PAL
/// programs and python-v0 jobs share one set of workers and one fair queue. The job does what PAL's
/// interface does (`exec` the program, call `solution()`, take `float()` of the value) inside the
/// sandbox; the time limit is the job's wall-clock and CPU limit, enforced by the sandbox with
/// SIGKILL, and the program gets the pool's other default limits (512 MiB, 32 processes, …).
///
/// Under rlimits-only isolation (bubblewrap unusable here) programs are NOT confined: see
/// docs/envs/python.md. A `ProgramOutcome` has no room for that warning; `python-v0`'s `reset`
/// reports the isolation.
public struct SandboxProgramRunner: ProgramRunner {
    /// Where the pool lives (the server's or process's shared resources).
    public let resources: SharedResources
    /// The pool's settings; the default is `python-v0`'s, so both share one pool.
    public let poolConfig: SandboxPoolConfig
    /// Every limit but the time, which each call gives.
    public let limits: SandboxLimits
    /// The submitter's name in the pool's round-robin queue (one per session).
    public let client: String

    public init(
        resources: SharedResources, poolConfig: SandboxPoolConfig = SandboxPoolConfig(),
        limits: SandboxLimits = .defaults, client: String = "reasoning-v0"
    ) {
        self.resources = resources
        self.poolConfig = poolConfig
        self.limits = limits
        self.client = client
    }

    public func run(_ program: String, timeout: Duration) async -> ProgramOutcome {
        let seconds = timeout / .seconds(1)
        var limits = self.limits
        limits.timeoutSeconds = seconds
        limits.cpuSeconds = seconds
        let job = SandboxJob(
            task: .call(source: Self.harness(program), function: "troupe_pal", args: [], kwargs: [:]), limits: limits)
        do {
            let pool = try await SandboxPool.shared(poolConfig, in: resources)
            return Self.outcome(try await pool.run(job, client: client))
        } catch {
            return .failed("SandboxError: the Python sandbox could not run the program: \(error.troupeMessage)")
        }
    }

    /// The job's source: PAL's interface as a function. The program travels as a string literal (a
    /// JSON string is a valid Python literal) and is compiled on its own, so its syntax errors and
    /// line numbers are its own and none of its names can collide with the harness's.
    static func harness(_ program: String) -> String {
        """
        def troupe_pal():
            namespace = {"__name__": "__main__"}
            exec(compile(\(JSONValue.string(program).serialized()), "<program>", "exec"), namespace)
            if not callable(namespace.get("solution")):
                raise NameError("the program defines no solution() function")
            value = namespace["solution"]()
            try:
                return float(value)
            except Exception:
                return "not a number: " + repr(value)[:200]

        """
    }

    /// What a sandbox result means for PAL.
    static func outcome(_ result: SandboxResult) -> ProgramOutcome {
        switch result.status {
        case .ok:
            guard let value = result.value else { return .failed("SandboxError: the program returned no value") }
            if let number = value.json.doubleValue { return .value(number) }
            // float() gave NaN or an infinity, which JSON cannot hold: its repr is Python's.
            if value.type == "float", let special = Double(value.repr) { return .value(special) }
            let text = value.json.stringValue ?? value.repr
            return .notANumber(text.hasPrefix("not a number: ") ? String(text.dropFirst(14)) : text)
        case .timeout:
            return .timedOut
        case .error, .memory, .outputLimit, .killed:
            let failure = result.error ?? SandboxFailure(type: "Killed", message: result.signal ?? "no reason given")
            return .failed("\(failure.type): \(failure.message)")
        }
    }
}

extension ReasoningEnv {
    /// `reasoning-v0` whose PAL programs run in `python-v0`'s sandbox, on the pool of each
    /// session's shared resources (`program_runner: "python3"` in a configuration still overrides).
    public static let sandboxedRegistration: EnvRegistration = {
        let base = ReasoningEnv.registration
        return EnvRegistration(
            spec: base.spec, conformanceConfig: base.conformanceConfig, sampleAction: base.sampleAction
        ) { config, context in
            let runner = SandboxProgramRunner(
                resources: context.shared, client: "reasoning-v0 session \(SeededRNG.entropySeed())")
            return try await ReasoningEnv.registration(programRunner: runner).factory(config, context)
        }
    }()
}

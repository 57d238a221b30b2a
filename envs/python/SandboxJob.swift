import TroupeCore

/// One unit of untrusted work for the sandbox: one fresh process runs it and is gone afterwards.
///
/// Made by `PythonEnv` from actions (one action may become many jobs: an AutoIF action is one job
/// per function and response), or directly by other environments that need Python run safely
/// (PAL programs, scripted checks) through `SandboxPool.run`.
public struct SandboxJob: Sendable, Equatable {
    /// What the job runs.
    public enum Task: Sendable, Equatable {
        /// A program run as `__main__` with `stdin` and `sys.argv[1:] == argv`; its exit status is
        /// Python's (0, `sys.exit(n)`, 1 for an uncaught exception).
        case run(source: String, stdin: String, argv: [String])
        /// `source` executed as a module, then `function(*args, **kwargs)`; the value comes back as
        /// JSON (PAL: `function: "solution"`).
        case call(source: String, function: String, args: [JSONValue], kwargs: JSONObject)
        /// An AutoIF verifier: `evaluate(response)` from `function`'s source, with its value and
        /// AutoIF's `int(value)`.
        case autoif(function: String, response: String, scoping: AutoIFScoping)
        /// One assert-style test executed after `source`, in the same module namespace.
        case test(source: String, test: String)

        /// The kind's name in the worker protocol and in observations.
        public var kind: String {
            switch self {
            case .run: return "run"
            case .call: return "call"
            case .autoif: return "autoif"
            case .test: return "tests"
            }
        }
    }

    public var task: Task
    public var limits: SandboxLimits
    /// Seeds the job's `random` (and NumPy's, when preloaded), so a seeded episode repeats itself.
    public var seed: UInt64
    /// Top-level modules the job's own code may import (`nil`: any). A policy for verifiers, not a
    /// security boundary: the operating system's isolation is the boundary.
    public var allowedImports: [String]?

    public init(task: Task, limits: SandboxLimits = .defaults, seed: UInt64 = 0, allowedImports: [String]? = nil) {
        self.task = task
        self.limits = limits
        self.seed = seed
        self.allowedImports = allowedImports
    }

    /// The job's control line of the worker protocol (see `worker/zygote.py`): what the zygote
    /// needs to fork and bound the job, and nothing of the job's own data.
    func control(id: UInt64) -> JSONValue {
        ["op": "job", "id": .int(Int64(bitPattern: id)), "limits": limits.wire, "stdin": .bool(stdinBytes != nil)]
    }

    /// The job's stdin, when it has one (sent as a memfd the job reads as fd 0).
    var stdinBytes: [UInt8]? {
        guard case .run(_, let stdin, _) = task, !stdin.isEmpty else { return nil }
        return Array(stdin.utf8)
    }

    /// What the job's process reads (see `worker/harness.py`): the kind, the code, its arguments,
    /// the seed, and the nonce that tags its result frame.
    func request(nonce: String) -> JSONValue {
        var object: JSONObject = [
            "kind": .string(task.kind), "nonce": .string(nonce),
            // JSON integers are signed 64-bit: keep the seed's low 63 bits.
            "seed": .int(Int64(seed & 0x7FFF_FFFF_FFFF_FFFF)),
        ]
        if let allowedImports { object["allowed_imports"] = .array(allowedImports.map { .string($0) }) }
        switch task {
        case .run(let source, _, let argv):
            object["source"] = .string(source)
            object["argv"] = .array(argv.map { .string($0) })
        case .call(let source, let function, let args, let kwargs):
            object["source"] = .string(source)
            object["function"] = .string(function)
            object["args"] = .array(args)
            object["kwargs"] = .object(kwargs)
        case .autoif(let function, let response, let scoping):
            object["source"] = .string(function)
            object["response"] = .string(response)
            object["scoping"] = .string(scoping.rawValue)
        case .test(let source, let test):
            object["source"] = .string(source)
            object["test"] = .string(test)
        }
        return .object(object)
    }
}

/// How an AutoIF verifier's source is executed.
public enum AutoIFScoping: String, Sendable, Codable, CaseIterable {
    /// As one module: helpers and imports at the top of the source are visible inside `evaluate`.
    case module
    /// Exactly as AutoIF's scripts do it: `exec(func, driver_globals, local_vars)`. Names bound at
    /// the top of the source land in `local_vars`, so `evaluate` sees only the driver's own
    /// imports (json, re, random, os, copy, time, logging, signal, and numpy as np, nltk,
    /// jsonlines, requests where installed), not the source's own helpers.
    case autoif
}

/// How a job ended.
public enum SandboxStatus: String, Sendable, Codable, CaseIterable {
    /// The code ran to its end (a program may still have a non-zero `exit_status`).
    case ok
    /// An exception (its type and message are in `error`), a crash, or an early exit that left no
    /// result.
    case error
    /// The wall-clock or CPU limit was reached; every process of the job was killed.
    case timeout
    /// The address-space limit was reached (`MemoryError`).
    case memory
    /// stdout, stderr or the returned value outgrew `output_bytes`; the job was killed.
    case outputLimit = "output_limit"
    /// The job was killed by a signal it did not cause through a limit, or its worker died.
    case killed
}

/// What went wrong in a job: the exception's type and message, and the traceback of the job's own
/// frames.
public struct SandboxFailure: Sendable, Equatable {
    /// The exception's class name (`ValueError`), or one of the sandbox's own: `Timeout`,
    /// `OutputLimit`, `Crash`, `Killed`, `NoResult`, `FileSizeLimit`, `SandboxError`.
    public var type: String
    public var message: String
    public var traceback: String?
    /// The line of the job's code where it was raised, when known.
    public var line: Int?

    public init(type: String, message: String, traceback: String? = nil, line: Int? = nil) {
        self.type = type
        self.message = message
        self.traceback = traceback
        self.line = line
    }

    init?(_ json: JSONValue?) {
        guard let json, let type = json["type"]?.stringValue else { return nil }
        self.type = type
        message = json["message"]?.stringValue ?? ""
        traceback = json["traceback"]?.stringValue
        line = json["line"]?.intValue.map { Int($0) }
    }

    var json: JSONValue {
        var object: JSONObject = ["type": .string(type), "message": .string(message)]
        if let traceback { object["traceback"] = .string(traceback) }
        if let line { object["line"] = .number(line) }
        return .object(object)
    }
}

/// A Python value returned by a job: as JSON where JSON can hold it (lists for tuples and sets,
/// floats for integers beyond 64 bits), with its type name and a bounded `repr`.
public struct SandboxValue: Sendable, Equatable {
    /// The value as JSON; `null` when it has no JSON form (see `representable`).
    public var json: JSONValue
    /// False for values JSON cannot hold (complex numbers, objects, NaN): `json` is then `null`.
    public var representable: Bool
    /// Python's type name (`int`, `list`, `Fraction`).
    public var type: String
    /// `repr(value)`, shortened past about 1000 characters.
    public var repr: String

    init?(_ json: JSONValue?) {
        guard let json, let type = json["type"]?.stringValue else { return nil }
        self.json = json["json"] ?? .null
        representable = json["representable"]?.boolValue ?? false
        self.type = type
        repr = json["repr"]?.stringValue ?? ""
    }
}

/// Everything known about a finished job.
public struct SandboxResult: Sendable, Equatable {
    public var status: SandboxStatus
    /// Why it is not `ok` (or, for a program, the uncaught exception).
    public var error: SandboxFailure?
    /// The exit status when the process exited (a program's own status).
    public var exitStatus: Int?
    /// The signal that ended the process, when one did (`SIGKILL`, `SIGSEGV`).
    public var signal: String?
    public var stdout: String
    public var stderr: String
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// `call` and `autoif`: the value returned.
    public var value: SandboxValue?
    /// `autoif`: `int(value)` as AutoIF takes it, or `nil` when AutoIF would skip the result
    /// (`None`, or a value `int()` refuses, such as the string `'true'`).
    public var autoifInt: JSONValue?
    /// `tests`: whether the test passed (it ran to its end without an exception).
    public var passed: Bool
    /// Wall-clock seconds from the fork to the end of the job, CPU seconds of the job's process
    /// (and the children it waited for), and its peak resident memory.
    public var wallSeconds: Double
    public var cpuSeconds: Double
    public var maxRSSBytes: Int
    /// Seconds the job waited in the pool's queue before a worker took it.
    public var queueSeconds: Double
    /// The isolation the job ran under.
    public var isolation: Isolation

    /// A result for a job that never got to run its code (its worker died or could not start).
    static func killed(_ message: String, isolation: Isolation, type: String = "Killed") -> SandboxResult {
        SandboxResult(
            status: .killed, error: SandboxFailure(type: type, message: message), exitStatus: nil, signal: nil,
            stdout: "", stderr: "", stdoutTruncated: false, stderrTruncated: false, value: nil, autoifInt: nil,
            passed: false, wallSeconds: 0, cpuSeconds: 0, maxRSSBytes: 0, queueSeconds: 0, isolation: isolation)
    }
}

extension SandboxResult {
    /// Decodes a worker's reply (`{"op": "done", ...}`).
    init(reply: JSONValue, isolation: Isolation) {
        let frame = reply["frame"]
        status = reply["status"]?.stringValue.flatMap(SandboxStatus.init(rawValue:)) ?? .error
        error = SandboxFailure(reply["error"])
        exitStatus = reply["exit_status"]?.intValue.map { Int($0) }
        signal = reply["signal"]?.stringValue
        stdout = reply["stdout"]?.stringValue ?? ""
        stderr = reply["stderr"]?.stringValue ?? ""
        stdoutTruncated = reply["stdout_truncated"]?.boolValue ?? false
        stderrTruncated = reply["stderr_truncated"]?.boolValue ?? false
        value = SandboxValue(frame?["value"])
        autoifInt = frame?["int"].flatMap { $0.isNull ? nil : $0 }
        passed = status == .ok && frame?["passed"]?.boolValue == true
        wallSeconds = reply["wall_s"]?.doubleValue ?? 0
        cpuSeconds = reply["cpu_s"]?.doubleValue ?? 0
        maxRSSBytes = Int(reply["max_rss_bytes"]?.intValue ?? 0)
        queueSeconds = 0
        self.isolation = isolation
    }
}

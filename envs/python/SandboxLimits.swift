import TroupeCore

/// The resource limits of one sandbox job. Every job runs under all of them, and the operating
/// system enforces each one (rlimits set in the job's process before its code runs, a wall-clock
/// deadline enforced from outside the job with SIGKILL, output read through capped pipes).
///
/// A session's configuration sets the defaults, which are also the ceilings: an action may lower a
/// limit for its own jobs but never raise one.
public struct SandboxLimits: Sendable, Equatable {
    /// Wall-clock seconds before every process of the job is killed (status `timeout`).
    public var timeoutSeconds: Double
    /// CPU seconds of the job's process (RLIMIT_CPU, rounded up to whole seconds; status `timeout`).
    public var cpuSeconds: Double
    /// Address space of the job's process in MiB (RLIMIT_AS), the interpreter's own included
    /// (about 20 MiB; `reset` reports it). Exceeding it is a `MemoryError` (status `memory`).
    public var memoryMB: Int
    /// Processes and threads the sandbox's user may have at once (RLIMIT_NPROC): under bubblewrap,
    /// counted in the worker's own user namespace (the zygote is one); under rlimits-only, on top
    /// of the tasks that user already has on the machine. Stops fork bombs.
    public var processes: Int
    /// The largest file the job may write, in MiB (RLIMIT_FSIZE).
    public var fileSizeMB: Int
    /// Open file descriptors (RLIMIT_NOFILE).
    public var openFiles: Int
    /// Bytes of stdout, and separately of stderr, that are kept; writing more kills the job
    /// (status `output_limit`). Also bounds a returned value's JSON.
    public var outputBytes: Int

    public static let defaults = SandboxLimits(
        timeoutSeconds: 5, cpuSeconds: 5, memoryMB: 512, processes: 32, fileSizeMB: 16, openFiles: 64,
        outputBytes: 1 << 20)

    public init(
        timeoutSeconds: Double, cpuSeconds: Double, memoryMB: Int, processes: Int, fileSizeMB: Int, openFiles: Int,
        outputBytes: Int
    ) {
        self.timeoutSeconds = timeoutSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryMB = memoryMB
        self.processes = processes
        self.fileSizeMB = fileSizeMB
        self.openFiles = openFiles
        self.outputBytes = outputBytes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timeoutSeconds = "timeout_s"
        case cpuSeconds = "cpu_s"
        case memoryMB = "memory_mb"
        case processes
        case fileSizeMB = "file_size_mb"
        case openFiles = "open_files"
        case outputBytes = "output_bytes"
    }

    /// The valid range of each limit, for validation and for the config schema.
    static let ranges: [CodingKeys: ClosedRange<Double>] = [
        .timeoutSeconds: 0.01...3600, .cpuSeconds: 0.01...3600, .memoryMB: 48...1_048_576, .processes: 1...4096,
        .fileSizeMB: 0...1_048_576, .openFiles: 8...65536, .outputBytes: 0...67_108_864,
    ]

    /// Reads limits from a JSON object with every field optional: missing fields come from `base`.
    /// Unknown fields, wrong types and values outside their range throw a message naming the field.
    public init(json: JSONValue, base: SandboxLimits) throws(LimitsError) {
        guard let object = json.objectValue else { throw LimitsError("must be an object, got \(json.typeName)") }
        for key in object.keys where CodingKeys(rawValue: key) == nil {
            let names = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
            throw LimitsError("unknown limit `\(key)`; the limits are: \(names)")
        }
        func number(_ key: CodingKeys, _ current: Double, integer: Bool) throws(LimitsError) -> Double {
            guard let value = object[key.rawValue] else { return current }
            guard let decoded = integer ? value.intValue.map(Double.init) : value.doubleValue else {
                throw LimitsError(
                    "`\(key.rawValue)` must be \(integer ? "an integer" : "a number"), got \(value.serialized())")
            }
            let range = SandboxLimits.ranges[key]!
            guard range.contains(decoded) else {
                throw LimitsError(
                    "`\(key.rawValue)` must be between \(range.lowerBound.clean) and \(range.upperBound.clean), got \(decoded.clean)"
                )
            }
            return decoded
        }
        timeoutSeconds = try number(.timeoutSeconds, base.timeoutSeconds, integer: false)
        cpuSeconds = try number(.cpuSeconds, base.cpuSeconds, integer: false)
        memoryMB = Int(try number(.memoryMB, Double(base.memoryMB), integer: true))
        processes = Int(try number(.processes, Double(base.processes), integer: true))
        fileSizeMB = Int(try number(.fileSizeMB, Double(base.fileSizeMB), integer: true))
        openFiles = Int(try number(.openFiles, Double(base.openFiles), integer: true))
        outputBytes = Int(try number(.outputBytes, Double(base.outputBytes), integer: true))
    }

    /// `requested` when it lowers (or keeps) every one of these limits; otherwise the error names
    /// the first limit it would raise.
    func lowered(to requested: SandboxLimits) -> Result<SandboxLimits, EnvError> {
        let pairs: [(CodingKeys, Double, Double)] = [
            (.timeoutSeconds, requested.timeoutSeconds, timeoutSeconds),
            (.cpuSeconds, requested.cpuSeconds, cpuSeconds),
            (.memoryMB, Double(requested.memoryMB), Double(memoryMB)),
            (.processes, Double(requested.processes), Double(processes)),
            (.fileSizeMB, Double(requested.fileSizeMB), Double(fileSizeMB)),
            (.openFiles, Double(requested.openFiles), Double(openFiles)),
            (.outputBytes, Double(requested.outputBytes), Double(outputBytes)),
        ]
        for (key, asked, ceiling) in pairs where asked > ceiling {
            return .failure(
                .invalidAction(
                    "`limits.\(key.rawValue)` is \(asked.clean), above this session's limit of \(ceiling.clean); "
                        + "raise `limits.\(key.rawValue)` in the configuration to allow it"))
        }
        return .success(requested)
    }

    /// The limits as the worker protocol names them (bytes, seconds).
    var wire: JSONValue {
        [
            "timeout_s": .double(timeoutSeconds), "cpu_s": .double(cpuSeconds),
            "memory_bytes": .number(memoryMB << 20), "processes": .number(processes),
            "file_size_bytes": .number(fileSizeMB << 20), "open_files": .number(openFiles),
            "output_bytes": .number(outputBytes),
        ]
    }

    /// The limits as configuration JSON.
    public var json: JSONValue {
        [
            "timeout_s": .double(timeoutSeconds), "cpu_s": .double(cpuSeconds), "memory_mb": .number(memoryMB),
            "processes": .number(processes), "file_size_mb": .number(fileSizeMB), "open_files": .number(openFiles),
            "output_bytes": .number(outputBytes),
        ]
    }

    /// A JSON Schema of the limits object.
    static var schema: JSONValue {
        var properties = JSONObject()
        for key in CodingKeys.allCases {
            let range = ranges[key]!
            let isInteger = key != .timeoutSeconds && key != .cpuSeconds
            // Whole bounds as integers, so the schema survives JSON coders that do the same.
            func bound(_ value: Double) -> JSONValue { value == value.rounded() ? .int(Int64(value)) : .double(value) }
            properties[key.rawValue] = [
                "type": isInteger ? "integer" : "number", "minimum": bound(range.lowerBound),
                "maximum": bound(range.upperBound),
            ]
        }
        return ["type": "object", "properties": .object(properties), "additionalProperties": false]
    }
}

/// Why a limits object is invalid: a message that names the field.
public struct LimitsError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Double {
    /// `5` rather than `5.0` for whole numbers, in messages.
    var clean: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}

/// How a job is isolated from the host, reported in every result.
public enum Isolation: String, Sendable, Codable {
    /// bubblewrap: private user, pid, network, IPC and UTS namespaces; a read-only view of the
    /// system with only the interpreter's files; a private tmpfs; plus every rlimit.
    case bubblewrap
    /// rlimits only: NOT a security boundary. Jobs can read what the sandbox user can read and
    /// reach the network; see `docs/envs/python.md`.
    case rlimitsOnly = "rlimits-only"
}

/// The isolation a configuration asks for.
public enum IsolationRequest: String, Sendable, Codable, CaseIterable {
    /// bubblewrap when it works here, rlimits-only (reported loudly) when it does not.
    case auto
    /// bubblewrap or nothing: making the session fails when bubblewrap cannot run.
    case bubblewrap
    /// rlimits-only on purpose (for machines where namespaces are managed outside).
    case rlimitsOnly = "rlimits-only"
}

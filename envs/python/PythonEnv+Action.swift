import TroupeCore

/// One step's request to `python-v0`, decoded from the action JSON and validated. A bare string
/// is shorthand for `{"kind": "run", "source": <string>}`.
///
///     {"kind": "run",    "source": "...", "stdin": "...", "argv": ["..."]}
///     {"kind": "call",   "source": "...", "function": "solution", "args": [...], "kwargs": {...}}
///     {"kind": "autoif", "functions": ["def evaluate(response): ..."], "responses": ["..."],
///                        "scoping": "module" | "autoif", "accept_strings": false}
///     {"kind": "tests",  "source": "...", "tests": ["assert f(1) == 2", ...]}
///
/// Every kind also takes `limits` (an object of the configuration's limit names) to lower the
/// session's limits for this step's jobs.
enum PythonAction: Equatable {
    case run(source: String, stdin: String, argv: [String])
    case call(source: String, function: String, args: [JSONValue], kwargs: JSONObject)
    case autoif(functions: [String], responses: [String], scoping: AutoIFScoping, acceptStrings: Bool)
    case tests(source: String, tests: [String])

    static let fields: [String: [String]] = [
        "run": ["source", "stdin", "argv"],
        "call": ["source", "function", "args", "kwargs"],
        "autoif": ["functions", "responses", "scoping", "accept_strings"],
        "tests": ["source", "tests"],
    ]

    var kind: String {
        switch self {
        case .run: return "run"
        case .call: return "call"
        case .autoif: return "autoif"
        case .tests: return "tests"
        }
    }

    /// Decodes an action; `maxJobs` bounds how many jobs one action may become.
    static func decode(
        _ json: JSONValue, sessionLimits: SandboxLimits, maxJobs: Int
    ) throws -> (
        PythonAction, SandboxLimits
    ) {
        if case .string(let source) = json { return (.run(source: source, stdin: "", argv: []), sessionLimits) }
        guard case .object(let object) = json else {
            throw EnvError.invalidAction(
                "expected an object with a `kind` (run, call, autoif, tests) or a program as a string, got \(json.typeName)"
            )
        }
        guard let kind = object["kind"]?.stringValue, let allowed = fields[kind] else {
            throw EnvError.invalidAction(
                "`kind` must be one of \"run\", \"call\", \"autoif\", \"tests\"; got \(object["kind"]?.serialized() ?? "nothing")"
            )
        }
        for key in object.keys where key != "kind" && key != "limits" && !allowed.contains(key) {
            throw EnvError.invalidAction(
                "unknown field `\(key)` for kind \"\(kind)\"; its fields are: \((["kind", "limits"] + allowed).joined(separator: ", "))"
            )
        }
        let reader = FieldReader(object: object, kind: kind)
        let action: PythonAction
        switch kind {
        case "run":
            action = .run(
                source: try reader.string("source"), stdin: try reader.string("stdin", default: ""),
                argv: try reader.strings("argv", default: []))
        case "call":
            let function = try reader.string("function", default: "solution")
            guard PythonEnv.Config.isModuleName(function), !function.contains(".") else {
                throw EnvError.invalidAction("`function` must be a Python identifier, got \"\(function)\"")
            }
            guard let args = (object["args"] ?? .array([])).arrayValue else {
                throw EnvError.invalidAction("`args` must be an array (positional arguments as JSON)")
            }
            guard let kwargs = (object["kwargs"] ?? .object([:])).objectValue else {
                throw EnvError.invalidAction("`kwargs` must be an object (keyword arguments as JSON)")
            }
            action = .call(source: try reader.string("source"), function: function, args: args, kwargs: kwargs)
        case "autoif":
            let functions = try reader.strings("functions")
            let responses = try reader.strings("responses")
            guard !functions.isEmpty, !responses.isEmpty else {
                throw EnvError.invalidAction("`functions` and `responses` must each hold at least one string")
            }
            guard functions.count * responses.count <= maxJobs else {
                throw EnvError.invalidAction(
                    "\(functions.count) functions x \(responses.count) responses is \(functions.count * responses.count) jobs, "
                        + "more than the \(maxJobs) one action may hold; split the action")
            }
            let rawScoping = try reader.string("scoping", default: AutoIFScoping.module.rawValue)
            guard let scoping = AutoIFScoping(rawValue: rawScoping) else {
                throw EnvError.invalidAction("`scoping` must be \"module\" or \"autoif\", got \"\(rawScoping)\"")
            }
            action = .autoif(
                functions: functions, responses: responses, scoping: scoping,
                acceptStrings: try reader.bool("accept_strings", default: false))
        default:
            let tests = try reader.strings("tests")
            guard !tests.isEmpty, tests.count <= maxJobs else {
                throw EnvError.invalidAction("`tests` must hold between 1 and \(maxJobs) tests")
            }
            action = .tests(source: try reader.string("source"), tests: tests)
        }
        var limits = sessionLimits
        if let raw = object["limits"] {
            let requested: SandboxLimits
            do {
                requested = try SandboxLimits(json: raw, base: sessionLimits)
            } catch {
                throw EnvError.invalidAction("`limits`: \(error.description)")
            }
            limits = try sessionLimits.lowered(to: requested).get()
        }
        return (action, limits)
    }

    /// The jobs this action runs, in the order results are reported (AutoIF: response-major,
    /// as AutoIF's own loops go: for each response, each function).
    func jobs(limits: SandboxLimits, seed: UInt64, allowedImports: [String]?) -> [SandboxJob] {
        func job(_ task: SandboxJob.Task, _ index: Int) -> SandboxJob {
            SandboxJob(task: task, limits: limits, seed: seed &+ UInt64(index), allowedImports: allowedImports)
        }
        switch self {
        case .run(let source, let stdin, let argv):
            return [job(.run(source: source, stdin: stdin, argv: argv), 0)]
        case .call(let source, let function, let args, let kwargs):
            return [job(.call(source: source, function: function, args: args, kwargs: kwargs), 0)]
        case .autoif(let functions, let responses, let scoping, _):
            var jobs: [SandboxJob] = []
            for response in responses {
                for function in functions {
                    jobs.append(job(.autoif(function: function, response: response, scoping: scoping), jobs.count))
                }
            }
            return jobs
        case .tests(let source, let tests):
            return tests.enumerated().map { index, test in job(.test(source: source, test: test), index) }
        }
    }
}

/// Typed access to an action's fields with messages that name them.
private struct FieldReader {
    let object: JSONObject
    let kind: String

    func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let value = object[key] else {
            if let fallback { return fallback }
            throw EnvError.invalidAction("kind \"\(kind)\" needs `\(key)` (a string)")
        }
        guard let string = value.stringValue else {
            throw EnvError.invalidAction("`\(key)` must be a string, got \(value.typeName)")
        }
        return string
    }

    func strings(_ key: String, default fallback: [String]? = nil) throws -> [String] {
        guard let value = object[key] else {
            if let fallback { return fallback }
            throw EnvError.invalidAction("kind \"\(kind)\" needs `\(key)` (an array of strings)")
        }
        guard let array = value.arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
            throw EnvError.invalidAction("`\(key)` must be an array of strings")
        }
        return array.map { $0.stringValue! }
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = object[key] else { return fallback }
        guard let bool = value.boolValue else {
            throw EnvError.invalidAction("`\(key)` must be true or false, got \(value.typeName)")
        }
        return bool
    }
}

import TroupeCore

extension PythonEnv {
    /// A step's observation (without `isolation`, which the caller adds) and reward.
    static func observe(_ action: PythonAction, _ results: [SandboxResult]) -> (JSONObject, Double) {
        switch action {
        case .run:
            let r = results[0]
            var object = outcome(r, kind: "run")
            object["exit_status"] = r.exitStatus.map { .number($0) } ?? .null
            object["signal"] = r.signal.map { .string($0) } ?? .null
            output(r, into: &object)
            return (object, r.status == .ok && r.exitStatus == 0 ? 1 : 0)
        case .call:
            let r = results[0]
            var object = outcome(r, kind: "call")
            object["value"] = r.value?.json ?? .null
            object["value_type"] = r.value.map { .string($0.type) } ?? .null
            object["value_repr"] = r.value.map { .string($0.repr) } ?? .null
            object["representable"] = .bool(r.value?.representable ?? false)
            output(r, into: &object)
            return (object, r.status == .ok ? 1 : 0)
        case .autoif(let functions, let responses, let scoping, let acceptStrings):
            var rows: [JSONValue] = []
            var passRates: [JSONValue] = []
            var strictRates: [JSONValue] = []
            var reward = 0.0
            for row in 0..<responses.count {
                let slice = results[(row * functions.count)..<((row + 1) * functions.count)]
                let pairs = slice.map { AutoIFScore.pair($0, acceptStrings: acceptStrings) }
                rows.append(
                    .array(
                        zip(slice, pairs).map { result, pair in
                            var cell: JSONObject = [
                                "verdict": pair.verdict.map { .bool($0) } ?? .null,
                                "status": .string(result.status.rawValue),
                                "value": result.value?.json ?? .null,
                                "counted": pair.counted.map { .double($0) } ?? .null,
                            ]
                            cell["error"] = result.error?.json ?? .null
                            return .object(cell)
                        }))
                let rate = AutoIFScore.passRate(pairs)
                passRates.append(.double(rate))
                strictRates.append(.double(AutoIFScore.strictPassRate(pairs)))
                reward += min(1, max(0, rate))
            }
            let object: JSONObject = [
                "kind": "autoif", "scoping": .string(scoping.rawValue), "functions": .number(functions.count),
                "responses": .number(responses.count), "results": .array(rows), "pass_rates": .array(passRates),
                "strict_pass_rates": .array(strictRates),
            ]
            return (object, reward / Double(responses.count))
        case .tests:
            let passed = results.filter(\.passed).count
            let rows: [JSONValue] = results.map { r in
                ["passed": .bool(r.passed), "status": .string(r.status.rawValue), "error": r.error?.json ?? .null]
            }
            let rate = Double(passed) / Double(results.count)
            let object: JSONObject = [
                "kind": "tests", "results": .array(rows), "passed": .number(passed), "total": .number(results.count),
                "pass_rate": .double(rate),
            ]
            return (object, rate)
        }
    }

    private static func outcome(_ r: SandboxResult, kind: String) -> JSONObject {
        ["kind": .string(kind), "status": .string(r.status.rawValue), "error": r.error?.json ?? .null]
    }

    private static func output(_ r: SandboxResult, into object: inout JSONObject) {
        object["stdout"] = .string(r.stdout)
        object["stderr"] = .string(r.stderr)
        object["stdout_truncated"] = .bool(r.stdoutTruncated)
        object["stderr_truncated"] = .bool(r.stderrTruncated)
    }

    /// The step's timings, all volatile: totals and one entry per job in result order.
    static func timingInfo(_ results: [SandboxResult]) -> JSONObject {
        func ms(_ seconds: Double) -> JSONValue { .double((seconds * 1e6).rounded() / 1e3) }
        return [
            "wall_ms": ms(results.reduce(0) { $0 + $1.wallSeconds }),
            "cpu_ms": ms(results.reduce(0) { $0 + $1.cpuSeconds }),
            "queue_ms": ms(results.map(\.queueSeconds).max() ?? 0),
            "timings": .array(
                results.map { r in
                    [
                        "wall_ms": ms(r.wallSeconds), "cpu_ms": ms(r.cpuSeconds), "queue_ms": ms(r.queueSeconds),
                        "max_rss_bytes": .number(r.maxRSSBytes),
                    ]
                }),
        ]
    }

    static let actionSchema: JSONValue = [
        "oneOf": [
            ["type": "string", "description": "a program, run as {\"kind\": \"run\", \"source\": ...}"],
            [
                "type": "object", "required": ["kind", "source"],
                "properties": [
                    "kind": ["const": "run"], "source": ["type": "string"], "stdin": ["type": "string"],
                    "argv": ["type": "array", "items": ["type": "string"]], "limits": ["type": "object"],
                ],
            ],
            [
                "type": "object", "required": ["kind", "source"],
                "properties": [
                    "kind": ["const": "call"], "source": ["type": "string"],
                    "function": ["type": "string", "default": "solution"], "args": ["type": "array"],
                    "kwargs": ["type": "object"], "limits": ["type": "object"],
                ],
            ],
            [
                "type": "object", "required": ["kind", "functions", "responses"],
                "properties": [
                    "kind": ["const": "autoif"], "functions": ["type": "array", "items": ["type": "string"]],
                    "responses": ["type": "array", "items": ["type": "string"]],
                    "scoping": ["enum": ["module", "autoif"]], "accept_strings": ["type": "boolean"],
                    "limits": ["type": "object"],
                ],
            ],
            [
                "type": "object", "required": ["kind", "source", "tests"],
                "properties": [
                    "kind": ["const": "tests"], "source": ["type": "string"],
                    "tests": ["type": "array", "items": ["type": "string"]], "limits": ["type": "object"],
                ],
            ],
        ]
    ]

    /// Small, quick, deterministic actions of every kind (for the conformance checker and
    /// `envd bench`): each finishes in milliseconds and gives the same result every time for the
    /// same seed, including the seeded `random` module.
    static func sampleAction(_ rng: inout SeededRNG) -> JSONValue {
        let n = rng.int(in: 1...1000)
        switch rng.int(in: 0..<6) {
        case 0:
            return .string("print(sum(range(\(n))))")
        case 1:
            return [
                "kind": "run", "source": "import random, sys\nprint(random.random(), sys.argv[1:], input())",
                "stdin": .string("line \(n)\n"), "argv": [.string("x\(n)")],
            ]
        case 2:
            return ["kind": "call", "source": .string("def solution():\n    return \(n) * 2"), "function": "solution"]
        case 3:
            return [
                "kind": "autoif",
                "functions": [
                    .string("def evaluate(response):\n    return len(response) >= \(n % 10)"),
                    "def evaluate(response):\n    return response.upper() == response",
                ],
                "responses": ["hello", .string(String(repeating: "A", count: n % 12))],
            ]
        case 4:
            return [
                "kind": "tests", "source": "def f(x):\n    return x + 1",
                "tests": [.string("assert f(\(n)) == \(n + 1)"), "assert f(0) == 2"],
            ]
        default:
            return ["kind": "run", "source": .string("raise ValueError('sample \(n)')")]
        }
    }
}

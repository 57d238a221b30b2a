import Foundation
import Testing
import TroupeCatalog
import TroupeCore

@testable import PythonEnv

/// `python-v0` as an environment: its actions, observations, rewards, configuration errors and
/// seeding, through the registry as a server would make it.
@Suite("python-v0 actions and configuration", .timeLimit(.minutes(10)))
struct PythonEnvTests {
    static func make(_ config: JSONValue = ["workers": 2], seed: UInt64 = 1) async throws -> any Environment {
        try await builtinEnvironments.make(
            "python-v0", config: config, context: MakeContext(seed: seed, shared: Sandboxes.resources))
    }

    /// A session, made and reset.
    static func started(_ config: JSONValue = ["workers": 2]) async throws -> any Environment {
        let env = try await make(config)
        _ = try await env.reset(seed: 1, options: .null)
        return env
    }

    @Test("reset reports the isolation, interpreter and limits; under rlimits-only with a warning")
    func resetReport() async throws {
        let env = try await PythonEnvTests.make()
        let reset = try await env.reset(seed: 1, options: .null)
        let isolation = try #require(reset.observation["isolation"]?.stringValue)
        #expect(isolation == (Sandboxes.bubblewrapWorks ? "bubblewrap" : "rlimits-only"))
        #expect(reset.observation["python"]?.stringValue?.hasPrefix("3.") == true)
        #expect(reset.observation["limits"]?["timeout_s"] == 5.0)
        #expect((reset.observation["warning"] != nil) == (isolation == "rlimits-only"))

        let forced = try await PythonEnvTests.make(["isolation": "rlimits-only", "workers": 1])
        let observation = try await forced.reset(seed: 1, options: .null).observation
        #expect(observation["isolation"] == "rlimits-only")
        #expect(observation["warning"]?.stringValue?.contains("NOT A SECURITY BOUNDARY") == true)
        let step = try await forced.step(.string("print(1)"))
        #expect(step.observation["warning"]?.stringValue?.contains("NOT A SECURITY BOUNDARY") == true)
    }

    @Test("run: stdin, argv, stdout, stderr, exit status and the reward")
    func run() async throws {
        let env = try await PythonEnvTests.started()
        let step = try await env.step([
            "kind": "run",
            "source": "import sys\nprint(input().upper(), sys.argv[1:])\nprint('warn', file=sys.stderr)\nsys.exit(3)",
            "stdin": "hello\n", "argv": ["a", "b"],
        ])
        #expect(step.observation["status"] == "ok")
        #expect(step.observation["stdout"] == "HELLO ['a', 'b']\n")
        #expect(step.observation["stderr"] == "warn\n")
        #expect(step.observation["exit_status"] == 3)
        #expect(step.reward == 0)
        #expect(step.terminated == false)
        #expect(step.info["wall_ms"]?.doubleValue != nil)
        #expect(step.info["cpu_ms"]?.doubleValue != nil)

        let ok = try await env.step(.string("print('fine')"))
        #expect(ok.observation["stdout"] == "fine\n")
        #expect(ok.reward == 1)

        let failed = try await env.step(.string("def f():\n    raise KeyError('k')\nf()"))
        #expect(failed.observation["status"] == "error")
        #expect(failed.observation["error"]?["type"] == "KeyError")
        #expect(failed.observation["error"]?["line"] == 2)
        #expect(failed.observation["exit_status"] == 1)
        #expect(failed.observation["stderr"]?.stringValue?.contains("KeyError: 'k'") == true)
    }

    @Test("call: PAL's solution() and values of every JSON shape")
    func call() async throws {
        let env = try await PythonEnvTests.started()
        // A PAL program in Matryoshka's format (comments are the sub-questions).
        let pal = """
            def solution():
                # How many eggs does Janet have left each day?
                eggs_per_day = 16
                eaten = 3
                baked = 4
                left = eggs_per_day - eaten - baked
                # How much does she make selling them at $2 each?
                result = left * 2
                return result
            """
        let step = try await env.step(["kind": "call", "source": .string(pal)])
        #expect(step.observation["value"] == 18)
        #expect(step.observation["value_type"] == "int")
        #expect(step.reward == 1)

        let cases: [(String, JSONValue, Bool)] = [
            ("(1, 'a', None)", [1, "a", nil], true),
            ("{'k': [1.5, True]}", ["k": [1.5, true]], true),
            ("{3, 1, 2}", [1, 2, 3], true),
            ("2 ** 100", .double(1.2676506002282294e30), true),
            ("__import__('fractions').Fraction(1, 4)", 0.25, true),
            ("float('nan')", nil, false),
            ("complex(1, 2)", nil, false),
            ("object()", nil, false),
            ("'caf\\u00e9 \\udc80'", "café ?", true),  // a lone surrogate is not UTF-8: replaced
        ]
        for (expression, json, representable) in cases {
            let result = try await env.step([
                "kind": "call", "source": .string("def f():\n    return \(expression)"), "function": "f",
            ])
            #expect(result.observation["status"] == "ok")
            #expect(result.observation["value"] == json, "\(expression)")
            #expect(result.observation["representable"] == .bool(representable), "\(expression)")
            #expect(result.observation["value_repr"]?.stringValue?.isEmpty == false)
        }
        let args = try await env.step([
            "kind": "call", "source": "def add(a, b, scale=1):\n    return (a + b) * scale", "function": "add",
            "args": [2, 3], "kwargs": ["scale": 10],
        ])
        #expect(args.observation["value"] == 50)
        let missing = try await env.step(["kind": "call", "source": "x = 1"])
        #expect(missing.observation["status"] == "error")
        #expect(missing.observation["error"]?["type"] == "NameError")
        #expect(missing.reward == 0)
    }

    @Test("tests: assert-style tests, each in its own process, and the pass rate as reward")
    func tests() async throws {
        let env = try await PythonEnvTests.started()
        let step = try await env.step([
            "kind": "tests",
            "source": "def add(a, b):\n    return a + b",
            "tests": [
                "assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(2, 2) == 5, 'two and two'",
                "while True:\n    pass",
            ],
            "limits": ["timeout_s": 2],
        ])
        let results = try #require(step.observation["results"]?.arrayValue)
        #expect(results.map { $0["passed"]! } == [true, true, false, false])
        #expect(results[2]["error"]?["type"] == "AssertionError")
        #expect(results[2]["error"]?["message"] == "two and two")
        #expect(results[3]["status"] == "timeout")
        #expect(step.observation["pass_rate"] == 0.5)
        #expect(step.reward == 0.5)
    }

    @Test("allowed_imports refuses other modules in the job's own code")
    func allowedImports() async throws {
        let env = try await PythonEnvTests.started(["workers": 2, "allowed_imports": ["re", "json"]])
        let ok = try await env.step(.string("import re, json\nprint(json.dumps(re.findall('a', 'banana')))"))
        #expect(ok.observation["stdout"] == "[\"a\", \"a\", \"a\"]\n")
        let refused = try await env.step(.string("import os"))
        #expect(refused.observation["error"]?["type"] == "ImportError")
    }

    @Test("a seeded episode repeats itself, random module included")
    func seeding() async throws {
        let source: JSONValue = .string("import random\nprint(random.random(), hash('troupe'), {'b', 'a', 'c'})")
        var transcripts: [[String]] = []
        for sessionSeed: UInt64 in [1, 2] {
            let env = try await PythonEnvTests.make(seed: sessionSeed)
            _ = try await env.reset(seed: 42, options: .null)
            var lines: [String] = []
            for _ in 0..<3 { lines.append(try await env.step(source).observation["stdout"]!.stringValue!) }
            transcripts.append(lines)
        }
        #expect(transcripts[0] == transcripts[1])
        #expect(Set(transcripts[0]).count == 3, "each step draws a new seed")
    }

    @Test(
        "invalid actions are errors that say what is wrong",
        arguments: [
            (.int(42), "expected an object"),
            (["kind": "exec"], "`kind` must be one of"),
            (["kind": "run"], "needs `source`"),
            (["kind": "run", "source": "x", "sorce": "y"], "unknown field `sorce`"),
            (["kind": "run", "source": 3], "`source` must be a string"),
            (["kind": "call", "source": "x", "function": "a.b"], "`function` must be a Python identifier"),
            (["kind": "autoif", "functions": [], "responses": ["r"]], "at least one"),
            (["kind": "autoif", "functions": ["f"], "responses": ["r"], "scoping": "global"], "`scoping` must be"),
            (["kind": "tests", "source": "x", "tests": "assert True"], "array of strings"),
            (["kind": "run", "source": "x", "limits": ["timeout_s": 60]], "above this session's limit of 5"),
            (["kind": "run", "source": "x", "limits": ["memory": 60]], "unknown limit `memory`"),
            (["kind": "run", "source": "x", "limits": ["processes": 0]], "between 1 and 4096"),
        ] as [(JSONValue, String)])
    func invalidActions(action: JSONValue, message: String) async throws {
        let env = try await PythonEnvTests.started()
        do {
            _ = try await env.step(action)
            Issue.record("accepted \(action.serialized())")
        } catch {
            #expect(error.troupeCode == .invalidAction)
            #expect(error.troupeMessage.contains(message), "\(error.troupeMessage)")
        }
    }

    @Test(
        "invalid configurations are bad_config errors naming the field",
        arguments: [
            (["isolation": "docker"], "`isolation`"),
            (["workers": -1], "`workers`"),
            (["limits": ["timeout_s": 0]], "`limits`"),
            (["limits": ["wall": 3]], "unknown limit `wall`"),
            (["python": "python3"], "absolute path"),
            (["python": "/nonexistent/python3"], "no executable Python interpreter"),
            (["preload": ["os;rm"]], "not a module name"),
            (["extra_paths": ["/nonexistent-troupe-dir"]], "is not a directory"),
            (["timeout": 3], "unknown field `timeout`"),
        ] as [(JSONValue, String)])
    func invalidConfigurations(config: JSONValue, message: String) async throws {
        do {
            _ = try await PythonEnvTests.make(config)
            Issue.record("accepted \(config.serialized())")
        } catch {
            #expect(error.troupeCode == .badConfig)
            #expect(error.troupeMessage.contains(message), "\(error.troupeMessage)")
        }
    }

    @Test("isolation \"bubblewrap\" fails loudly where bubblewrap cannot run, instead of degrading")
    func bubblewrapRequired() async throws {
        let pool = SandboxPoolConfig(isolation: .bubblewrap, workers: 1)
        if Sandboxes.bubblewrapWorks {
            let started = try await SandboxPool.start(pool)
            #expect(started.isolation == .bubblewrap)
            started.shutdown()
        } else {
            await #expect(throws: PythonEnvError.self) { _ = try await SandboxPool.start(pool) }
        }
    }
}

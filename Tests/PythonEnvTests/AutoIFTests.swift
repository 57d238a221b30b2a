import Foundation
import Testing
import TroupeCatalog
import TroupeCore

@testable import PythonEnv

/// AutoIF verification through `python-v0` agrees with running the same verifiers the way AutoIF's
/// scripts do (`exec(func, globals(), local_vars)` in the driver, a SIGALRM per call, `except
/// Exception -> None`, `int(res)` or skip, `np.mean(acc) if acc else 0`), on verifiers and
/// responses written to cover every branch of those rules.
@Suite("AutoIF verification agrees with AutoIF's own way of running verifiers", .timeLimit(.minutes(10)))
struct AutoIFTests {
    static let functions = [
        // 0: a plain boolean
        "def evaluate(response):\n    return len(response.split()) >= 5",
        // 1: a module imported at the top (AutoIF's driver imports re itself)
        "import re\ndef evaluate(response):\n    return re.search(r'\\d', response) is not None",
        // 2: a helper defined at the top: invisible inside evaluate under AutoIF's exec
        "def count_words(text):\n    return len(text.split())\n\ndef evaluate(response):\n    return count_words(response) < 10",
        // 3: a module AutoIF's driver does not import, imported at the top
        "import string\ndef evaluate(response):\n    return all(c not in string.punctuation for c in response)",
        // 4: the strings 'true' / 'false', which int() refuses
        "def evaluate(response):\n    return 'true' if response.isupper() else 'false'",
        // 5: an exception for some responses
        "def evaluate(response):\n    return response.split()[3].islower()",
        // 6: None for some responses
        "def evaluate(response):\n    if 'x' in response:\n        return True",
        // 7: an integer, counted as itself
        "def evaluate(response):\n    return response.count('!')",
        // 8: never returns for some responses (the alarm, or our wall-clock limit)
        "def evaluate(response):\n    while 'loop' in response:\n        pass\n    return True",
        // 9: uses json without importing it (AutoIF's driver globals have it)
        "def evaluate(response):\n    try:\n        json.loads(response)\n        return True\n    except ValueError:\n        return False",
        // 10: does not compile
        "def evaluate(response)\n    return True",
    ]

    static let responses = [
        "Hello world, this is a test response with 9 words in it",
        "SHORT",
        "{\"a\": 1}",
        "loop forever please",
        "x marks the spot!!",
        "Four words right here 2",
    ]

    /// Seconds for AutoIF's alarm and for our limit: short, as the looping verifier costs this
    /// once per run, and long enough that no honest verifier gets near it on a loaded machine.
    static let timeout = 2.0

    /// The reference: AutoIF's loop (code_dpo/1_dpo_rft_wash.py), run by the same interpreter the
    /// sandbox uses, printing what AutoIF appends per pair and each response's pass rate.
    static let reference = #"""
        import json, random, re, os, copy, time, logging, signal, sys
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})  # the test process may block it
        try:
            import numpy as np
        except ImportError:
            np = None
        try:
            import nltk
        except ImportError:
            pass
        try:
            import jsonlines
        except ImportError:
            pass
        try:
            import requests
        except ImportError:
            pass

        def timeout_handler(signum, frame):
            raise TimeoutError("Function execution timed out")

        task = json.loads(sys.stdin.read())
        eval_funcs = []
        for func in task["functions"]:
            local_vars = {}
            try:
                exec(func, globals(), local_vars)
            except Exception:
                eval_funcs.append(None)  # AutoIF skips it: it adds nothing for any response
                continue
            eval_funcs.append(local_vars["evaluate"])

        out = {"counted": [], "pass_rates": []}
        for response in task["responses"]:
            acc, row = [], []
            for eval_func in eval_funcs:
                if eval_func is None:
                    row.append(None)
                    continue
                try:
                    signal.signal(signal.SIGALRM, timeout_handler)
                    signal.alarm(task["timeout"])
                    res = eval_func(response)
                except Exception as e:
                    res = None
                finally:
                    signal.alarm(0)
                counted = None
                if res is not None:
                    try:
                        counted = int(res)
                        acc.append(counted)
                    except:
                        pass
                row.append(counted)
            out["counted"].append(row)
            out["pass_rates"].append(sum(acc) / len(acc) if acc else 0)
        print(json.dumps(out))
        """#

    /// AutoIF's numbers for the samples, from the reference run.
    static func referenceRun(_ pool: SandboxPool) throws -> (counted: [[Double?]], passRates: [Double]) {
        let task: JSONValue = [
            "functions": .array(functions.map { .string($0) }), "responses": .array(responses.map { .string($0) }),
            "timeout": .number(Int(timeout)),
        ]
        let run = try HostProcess.run(
            pool.report["executable"]?.stringValue ?? "/usr/bin/python3", ["-c", reference],
            input: Data(task.serializedBytes()))
        try #require(
            run.status == 0,
            "the reference run failed or was killed after 120 s (status \(String(describing: run.status)))")
        let json = try JSONValue.parse([UInt8](run.output))
        let counted = json["counted"]!.arrayValue!.map { row in row.arrayValue!.map { $0.doubleValue } }
        let passRates = json["pass_rates"]!.arrayValue!.map { $0.doubleValue! }
        return (counted, passRates)
    }

    /// The same verifiers through `python-v0`.
    static func sandboxRun(scoping: String, acceptStrings: Bool = false) async throws -> JSONValue {
        let env = try await builtinEnvironments.make(
            "python-v0", config: ["workers": 2], context: MakeContext(seed: 1, shared: Sandboxes.resources))
        _ = try await env.reset(seed: 7, options: .null)
        let step = try await env.step([
            "kind": "autoif", "functions": .array(functions.map { .string($0) }),
            "responses": .array(responses.map { .string($0) }), "scoping": .string(scoping),
            "accept_strings": .bool(acceptStrings), "limits": ["timeout_s": .double(timeout)],
        ])
        await env.close()
        return step.observation
    }

    func cell(_ observation: JSONValue, _ response: Int, _ function: Int) -> JSONValue {
        observation["results"]!.arrayValue![response].arrayValue![function]
    }

    static func counted(_ observation: JSONValue) -> [[Double?]] {
        observation["results"]!.arrayValue!.map { row in row.arrayValue!.map { $0["counted"]!.doubleValue } }
    }

    @Test("with scoping \"autoif\", every pair and every pass rate equals AutoIF's")
    func autoifScopingMatchesExactly() async throws {
        let observation = try await AutoIFTests.sandboxRun(scoping: "autoif")
        let pool = try await Sandboxes.pool(Sandboxes.isolations[0])
        let expected = try AutoIFTests.referenceRun(pool)
        #expect(AutoIFTests.counted(observation) == expected.counted)
        let rates = observation["pass_rates"]!.arrayValue!.map { $0.doubleValue! }
        #expect(rates == expected.passRates)
        // The samples do exercise every rule: passes, fails, skips, a count of 2, a timeout.
        let flat = expected.counted.flatMap { $0 }
        #expect(flat.contains(1) && flat.contains(0) && flat.contains(nil) && flat.contains(2))
        let timedOut = cell(observation, 3, 8)
        #expect(timedOut["status"] == "timeout")
        #expect(timedOut["verdict"] == .null)
    }

    @Test("with scoping \"module\", only the verifiers that depend on AutoIF's exec quirk differ")
    func moduleScopingDiffersOnlyWhereDocumented() async throws {
        let observation = try await AutoIFTests.sandboxRun(scoping: "module")
        let pool = try await Sandboxes.pool(Sandboxes.isolations[0])
        let expected = try AutoIFTests.referenceRun(pool)
        let got = AutoIFTests.counted(observation)
        for (row, response) in AutoIFTests.responses.enumerated() {
            for function in AutoIFTests.functions.indices {
                switch function {
                case 2, 3:
                    // Helpers and imports at the top work as a module; AutoIF's exec hides them.
                    #expect(expected.counted[row][function] == nil)
                    #expect(got[row][function] != nil, "verifier \(function) on '\(response)'")
                case 9:
                    // json without an import works only where AutoIF's driver imported it.
                    #expect(got[row][function] == nil)
                default:
                    #expect(
                        got[row][function] == expected.counted[row][function], "verifier \(function) on '\(response)'")
                }
            }
        }
    }

    @Test("accept_strings counts 'true' and 'false' as 1 and 0; AutoIF skips them")
    func acceptStrings() async throws {
        let strict = try await AutoIFTests.sandboxRun(scoping: "autoif")
        let lenient = try await AutoIFTests.sandboxRun(scoping: "autoif", acceptStrings: true)
        let row = AutoIFTests.responses.firstIndex(of: "SHORT")!
        #expect(cell(strict, row, 4)["counted"] == .null)
        #expect(cell(lenient, row, 4)["counted"] == 1.0)
        #expect(cell(lenient, 0, 4)["counted"] == 0.0)
        #expect(cell(lenient, row, 4)["verdict"] == true)
    }

    @Test("pass rates: AutoIF's mean of counted values, and the strict share of passes")
    func passRates() {
        let pairs = [1.0, nil, 0.0, 2.0].map(AutoIFScore.Pair.init(counted:))
        #expect(AutoIFScore.passRate(pairs) == 1.0)
        #expect(AutoIFScore.strictPassRate(pairs) == 0.5)
        #expect(AutoIFScore.passRate([AutoIFScore.Pair(counted: nil)]) == 0)
        #expect(AutoIFScore.strictPassRate([]) == 0)
    }
}

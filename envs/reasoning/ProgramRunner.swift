import Foundation

/// What running a PAL program gave.
public enum ProgramOutcome: Sendable, Equatable {
    /// `solution()` returned a number (as `float(result)`).
    case value(Double)
    /// `solution()` returned something that is not a number (its `repr`).
    case notANumber(String)
    /// The program raised: `NameError: name 'x' is not defined`.
    case failed(String)
    /// It ran past the time limit and was killed.
    case timedOut
}

/// Runs a PAL program: executes the Python source, calls `solution()`, and reports its value.
///
/// Word problems use one when an attempt is a program (`def solution(): …`). The real one runs
/// programs in `python-v0`'s sandboxed worker pool: `SandboxProgramRunner`, in `TroupeCatalog`
/// (the module that depends on both environments), with which the catalog registers
/// `reasoning-v0` (see docs/envs/reasoning.md). `Python3SubprocessRunner` is a fallback for tests
/// and trusted code.
public protocol ProgramRunner: Sendable {
    func run(_ program: String, timeout: Duration) async -> ProgramOutcome
}

/// A `ProgramRunner` that starts `python3 -I` for each program, as PAL's own interface does
/// (`exec`, then `solution()`), killed after the time limit.
///
/// NOT A SANDBOX: the program runs with this process's user, file system and network. Use it only
/// for tests and for programs you trust (the scripted reference programs); untrusted programs
/// belong in `python-v0`.
public struct Python3SubprocessRunner: ProgramRunner {
    /// The interpreter (found on PATH by default).
    public var executable: String

    public init(executable: String = "python3") { self.executable = executable }

    /// Reads the program on standard input, runs it in a fresh namespace and prints one JSON line.
    static let harness = """
        import json, sys
        source = sys.stdin.read()
        try:
            namespace = {}
            exec(source, namespace)
            value = namespace["solution"]()
            try:
                print(json.dumps({"value": float(value)}))
            except Exception:
                print(json.dumps({"repr": repr(value)[:200]}))
        except BaseException as error:
            print(json.dumps({"error": (type(error).__name__ + ": " + str(error))[:500]}))
        """

    public func run(_ program: String, timeout: Duration) async -> ProgramOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable, "-I", "-c", Self.harness]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failed("could not start \(executable): \(error)")
        }
        input.fileHandleForWriting.write(Data(program.utf8))
        try? input.fileHandleForWriting.close()
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().async {
                        process.waitUntilExit()
                        continuation.resume()
                    }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next()!
            // SIGKILL: a busy loop may outlive SIGTERM's grace, and nothing needs cleaning up.
            if !first { kill(process.processIdentifier, SIGKILL) }
            group.cancelAll()
            await group.waitForAll()
            return first
        }
        guard finished else { return .timedOut }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return .failed("the program printed nothing readable (exit status \(process.terminationStatus))")
        }
        if let value = object["value"] as? Double { return .value(value) }
        if let value = object["value"] as? Int { return .value(Double(value)) }
        if let text = object["repr"] as? String { return .notANumber(text) }
        return .failed(object["error"] as? String ?? "unknown error")
    }
}

extension WordProblemTask {
    /// The Python source of an attempt that is a program: the code of a ```python fence if there
    /// is one, else the text itself; nil when it defines no `solution`.
    static func programSource(_ attempt: String) -> String? {
        var source = attempt
        if let fence = source.range(of: "```python") ?? source.range(of: "```") {
            source = String(source[fence.upperBound...])
            if let end = source.range(of: "```") { source = String(source[..<end.lowerBound]) }
        }
        return source.contains("def solution") ? source : nil
    }

    /// Feedback for a program's outcome, and whether it is correct (PAL: `abs(x - gold) < 1e-3`).
    func judge(_ outcome: ProgramOutcome) -> (feedback: String, correct: Bool) {
        switch outcome {
        case .value(let value):
            let correct = abs(value - answer) < 1e-3
            return correct
                ? (
                    "You executed the solution function successfully and the answer \(formatNumber(value)) is correct.",
                    true
                )
                : ("You executed the solution function successfully but the answer is not correct.", false)
        case .notANumber(let text): return ("The solution function returned \(text), which is not a number.", false)
        case .failed(let message): return ("Running the solution function failed with \(message).", false)
        case .timedOut: return ("The solution function did not finish within the time limit.", false)
        }
    }
}

import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The verdict on one job: what it did, from what the server saw of it from outside. The zygote
/// reports how the job's process ended (wait status, CPU time, peak memory, wall time, whether it
/// killed the job at its deadline); the server itself read the job's stdout, stderr and result
/// pipes. The result frame counts only when it carries this job's nonce, so code that exits before
/// the checks, or forges a frame, never passes.
///
/// The verdict is reached here, on the server, and not in the zygote, because every job is forked
/// from the zygote's memory: output the zygote had read would be readable by the next job.
enum JobVerdict {
    /// The exit status the harness uses when it cannot write a frame (the job ran out of memory
    /// even for that).
    static let exitNoMemory = 99
    /// The exit status of a job's process whose harness failed (`zygote.py`'s `EXIT_HARNESS`); the
    /// harness then writes a line tagged `failureTag` on the result pipe saying why.
    static let exitHarness = 98
    static let failureTag = "troupe-harness-failure"

    /// The reply `SandboxResult(reply:)` decodes, from the zygote's `done` reply and the output.
    static func reply(
        _ capture: WorkerProcess.Capture, kind: String, nonce: String, limits: SandboxLimits
    ) -> JSONValue {
        let done = capture.reply
        let cap = limits.outputBytes
        let waitStatus = Int32(truncatingIfNeeded: done["wait_status"]?.intValue ?? 0)
        let cpu = done["cpu_s"]?.doubleValue ?? 0
        var answer: JSONObject = [
            "op": "done",
            "wall_s": .double(done["wall_s"]?.doubleValue ?? 0),
            "cpu_s": .double(cpu),
            "max_rss_bytes": .int((done["max_rss_kib"]?.intValue ?? 0) &* 1024),
            "stdout": .string(decode(capture.stdout.prefix(cap))),
            "stderr": .string(decode(capture.stderr.prefix(cap))),
            "stdout_truncated": .bool(capture.stdout.count > cap),
            "stderr_truncated": .bool(capture.stderr.count > cap),
            "exit_status": .null,
            "signal": .null,
        ]
        let ending = Ending(waitStatus)
        switch ending {
        case .exited(let code): answer["exit_status"] = .int(Int64(code))
        case .signaled(let signal): answer["signal"] = .string(signalName(signal))
        }
        let frame = parseFrame(capture.result, tag: nonce)
        answer["frame"] = frame ?? .null
        let harnessFailure = ending == .exited(Int32(exitHarness)) ? parseFrame(capture.result, tag: failureTag) : nil
        let timedOut = done["reason"]?.stringValue == "timeout"
        let (status, error) = classify(
            timedOut: timedOut, overflow: capture.overflow, ending: ending, cpu: cpu, limits: limits, frame: frame,
            harnessFailure: harnessFailure, kind: kind)
        answer["status"] = .string(status)
        answer["error"] = error ?? .null
        return .object(answer)
    }

    /// How a process ended, from its wait status.
    enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)

        init(_ status: Int32) {
            let low = status & 0x7F
            self = low == 0 ? .exited((status >> 8) & 0xFF) : .signaled(low)
        }
    }

    /// The JSON after `tag` and a space on the last line that starts with them: the harness's
    /// frame (tagged with the job's nonce) or its own failure (`failureTag`).
    static func parseFrame(_ data: [UInt8], tag: String) -> JSONValue? {
        let tag = Array(tag.utf8) + [32]
        for line in data.split(separator: 10, omittingEmptySubsequences: false).reversed()
        where line.starts(with: tag) {
            return try? JSONValue.parse(Array(line.dropFirst(tag.count)))
        }
        return nil
    }

    /// The job's status and error from how it ended.
    static func classify(
        timedOut: Bool, overflow: String?, ending: Ending, cpu: Double, limits: SandboxLimits, frame: JSONValue?,
        harnessFailure: JSONValue? = nil, kind: String
    ) -> (String, JSONValue?) {
        func failure(_ type: String, _ message: String) -> JSONValue {
            ["type": .string(type), "message": .string(message)]
        }
        if timedOut {
            return ("timeout", failure("Timeout", "wall-clock limit of \(limits.timeoutSeconds.clean)s exceeded"))
        }
        if let overflow {
            let what = overflow == "result" ? "the returned value" : overflow
            return (
                "output_limit",
                failure("OutputLimit", "\(what) exceeded the output limit of \(limits.outputBytes) bytes")
            )
        }
        switch ending {
        case .signaled(let signal):
            let name = signalName(signal)
            if signal == SIGXCPU || (signal == SIGKILL && cpu >= limits.cpuSeconds - 0.05) {
                return ("timeout", failure("Timeout", "CPU time limit of \(limits.cpuSeconds.clean)s exceeded"))
            }
            if signal == SIGXFSZ {
                return (
                    "error",
                    failure("FileSizeLimit", "a file grew past the limit of \(limits.fileSizeMB << 20) bytes")
                )
            }
            if [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS].contains(signal) {
                let meaning = strsignal(signal).map { String(cString: $0) } ?? name
                return (
                    "error",
                    failure(
                        "Crash",
                        "the process died of \(name) (\(meaning)); deep recursion overflowing the C stack, running out "
                            + "of memory inside native code, or a crash in an extension module does this")
                )
            }
            return ("killed", failure("Killed", "the process was killed by \(name)"))
        case .exited(let code):
            if let frame {
                return (frame["status"]?.stringValue ?? "error", frame["error"].flatMap { $0.isNull ? nil : $0 })
            }
            if let harnessFailure {
                let why =
                    "\(harnessFailure["type"]?.stringValue ?? "Error"): \(harnessFailure["message"]?.stringValue ?? "")"
                return (
                    "error",
                    failure(
                        "SandboxError",
                        "the sandbox's harness failed in the job's process, so the job did not run to a result: \(why)")
                )
            }
            if code == exitNoMemory {
                return ("memory", failure("MemoryError", "out of memory (limit \(limits.memoryMB << 20) bytes)"))
            }
            if kind == "run" { return ("ok", nil) }  // os._exit(n) from a program: a normal end with status n
            return (
                "error",
                failure(
                    "NoResult",
                    "the process exited with status \(code) before the harness reported a result (sys.exit or "
                        + "os._exit in the code?); this counts as a failure")
            )
        }
    }

    /// Output as text: invalid UTF-8 becomes U+FFFD.
    static func decode(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Linux's name of a signal, as Python's `signal.Signals` spells it (`SIGKILL`), or its number.
    static func signalName(_ signal: Int32) -> String {
        let names = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
            9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
            16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU",
            23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO",
            30: "SIGPWR", 31: "SIGSYS", 34: "SIGRTMIN", 64: "SIGRTMAX",
        ]
        return names[Int(signal)] ?? String(signal)
    }
}

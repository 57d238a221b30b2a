import Testing
import TroupeCore

@testable import PythonEnv

#if canImport(Glibc)
    import Glibc
#endif

/// The verdict from what the server saw of a job (`JobVerdict.swift`, the server's port of what
/// the zygote once decided): each rule on its own, without a sandbox. The attack tests check the
/// same rules end to end.
@Suite("The verdict on a finished job")
struct JobVerdictTests {
    let nonce = "0123456789abcdef0123456789abcdef"
    let limits = SandboxLimits.defaults

    func verdict(
        exit: Int32? = nil, signal: Int32? = nil, cpu: Double = 0.01, reason: String? = nil, result: String = "",
        stdout: String = "", overflow: String? = nil, kind: String = "run"
    ) -> JSONValue {
        let status = signal ?? ((exit ?? 0) << 8)
        var capture = WorkerProcess.Capture()
        capture.reply = [
            "op": "done", "id": 1, "wait_status": .int(Int64(status)), "cpu_s": .double(cpu), "max_rss_kib": 2048,
            "wall_s": 0.02, "reason": reason.map { .string($0) } ?? .null,
        ]
        capture.stdout = Array(stdout.utf8)
        capture.result = Array(result.utf8)
        capture.overflow = overflow
        return JobVerdict.reply(capture, kind: kind, nonce: nonce, limits: limits)
    }

    @Test("a frame with this job's nonce decides; another nonce's or a broken one does not")
    func frames() {
        let ok = verdict(result: "\(nonce) {\"status\": \"ok\", \"error\": null, \"value\": 3}\n", kind: "call")
        #expect(ok["status"] == "ok")
        #expect(ok["frame"]?["value"] == 3)
        #expect(ok["max_rss_bytes"] == .int(2048 * 1024))
        let forged = verdict(result: "ffff {\"status\": \"ok\"}\n", kind: "call")
        #expect(forged["status"] == "error")
        #expect(forged["error"]?["type"] == "NoResult")
        let last = verdict(
            result: "\(nonce) {\"status\": \"error\"}\n\(nonce) {\"status\": \"ok\", \"error\": null}\n", kind: "tests")
        #expect(last["status"] == "ok")
        #expect(verdict(result: "\(nonce) {not json\n", kind: "call")["error"]?["type"] == "NoResult")
    }

    @Test(
        "a program's own exit is a normal end; 99 without a frame is memory; 98 with the harness's line is its failure")
    func exits() {
        let exited = verdict(exit: 3)
        #expect(exited["status"] == "ok")
        #expect(exited["exit_status"] == 3)
        #expect(verdict(exit: 99)["status"] == "memory")
        #expect(verdict(exit: 98)["status"] == "ok", "a program's own os._exit(98)")
        let failed = verdict(
            exit: 98, result: "troupe-harness-failure {\"type\": \"KeyError\", \"message\": \"'x'\"}\n")
        #expect(failed["status"] == "error")
        #expect(failed["error"]?["type"] == "SandboxError")
        #expect(failed["error"]?["message"]?.stringValue?.contains("KeyError: 'x'") == true)
        #expect(verdict(exit: 0, result: "troupe-harness-failure {}\n")["status"] == "ok", "only with status 98")
    }

    @Test("signals: CPU limit, file size, crashes, others; the zygote's timeout and the server's cap first")
    func signals() {
        #expect(verdict(signal: SIGXCPU)["status"] == "timeout")
        #expect(verdict(signal: SIGKILL, cpu: limits.cpuSeconds)["status"] == "timeout")
        #expect(verdict(signal: SIGKILL)["status"] == "killed")
        #expect(verdict(signal: SIGKILL)["signal"] == "SIGKILL")
        #expect(verdict(signal: SIGXFSZ)["error"]?["type"] == "FileSizeLimit")
        let crash = verdict(signal: SIGSEGV)
        #expect(crash["error"]?["type"] == "Crash")
        #expect(crash["error"]?["message"]?.stringValue?.contains("SIGSEGV (Segmentation fault)") == true)
        #expect(verdict(signal: SIGKILL, reason: "timeout")["status"] == "timeout")
        let capped = verdict(
            signal: SIGKILL, reason: "killed", stdout: String(repeating: "x", count: 10), overflow: "result")
        #expect(capped["status"] == "output_limit")
        #expect(capped["error"]?["message"]?.stringValue?.hasPrefix("the returned value exceeded") == true)
    }

    @Test("output is cut at the cap and decoded with replacement characters")
    func output() {
        var small = limits
        small.outputBytes = 4
        var capture = WorkerProcess.Capture()
        capture.reply = ["wait_status": 0]
        capture.stdout = Array("abcdef".utf8)
        capture.stderr = [0x61, 0xFF, 0x62]
        let reply = JobVerdict.reply(capture, kind: "run", nonce: nonce, limits: small)
        #expect(reply["stdout"] == "abcd")
        #expect(reply["stdout_truncated"] == true)
        #expect(reply["stderr"] == "a\u{FFFD}b")
        #expect(reply["stderr_truncated"] == false)
    }
}

"""The verdict of Troupe's `python-v0` sandbox: what a job did, as the zygote's reply.

The zygote (`zygote.py`) calls `reply` once per job, after every process of the job is gone, with
what it observed from outside: why it killed the job (if it did), the job's wait status and CPU
time, the captured output and the result frame the harness wrote on fd 3. The frame
counts only when it carries this job's nonce, so code that exits before the checks, or forges a
frame, never passes.
"""

import json
import os
import signal

# The exit status the harness uses when it cannot write a frame (the job ran out of memory even for
# that).
EXIT_NO_MEMORY = 99

SIGNAL_NAMES = {int(s): s.name for s in signal.Signals}
CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT, signal.SIGSYS}


def reply(job, nonce, reason, ended, limits, out, err, res, cap):
    """The `done` reply. `reason` is why the zygote killed the job (None, "timeout" or
    "output_limit:<stream>"); `ended` is (wait status, CPU seconds, max RSS in KiB, wall seconds);
    `out`, `err` and `res` are what was read from the job's stdout, stderr and result pipes, capped."""
    wait_status, cpu, maxrss, wall = ended
    answer = {
        "op": "done",
        "id": job["id"],
        "wall_s": wall,
        "cpu_s": cpu,
        "max_rss_bytes": maxrss * 1024,
        "stdout": decode(out[:cap]),
        "stderr": decode(err[:cap]),
        "stdout_truncated": len(out) > cap,
        "stderr_truncated": len(err) > cap,
        "exit_status": None,
        "signal": None,
        "frame": None,
    }
    if os.WIFEXITED(wait_status):
        answer["exit_status"] = os.WEXITSTATUS(wait_status)
    elif os.WIFSIGNALED(wait_status):
        answer["signal"] = SIGNAL_NAMES.get(os.WTERMSIG(wait_status), str(os.WTERMSIG(wait_status)))
    frame = parse_frame(res, nonce)
    answer["frame"] = frame
    answer["status"], answer["error"] = classify(reason, wait_status, cpu, limits, frame, job["kind"])
    return answer


def decode(data):
    return bytes(data).decode("utf-8", "replace")


def parse_frame(data, nonce):
    """The harness's frame: the last line that starts with this job's nonce."""
    tag = nonce.encode() + b" "
    for line in reversed(bytes(data).split(b"\n")):
        if line.startswith(tag):
            try:
                return json.loads(line[len(tag) :])
            except ValueError:
                return None
    return None


def classify(reason, wait_status, cpu, limits, frame, kind):
    """The job's status and error from how it ended. Returns (status, error or None)."""
    if reason == "timeout":
        return "timeout", {"type": "Timeout", "message": "wall-clock limit of %gs exceeded" % limits["timeout_s"]}
    if reason and reason.startswith("output_limit"):
        stream = reason.split(":", 1)[1]
        what = "the returned value" if stream == "result" else stream
        return "output_limit", {
            "type": "OutputLimit",
            "message": "%s exceeded the output limit of %d bytes" % (what, limits["output_bytes"]),
        }
    if os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        name = SIGNAL_NAMES.get(sig, str(sig))
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= float(limits["cpu_s"]) - 0.05):
            return "timeout", {"type": "Timeout", "message": "CPU time limit of %gs exceeded" % limits["cpu_s"]}
        if sig == signal.SIGXFSZ:
            return "error", {
                "type": "FileSizeLimit",
                "message": "a file grew past the limit of %d bytes" % limits["file_size_bytes"],
            }
        if sig in CRASH_SIGNALS:
            return "error", {
                "type": "Crash",
                "message": "the process died of %s (%s); deep recursion overflowing the C stack, running out "
                "of memory inside native code, or a crash in an extension module does this"
                % (name, signal.strsignal(sig) or name),
            }
        return "killed", {"type": "Killed", "message": "the process was killed by %s" % name}
    code = os.WEXITSTATUS(wait_status)
    if frame is not None:
        status = frame.get("status", "error")
        error = frame.get("error")
        return status, error
    if code == EXIT_NO_MEMORY:
        return "memory", {"type": "MemoryError", "message": "out of memory (limit %d bytes)" % limits["memory_bytes"]}
    if kind == "run":
        return "ok", None  # os._exit(n) from a program: a normal end with status n
    return "error", {
        "type": "NoResult",
        "message": "the process exited with status %d before the harness reported a result (sys.exit or os._exit "
        "in the code?); this counts as a failure" % code,
    }

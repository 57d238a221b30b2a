"""The worker of Troupe's `python-v0` sandbox: a zygote whose forker forks one fresh child per job.

The Swift pool (`envs/python/Worker.swift`) starts this program inside the sandbox and speaks
newline-delimited JSON with it: requests on fd 0, replies on fd 1, one reply per request, in order.

    -> {"op": "hello", "mode": "bubblewrap" | "rlimits-only", "workdir": DIR, "preload": [...],
        "paths": [...]}
    <- {"op": "ready", "python": "3.11.2", "pid": 1, "uid": 65534, ...}
    -> {"op": "job", "id": 7, "kind": "run" | "call" | "autoif" | "tests", "limits": {...}, ...}
    <- {"op": "done", "id": 7, "status": ..., "stdout": ..., "stderr": ..., "frame": {...}, ...}

The hello request carries the sources of `forker.py`, `verdict.py` and `harness.py` (beside this
file).

Rules this file keeps:
- The zygote never runs untrusted code. Each job runs in a child of the forker (`forker.py`, forked
  from the zygote once, after the common modules are imported), so every job starts from the same
  clean interpreter state and nothing a job does (imports, globals, files, processes) reaches the
  next one. The zygote itself never forks a job: see forker.py for why.
- Everything that bounds a job is enforced outside the job's interpreter: rlimits set before the
  job's code runs, a wall-clock deadline on which the zygote SIGKILLs every process the job left
  (with bubblewrap the zygote is pid 1 of a private pid namespace, so the forker's `kill(-1)`
  reaches exactly the job's processes), output read through capped pipes. The Swift side also kills the whole
  sandbox if the zygote itself stops answering.
- The verdict of call/autoif/tests jobs comes from a result frame the harness writes on fd 3 after
  the checks, tagged with a per-job nonce; exiting early (sys.exit, os._exit) leaves no frame and
  counts as a failure. Output on stdout is never parsed for results.
- The zygote is not dumpable, so a job (same uid) cannot ptrace it or read its memory or fds.
"""

import ctypes
import gc
import json
import marshal
import os
import resource
import select
import signal
import sys
import time

FORKER_GRACE_S = 2.0  # how long the forker may take to report once its job was killed

LIMITS = {
    # name in the job's limits -> the rlimit (reported at start-up as the hard limits jobs get)
    "cpu_s": resource.RLIMIT_CPU,
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_size_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
}

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option, value):
    if _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "prctl(%d): %s" % (option, os.strerror(err)))


# --------------------------------------------------------------------------------------------
# Protocol with the Swift pool


def read_request(stream):
    line = stream.readline()
    if not line:
        return None
    return json.loads(line.decode("utf-8"))  # the server writes UTF-8: no encoding detection


# Built once: json.dumps with options builds a new encoder for every call.
REPLY_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def send(stream, reply):
    stream.write(REPLY_ENCODER.encode(reply).encode("utf-8", "replace") + b"\n")
    stream.flush()


# --------------------------------------------------------------------------------------------
# Start-up


class Zygote:
    def __init__(self, hello):
        import_random_without_fork_hook()
        self.harness = load_module("troupe_harness", hello["harness"])
        self.processes = load_module("troupe_forker", hello["forker"])
        self.verdict = load_module("troupe_verdict", hello["verdict"])
        self.mode = hello["mode"]
        self.workdir = hello["workdir"]
        self.jobdir = os.path.join(self.workdir, "job")  # the same path for every job: one at a time
        self.pid_namespace = self.mode == "bubblewrap" and os.getpid() == 1
        self.failed_preload = {}
        self.user_task_count, self.counted_at = 0, -1e9
        # The current directory is not a place to import from (python -c puts it first).
        sys.path[:] = [p for p in sys.path if p not in ("", ".")]
        for path in reversed(hello.get("paths", [])):
            sys.path.insert(0, path)
        for name in hello.get("preload", []):
            try:
                __import__(name)
            except BaseException as exc:  # a missing optional module must not stop the worker
                self.failed_preload[name] = "%s: %s" % (type(exc).__name__, exc)
        # Nothing may make the zygote act on a signal a job sends it. As pid 1 of a pid namespace,
        # signals without a handler are dropped; Python's SIGINT handler must go for that.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        prctl(PR_SET_DUMPABLE, 0)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        if not self.pid_namespace:
            # Orphans of a lost forker's job are re-parented here, so `recover` can reach them.
            prctl(PR_SET_CHILD_SUBREAPER, 1)
        self.harness.prepare(self.jobdir)
        wipe_tree(self.jobdir, remove_root=True)  # a previous worker's leftovers, after a crash
        self.channels = self.processes.Channels()
        self.poller = select.poll()
        for fd in self.channels.names:
            self.poller.register(fd, select.POLLIN)
        gc.collect()
        gc.freeze()  # keep the zygote's objects out of the children's collections (less copy-on-write)
        # Give the memory start-up freed (compiling the harness above all) back to the system: every
        # page still mapped is one more page table entry each fork copies and each job's exit drops.
        _libc.malloc_trim(0)
        self.start_forker()

    def ready(self):
        status = read_status()
        hard = {}
        for name, which in LIMITS.items():
            soft_now, hard_now = resource.getrlimit(which)
            hard[name] = None if hard_now == resource.RLIM_INFINITY else hard_now
        return {
            "op": "ready",
            "python": "%d.%d.%d" % sys.version_info[:3],
            "executable": sys.executable,
            "pid": os.getpid(),
            "uid": os.getuid(),
            "gid": os.getgid(),
            "pid_namespace": self.pid_namespace,
            "no_new_privs": status.get("NoNewPrivs") == "1",
            "cap_eff": status.get("CapEff", ""),
            "vm_bytes": int(status.get("VmSize", "0 kB").split()[0]) * 1024,
            "hard_limits": hard,
            "net_interfaces": net_interfaces(),
            "failed_preload": self.failed_preload,
            "preloaded": sorted(m for m in sys.modules if "." not in m and not m.startswith("_")),
        }

    # ----------------------------------------------------------------------------------------
    # One job

    def run(self, job):
        limits = job["limits"]
        if not self.pid_namespace:
            # RLIMIT_NPROC counts every task of this uid on the machine, not only the job's: give
            # the job its allowance on top of what the user already runs.
            limits = dict(limits, processes=int(limits["processes"]) + self.user_tasks())
        timeout = float(limits["timeout_s"])
        cap = int(limits["output_bytes"])
        rlimits = self.harness.rlimit_pairs(limits)  # before anything that would need undoing
        nonce = os.urandom(16).hex()
        workdir = self.jobdir
        try:
            os.mkdir(workdir, 0o700)
        except FileExistsError:  # left by a job the zygote failed to finish; never reuse it
            wipe_tree(workdir, remove_root=True)
            os.mkdir(workdir, 0o700)
        channels, forker, poller = self.channels, self.forker, self.poller
        channels.post(marshal.dumps((job, rlimits, nonce, workdir)))
        buffers = {fd: bytearray() for fd in channels.names}
        frame_cap = max(cap, 1 << 20)
        reason = None  # why the zygote killed the job, if it did
        report = bytearray()
        job_pidfd = None  # watched only when the forker is lost
        exited = False  # the job's process exited, as the zygote saw it (forker lost)
        start = time.monotonic()
        deadline = start + timeout
        os.write(forker.go, b"j")
        while not exited and not self.processes.report_complete(report):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = "timeout"
                break
            for fd, _ in poller.poll(max(1, int(remaining * 1000) + 1)):
                if fd == forker.report:
                    chunk = os.read(fd, 256)
                    if chunk:
                        report += chunk
                    else:  # the job killed its forker: watch the job from here
                        poller.unregister(fd)
                        job_pidfd = self.watch(channels.job_pid())
                        exited = job_pidfd is None
                elif fd == job_pidfd:
                    exited = True
                else:
                    buffers[fd] += os.read(fd, 65536)
                    if len(buffers[fd]) > (frame_cap if fd == channels.res_r else cap):
                        reason = "output_limit:" + channels.names[fd]
            if reason:
                break
        if job_pidfd is not None:
            poller.unregister(job_pidfd)
            os.close(job_pidfd)
        if reason:
            pid = channels.job_pid()
            if pid:
                self.processes.kill_job(pid)
            if job_pidfd is None and not exited:
                report = self.await_report(report)
        if self.processes.report_complete(report):
            wait_status, cpu, maxrss = self.processes.parse_report(report)
        else:
            wait_status, cpu, maxrss = self.recover(channels.job_pid())
        wall = time.monotonic() - start
        # Every process of the job is gone: what it wrote is in the pipes. Drain them to the end
        # (the pipes outlive the job: nothing may be left for the next one), keeping what is
        # under the cap.
        for fd, buffer in buffers.items():
            limit = frame_cap if fd == channels.res_r else cap
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                if len(buffer) <= limit:
                    buffer += chunk
            if len(buffer) > limit and reason is None:
                reason = "output_limit:" + channels.names[fd]
        self.wipe()
        return self.verdict.reply(
            job,
            nonce,
            reason,
            (wait_status, cpu, maxrss, wall),
            limits,
            buffers[channels.out_r],
            buffers[channels.err_r],
            buffers[channels.res_r],
            cap,
        )

    def user_tasks(self):
        """Tasks (processes and threads) of this uid on the machine, recounted at most every 2 s."""
        now = time.monotonic()
        if now - self.counted_at > 2:
            uid = str(os.getuid())
            count = 0
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                try:
                    with open("/proc/%s/status" % name) as f:
                        fields = dict(line.split(":", 1) for line in f if ":" in line)
                except OSError:
                    continue
                if fields.get("Uid", "").split()[:1] == [uid]:
                    count += int(fields.get("Threads", "1"))
            self.user_task_count, self.counted_at = count, now
        return self.user_task_count

    def start_forker(self):
        self.forker = self.processes.Forker.start(self.channels, self.harness, self.pid_namespace, prctl)
        self.poller.register(self.forker.report, select.POLLIN)

    def watch(self, pid):
        """A pidfd on the job's process, registered with the poller; None when it is gone."""
        try:
            fd = os.pidfd_open(pid)
        except (OSError, ValueError):
            return None
        self.poller.register(fd, select.POLLIN)
        return fd

    def await_report(self, report):
        """Waits up to FORKER_GRACE_S for the rest of the forker's report (its job was killed)."""
        until = time.monotonic() + FORKER_GRACE_S
        poller = select.poll()
        poller.register(self.forker.report, select.POLLIN)
        while not self.processes.report_complete(report):
            remaining = until - time.monotonic()
            if remaining <= 0 or not poller.poll(max(1, int(remaining * 1000) + 1)):
                break
            chunk = os.read(self.forker.report, 256)
            if not chunk:
                break
            report += chunk
        return report

    def recover(self, job_pid):
        """The forker is gone or does not report (a job can kill or stop it: same uid): kill it
        and every process the job left, reap them here and start a new forker. Returns the job's
        (wait status, CPU seconds, max RSS in KiB); the status is None when the forker reaped the
        job as it died (the job exited while its SIGKILL to the forker was on its way)."""
        try:
            self.poller.unregister(self.forker.report)
        except KeyError:
            pass
        self.forker.stop()
        reaped = self.processes.sweep(self.pid_namespace, {})
        self.start_forker()
        if job_pid not in reaped:
            return None, 0.0, 0
        status, usage = reaped[job_pid]
        return status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss

    def wipe(self):
        """Removes everything a job wrote in the writable places, so no file outlives its job."""
        try:
            os.rmdir(self.jobdir)  # most jobs write nothing: one system call
        except OSError:
            wipe_tree(self.jobdir, remove_root=True)
        if self.pid_namespace:
            # The sandbox's only other writable places are private to this worker.
            wipe_tree(self.workdir, remove_root=False)
            wipe_tree("/dev/shm", remove_root=False)

def import_random_without_fork_hook():
    """Imports `random` without its at-fork hook, which reseeds the global generator from the OS
    in every child: the harness seeds it from the job's own seed right after, so the hook would
    only cost each job a 2.5 KB getrandom and a few page faults."""
    if "random" in sys.modules:
        return  # imported before this could run: the hook stays (harmless, only slower)
    register = os.register_at_fork
    os.register_at_fork = lambda **hooks: None
    try:
        import random  # noqa: F401
    finally:
        os.register_at_fork = register


def load_module(name, source):
    """A module of the worker (forker.py, verdict.py or harness.py beside this file), from the source
    the hello request carries."""
    import types

    module = types.ModuleType(name)
    exec(compile(source, "<%s>" % name, "exec"), module.__dict__)
    return module


def read_status():
    status = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                status[key] = value.strip()
    except OSError:
        pass
    return status


def net_interfaces():
    try:
        with open("/proc/net/dev") as f:
            return sorted(line.split(":")[0].strip() for line in f.readlines()[2:])
    except OSError:
        return None


def wipe_tree(path, remove_root):
    """rm -rf that also gets through directories the job made unreadable (same uid: chmod works)."""
    try:
        entries = os.listdir(path)
    except FileNotFoundError:
        return
    except PermissionError:
        os.chmod(path, 0o700)
        entries = os.listdir(path)
    for name in entries:
        child = os.path.join(path, name)
        try:
            if os.path.isdir(child) and not os.path.islink(child):
                wipe_tree(child, remove_root=True)
            else:
                os.unlink(child)
        except PermissionError:
            os.chmod(path, 0o700)
            if os.path.isdir(child) and not os.path.islink(child):
                os.chmod(child, 0o700)
                wipe_tree(child, remove_root=True)
            else:
                os.unlink(child)
        except FileNotFoundError:
            pass
    if remove_root:
        try:
            os.rmdir(path)
        except FileNotFoundError:
            pass


def main():
    stdin = os.fdopen(0, "rb", buffering=1 << 16)
    stdout = os.fdopen(1, "wb", buffering=1 << 16)
    hello = read_request(stdin)
    if not hello or hello.get("op") != "hello":
        sys.stderr.write("zygote: expected a hello request first\n")
        return 2
    zygote = Zygote(hello)
    send(stdout, zygote.ready())
    while True:
        request = read_request(stdin)
        if request is None:
            return 0
        try:
            reply = zygote.run(request)
        except BaseException as exc:  # a bug in the zygote: report it, clean up, keep serving
            import traceback

            try:
                zygote.recover(0)
                zygote.wipe()
            except BaseException:
                pass
            reply = {
                "op": "done",
                "id": request.get("id"),
                "status": "error",
                "error": {"type": "SandboxError", "message": "%s: %s" % (type(exc).__name__, exc)},
                "zygote_traceback": traceback.format_exc()[-4000:],
            }
        send(stdout, reply)


if __name__ == "__main__":
    sys.exit(main())

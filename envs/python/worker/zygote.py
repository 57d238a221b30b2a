"""The worker of Troupe's `python-v0` sandbox: a zygote that forks one fresh child per job.

The Swift pool (`envs/python/Worker.swift`) starts this program inside the sandbox and speaks
newline-delimited JSON with it over a Unix socket on fds 0 and 1, one reply per request:

    -> {"op": "hello", "mode": "bubblewrap" | "rlimits-only", "workdir": DIR, "preload": [...],
        "paths": [...], "harness": SOURCE}
    <- {"op": "ready", "python": "3.11.2", "pid": 1, "uid": 65534, ...}
    -> {"op": "job", "id": 7, "limits": {...}, "stdin": true}   + fds (SCM_RIGHTS): the request,
                                                                  stdout, stderr, result[, stdin]
    <- {"op": "done", "id": 7, "wait_status": 0, "cpu_s": ..., "max_rss_kib": ..., "wall_s": ...,
        "reason": null | "timeout" | "killed"}
    -> {"op": "kill"}   (during a job: the server saw too much output; the job is killed, "killed")

Rules this file keeps:
- The zygote never runs untrusted code. Each job runs in a child forked from the zygote after the
  common modules are imported, so every job starts from the same clean interpreter state and
  nothing a job does (imports, globals, files, processes) reaches the next one.
- The zygote never holds a job's data. The job's request (code, arguments, stdin) comes in a
  memfd only the job's process reads, and its output goes down pipes only the server reads. A
  child inherits the zygote's whole memory, freed blocks included, so anything the zygote had
  read (another session's code, stdin or output) would be readable by the next job.
- Everything that bounds a job is enforced outside the job's interpreter: rlimits set before the
  job's code runs, a wall-clock deadline on which the zygote SIGKILLs every process the job left
  (with bubblewrap the zygote is pid 1 of a private pid namespace, so `kill(-1)` reaches exactly
  the job's processes), output read by the server through capped pipes. The Swift side also
  kills the whole sandbox if the zygote itself stops answering.
- The verdict of call/autoif/tests jobs comes from a result frame the harness writes on fd 3 after
  the checks, tagged with a per-job nonce; exiting early (sys.exit, os._exit) leaves no frame and
  counts as a failure (the server decides, `JobVerdict.swift`). Output on stdout is never parsed
  for results.
- The zygote is not dumpable, so a job (same uid) cannot ptrace it or read its memory or fds.
"""

import ctypes
import gc
import json
import os
import resource
import select
import signal
import socket
import sys
import time

EXIT_HARNESS = 98  # the harness failed in the job's process (it says why on the result pipe)

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

MAX_FDS = 8  # a job request carries 4 or 5


class Channel:
    """The socket to the server: lines in (with the descriptors sent along), lines out."""

    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.pending = b""
        self.fds = []

    def receive(self):
        """The next message; None at end of file. Descriptors that came with it stay in `fds`
        until `take_fds`: only a job takes them, and a `kill` read in the same receive as the
        next job (the kernel joins them) must leave them to it."""
        while b"\n" not in self.pending:
            data, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, MAX_FDS)
            self.fds += fds
            if not data:
                return None
            self.pending += data
        line, _, self.pending = self.pending.partition(b"\n")
        return SCAN_JSON(line.decode("utf-8"), 0)[0]

    def take_fds(self):
        fds, self.fds = self.fds, []
        return fds

    def send(self, reply):
        """Sends a reply: a dict, or a line already encoded (the `done` reply)."""
        if isinstance(reply, dict):
            reply = REPLY_ENCODER.encode(reply).encode("utf-8", "replace") + b"\n"
        self.sock.sendall(reply)


# The server writes one compact JSON object per line: json.loads' whitespace handling is not needed.
SCAN_JSON = json.decoder.JSONDecoder().scan_once
# The `done` reply, formatted rather than encoded: `JSONEncoder.encode` builds a new C encoder for
# every call, which cost the zygote about 60 copy-on-write page faults a job (`%r` of a float is its
# shortest repr, and the values are finite).
DONE = b'{"op": "done", "id": %d, "wait_status": %d, "cpu_s": %r, "max_rss_kib": %d, "wall_s": %r, "reason": %s}\n'
REASONS = {None: b"null", "timeout": b'"timeout"', "killed": b'"killed"'}
# Built once: json.dumps with options builds a new encoder for every call.
REPLY_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


# --------------------------------------------------------------------------------------------
# Start-up


class Zygote:
    def __init__(self, hello):
        import_random_without_fork_hook()
        self.harness = load_module("troupe_harness", hello["harness"])
        self.mode = hello["mode"]
        self.workdir = hello["workdir"]
        self.jobdir = os.path.join(self.workdir, "job")  # the same path for every job: one at a time
        self.pid_namespace = self.mode == "bubblewrap" and os.getpid() == 1
        self.failed_preload = {}
        self.user_task_count, self.counted_at = 0, -1e9
        self.devnull = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
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
            # Orphans of a job are re-parented here, so the sweep after each job can reach them.
            prctl(PR_SET_CHILD_SUBREAPER, 1)
        self.harness.prepare(self.jobdir)
        wipe_tree(self.jobdir, remove_root=True)  # a previous worker's leftovers, after a crash
        gc.collect()
        gc.freeze()  # keep the zygote's objects out of the children's collections (less copy-on-write)
        # Give the memory start-up freed (compiling the harness above all) back to the system: every
        # page still mapped is one more page table entry each fork copies and each job's exit drops.
        _libc.malloc_trim(0)

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

    def run(self, job, fds, channel):
        """Runs one job: forks its process with the descriptors the server sent, waits for it
        until its deadline (or the server's kill), and sweeps what it left. The reply says how the
        process ended; the server has its output."""
        try:
            if len(fds) != (5 if job.get("stdin") else 4):
                raise ValueError("a job needs 4 descriptors (5 with stdin), got %d" % len(fds))
            return self.fork_and_wait(job, fds, channel)
        finally:
            for fd in fds:  # the job's process has its own copies; the server holds the pipes' writers
                os.close(fd)

    def fork_and_wait(self, job, fds, channel):
        limits = job["limits"]
        if not self.pid_namespace:
            # RLIMIT_NPROC counts every task of this uid on the machine, not only the job's: give
            # the job its allowance on top of what the user already runs.
            limits = dict(limits, processes=int(limits["processes"]) + self.user_tasks())
        timeout = float(limits["timeout_s"])
        rlimits = self.harness.rlimit_pairs(limits)  # before anything that would need undoing
        workdir = self.jobdir
        try:
            os.mkdir(workdir, 0o700)
        except FileExistsError:  # left by a job the zygote failed to finish; never reuse it
            wipe_tree(workdir, remove_root=True)
            os.mkdir(workdir, 0o700)
        request, out_w, err_w, res_w = fds[:4]
        stdin = fds[4] if len(fds) == 5 else self.devnull
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                self.harness.job_child(request, rlimits, workdir, stdin, out_w, err_w, res_w)
            except BaseException as exc:  # the harness failed before or around the job's code
                self.harness.report_failure(exc, res_w)
            finally:
                os._exit(EXIT_HARNESS)
        pidfd = os.pidfd_open(pid)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        poller.register(channel.sock.fileno(), select.POLLIN)
        reason = None  # why the zygote killed the job, if it did
        deadline = start + timeout
        while reason is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = "timeout"
                break
            events = poller.poll(max(1, int(remaining * 1000) + 1))
            if any(fd == pidfd for fd, _ in events):
                break
            if events:  # the server: a kill, or its end
                message = channel.receive()
                reason = "killed"
                if message is None:
                    self.kill_job(pid)
                    self.sweep()
                    raise SystemExit(0)
        self.kill_job(pid)
        _, wait_status, usage = os.wait4(pid, 0)
        wall = time.monotonic() - start
        os.close(pidfd)
        self.sweep()  # no writer of the output pipes is left: what they hold is all the output
        self.wipe()
        return DONE % (
            int(job["id"]),
            wait_status,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss,
            wall,
            REASONS[reason],
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

    def kill_job(self, pid):
        try:
            os.killpg(pid, signal.SIGKILL)  # the job made itself a session and group leader
        except OSError:
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    def sweep(self):
        """Kills and reaps every process the job left behind (daemons that called setsid too)."""
        if self.pid_namespace:
            # pid 1 of the namespace: kill(-1) reaches every other process in it, and nothing else.
            # kill(-1) also counts zombies, so once it finds no process there is no child to reap.
            while True:
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    return
                self.reap(block=True)
        # Without a pid namespace: the zygote is a subreaper, so the job's orphans are its children.
        me = os.getpid()
        for _ in range(10000):
            children = self.children(me)
            if not children:
                break
            for child in children:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(child, signal.SIGKILL)
                    except OSError:
                        pass
            self.reap(block=True)
        self.reap(block=False)

    @staticmethod
    def children(pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    @staticmethod
    def reap(block):
        while True:
            try:
                pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if block:
                return

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
    """A module of the worker (harness.py beside this file), from the source the hello request
    carries."""
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
    channel = Channel(0)
    hello = channel.receive()
    for fd in channel.take_fds():
        os.close(fd)
    if not hello or hello.get("op") != "hello":
        sys.stderr.write("zygote: expected a hello request first\n")
        return 2
    zygote = Zygote(hello)
    channel.send(zygote.ready())
    while True:
        request = channel.receive()
        if request is None:
            return 0
        if request.get("op") == "kill":  # for a job that had ended before it arrived
            continue
        fds = channel.take_fds()
        try:
            reply = zygote.run(request, fds, channel)
        except SystemExit:
            raise
        except BaseException as exc:  # a bug in the zygote: report it, clean up, keep serving
            import traceback

            try:
                zygote.sweep()
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
        channel.send(reply)


if __name__ == "__main__":
    sys.exit(main())

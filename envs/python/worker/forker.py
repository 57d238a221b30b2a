"""The forker of Troupe's `python-v0` sandbox: the process that forks one child per job.

The zygote (`zygote.py`) imports the common modules, then forks this process once; from then on the
forker forks every job's process, waits for it, sweeps what it left and reports. The zygote keeps
all the bookkeeping (the protocol with the server, output capture, deadlines, the reply).

Why two processes: after a fork, every page the forking process writes takes a copy-on-write page
fault, and on this kind of virtual machine a fault costs 2 to 3 us. When the zygote forked the
jobs itself, its bookkeeping wrote about 210 pages after each fork; the forker's loop writes about
60, and the zygote, which no longer forks, none.

What the three share for the worker's life (`Channels`, made in the zygote before the forker is
forked, so every process inherits it):
- the job memfd: bytes 0-7 hold the running job's pid (written by the job's process itself before
  it runs any of the job's code, so that the job cannot act before the zygote can find it; read
  by the zygote when it must kill the job), then the job as marshal data (written by the zygote,
  read by the job's process);
- the output pipes, whose write ends every job gets as fds 1, 2 and 3 and whose read ends only the
  zygote reads (non-blocking: once the forker has reported, every writer is dead and what the
  job wrote is in the pipes).

And between the zygote and its forker (`Forker`): `go`, one byte per job (end of file ends the
forker), and `report`, one length byte and marshal data (wait status, CPU seconds, max RSS in KiB)
after the job's process has exited and the sweep is done.

The forker never runs untrusted code and never parses anything a job wrote. A job can signal it
(same uid, and it is not pid 1): killing or stopping it costs that job its result at most; the
zygote notices (end of file on `report`, or no report in time), reaps the job itself, sweeps and
forks a new forker.
"""

import marshal
import os
import signal

PR_SET_CHILD_SUBREAPER = 36
EXIT_HARNESS = 98  # the job's process failed before the harness took over
NO_PID = bytes(8)


class Channels:
    """The job memfd and the output pipes (see the module's doc)."""

    def __init__(self):
        self.jobfd = os.memfd_create("job", 0)
        self.out_r, self.out_w = os.pipe()
        self.err_r, self.err_w = os.pipe()
        self.res_r, self.res_w = os.pipe()
        self.names = {self.out_r: "stdout", self.err_r: "stderr", self.res_r: "result"}
        for fd in self.names:
            os.set_blocking(fd, False)
        self.devnull = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)

    def post(self, payload):
        """Puts the next job in the memfd (no job is running)."""
        os.pwrite(self.jobfd, NO_PID + payload, 0)
        os.ftruncate(self.jobfd, len(NO_PID) + len(payload))

    def job_pid(self):
        """The running job's pid, or 0 when the forker has not published it."""
        return int.from_bytes(os.pread(self.jobfd, 8, 0), "little")


class Forker:
    """The zygote's handle on its forker: its pid and the two pipes (see the module's doc)."""

    __slots__ = ("pid", "go", "report")

    def __init__(self, pid, go, report):
        self.pid, self.go, self.report = pid, go, report

    @staticmethod
    def start(channels, harness, pid_namespace, prctl):
        go_r, go_w = os.pipe()
        report_r, report_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                for fd in (go_w, report_r, *channels.names):
                    os.close(fd)
                prctl(PR_SET_CHILD_SUBREAPER, 1)  # the job's orphans come here, for the sweep
                for fd in (0, 1):  # the zygote's channel to the server is none of its business
                    os.dup2(channels.devnull, fd)
                forker_loop(channels, harness, pid_namespace, go_r, report_w)
            finally:
                os._exit(EXIT_HARNESS)
        os.close(go_r)
        os.close(report_w)
        return Forker(pid, go_w, report_r)

    def stop(self):
        """Kills the forker (also a stopped one) and closes its pipes; the caller reaps it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        os.close(self.go)
        os.close(self.report)


def report_complete(report):
    """Whether `report` (bytes read from the forker so far) holds the whole report."""
    return len(report) > 0 and len(report) > report[0]


def parse_report(report):
    """(wait status, CPU seconds, max RSS in KiB) from a complete report."""
    return marshal.loads(bytes(report[1 : 1 + report[0]]))


def forker_loop(channels, harness, pid_namespace, go, report):
    """The forker's life. It writes as few objects as it can: each page it writes after a fork
    costs it a fault (the names are bound once, the sweep's common case calls libc directly so
    that it raises no exception)."""
    read, write, fork, wait4, waitpid, dumps = os.read, os.write, os.fork, os.wait4, os.waitpid, marshal.dumps
    kill = _libc_kill()
    while read(go, 1):
        pid = fork()
        if pid == 0:
            try:
                run_child(channels, harness)
            finally:
                os._exit(EXIT_HARNESS)
        _, status, usage = wait4(pid, 0)
        if pid_namespace and kill is not None:
            # kill(-1) reaches every process of the namespace but pid 1 (the zygote) and the
            # caller, zombies included: once it finds none, there is nothing left to reap.
            while kill(-1, signal.SIGKILL) == 0:
                try:
                    waitpid(-1, 0)
                except ChildProcessError:
                    break
        else:
            sweep(pid_namespace, {})
        message = dumps((status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
        write(report, bytes((len(message),)) + message)


def _libc_kill():
    try:
        import ctypes

        return ctypes.CDLL(None).kill
    except (ImportError, OSError, AttributeError):
        return None


def run_child(channels, harness):
    """In the job's process: publish its pid, read the job from the memfd and hand it to the
    harness, which never returns."""
    fd = channels.jobfd
    os.pwrite(fd, os.getpid().to_bytes(8, "little"), 0)
    job, rlimits, nonce, workdir = marshal.loads(os.pread(fd, os.fstat(fd).st_size - len(NO_PID), len(NO_PID)))
    stdin = stdin_fd(channels.devnull, job.get("stdin"))
    harness.job_child(job, rlimits, nonce, workdir, stdin, channels.out_w, channels.err_w, channels.res_w)


def stdin_fd(devnull, data):
    """The job's standard input: /dev/null, or a memfd holding `data`."""
    if not data:
        return os.dup(devnull)
    fd = os.memfd_create("stdin", 0)
    view = memoryview(data.encode("utf-8"))
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def kill_job(pid):
    """SIGKILL to the job's process group (it made itself a session and group leader) and to it."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def sweep(pid_namespace, reaped):
    """Kills and reaps every process the caller may kill, but the caller: in a pid namespace every
    process but pid 1 (the zygote) and the caller; without one, the caller's children (it is a
    subreaper, so a job's orphans are its children). Records {pid: (wait status, rusage)} of what
    it reaps in `reaped` and returns it."""
    if pid_namespace:
        while True:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                return reaped
            reap(reaped, block=True)
    me = os.getpid()
    for _ in range(10000):
        children = children_of(me)
        if not children:
            break
        for child in children:
            kill_job(child)
        reap(reaped, block=True)
    reap(reaped, block=False)
    return reaped


def children_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def reap(reaped, block):
    """Reaps one child (blocking) or every child that has exited, into `reaped`."""
    while True:
        try:
            pid, status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        reaped[pid] = (status, usage)
        if block:
            return

"""The job side of Troupe's `python-v0` sandbox: what a freshly forked child does with one job.

`job_child` runs in the child the zygote (`zygote.py`) forks for each job and never returns. It
confines the process first (new session, only fds 0-3, rlimits, a private working directory, a
scrubbed environment), then runs the job's code by kind, and reports on fd 3 with one line:
`<nonce> <json frame>\\n`. The frame is written after the checks, so code that exits early leaves
no frame, and the server counts that as a failure (`JobVerdict.swift`).

    run     a program as __main__, with stdin and argv; frame: status and the exception, if any
    call    a function of a module (PAL's `solution()`); frame: the value as JSON
    autoif  `evaluate(response)` of an AutoIF verifier; frame: the value and AutoIF's `int(value)`
    tests   one assert-style test against code; frame: passed or the failure

Nothing here is a security boundary: the job can do anything Python can do in its process. The
boundary is the operating system's (namespaces, rlimits, read-only mounts), set up before this
runs, and the zygote's deadline and sweep.
"""

import atexit
import builtins
import fcntl
import io
import json.decoder
import math
import os
import random
import _random
import reprlib
import resource
import sys
import traceback
from json.encoder import encode_basestring

# Everything the harness imports is imported here, in the zygote, once: a job pays for none of it.
# Each module also makes every fork dearer (more memory to map copy-on-write), so the harness
# imports only what it needs on every job; tempfile, decimal and fractions are left to `preload`.

EXIT_NO_MEMORY = 99
MAX_VALUE_DEPTH = 48  # the Swift side parses frames with a depth limit of 64
USER_FILES = ("<program>", "<code>", "<function>", "<test>")

RLIMITS = (
    ("cpu_s", resource.RLIMIT_CPU),
    ("memory_bytes", resource.RLIMIT_AS),
    ("processes", resource.RLIMIT_NPROC),
    ("file_size_bytes", resource.RLIMIT_FSIZE),
    ("open_files", resource.RLIMIT_NOFILE),
)

# The names AutoIF's driver scripts have in their globals when they `exec(func, globals(), locals)`
# (QwenLM/AutoIF code/7_query_vertification.py); with `scoping: "autoif"` a verifier sees these and
# nothing it binds at its own top level.
AUTOIF_GLOBAL_MODULES = (
    ("json", "json"),
    ("random", "random"),
    ("re", "re"),
    ("os", "os"),
    ("copy", "copy"),
    ("time", "time"),
    ("logging", "logging"),
    ("signal", "signal"),
    ("np", "numpy"),
    ("nltk", "nltk"),
    ("jsonlines", "jsonlines"),
    ("requests", "requests"),
)


def prepare(workdir):
    """Called once in the zygote: everything a job's process would otherwise set up for itself.
    The job's environment, temp dir and standard streams are the same for every job of a worker
    (the working directory is always `workdir`), so the children inherit them ready-made; a forked
    child that builds them pays for copy-on-write faults instead."""
    os.environ.clear()
    os.environ.update(
        {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": workdir,
            "TMPDIR": workdir,
            "LANG": "C.UTF-8",
            "USER": "sandbox",
            "LOGNAME": "sandbox",
            "PYTHONHASHSEED": "0",
        }
    )
    tempfile = sys.modules.get("tempfile")  # preloaded or not, it must pick the job's directory
    if tempfile is not None:
        tempfile.tempdir = workdir
    global HARD_LIMITS
    HARD_LIMITS = {which: resource.getrlimit(which)[1] for _, which in RLIMITS}
    # The job's standard streams, installed here rather than in each child (setting them there
    # costs copy-on-write faults). The zygote never uses them: it speaks the protocol through its
    # own streams on fds 0 and 1, so nothing it could leave in their buffers reaches a job.
    sys.stdin, sys.stdout, sys.stderr = (
        io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8"),
        io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="backslashreplace"),
        io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        ),
    )


HARD_LIMITS = {}


def rlimit_pairs(limits):
    """The (resource, (soft, hard)) pairs a job's process sets, from the job's limits. Called in the
    zygote before the fork, so the child inherits them built: objects a freshly forked child
    allocates cost it copy-on-write page faults (about 20 for these), the zygote much less."""
    pairs = []
    for name, which in RLIMITS:
        hard = HARD_LIMITS[which]
        value = int(math.ceil(float(limits[name])))
        soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
        top = soft
        if which == resource.RLIMIT_CPU:
            top = soft + 1 if hard == resource.RLIM_INFINITY else min(soft + 1, hard)  # SIGXCPU, then SIGKILL
        pairs.append((which, (soft, top)))
    pairs.append((resource.RLIMIT_CORE, (0, 0)))
    return pairs


def job_child(request_fd, rlimits, workdir, stdin_fd, out_w, err_w, res_w):
    """Confines this process and runs one job (`rlimits` from `rlimit_pairs`). Never returns.

    The job's request (a JSON object: kind, source, arguments, seed, nonce, ...) is read from
    `request_fd`, a memfd the server wrote: the zygote never sees it."""
    os.setsid()  # own session and process group, no controlling terminal
    # Decoded before the rlimits: the limits bound the job's code, not the receiving of it (a
    # request as large as the server accepts must not fail under a small memory limit).
    job = SCAN_JSON(read_request(request_fd).decode("utf-8"), 0)[0]
    sources = (stdin_fd, out_w, err_w, res_w)
    if min(sources) < 4:  # out of the way of the targets first (the zygote's fds 0-3 are taken)
        sources = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in sources]
    for target, fd in enumerate(sources):
        os.dup2(fd, target)
    os.closerange(4, 1 << 20)  # the zygote's socket to the server above all
    setrlimit = resource.setrlimit
    for which, pair in rlimits:
        setrlimit(which, pair)
    os.chdir(workdir)
    nonce = job["nonce"]
    # SIGINT keeps the zygote's default action (it ends the job) rather than raising
    # KeyboardInterrupt: no one presses Ctrl-C here, and installing a handler costs a job ~70
    # copy-on-write page faults.
    argv = job.get("argv")
    sys.argv = ["<program>", *map(str, argv)] if argv else ["<program>"]
    seed = int(job.get("seed", 0))
    # `random.seed(int)` is `_random.Random.seed` plus Python-level checks that cost a fresh child
    # about 15 copy-on-write faults; the generator and its sequence are the same.
    SEED_RANDOM(random._inst, seed)
    if random._inst.gauss_next is not None:
        random._inst.gauss_next = None
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed % (1 << 32))
    allowed = job.get("allowed_imports")
    if allowed is not None:
        guard_imports(set(allowed))
    frame = None
    exit_status = 0
    try:
        frame = KINDS[job["kind"]](job)
        if job["kind"] == "run":
            exit_status = frame.pop("exit_status", 0)
    except MemoryError:
        frame = None
        os._exit(EXIT_NO_MEMORY)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    write_frame(nonce, frame)
    os._exit(exit_status)


# The frame of a program that ran to its end, the most common one, encoded once.
OK_FRAME = {"status": "ok", "error": None}
OK_FRAME_JSON = '{"status": "ok", "error": null}'


# The tag of the line the harness writes on the result pipe when it fails itself (see
# `report_failure`); the server reads it only from a process that exited with status 98.
FAILURE_TAG = "troupe-harness-failure"


def report_failure(exc, res_w):
    """Says on the result pipe that the harness itself failed (not the job's code), so the server
    does not take the exit for the program's own. Fd 3 is the pipe once `job_child` has moved it
    there; before that `res_w` still is."""
    line = (FAILURE_TAG + " " + encode({"type": type(exc).__name__, "message": str(exc)[:2000]}) + "\n").encode()
    try:
        os.fstat(res_w)  # still open: not closed by `job_child`'s closerange yet
        fd = res_w
    except OSError:
        fd = 3
    try:
        os.write(fd, line)
    except OSError:
        pass


def read_request(fd):
    """The job's request, read from its memfd and decoded. The scanner is `json`'s own, built in
    the zygote: `json.loads` in a freshly forked child costs about 15 more copy-on-write faults."""
    size = os.lseek(fd, 0, os.SEEK_END)
    data = os.pread(fd, size, 0)
    while len(data) < size:
        data += os.pread(fd, size - len(data), len(data))
    return data


SCAN_JSON = json.decoder.JSONDecoder().scan_once
SEED_RANDOM = _random.Random.seed


def write_frame(nonce, frame):
    try:
        data = OK_FRAME_JSON if frame == OK_FRAME else encode(frame)
    except (TypeError, ValueError, RecursionError) as exc:
        data = encode({"status": "error", "error": {"type": "SandboxError", "message": str(exc)}})
    except MemoryError:
        os._exit(EXIT_NO_MEMORY)
    view = memoryview((nonce + " " + data + "\n").encode("utf-8"))
    try:
        while view:
            view = view[os.write(3, view) :]
    except OSError:
        pass


def encode(value):
    """JSON of a frame (dicts, lists, strings, numbers, booleans, None; finite floats only).
    json.dumps would do, but building its encoder in a freshly forked child costs about 100
    copy-on-write page faults, a tenth of a small job's time; this costs a few."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        if not value.isascii():
            # Lone surrogates (from a job's own strings) are not UTF-8: replace them.
            value = value.encode("utf-8", "replace").decode("utf-8")
        return encode_basestring(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return float.__repr__(value)
    if isinstance(value, dict):
        return "{" + ", ".join(encode_basestring(str(k)) + ": " + encode(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    raise TypeError("cannot encode %s" % type(value).__name__)


def guard_imports(allowed):
    """Refuses imports of top-level modules outside `allowed` from the job's own code. A policy for
    keeping verifiers honest, not a security boundary (the operating system is that)."""
    real_import = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and globals is not None and globals.get("__name__") == "__main__":
            top = name.partition(".")[0]
            if top not in allowed:
                raise ImportError("import of %r is not allowed in this sandbox (allowed_imports)" % top, name=top)
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded


# --------------------------------------------------------------------------------------------
# Kinds


def run_program(job):
    """A program as __main__: exit status as Python's, an uncaught exception printed like Python."""
    globals_ = {"__name__": "__main__", "__builtins__": builtins, "__file__": "<program>"}
    status, error, exit_status = "ok", None, 0
    try:
        exec(compile(job["source"], "<program>", "exec"), globals_)
    except SystemExit as exc:
        exit_status = exit_code(exc)
    except MemoryError as exc:
        status, error, exit_status = "memory", describe(exc), 1
        print_exception(exc)
    except BaseException as exc:
        status, error, exit_status = "error", describe(exc), 1
        print_exception(exc)
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    return {"status": status, "error": error, "exit_status": exit_status}


def call_function(job):
    """PAL's contract: exec the code, call the named function, return its value."""
    globals_ = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(compile(job["source"], "<code>", "exec"), globals_)
        name = job["function"]
        function = globals_.get(name)
        if function is None:
            raise NameError("the code defines no `%s`" % name)
        value = function(*job.get("args", []), **job.get("kwargs", {}))
    except BaseException as exc:
        return failure(exc)
    return {"status": "ok", "error": None, "value": describe_value(value)}


def autoif_evaluate(job):
    """One AutoIF verifier on one response. With `scoping: "autoif"` the function text is exec'd the
    way AutoIF's scripts do it: `exec(func, driver_globals, local_vars)`, then
    `local_vars['evaluate'](response)`. With `scoping: "module"` it runs as one module."""
    try:
        code = compile(job["source"], "<function>", "exec")
        if job.get("scoping") == "autoif":
            globals_ = autoif_globals()
            locals_ = {}
            exec(code, globals_, locals_)
            evaluate = locals_.get("evaluate")
        else:
            globals_ = {"__name__": "__main__", "__builtins__": builtins}
            exec(code, globals_)
            evaluate = globals_.get("evaluate")
        if evaluate is None:
            raise NameError("the function source defines no `evaluate`")
        value = evaluate(job["response"])
    except BaseException as exc:
        return failure(exc)
    # AutoIF keeps `int(res)` when it can be taken and skips the result otherwise.
    as_int = None
    if value is not None:
        try:
            as_int = int(value)
        except BaseException:
            as_int = None
    return {"status": "ok", "error": None, "value": describe_value(value), "int": clamp_int(as_int)}


def run_test(job):
    """One assert-style test: the code, then the test, in one module namespace."""
    globals_ = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(compile(job["source"], "<code>", "exec"), globals_)
        exec(compile(job["test"], "<test>", "exec"), globals_)
    except BaseException as exc:
        return failure(exc)
    return {"status": "ok", "error": None, "passed": True}


KINDS = {"run": run_program, "call": call_function, "autoif": autoif_evaluate, "tests": run_test}


def autoif_globals():
    globals_ = {"__name__": "__main__", "__builtins__": builtins}
    for alias, module in AUTOIF_GLOBAL_MODULES:
        try:
            globals_[alias] = __import__(module)
        except BaseException:
            pass
    return globals_


# --------------------------------------------------------------------------------------------
# Describing outcomes


def exit_code(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except BaseException:
        pass
    return 1


def failure(exc):
    if isinstance(exc, MemoryError):
        return {"status": "memory", "error": describe(exc)}
    return {"status": "error", "error": describe(exc)}


def describe(exc):
    """Type, message and the traceback of the job's own frames (the harness's are left out)."""
    if isinstance(exc, SystemExit):
        message = "the code called exit(%r) before the check finished; this counts as a failure" % (exc.code,)
    else:
        message = safe_str(exc)
    # The last frames only: a RecursionError's traceback can be a million frames deep.
    frames = [f for f in traceback.extract_tb(exc.__traceback__, limit=-50) if not is_harness(f)]
    lines = traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    text = "Traceback (most recent call last):\n" + "".join(lines) if frames else "".join(lines)
    error = {"type": type(exc).__name__, "message": message[:2000], "traceback": text[-4000:]}
    for frame in reversed(frames):
        if frame.filename in USER_FILES:
            error["line"] = frame.lineno
            break
    return error


def is_harness(frame):
    return frame.filename.startswith("<troupe")


def print_exception(exc):
    try:
        sys.stderr.write(describe(exc)["traceback"])
        sys.stderr.flush()
    except BaseException:
        pass


def safe_str(value):
    try:
        return str(value)
    except BaseException:
        return "<unprintable %s>" % type(value).__name__


_repr = reprlib.Repr()
_repr.maxstring = 1000
_repr.maxother = 1000
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 50
_repr.maxlevel = 4


def describe_value(value):
    """The value as JSON where JSON can hold it, with its type and a bounded repr."""
    try:
        encoded, representable = to_json(value, 0), True
    except (TypeError, ValueError, RecursionError):
        encoded, representable = None, False
    try:
        text = _repr.repr(value)
    except BaseException:
        text = "<unprintable %s>" % type(value).__name__
    return {"json": encoded, "representable": representable, "type": type(value).__name__, "repr": text}


def to_json(value, depth):
    if depth > MAX_VALUE_DEPTH:
        raise ValueError("nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -(1 << 63) <= value < (1 << 63) else float(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise ValueError("not finite")
    if isinstance(value, (list, tuple)):
        return [to_json(x, depth + 1) for x in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, (str, int, float, bool)) or key is None:
                out[key if isinstance(key, str) else encode(key)] = to_json(item, depth + 1)
            else:
                raise TypeError("key of type %s" % type(key).__name__)
        return out
    if isinstance(value, (set, frozenset)):
        items = [to_json(x, depth + 1) for x in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if hasattr(value, "tolist") and type(value).__module__.startswith("numpy"):
        return to_json(value.tolist(), depth + 1)
    # Decimal and Fraction without importing them here: a value can only be one if its module is loaded.
    numbers = tuple(
        getattr(sys.modules[name], cls) for name, cls in (("decimal", "Decimal"), ("fractions", "Fraction"))
        if name in sys.modules
    )
    if numbers and isinstance(value, numbers):
        return to_json(float(value), depth)
    raise TypeError("type %s" % type(value).__name__)


def clamp_int(value):
    if value is None:
        return None
    if -(1 << 63) <= value < (1 << 63):
        return value
    return float(value)

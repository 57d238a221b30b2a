"""The zygote's side of the worker protocol (envs/python/worker/zygote.py), without a server.

The Swift tests (Tests/PythonEnvTests) run the zygote through the pool; these pin down what a
pool cannot make happen on demand, such as the kernel joining two messages in one receive.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "envs", "python", "worker"))
import zygote  # noqa: E402


def test_a_kill_read_with_the_next_job_leaves_the_job_its_descriptors():
    ours, theirs = socket.socketpair()
    channel = zygote.Channel(theirs.detach())
    read_end, write_end = os.pipe()
    try:
        # Both are queued before the zygote reads: one receive may return both lines, and the
        # descriptors travel with the second.
        ours.sendall(b'{"op": "kill"}\n')
        socket.send_fds(ours, [b'{"op": "job", "id": 7}\n'], [write_end])
        assert channel.receive() == {"op": "kill"}
        assert channel.receive() == {"op": "job", "id": 7}
        fds = channel.take_fds()
        assert len(fds) == 1
        os.write(fds[0], b"x")
        assert os.read(read_end, 1) == b"x"
        os.close(fds[0])
    finally:
        for fd in (read_end, write_end):
            os.close(fd)
        ours.close()
        channel.sock.close()


def test_a_job_line_split_over_receives_keeps_its_descriptors():
    ours, theirs = socket.socketpair()
    channel = zygote.Channel(theirs.detach())
    read_end, write_end = os.pipe()
    try:
        socket.send_fds(ours, [b'{"op": "job", '], [write_end])
        ours.sendall(b'"id": 8}\n')
        assert channel.receive() == {"op": "job", "id": 8}
        fds = channel.take_fds()
        assert len(fds) == 1
        os.close(fds[0])
        ours.close()
        assert channel.receive() is None  # end of file: the server is gone
    finally:
        os.close(read_end)
        os.close(write_end)
        channel.sock.close()


def test_the_done_reply_is_json():
    import json

    line = zygote.DONE % (7, 256, 0.00123, 9000, 1e-05, zygote.REASONS["timeout"])
    assert line.endswith(b"\n")
    assert json.loads(line) == {
        "op": "done", "id": 7, "wait_status": 256, "cpu_s": 0.00123, "max_rss_kib": 9000, "wall_s": 1e-05,
        "reason": "timeout",
    }


def test_a_harness_failure_is_said_on_the_result_pipe():
    """The whole zygote as a process (rlimits-only, no sandbox): a request the harness cannot run
    (an unknown kind) ends the job's process with EXIT_HARNESS and a tagged line saying why, so the
    server does not take the exit for the program's own."""
    import json
    import shutil
    import subprocess
    import tempfile

    worker = os.path.join(os.path.dirname(zygote.__file__))
    ours, theirs = socket.socketpair()
    workdir = tempfile.mkdtemp(prefix="troupe-zygote-test-")
    process = subprocess.Popen(
        [sys.executable, "-s", "-B", os.path.join(worker, "zygote.py")],
        stdin=theirs.fileno(), stdout=theirs.fileno(), close_fds=True)
    theirs.close()
    files = ours.makefile("rb")
    try:
        hello = {"op": "hello", "mode": "rlimits-only", "workdir": workdir, "preload": [], "paths": [],
                 "harness": open(os.path.join(worker, "harness.py")).read()}
        ours.sendall(json.dumps(hello).encode() + b"\n")
        assert json.loads(files.readline())["op"] == "ready"
        request = os.memfd_create("request")
        os.write(request, json.dumps({"kind": "no-such-kind", "nonce": "n" * 32, "seed": 0}).encode())
        pipes = [os.pipe() for _ in range(3)]
        limits = {"timeout_s": 10, "cpu_s": 10, "memory_bytes": 1 << 30, "processes": 100000,
                  "file_size_bytes": 1 << 24, "open_files": 64, "output_bytes": 1 << 20}
        control = json.dumps({"op": "job", "id": 3, "limits": limits, "stdin": False}).encode() + b"\n"
        socket.send_fds(ours, [control], [request] + [w for _, w in pipes])
        for fd in [request] + [w for _, w in pipes]:
            os.close(fd)
        done = json.loads(files.readline())
        assert done["op"] == "done" and done["id"] == 3 and done["reason"] is None
        assert os.WIFEXITED(done["wait_status"]) and os.WEXITSTATUS(done["wait_status"]) == zygote.EXIT_HARNESS
        result = os.read(pipes[2][0], 65536).decode()
        assert result.startswith("troupe-harness-failure ")
        assert json.loads(result.split(" ", 1)[1])["type"] == "KeyError"
        for r, _ in pipes:
            os.close(r)
    finally:
        files.close()  # the zygote ends at the end of its channel
        ours.close()
        try:
            process.wait(timeout=30)
        finally:
            process.kill()
            shutil.rmtree(workdir, ignore_errors=True)

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

"""Resume after a dropped connection, through a TCP proxy the test cuts: every request in flight
is settled exactly once (answers the server had sent come back from `resume`; requests it never
received are sent again), and the episode goes on where it was."""

from __future__ import annotations

import socket
import threading
import time
from typing import List

from troupe import Client, PrivateServer


class CuttableProxy:
    """Forwards TCP connections to envd's Unix socket. `hold_answers` / `hold_requests` drop the
    bytes of one direction (as a link that died would); `cut()` closes every connection."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.hold_answers = False
        self.hold_requests = False
        self.sockets: List[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.upstream)
            with self.lock:
                self.sockets += [downstream, upstream]
            threading.Thread(target=self._pump, args=(downstream, upstream, "requests"), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, downstream, "answers"), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, direction: str) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if (direction == "answers" and self.hold_answers) or (direction == "requests" and self.hold_requests):
                    continue
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.hold_answers = self.hold_requests = False

    def close(self) -> None:
        self.listener.close()
        self.cut()


def wait_until_idle(observer: Client, steps_before: int, expected: int) -> None:
    """Waits (bounded) until the server has received `expected` more steps and runs nothing."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = observer.stats()
        if stats["totals"]["requests"].get("step", 0) >= steps_before + expected and stats["sessions"]["in_flight"] == 0:
            return
        time.sleep(0.02)
    raise AssertionError("the server never received the steps")


def test_requests_in_flight_are_settled_exactly_once(envd: PrivateServer) -> None:
    proxy = CuttableProxy(envd.address.path)
    observer = Client(envd.address)
    client = Client(f"127.0.0.1:{proxy.port}")
    try:
        session = client.make("echo-v0", seed=1)
        session.reset(seed=1)
        assert session.step("a").info["steps"] == 1

        # 1. The server runs three steps but its answers are lost with the link.
        before = observer.stats()["totals"]["requests"].get("step", 0)
        proxy.hold_answers = True
        pending = [session.submit_step(word) for word in ("b", "c", "d")]
        wait_until_idle(observer, before, 3)
        proxy.cut()
        results = [p.result() for p in pending]
        assert [r.observation for r in results] == ["b", "c", "d"]
        assert [r.info["steps"] for r in results] == [2, 3, 4]
        assert client.reconnects == 1

        # 2. Two steps never reach the server: they are sent again, once.
        proxy.hold_requests = True
        pending = [session.submit_step(word) for word in ("e", "f")]
        time.sleep(0.1)
        proxy.cut()
        assert [p.result().info["steps"] for p in pending] == [5, 6]
        assert client.reconnects == 2

        # The episode goes on where it was: nothing ran twice.
        assert session.step("g").info["steps"] == 7
        session.close()
    finally:
        client.close()
        observer.close()
        proxy.close()


def test_resume_of_a_pipelined_batch(envd: PrivateServer) -> None:
    proxy = CuttableProxy(envd.address.path)
    observer = Client(envd.address)
    client = Client(f"127.0.0.1:{proxy.port}")
    try:
        a = client.make("echo-v0", seed=1)
        b = client.make("echo-v0", seed=2)
        client.batch([a.reset_item(seed=1), b.reset_item(seed=2)])
        items_before = observer.stats()["totals"]["batch_items"]
        proxy.hold_answers = True
        pending = client.submit_batch([a.step_item("x"), b.step_item("y"), a.step_item("z")])
        deadline = time.monotonic() + 30
        while observer.stats()["sessions"]["in_flight"] > 0 or observer.stats()["totals"]["batch_items"] < items_before + 3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proxy.cut()
        results = pending.result()
        assert [r.observation for r in results] == ["x", "y", "z"]
        assert [r.info["steps"] for r in results] == [1, 1, 2]
        assert a.step("w").info["steps"] == 3
        # The batch ran once: the server counted its three items once.
        assert observer.stats()["totals"]["batch_items"] == items_before + 3
    finally:
        client.close()
        observer.close()
        proxy.close()

"""Finding envd, or starting a private one.

`PrivateServer` runs ``envd serve`` on a socket in a fresh temporary directory and stops it on
`close()` (or at interpreter exit; on Linux the kernel also kills it when this process dies).
The binary is ``$TROUPE_ENVD_BIN``, else ``envd`` on ``PATH``.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, List, Optional, Sequence

from .address import Address
from .errors import NoServer


def find_envd() -> Optional[str]:
    """The envd binary: ``$TROUPE_ENVD_BIN``, else ``envd`` on ``PATH``; None when neither."""
    binary = os.environ.get("TROUPE_ENVD_BIN")
    if binary:
        return binary if os.access(binary, os.X_OK) else None
    return shutil.which("envd")


def _death_signal() -> Optional[Callable[[], None]]:
    """On Linux, a function to run in the child before exec that asks the kernel to kill envd
    when this process dies, however it dies (a SIGKILL, or a test runner's timeout, leaves no
    atexit to stop it). Only from the main thread: the kernel ties the signal to the thread that
    forked, and a worker thread that ends must not take envd with it. Resolved before the fork,
    so the child only makes the call."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class PrivateServer:
    """An ``envd serve`` of this process's own, on a Unix socket in a temporary directory.

    ``PrivateServer(args=["--http", "0"])`` passes extra arguments; `address` is where it
    listens and `addresses` every address it printed (``unix:…``, ``http:HOST:PORT``, …).
    """

    def __init__(
        self, binary: Optional[str] = None, args: Sequence[str] = (), ready_timeout: float = 60.0, log: Optional[str] = None
    ) -> None:
        binary = binary or find_envd()
        if not binary:
            raise NoServer("no envd binary: set TROUPE_ENVD_BIN or put envd on PATH (swift build -c release --product envd)")
        self._directory = tempfile.mkdtemp(prefix="troupe-")
        socket_path = os.path.join(self._directory, "envd.sock")
        self._log = open(log or os.devnull, "ab")
        self.process = subprocess.Popen(
            [binary, "serve", "--socket", socket_path, *args],
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            preexec_fn=_death_signal(),
        )
        self.addresses: List[str] = self._wait_ready(ready_timeout)
        self.address = Address(path=socket_path)
        atexit.register(self.close)

    def _wait_ready(self, timeout: float) -> List[str]:
        """Reads stdout until ``envd ready ADDRESS…``; fails if the process exits first."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise NoServer(f"envd did not say it was ready within {timeout} s")
            readable, _, _ = select.select([self.process.stdout], [], [], remaining)
            if readable:
                chunk = os.read(self.process.stdout.fileno(), 1)
                if not chunk:
                    code = self.process.wait()
                    self.close()
                    raise NoServer(f"envd exited with status {code} before it was ready")
                line += chunk
        text = line.decode().strip()
        if not text.startswith("envd ready"):
            self.close()
            raise NoServer(f"envd printed {text!r} instead of its ready line")
        # Keep draining stdout so that envd never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        return text.split()[2:]

    def _drain(self) -> None:
        assert self.process.stdout is not None
        try:
            while self.process.stdout.read(4096):
                pass
        except (OSError, ValueError):
            pass

    def address_of(self, kind: str) -> Optional[str]:
        """The printed address of a listener kind (``unix``, ``tcp``, ``http``), without the
        prefix: ``127.0.0.1:8000`` for ``http``."""
        for address in self.addresses:
            if address.startswith(kind + ":"):
                return address[len(kind) + 1 :]
        return None

    def close(self) -> None:
        """Stops envd (SIGTERM: it drains and exits) and removes the directory. Idempotent."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        shutil.rmtree(self._directory, ignore_errors=True)

    def __enter__(self) -> "PrivateServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

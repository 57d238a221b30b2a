"""Where envd listens, and how to find it.

Addresses are strings: ``unix:/path/envd.sock`` (or any path with a ``/``), ``tcp:HOST:PORT``,
``HOST:PORT`` or a bare ``PORT`` (loopback). Without one, the client uses ``$TROUPE_ENVD``, then
the default socket of ``envd serve``: ``$ENVD_SOCKET``, else ``$XDG_RUNTIME_DIR/envd.sock``, else
``/tmp/envd-UID.sock``.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Optional, Union


@dataclass(frozen=True)
class Address:
    """A parsed envd address: a Unix socket path, or a TCP host and port."""

    path: Optional[str] = None
    host: Optional[str] = None
    port: Optional[int] = None

    @staticmethod
    def parse(text: str) -> "Address":
        """Parses an address string; raises ``ValueError`` with what is expected."""
        text = text.strip()
        if text.startswith("unix:"):
            return Address(path=text[len("unix:") :])
        if "/" in text:
            return Address(path=text)
        if text.startswith("tcp:"):
            text = text[len("tcp:") :]
        if text.isdigit():
            return Address(host="127.0.0.1", port=int(text))
        host, sep, port = text.rpartition(":")
        if not sep or not port.isdigit() or not host:
            raise ValueError(
                f"envd address {text!r} is not unix:PATH, a path, tcp:HOST:PORT, HOST:PORT or PORT"
            )
        return Address(host=host.strip("[]"), port=int(port))

    def connect(self, timeout: Optional[float] = 10.0) -> socket.socket:
        """Opens a stream socket to the address."""
        if self.path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(self.path)
            except BaseException:
                sock.close()
                raise
        else:
            assert self.host is not None and self.port is not None
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        return sock

    @property
    def is_tcp(self) -> bool:
        return self.path is None

    def __str__(self) -> str:
        return f"unix:{self.path}" if self.path is not None else f"tcp:{self.host}:{self.port}"


AddressLike = Union[str, Address]


def default_socket_path() -> str:
    """The socket ``envd serve`` binds when given none."""
    if os.environ.get("ENVD_SOCKET"):
        return os.environ["ENVD_SOCKET"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "envd.sock")
    return f"/tmp/envd-{os.getuid()}.sock"


def resolve(address: Optional[AddressLike]) -> Address:
    """The address to use: the argument, else ``$TROUPE_ENVD``, else the default socket."""
    if isinstance(address, Address):
        return address
    if address:
        return Address.parse(address)
    if os.environ.get("TROUPE_ENVD"):
        return Address.parse(os.environ["TROUPE_ENVD"])
    return Address(path=default_socket_path())

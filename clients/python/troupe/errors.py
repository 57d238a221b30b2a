"""Errors raised by the client. Every error that crosses the socket carries envd's stable code
(`docs/protocol.md`, "Error codes"), so callers can branch on `error.code`."""

from __future__ import annotations


class TroupeError(RuntimeError):
    """A request failed. `code` is envd's error code (`invalid_action`, `capacity`, …) or one of
    the client's own: `connection_lost` (the link dropped and could not be re-made within the
    reconnect window), `client_closed` (the client was closed while the request waited) and
    `no_server` (no envd could be found or started)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ConnectionLost(TroupeError):
    """The connection dropped and could not be re-made within the reconnect window."""

    def __init__(self, message: str) -> None:
        super().__init__("connection_lost", message)


class NoServer(TroupeError):
    """No envd could be found at the given address, and none could be started."""

    def __init__(self, message: str) -> None:
        super().__init__("no_server", message)

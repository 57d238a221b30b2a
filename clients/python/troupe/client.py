"""A client for envd's native protocol (`docs/protocol.md`): one connection carries many
sessions; requests are pipelined and matched by id; `batch` runs many resets and steps in one
frame; a dropped connection is re-made and every session resumed with its token, so each request
in flight is settled exactly once and never run twice.

Thread safety: a `Client` may be shared by threads. Any thread waiting for an answer reads the
socket for everyone (one at a time); answers for other requests are stored for their owners.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Generic, Iterable, List, Optional, Sequence, TypeVar, Union

from .address import Address, AddressLike, resolve
from .errors import ConnectionLost, TroupeError

PROTOCOL_VERSION = 1

JSON = Any
T = TypeVar("T")


@dataclass
class ResetResult:
    """What `reset` returns: Gymnasium's ``(observation, info)``."""

    observation: JSON
    info: Dict[str, JSON]


@dataclass
class StepResult:
    """What `step` returns: Gymnasium's ``(observation, reward, terminated, truncated, info)``."""

    observation: JSON
    reward: float
    terminated: bool
    truncated: bool
    info: Dict[str, JSON]

    @property
    def done(self) -> bool:
        """Whether the episode is over, one way or the other."""
        return self.terminated or self.truncated


def _reset_result(reply: Dict[str, JSON]) -> ResetResult:
    return ResetResult(reply["observation"], reply.get("info") or {})


def _step_result(reply: Dict[str, JSON]) -> StepResult:
    return StepResult(
        reply["observation"],
        float(reply["reward"]),
        bool(reply["terminated"]),
        bool(reply["truncated"]),
        reply.get("info") or {},
    )


def _error(reply: Dict[str, JSON]) -> TroupeError:
    error = reply.get("error") or {}
    return TroupeError(str(error.get("code", "internal")), str(error.get("message", "no message")))


@dataclass
class _Request:
    id: int
    frame: bytes
    # The sessions the request touches (for resume); empty for make, list, stats.
    sessions: Sequence[str]
    # Whether the frame went to a socket (and so may have been received).
    sent: bool = False


class Pending(Generic[T]):
    """A request in flight. `result()` waits for its answer (reading the socket if no other
    thread is) and returns it decoded, or raises `TroupeError` with envd's code."""

    def __init__(self, client: "Client", request_id: int, decode: Callable[[Dict[str, JSON]], T]) -> None:
        self._client = client
        self.id = request_id
        self._decode = decode

    def result(self) -> T:
        reply = self._client._wait(self.id)
        if not reply.get("ok"):
            raise _error(reply)
        return self._decode(reply)


@dataclass
class BatchItem:
    """One item of `Client.batch`: a reset or a step of one session."""

    session: "Session"
    op: str
    action: JSON = None
    seed: Optional[int] = None
    options: Optional[Dict[str, JSON]] = None

    def as_json(self) -> Dict[str, JSON]:
        item: Dict[str, JSON] = {"op": self.op, "session": self.session.id}
        if self.op == "step":
            item["action"] = self.action
        else:
            if self.seed is not None:
                item["seed"] = self.seed
            if self.options is not None:
                item["options"] = self.options
        return item


class Session:
    """One session on envd: an environment instance with its own seeded random stream. Made by
    `Client.make` (or `fork`); its operations run in the order sent."""

    def __init__(self, client: "Client", session_id: str, token: str, spec: Dict[str, JSON]) -> None:
        self.client = client
        self.id = session_id
        self.token = token
        self.spec = spec
        self.closed = False

    def __repr__(self) -> str:
        return f"Session({self.id!r}, env={self.spec.get('id')!r})"

    def reset(self, seed: Optional[int] = None, options: Optional[Dict[str, JSON]] = None) -> ResetResult:
        """Starts an episode. With `seed` it is a pure function of (configuration, seed, actions);
        without one the session's random stream continues (Gymnasium's rule)."""
        return self.submit_reset(seed, options).result()

    def step(self, action: JSON) -> StepResult:
        """Plays one action (a string for text environments, any JSON otherwise)."""
        return self.submit_step(action).result()

    def submit_reset(self, seed: Optional[int] = None, options: Optional[Dict[str, JSON]] = None) -> Pending[ResetResult]:
        """`reset` without waiting: pipeline it, then call `.result()`."""
        members: Dict[str, JSON] = {"session": self.id}
        if seed is not None:
            members["seed"] = seed
        if options is not None:
            members["options"] = options
        return self.client._submit("reset", (self.id,), _reset_result, members)

    def submit_step(self, action: JSON) -> Pending[StepResult]:
        """`step` without waiting: pipeline it, then call `.result()`."""
        return self.client._submit("step", (self.id,), _step_result, {"session": self.id, "action": action})

    def step_item(self, action: JSON) -> BatchItem:
        """A step of this session, for `Client.batch`."""
        return BatchItem(self, "step", action=action)

    def reset_item(self, seed: Optional[int] = None, options: Optional[Dict[str, JSON]] = None) -> BatchItem:
        """A reset of this session, for `Client.batch`."""
        return BatchItem(self, "reset", seed=seed, options=options)

    def snapshot(self) -> JSON:
        """The session's whole state (environments with the `snapshot` capability)."""
        return self.client._submit("snapshot", (self.id,), lambda r: r["snapshot"], {"session": self.id}).result()

    def restore(self, snapshot: JSON) -> None:
        """Replaces the session's state with a snapshot of the same environment."""
        self.client._submit(
            "restore", (self.id,), lambda r: None, {"session": self.id, "snapshot": snapshot}
        ).result()

    def fork(self, seed: Optional[int] = None) -> "Session":
        """A new session whose state is a copy of this one's."""
        members: Dict[str, JSON] = {"session": self.id}
        if seed is not None:
            members["seed"] = seed
        return self.client._submit("fork", (self.id,), self.client._made, members).result()

    def close(self) -> None:
        """Closes the session on the server (idempotent)."""
        if self.closed:
            return
        self.closed = True
        try:
            self.client._submit("close", (self.id,), lambda r: None, {"session": self.id}).result()
        except TroupeError as error:
            if error.code not in ("unknown_session", "client_closed", "connection_lost"):
                raise
        finally:
            self.client._forget(self.id)


class Client:
    """A connection to envd.

    ``Client("unix:/tmp/e.sock")``, ``Client("127.0.0.1:7000", token=…)`` or ``Client()`` (see
    `troupe.address`). When the connection drops, the client reconnects for up to
    `reconnect_window` seconds and resumes every session; requests in flight complete exactly
    once. Use it as a context manager or call `close()`.
    """

    def __init__(
        self,
        address: Optional[AddressLike] = None,
        *,
        token: Optional[str] = None,
        reconnect_window: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.address: Address = resolve(address)
        self._token = token if token is not None else os.environ.get("ENVD_TOKEN")
        self.reconnect_window = reconnect_window
        self._connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._send_lock = threading.Lock()
        self._next_id = 1
        self._inflight: Dict[int, _Request] = {}
        self._answers: Dict[Union[int, str], Dict[str, JSON]] = {}
        self._sessions: Dict[str, Session] = {}
        self._reading = False
        self._closed = False
        self._broken: Optional[TroupeError] = None
        self._buffer = bytearray()
        self.reconnects = 0
        self._sock = self.address.connect(connect_timeout)
        try:
            self.hello = self._sync_call(self._sock, {"op": "hello"})
        except BaseException:
            self._sock.close()
            raise

    # MARK: Public operations

    @property
    def limits(self) -> Dict[str, int]:
        """The server's limits, as `hello` reported them."""
        return self.hello.get("limits", {})

    def list(self) -> List[Dict[str, JSON]]:
        """The specs of the registered environments."""
        return self._submit("list", (), lambda r: r["envs"], {}).result()

    def stats(self) -> Dict[str, JSON]:
        """The server's counters and gauges."""
        return self._submit("stats", (), lambda r: {k: v for k, v in r.items() if k not in ("id", "ok")}, {}).result()

    def make(self, env: str, config: Optional[Dict[str, JSON]] = None, seed: Optional[int] = None) -> Session:
        """A new session of `env`. At capacity the server queues the request (see `hello`'s
        `make_queue_timeout_ms`) rather than failing at once."""
        return self.submit_make(env, config, seed).result()

    def submit_make(
        self, env: str, config: Optional[Dict[str, JSON]] = None, seed: Optional[int] = None
    ) -> Pending[Session]:
        """`make` without waiting."""
        members: Dict[str, JSON] = {"env": env}
        if config is not None:
            members["config"] = config
        if seed is not None:
            members["seed"] = seed
        return self._submit("make", (), self._made, members)

    def batch(self, items: Sequence[BatchItem]) -> List[Union[ResetResult, StepResult, TroupeError]]:
        """Runs many resets and steps in one frame: items on one session in order, items on
        different sessions concurrently. Each item succeeds or fails alone: the list holds a
        result or a `TroupeError` per item, in order."""
        return self.submit_batch(items).result()

    def submit_batch(self, items: Sequence[BatchItem]) -> Pending[List[Union[ResetResult, StepResult, TroupeError]]]:
        """`batch` without waiting."""
        ops = [item.op for item in items]

        def decode(reply: Dict[str, JSON]) -> List[Union[ResetResult, StepResult, TroupeError]]:
            results: List[Union[ResetResult, StepResult, TroupeError]] = []
            for op, result in zip(ops, reply["results"]):
                if not result.get("ok"):
                    results.append(_error(result))
                elif op == "step":
                    results.append(_step_result(result))
                else:
                    results.append(_reset_result(result))
            return results

        sessions = tuple(dict.fromkeys(item.session.id for item in items))
        return self._submit("batch", sessions, decode, {"items": [item.as_json() for item in items]})

    def close(self) -> None:
        """Closes the live sessions (without waiting) and the connection. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            sessions = list(self._sessions.values())
            self._sessions.clear()
            self._cond.notify_all()
        with self._send_lock:
            try:
                frames = b"".join(
                    _frame({"id": f"close-{s.id}", "op": "close", "session": s.id}) for s in sessions if not s.closed
                )
                if frames:
                    self._sock.sendall(frames)
                self._sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self._sock.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # MARK: Requests and answers

    def _made(self, reply: Dict[str, JSON]) -> Session:
        session = Session(self, reply["session"], reply["token"], reply.get("spec") or {})
        with self._lock:
            self._sessions[session.id] = session
        return session

    def _forget(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def _submit(
        self, op: str, sessions: Sequence[str], decode: Callable[[Dict[str, JSON]], T], members: Dict[str, JSON]
    ) -> Pending[T]:
        with self._lock:
            if self._closed:
                raise TroupeError("client_closed", "the client is closed")
            if self._broken is not None:
                raise self._broken
            request_id = self._next_id
            self._next_id += 1
            request = _Request(request_id, _frame({"id": request_id, "op": op, **members}), tuple(sessions))
            self._inflight[request_id] = request
        with self._send_lock:
            try:
                self._sock.sendall(request.frame)
            except OSError:
                pass  # the reader finds the broken connection and resumes; resume settles this request
            request.sent = True
        return Pending(self, request_id, decode)

    def _wait(self, request_id: Union[int, str]) -> Dict[str, JSON]:
        """Waits for the answer to `request_id`, reading the socket while no other thread does."""
        with self._cond:
            while True:
                answer = self._answers.pop(request_id, None)
                if answer is not None:
                    return answer
                if self._closed:
                    raise TroupeError("client_closed", "the client was closed while the request waited")
                if self._broken is not None:
                    self._inflight.pop(request_id, None)  # type: ignore[arg-type]
                    raise self._broken
                if self._reading:
                    self._cond.wait()
                    continue
                self._reading = True
                sock = self._sock
                self._cond.release()
                try:
                    self._read_once(sock)
                finally:
                    self._cond.acquire()
                    self._reading = False
                    self._cond.notify_all()

    def _read_once(self, sock: socket.socket) -> None:
        """Reads what is there and stores the answers; on a dropped connection, recovers."""
        try:
            data = sock.recv(1 << 16)
        except OSError:
            data = b""
        if data:
            self._store(self._lines(data))
            return
        with self._lock:
            if self._closed:
                return
        self._recover(sock)

    def _lines(self, data: bytes) -> List[Dict[str, JSON]]:
        self._buffer += data
        answers = []
        while True:
            newline = self._buffer.find(b"\n")
            if newline < 0:
                return answers
            line = bytes(self._buffer[:newline])
            del self._buffer[: newline + 1]
            if line.strip():
                answers.append(json.loads(line))

    def _store(self, answers: Iterable[Dict[str, JSON]]) -> None:
        with self._lock:
            for answer in answers:
                answer_id = answer.get("id")
                if isinstance(answer_id, int):
                    if self._inflight.pop(answer_id, None) is None:
                        continue  # a duplicate, or the answer to a request nobody waits for
                elif not isinstance(answer_id, str):
                    continue
                self._answers[answer_id] = answer

    def _sync_call(self, sock: socket.socket, request: Dict[str, JSON]) -> Dict[str, JSON]:
        """Sends one request with a private id on `sock` and reads until its answer arrives,
        storing any other answer (used for `hello` and `resume`, which precede other traffic)."""
        with self._lock:
            private = f"{request['op']}-{self._next_id}"
            self._next_id += 1
        if request["op"] == "hello":
            request = {**request, "version": PROTOCOL_VERSION}
            if self._token and self.address.is_tcp:
                request["token"] = self._token
        sock.sendall(_frame({"id": private, **request}))
        while True:
            with self._lock:
                answer = self._answers.pop(private, None)
            if answer is not None:
                if not answer.get("ok"):
                    raise _error(answer)
                return answer
            data = sock.recv(1 << 16)
            if not data:
                raise ConnectionError("the server closed the connection")
            self._store(self._lines(data))

    # MARK: Resume

    def _recover(self, broken: socket.socket) -> None:
        """The connection dropped: reconnect within the window, resume every session with the ids
        of its requests in flight, keep the answers the server remembered, wait for those still
        running, and send again only those it never received."""
        with self._send_lock:
            try:
                broken.close()
            except OSError:
                pass
            self._buffer.clear()
            deadline = time.monotonic() + self.reconnect_window
            delay = 0.05
            while True:
                try:
                    sock = self.address.connect(self._connect_timeout)
                    try:
                        self._sync_call(sock, {"op": "hello"})
                        self._resume_all(sock)
                    except BaseException:
                        sock.close()
                        raise
                    break
                except (OSError, ConnectionError) as error:
                    if time.monotonic() + delay > deadline:
                        self._give_up(f"could not reconnect to {self.address} within {self.reconnect_window} s: {error}")
                        return
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
            self._sock = sock
            self.reconnects += 1

    def _resume_all(self, sock: socket.socket) -> None:
        with self._lock:
            requests = [r for r in self._inflight.values() if r.sent]
            sessions = list(self._sessions.values())
        settled: set = set()
        running: set = set()
        for session in sessions:
            waiting = [r.id for r in requests if session.id in r.sessions]
            try:
                answer = self._sync_call(
                    sock, {"op": "resume", "session": session.id, "token": session.token, "waiting": waiting}
                )
            except TroupeError as error:
                # The session is gone (its lease expired) or refused: its requests fail with that.
                self._forget(session.id)
                failed = {"ok": False, "error": {"code": error.code, "message": error.message}}
                for request_id in waiting:
                    if request_id not in settled:
                        self._store([{**failed, "id": request_id}])
                        settled.add(request_id)
                continue
            replies = answer.get("replies", [])
            self._store(replies)
            settled.update(reply.get("id") for reply in replies)
            running.update(answer.get("pending", []))
        resend = [r for r in requests if r.id not in settled and r.id not in running and r.id in self._inflight]
        if resend:
            sock.sendall(b"".join(r.frame for r in resend))

    def _give_up(self, message: str) -> None:
        with self._lock:
            self._broken = ConnectionLost(message)
            self._inflight.clear()
            self._cond.notify_all()


def _frame(request: Dict[str, JSON]) -> bytes:
    return (json.dumps(request, separators=(",", ":"), ensure_ascii=False) + "\n").encode()

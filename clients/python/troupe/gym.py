"""Troupe environments as `gymnasium.Env`s: ``gymnasium.make("troupe/alfworld-v0", …)``.

Each `TroupeEnv` is one session on an envd. Which envd: the ``address`` argument, else
``$TROUPE_ENVD``, else envd's default socket when a server answers there, else (unless
``spawn=False``) a private envd this process starts once and shares (`troupe.server`). Every
environment of one process and one address shares one connection.

Observations and actions are strings for text environments (`TextSpace`, Gymnasium's `Text`
with any characters) and JSON values otherwise (`JSONSpace`). ``info`` is the environment's, as
envd sends it. Seeding follows Gymnasium: ``reset(seed=s)`` makes the episode a pure function of
(configuration, s, actions); ``reset()`` continues the session's random stream.
"""

from __future__ import annotations

import json
import os
import string
import threading
from typing import Any, Dict, List, Optional, SupportsFloat, Tuple

import gymnasium
from gymnasium import spaces

from . import catalog
from .address import Address, AddressLike, resolve
from .client import Client, Session, StepResult
from .errors import NoServer
from .server import PrivateServer, find_envd

_PRINTABLE = string.ascii_letters + string.digits + " .,:;!?'-_/()"


class TextSpace(spaces.Text):
    """Strings of at most `max_length` characters, any characters (observations are natural
    language). Samples are short strings of letters, digits and punctuation."""

    def __init__(self, max_length: Optional[int] = None, seed: Optional[int] = None) -> None:
        super().__init__(max_length if max_length is not None else 1 << 20, min_length=0, charset=_PRINTABLE, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        if mask is not None or probability is not None:
            return super().sample(mask=mask, probability=probability)
        length = int(self.np_random.integers(1, min(self.max_length, 24) + 1))
        return "".join(self._char_list[i] for i in self.np_random.integers(0, len(self._char_list), size=length))

    def __repr__(self) -> str:
        return f"TextSpace(max_length={self.max_length})"


class JSONSpace(spaces.Space):
    """Any JSON value (what envd's `json` spaces hold); `schema` is the spec's JSON Schema.
    Samples are short strings, which every current JSON action space accepts as text."""

    def __init__(self, schema: Optional[Dict[str, Any]] = None, seed: Optional[int] = None) -> None:
        super().__init__(shape=None, dtype=None, seed=seed)
        self.schema = schema or {}
        self._text = TextSpace(seed=seed)

    def contains(self, x: Any) -> bool:
        try:
            json.dumps(x, allow_nan=False)
        except (TypeError, ValueError):
            return False
        return True

    def seed(self, seed: Optional[int] = None) -> Any:
        self._text.seed(seed)
        return super().seed(seed)

    def sample(self, mask: Any = None, probability: Any = None) -> Any:
        return self._text.sample()

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "JSONSpace()"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, JSONSpace) and other.schema == self.schema


def space(description: Dict[str, Any]) -> spaces.Space:
    """A Gymnasium space for an envd space (`{"kind": "text"|"json", …}`)."""
    if description.get("kind") == "text":
        return TextSpace(description.get("max_length"))
    return JSONSpace(description.get("schema"))


class _Shared:
    """The process's connections by address, and its private envd (started at most once)."""

    lock = threading.Lock()
    clients: Dict[Address, Client] = {}
    users: Dict[Address, int] = {}
    private: Optional[PrivateServer] = None


def _default_server_answers() -> Optional[Address]:
    address = resolve(None)
    try:
        address.connect(timeout=2.0).close()
    except OSError:
        return None
    return address


def acquire_client(address: Optional[AddressLike] = None, spawn: bool = True) -> Client:
    """The process's shared `Client` for an address (found as the module describes)."""
    with _Shared.lock:
        if address is not None or os.environ.get("TROUPE_ENVD"):
            target = resolve(address)
        else:
            target = _default_server_answers()
            if target is None:
                if _Shared.private is None:
                    if not spawn or find_envd() is None:
                        raise NoServer(
                            f"no envd answers at {resolve(None)}: start `envd serve`, set TROUPE_ENVD, pass "
                            "address=…, or set TROUPE_ENVD_BIN (or put envd on PATH) to let troupe start one"
                        )
                    _Shared.private = PrivateServer()
                target = _Shared.private.address
        client = _Shared.clients.get(target)
        if client is None:
            client = Client(target)
            _Shared.clients[target] = client
        _Shared.users[target] = _Shared.users.get(target, 0) + 1
        return client


def release_client(client: Client) -> None:
    """Gives back a client from `acquire_client`; the last user closes it."""
    with _Shared.lock:
        count = _Shared.users.get(client.address, 0) - 1
        if count > 0:
            _Shared.users[client.address] = count
            return
        _Shared.users.pop(client.address, None)
        _Shared.clients.pop(client.address, None)
    client.close()


class TroupeEnv(gymnasium.Env):
    """One envd session as a Gymnasium environment.

    Args:
        env_id: the envd environment (``alfworld-v0``); ``gymnasium.make("troupe/alfworld-v0")``
            fills it in.
        config: the environment's configuration (``make``'s ``config``).
        seed: the session seed (where its random stream starts before any seeded reset).
        address: where envd listens (see `troupe.address`); default as the module describes.
        spawn: whether to start a private envd when none is found.
        render_mode: ``None`` or ``"ansi"`` (``render()`` returns the last observation as text).
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        env_id: str,
        config: Optional[Dict[str, Any]] = None,
        seed: Optional[int] = None,
        address: Optional[AddressLike] = None,
        spawn: bool = True,
        render_mode: Optional[str] = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.render_mode = render_mode
        self.env_id = env_id
        self.client = acquire_client(address, spawn)
        try:
            self.session: Optional[Session] = self.client.make(env_id, config, seed)
        except BaseException:
            release_client(self.client)
            raise
        self.troupe_spec: Dict[str, Any] = self.session.spec
        self.observation_space = space(self.troupe_spec["observation"])
        self.action_space = space(self.troupe_spec["action"])
        low, high = self.troupe_spec.get("reward_range", [0.0, 1.0])
        self.reward_range = (float(low), float(high))
        self._last: Any = None

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None
    ) -> Tuple[Any, Dict[str, Any]]:
        super().reset(seed=seed)
        result = self._live().reset(seed=seed, options=options or None)
        self._last = result.observation
        return result.observation, result.info

    def step(self, action: Any) -> Tuple[Any, SupportsFloat, bool, bool, Dict[str, Any]]:
        result: StepResult = self._live().step(action)
        self._last = result.observation
        return result.observation, result.reward, result.terminated, result.truncated, result.info

    def render(self) -> Optional[str]:
        if self.render_mode == "ansi":
            return self._last if isinstance(self._last, str) else json.dumps(self._last)
        return None

    def close(self) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        try:
            session.close()
        finally:
            release_client(self.client)

    def _live(self) -> Session:
        if self.session is None:
            raise RuntimeError(f"troupe/{self.env_id} is closed")
        return self.session


def register_envs(ids: Optional[List[str]] = None) -> None:
    """Registers ``troupe/<id>`` with Gymnasium for each environment id (default: the built-in
    catalog, `troupe.catalog.ENVIRONMENTS`). Safe to call more than once."""
    from gymnasium.envs.registration import register, registry

    for env_id in ids if ids is not None else catalog.ENVIRONMENTS:
        name = f"troupe/{env_id}"
        if name in registry:
            continue
        register(
            id=name,
            entry_point="troupe.gym:TroupeEnv",
            kwargs={"env_id": env_id},
            nondeterministic=env_id in catalog.NONDETERMINISTIC,
        )

"""Troupe's Python client.

- `Client` / `Session`: envd's native protocol (sessions, pipelining with ``submit_*``, `batch`,
  automatic resume after a dropped connection). See ``docs/clients/python.md``.
- `TroupeEnv`: a `gymnasium.Env` per envd environment; ``gymnasium.make("troupe/alfworld-v0")``.
- `PrivateServer`: start an envd of your own.

Importing the package registers the Gymnasium environments (``gymnasium.register_envs(troupe)``
is the idiom Gymnasium 1.x recommends; the installed ``.pth`` hook makes even that optional).
"""

from .address import Address, default_socket_path
from .client import BatchItem, Client, Pending, ResetResult, Session, StepResult
from .errors import ConnectionLost, NoServer, TroupeError
from .gym import JSONSpace, TextSpace, TroupeEnv, register_envs
from .server import PrivateServer, find_envd

register_envs()

__all__ = [
    "Address",
    "BatchItem",
    "Client",
    "ConnectionLost",
    "JSONSpace",
    "NoServer",
    "Pending",
    "PrivateServer",
    "ResetResult",
    "Session",
    "StepResult",
    "TextSpace",
    "TroupeEnv",
    "TroupeError",
    "default_socket_path",
    "find_envd",
    "register_envs",
]

__version__ = "0.1.0"

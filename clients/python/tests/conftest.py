"""Fixtures: a private envd for the whole run (the binary from $TROUPE_ENVD_BIN, else the debug
build of this checkout, else envd on PATH; scripts/test sets $TROUPE_ENVD_BIN)."""

from __future__ import annotations

import os
import pathlib
from typing import Iterator

import pytest

from troupe import Client, PrivateServer

ROOT = pathlib.Path(__file__).resolve().parents[3]


def envd_binary() -> str:
    for candidate in (os.environ.get("TROUPE_ENVD_BIN"), str(ROOT / ".build/debug/envd"), str(ROOT / ".build/release/envd")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("no envd binary: build it (swift build --product envd) or set TROUPE_ENVD_BIN")


@pytest.fixture(scope="session")
def envd_bin() -> str:
    binary = envd_binary()
    os.environ["TROUPE_ENVD_BIN"] = binary
    return binary


@pytest.fixture(scope="session")
def envd(envd_bin: str) -> Iterator[PrivateServer]:
    with PrivateServer(envd_bin, args=["--log-level", "warning"]) as server:
        yield server


@pytest.fixture()
def client(envd: PrivateServer) -> Iterator[Client]:
    with Client(envd.address) as client:
        yield client

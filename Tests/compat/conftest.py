"""Fixtures for the compatibility tests (OpenEnv, AgentGym): the troupe package's own
(`clients/python/tests/conftest.py`: `envd_bin`, a private `envd` for the run, a `client`),
loaded from there so that the two suites find envd the same way."""

from __future__ import annotations

import importlib.util
import pathlib

_path = pathlib.Path(__file__).resolve().parents[2] / "clients/python/tests/conftest.py"
_spec = importlib.util.spec_from_file_location("troupe_test_fixtures", _path)
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

envd_bin = _fixtures.envd_bin
envd = _fixtures.envd
client = _fixtures.client

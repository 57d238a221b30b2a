"""Makes ``gymnasium.make("troupe/<id>")`` work without ``import troupe``.

Gymnasium 1.x no longer loads the ``gymnasium.envs`` entry point, so the package installs a
``.pth`` file that imports this module at interpreter start. It imports nothing heavy: it puts a
finder on ``sys.meta_path`` that waits for ``gymnasium`` to be imported and, once Gymnasium's own
module has run, registers Troupe's environments. ``TROUPE_NO_AUTOREGISTER=1`` turns it off.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any, Optional, Sequence


def _register() -> None:
    try:
        from troupe.gym import register_envs

        register_envs()
    except Exception as error:  # never break `import gymnasium`
        print(f"troupe: could not register environments with gymnasium: {error}", file=sys.stderr)


class _GymnasiumHook(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: Optional[ModuleType] = None) -> Any:
        if fullname != "gymnasium":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("gymnasium")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            _register()

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    if os.environ.get("TROUPE_NO_AUTOREGISTER"):
        return
    if "gymnasium" in sys.modules:
        _register()
    elif not any(isinstance(finder, _GymnasiumHook) for finder in sys.meta_path):
        sys.meta_path.insert(0, _GymnasiumHook())


install()

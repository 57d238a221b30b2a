"""Installs `troupe-gymnasium.pth` beside the package: a one-line hook that makes
`gymnasium.make("troupe/alfworld-v0")` work without `import troupe` (see troupe/_autoregister.py).
Everything else is in pyproject.toml."""

import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithHook(build_py):
    def run(self) -> None:
        super().run()
        self.copy_file("troupe-gymnasium.pth", os.path.join(self.build_lib, "troupe-gymnasium.pth"))


setup(cmdclass={"build_py": BuildWithHook})
